<?php
/*
 * Self-test of OAuth 2 on the test relay, end to end and without the smtpmail
 * extension: the scripted IdP (idp.php) issues tokens, a plain PHP SMTP client
 * presents them to the relay's OAuth port with AUTH XOAUTH2 / OAUTHBEARER,
 * and Dovecot's oauth2 passdb asks the IdP's introspection endpoint.
 *
 *   tests/relay/start && php tests/oauth/selftest.php
 *
 * Needs the relay running (it reads SMTPMAIL_RELAY_DIR/env.php) and the IdP's
 * fixed port (SMTPMAIL_TEST_PORT_IDP) free; it takes that port's lock, so it
 * waits for a test that holds it. Prints one line per check; exit status 0
 * when all passed, 1 when one failed, 2 when the relay is not there.
 */

declare(strict_types=1);

require __DIR__ . '/idp.inc';
require __DIR__ . '/../relay/mailbox.php';

const IO_SECONDS = 10;

$passed = $failed = 0;

function check(string $name, bool $ok, string $detail = ''): void
{
    global $passed, $failed;
    $ok ? $passed++ : $failed++;
    echo ($ok ? 'ok' : 'not ok') . " - $name" . ($ok || $detail === '' ? '' : ": $detail") . "\n";
}

/* An HTTP request with PHP's own client, verifying the IdP's certificate. */
function http(string $url, string $cafile, ?array $form = null): array
{
    $ctx = stream_context_create([
        'http' => ['method' => $form === null ? 'GET' : 'POST', 'ignore_errors' => true, 'timeout' => IO_SECONDS,
            'header' => "Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n",
            'content' => $form === null ? '' : http_build_query($form, '', '&', PHP_QUERY_RFC3986)],
        'ssl' => ['cafile' => $cafile, 'peer_name' => '127.0.0.1'],
    ]);
    $body = @file_get_contents($url, false, $ctx);
    $status = preg_match('#^HTTP/1\.[01] (\d{3})#', $http_response_header[0] ?? '', $m) ? (int)$m[1] : 0;
    return [$status, $body === false ? '' : $body];
}

function token(array $idp): string
{
    [$status, $body] = http($idp['url'], $idp['cafile'], ['grant_type' => 'client_credentials',
        'client_id' => IDP_CLIENT_ID, 'client_secret' => IDP_CLIENT_SECRET, 'scope' => 'https://outlook.office.com/.default']);
    $json = json_decode($body, true);
    if ($status !== 200 || !is_string($json['access_token'] ?? null)) {
        throw new RuntimeException("token endpoint answered $status: $body");
    }
    return $json['access_token'];
}

/* A minimal SMTP client: connects to the OAuth port, STARTTLS, EHLO again. */
final class Smtp
{
    /** @var resource */
    private $s;
    public string $ehlo = '';

    public function __construct(array $env, int $port)
    {
        $ctx = stream_context_create(['ssl' => ['cafile' => $env['SMTPMAIL_TEST_CA'],
            'peer_name' => $env['SMTPMAIL_TEST_TLS_NAME']]]);
        $s = @stream_socket_client("tcp://{$env['SMTPMAIL_TEST_HOST']}:$port", $no, $str, IO_SECONDS,
            STREAM_CLIENT_CONNECT, $ctx);
        if ($s === false) {
            throw new RuntimeException("connect to port $port: $str");
        }
        stream_set_timeout($s, IO_SECONDS);
        $this->s = $s;
        $this->reply();
        $this->cmd('EHLO selftest.smtpmail.test');
        $this->cmd('STARTTLS');
        if (!stream_socket_enable_crypto($s, true, STREAM_CRYPTO_METHOD_TLSv1_2_CLIENT | STREAM_CRYPTO_METHOD_TLSv1_3_CLIENT)) {
            throw new RuntimeException('TLS handshake failed');
        }
        $this->ehlo = $this->cmd('EHLO selftest.smtpmail.test');
    }

    /* One whole reply (RFC 5321 4.2: "xyz-" continues, "xyz " ends). */
    public function reply(): string
    {
        $all = '';
        while (($line = fgets($this->s, 4096)) !== false) {
            $all .= $line;
            if (strlen($line) < 4 || $line[3] !== '-') {
                break;
            }
        }
        return $all;
    }

    public function cmd(string $line): string
    {
        fwrite($this->s, "$line\r\n");
        return $this->reply();
    }

    public function close(): void
    {
        @fwrite($this->s, "QUIT\r\n");
        fclose($this->s);
    }
}

function xoauth2(string $user, string $token): string
{
    return base64_encode("user=$user\x01auth=Bearer $token\x01\x01");
}

/* RFC 7628 3.1: gs2 header with the authzid, then host, port and auth. */
function oauthbearer(string $user, string $token, int $port): string
{
    return base64_encode("n,a=$user,\x01host=127.0.0.1\x01port=$port\x01auth=Bearer $token\x01\x01");
}

/* AUTH in one line; a 334 error challenge is answered as each mechanism says
 * (XOAUTH2: an empty line; OAUTHBEARER, RFC 7628 3.2.3: a single %x01).
 * Returns [first reply, final reply, decoded error JSON or null]. */
function auth(Smtp $c, string $mech, string $ir): array
{
    $first = $c->cmd("AUTH $mech $ir");
    if (!str_starts_with($first, '334 ')) {
        return [$first, $first, null];
    }
    $json = json_decode((string)base64_decode(trim(substr($first, 4)), true), true);
    $final = $c->cmd($mech === 'OAUTHBEARER' ? base64_encode("\x01") : '');
    return [$first, $final, $json];
}

function code(string $reply): string
{
    return substr($reply, 0, 3);
}

function main(): int
{
    global $failed, $passed;
    try {
        $env = relay_env();
    } catch (RuntimeException $e) {
        echo "selftest: {$e->getMessage()}\n";
        return 2;
    }
    if (!isset($env['SMTPMAIL_TEST_PORT_OAUTH'], $env['SMTPMAIL_TEST_PORT_IDP'])) {
        echo "selftest: the relay was started without the OAuth port (an older tests/relay/start)\n";
        return 2;
    }
    $user = $env['SMTPMAIL_TEST_USER'];
    $port = $env['SMTPMAIL_TEST_PORT_OAUTH'];
    $idpPort = $env['SMTPMAIL_TEST_PORT_IDP'];

    $idp = idp_start(['port' => $idpPort, 'max_seconds' => 120]);
    check("IdP listens on the fixed port $idpPort with the relay's certificate",
        $idp['port'] === $idpPort && $idp['cafile'] === $env['SMTPMAIL_TEST_CA'], json_encode($idp));
    [$st, $body] = http($idp['health'], $idp['cafile']);
    check('GET /health answers 200 ok (certificate verified against ca.pem)', $st === 200 && $body === 'ok', "$st $body");
    $token = token($idp);
    check('client_credentials grant returns a Bearer token', strlen($token) === 40);

    $c = new Smtp($env, $port);
    check("$port: EHLO after STARTTLS offers XOAUTH2, OAUTHBEARER and PLAIN",
        (bool)preg_match('/^250[- ]AUTH (?=.*\bXOAUTH2\b)(?=.*\bOAUTHBEARER\b)(?=.*\bPLAIN\b).*$/m', $c->ehlo), $c->ehlo);
    [$r] = auth($c, 'XOAUTH2', xoauth2($user, $token));
    check("$port: AUTH XOAUTH2 with the issued token: 235", code($r) === '235', $r);
    $rcpt = 'oauth' . getmypid() . '-' . time();
    $ok = code($c->cmd("MAIL FROM:<$user>")) === '250' && code($c->cmd("RCPT TO:<$rcpt@smtpmail.test>")) === '250'
        && code($c->cmd('DATA')) === '354';
    $r = $ok ? $c->cmd("Subject: oauth selftest\r\n\r\nsent after AUTH XOAUTH2\r\n.") : 'MAIL/RCPT/DATA refused';
    check("$port: mail accepted after XOAUTH2", code($r) === '250', $r);
    $c->close();
    try {
        $msg = relay_wait_for($rcpt, 1, 10.0)[0];
        check('delivered, Received: names the XOAUTH2-authenticated user',
            (bool)preg_match('/\(Authenticated sender: ' . preg_quote($user, '/') . '\)/', $msg), $msg);
    } catch (RuntimeException $e) {
        check('delivered, Received: names the XOAUTH2-authenticated user', false, $e->getMessage());
    }

    $c = new Smtp($env, $port);
    [$r] = auth($c, 'OAUTHBEARER', oauthbearer($user, $token, $port));
    check("$port: AUTH OAUTHBEARER with the issued token: 235", code($r) === '235', $r);
    $c->close();

    $c = new Smtp($env, $port);
    [$first, $final, $json] = auth($c, 'XOAUTH2', xoauth2($user, 'not-a-token-the-idp-issued'));
    check("$port: XOAUTH2 with an unknown token: 334 with a base64 JSON error", str_starts_with($first, '334 ') && is_array($json),
        $first);
    check("$port: ... then 535 after the client's empty line", code($final) === '535', $final);
    echo '     (334 JSON: ' . json_encode($json) . ")\n";
    $c->close();

    $c = new Smtp($env, $port);
    [$first, $final, $json] = auth($c, 'OAUTHBEARER', oauthbearer($user, 'not-a-token-the-idp-issued', $port));
    check("$port: OAUTHBEARER with an unknown token: 334 JSON error, then 535 after %x01",
        str_starts_with($first, '334 ') && is_array($json) && code($final) === '535', "$first$final");
    $c->close();

    $c = new Smtp($env, $port);
    [, $final] = auth($c, 'XOAUTH2', xoauth2('someone-else@smtpmail.test', $token));
    check("$port: a good token presented for another user: 535", code($final) === '535', $final);
    [$r] = auth($c, 'PLAIN', base64_encode("\0$user\0{$env['SMTPMAIL_TEST_PASSWORD']}"));
    check("$port: AUTH PLAIN with the password still works there (passwd-file)", code($r) === '235', $r);
    $c->close();

    /* Postfix only hides XOAUTH2 from the other ports' EHLO; Dovecot's deny
     * passdb (service "smtp", not "smtp-oauth") is what refuses it there. */
    $asked = count(idp_introspections($idp));
    $sub = $env['SMTPMAIL_TEST_PORT_STARTTLS'];
    $c = new Smtp($env, $sub);
    [, $final] = auth($c, 'XOAUTH2', xoauth2($user, $token));
    check("$sub: a valid token sent unadvertised (AUTH XOAUTH2) is refused with 535, the IdP not asked",
        code($final) === '535' && count(idp_introspections($idp)) === $asked, $final);
    $c->close();

    idp_revoke($idp);
    $c = new Smtp($env, $port);
    [, $final] = auth($c, 'XOAUTH2', xoauth2($user, $token));
    check("$port: the same token after the IdP revoked it: 535", code($final) === '535', $final);
    $c->close();

    $seen = idp_introspections($idp);
    check('Dovecot asked the IdP (introspection POSTs: active for the good token, inactive otherwise)',
        array_column($seen, 'active') === [true, true, false, false, true, false], json_encode(array_column($seen, 'active')));
    idp_stop($idp);

    /* Short-lived, long tokens: the 1200-byte token makes a ~1.6 KB AUTH line. */
    $idp = idp_start(['port' => $idpPort, 'expires_in' => 2, 'token_length' => 1200, 'max_seconds' => 60]);
    $long = token($idp);
    $c = new Smtp($env, $port);
    [$r] = auth($c, 'XOAUTH2', xoauth2($user, $long));
    check("$port: XOAUTH2 with a 1200-byte token (AUTH line of " . strlen('AUTH XOAUTH2 ' . xoauth2($user, $long)) . ' bytes): 235',
        code($r) === '235', $r);
    $c->close();
    usleep(2200000);
    $c = new Smtp($env, $port);
    [, $final] = auth($c, 'XOAUTH2', xoauth2($user, $long));
    check("$port: the same token once expired (expires_in 2, 2.2 s later): 535", code($final) === '535', $final);
    $c->close();
    idp_stop($idp);

    $c = new Smtp($env, $port);
    [$first, $final] = auth($c, 'XOAUTH2', xoauth2($user, $long));
    /* Dovecot 2.3.19 logs the connection error and answers 535 at once (no
     * 334 challenge): a client cannot tell an unreachable IdP from a bad
     * token here. 454 (temporary) would be the better answer. */
    check("$port: no IdP listening: refused with 535 (or 454)",
        in_array(code($final), ['454', '535'], true), "$first$final");
    echo '     (no IdP: ' . ($first === $final ? 'at once ' : trim($first) . ', then ') . trim($final) . ")\n";
    $c->close();

    $c = new Smtp($env, $env['SMTPMAIL_TEST_PORT_STARTTLS']);
    check("{$env['SMTPMAIL_TEST_PORT_STARTTLS']}: EHLO still offers exactly PLAIN LOGIN CRAM-MD5",
        (bool)preg_match('/^250[- ]AUTH PLAIN LOGIN CRAM-MD5\r$/m', $c->ehlo), $c->ehlo);
    $c->close();

    echo "oauth selftest: $passed passed, $failed failed\n";
    return $failed === 0 ? 0 : 1;
}

try {
    exit(main());
} catch (Throwable $e) {
    echo 'not ok - ' . get_class($e) . ': ' . $e->getMessage() . "\n";
    exit(1);
}
