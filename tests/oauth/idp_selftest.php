<?php
/*
 * Self-test of the scripted identity provider alone (no relay, no extension):
 *   php tests/oauth/idp_selftest.php
 * Talks raw HTTP/1.1 over TLS to it, so what is checked is the bytes a client
 * of the token endpoint sees: status lines, framing (Content-Length, chunked,
 * Connection: close), grants, rotation, scripted errors, limits, and that the
 * server goes away with the process that started it.
 */

declare(strict_types=1);

require __DIR__ . '/idp.inc';

$passed = $failed = 0;

function check(string $name, bool $ok, string $detail = ''): void
{
    global $passed, $failed;
    $ok ? $passed++ : $failed++;
    echo ($ok ? 'ok' : 'not ok') . " - $name" . ($ok || $detail === '' ? '' : ': ' . substr($detail, 0, 600)) . "\n";
}

/** @return resource */
function connect(array $idp)
{
    $tls = str_starts_with($idp['url'], 'https:');
    $ctx = stream_context_create(['ssl' => ['cafile' => $idp['cafile'], 'peer_name' => '127.0.0.1']]);
    $s = stream_socket_client(($tls ? 'tls' : 'tcp') . "://127.0.0.1:{$idp['port']}", $no, $str, 5, STREAM_CLIENT_CONNECT, $ctx);
    if ($s === false) {
        throw new RuntimeException("connect: $str");
    }
    stream_set_timeout($s, 5);
    return $s;
}

function form_request(array $fields, string $extra = '', string $path = '/token'): string
{
    $body = http_build_query($fields, '', '&', PHP_QUERY_RFC3986);
    return "POST $path HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        . $extra . 'Content-Length: ' . strlen($body) . "\r\n\r\n" . $body;
}

/* One response: [status, headers (lower-case names), body (de-chunked), raw]. */
function response($s): array
{
    $raw = '';
    while (!str_contains($raw, "\r\n\r\n") && ($l = fgets($s)) !== false) {
        $raw .= $l;
    }
    $head = explode("\r\n", trim($raw));
    $status = (int)(explode(' ', $head[0] ?? '')[1] ?? 0);
    $h = [];
    foreach (array_slice($head, 1) as $line) {
        [$k, $v] = array_map('trim', explode(':', $line, 2)) + [1 => ''];
        $h[strtolower($k)] = $v;
    }
    $body = '';
    if (isset($h['content-length'])) {
        $n = (int)$h['content-length'];
        while (strlen($body) < $n && ($d = fread($s, $n - strlen($body))) !== false && $d !== '') {
            $body .= $d;
        }
        $raw .= $body;
    } elseif (($h['transfer-encoding'] ?? '') === 'chunked') {
        while (($line = fgets($s)) !== false) {
            $raw .= $line;
            $size = hexdec(explode(';', trim($line))[0]);
            $chunk = $size > 0 ? stream_get_contents($s, $size) : '';
            $crlf = fread($s, 2);
            $raw .= $chunk . $crlf;
            $body .= $chunk;
            if ($size === 0) {
                break;
            }
        }
    }
    return [$status, $h, $body, $raw];
}

function ask(array $idp, string $request): array
{
    $s = connect($idp);
    fwrite($s, $request);
    $r = response($s);
    fclose($s);
    return $r;
}

const CC = ['grant_type' => 'client_credentials', 'client_id' => IDP_CLIENT_ID, 'client_secret' => IDP_CLIENT_SECRET];

$idp = idp_start(['rotate' => true, 'expires_in' => 1,
    'errors' => [3 => [401, ['error' => 'invalid_client', 'error_description' => 'AADSTS7000222: The provided client secret keys are expired.']]]]);
check('started, https URL and a CA file', str_starts_with($idp['url'], 'https://127.0.0.1:') && is_file($idp['cafile']));

[$st, $h, $body] = ask($idp, form_request(CC + ['scope' => 'https://outlook.office.com/.default']));
$j = json_decode($body, true);
check('client_credentials: 200, Bearer token, expires_in, scope echoed, Content-Length framing',
    $st === 200 && $j['token_type'] === 'Bearer' && strlen($j['access_token']) === 40 && $j['expires_in'] === 1
        && $j['scope'] === 'https://outlook.office.com/.default' && !isset($j['refresh_token'])
        && (int)$h['content-length'] === strlen($body) && $h['cache-control'] === 'no-store', $body);
$first = $j['access_token'];

$basic = 'Authorization: Basic ' . base64_encode(rawurlencode(IDP_CLIENT_ID) . ':' . rawurlencode(IDP_CLIENT_SECRET)) . "\r\n";
[$st, , $body] = ask($idp, form_request(['grant_type' => 'refresh_token', 'refresh_token' => IDP_REFRESH_TOKEN], $basic));
$j = json_decode($body, true);
check('refresh_token grant with HTTP Basic client auth (form-encoded "~"): 200 and a rotated refresh token',
    $st === 200 && str_starts_with($j['refresh_token'] ?? '', 'rt-2-'), $body);
$rotated = $j['refresh_token'] ?? '';

[$st, , $body] = ask($idp, form_request(CC));
check('request 3 gets the scripted error verbatim', $st === 401 && str_contains($body, 'AADSTS7000222'), $body);

[$st, , $body] = ask($idp, form_request(['grant_type' => 'refresh_token', 'refresh_token' => IDP_REFRESH_TOKEN] + CC));
check('the old refresh token after rotation: 400 invalid_grant', $st === 400 && json_decode($body, true)['error'] === 'invalid_grant', $body);
[$st] = ask($idp, form_request(['grant_type' => 'refresh_token', 'refresh_token' => $rotated] + CC));
check('the rotated refresh token: 200', $st === 200);

[$st, $h, $body] = ask($idp, form_request(['client_secret' => 'wrong'] + CC));
check('wrong secret: 401 invalid_client', $st === 401 && json_decode($body, true)['error'] === 'invalid_client', $body);
[$st, $h] = ask($idp, form_request(['grant_type' => 'client_credentials'], 'Authorization: Basic ' . base64_encode('test-client:nope') . "\r\n"));
check('wrong secret over HTTP Basic: 401 with WWW-Authenticate', $st === 401 && isset($h['www-authenticate']));
[$st, , $body] = ask($idp, form_request(['grant_type' => 'password'] + CC));
check('unknown grant_type: 400 unsupported_grant_type', $st === 400 && json_decode($body, true)['error'] === 'unsupported_grant_type', $body);
[$st, , $body] = ask($idp, str_replace('x-www-form-urlencoded', 'json', form_request(CC)));
check('a JSON body: 400 invalid_request', $st === 400 && json_decode($body, true)['error'] === 'invalid_request', $body);
[$st, $h] = ask($idp, "GET /token HTTP/1.1\r\nHost: x\r\n\r\n");
check('GET /token: 405 with Allow: POST', $st === 405 && $h['allow'] === 'POST');
[$st] = ask($idp, "POST /oauth2/v2.0/token HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
check('another path: 404', $st === 404);
[$st, , $body] = ask($idp, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
check('GET /health: 200 ok', $st === 200 && $body === 'ok');
[$st, $h] = ask($idp, "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 70000\r\n\r\n");
check('a 70000-byte body is refused before it is read: 413, Connection: close', $st === 413 && ($h['connection'] ?? '') === 'close');
[$st] = ask($idp, "POST /token HTTP/1.1\r\nHost: x\r\n\r\n");
check('POST without Content-Length: 411', $st === 411);

/* Keep-alive and pipelining: two requests in one write, two answers in order. */
$s = connect($idp);
fwrite($s, form_request(CC) . "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
[$st1] = response($s);
[$st2, , $b2] = response($s);
fwrite($s, form_request(CC, "Connection: close\r\n"));
[$st3, $h3] = response($s);
$eof = fread($s, 1) === '' && feof($s);
fclose($s);
check('keep-alive: two pipelined requests answered in order on one connection', $st1 === 200 && $st2 === 200 && $b2 === 'ok');
check('Connection: close is honoured (header sent, then EOF)', $st3 === 200 && ($h3['connection'] ?? '') === 'close' && $eof);

[$st, , $body] = ask($idp, form_request(['token' => $first], '', '/introspect'));
check('introspection of a live token: active, username', json_decode($body, true)['active'] === true
    && json_decode($body, true)['username'] === 'tester@smtpmail.test', $body);
usleep(1100000);
[$st, , $body] = ask($idp, form_request(['token' => $first], '', '/introspect'));
check('introspection after expires_in (1 s): {"active":false}', $body === '{"active":false}', $body);

$req = idp_requests($idp);
check('idp_requests(): every token request, the secret never kept',
    count($req) === 11 && $req[0]['client_secret_ok'] === true && $req[1]['client_auth'] === 'basic'
        && $req[2]['scripted'] === true && $req[5]['client_secret_ok'] === false
        && !str_contains((string)file_get_contents($idp['records']), IDP_CLIENT_SECRET), json_encode($req[0]));
check('idp_tokens(): issued tokens with expiry', count(idp_tokens($idp)) === 5 && idp_tokens($idp)[0]['access_token'] === $first);
idp_stop($idp);
check('idp_stop() removes its files', !file_exists($idp['records']) && !file_exists($idp['log']));

/* Chunked replies, plain http, delays that overlap, a 1200-byte token. */
$idp = idp_start(['tls' => false, 'chunked' => true, 'delay_ms' => 600, 'token_length' => 1200, 'expires_as_string' => true]);
[$st, $h, $body, $raw] = ask($idp, form_request(CC));
$j = json_decode($body, true);
check('chunked: Transfer-Encoding: chunked, several chunks with an extension, decodes to the token',
    $st === 200 && $h['transfer-encoding'] === 'chunked' && str_contains($raw, "\r\n7;idp=1\r\n")
        && strlen($j['access_token'] ?? '') === 1200 && $j['expires_in'] === '3600', $raw);
$t0 = microtime(true);
$conns = [];
for ($i = 0; $i < 3; $i++) {
    $conns[$i] = connect($idp);
    fwrite($conns[$i], form_request(CC));
}
$codes = array_map(fn ($s) => response($s)[0], $conns);
$took = microtime(true) - $t0;
check(sprintf('three concurrent requests with delay_ms 600 overlap (sequential: 1.8 s) (%.2f s for all)', $took), $codes === [200, 200, 200] && $took < 1.5);
$times = array_slice(array_column(idp_requests($idp), 'time'), -3);
check('... and were all received before the first answer went out', max($times) - min($times) < 0.6);
idp_stop($idp);

/* 'connections': exits after serving that many. */
$idp = idp_start(['connections' => 1, 'tls' => false]);
ask($idp, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
usleep(300000);
$gone = @stream_socket_client("tcp://127.0.0.1:{$idp['port']}", $no, $str, 1) === false;
check("connections => 1: exits after the first connection", $gone && str_contains(idp_log($idp), 'served 1 connection'), idp_log($idp));
idp_stop($idp);

/* A fixed port is taken under a lock and reusable right after idp_stop(). */
$probe = stream_socket_server('tcp://127.0.0.1:0');
$port = (int)substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
fclose($probe);
$a = idp_start(['port' => $port, 'tls' => false]);
idp_stop($a);
$b = idp_start(['port' => $port, 'tls' => false]);
check("fixed port $port: started, stopped, started again", $a['port'] === $port && $b['port'] === $port
    && ask($b, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")[0] === 200);
idp_stop($b);

/* The server goes when the process that started it dies (its stdin closes). */
$child = proc_open([PHP_BINARY, '-n', '-r', 'require $argv[1]; $i = idp_start(["tls" => false]); echo $i["port"], "\n"; sleep(30);',
    __DIR__ . '/idp.inc'], [1 => ['pipe', 'w']], $pipes);
$port = (int)fgets($pipes[1]);
proc_terminate($child, 9);
proc_close($child);
$until = microtime(true) + 5;
do {
    usleep(100000);
    $s = @stream_socket_client("tcp://127.0.0.1:$port", $no, $str, 1);
} while ($s !== false && microtime(true) < $until);
check('killed parent (SIGKILL): the IdP exits on its own', $port > 0 && $s === false);

echo "idp selftest: $passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
