<?php
/*
 * Scripted OAuth 2 identity provider for the smtpmail tests: a token endpoint
 * (RFC 6749 section 4.4 client_credentials and section 6 refresh_token grants)
 * and an RFC 7662 introspection endpoint that the test relay's Dovecot asks
 * whether a token presented in AUTH XOAUTH2 / OAUTHBEARER is valid.
 *
 *   php tests/oauth/idp.php CONFIG.php BASE
 *
 * CONFIG.php returns the array idp_start() was given (keys in tests/oauth/idp.inc).
 * It listens on 127.0.0.1 (an ephemeral port unless 'port' names one), prints
 * "PORT <n>\n" on stdout and serves HTTP/1.1 (keep-alive, several connections
 * at once, TLS unless 'tls' => false) until one of: max_seconds passed, its
 * stdin reaches EOF (the test that started it has gone), "quit" arrives on
 * stdin, or 'connections' connections have been served and closed.
 *
 *   POST /token       form fields grant_type, client_id, client_secret, scope,
 *                     refresh_token; client authentication in the body or as
 *                     HTTP Basic (RFC 6749 2.3.1). 200 with a Bearer token, or
 *                     400/401 {"error": ..., "error_description": ...}
 *   POST /introspect  form field token (Dovecot's introspection_mode = post):
 *                     {"active": true, "username": ...} or {"active": false}
 *   GET  /health      200 "ok"
 *   anything else     404, or 405 for a known path with the wrong method
 *
 * Commands on stdin, one per line, each answered on stdout with "OK <cmd>\n":
 *   revoke   every access token issued so far becomes inactive
 *   quit     exit now
 *
 * Files it writes (appending, flushed after every line):
 *   BASE.log     what happened, in words; "FAIL: ..." for a broken request
 *                line, a deadline, or a server-side error. Also on stderr.
 *   BASE.jsonl   one JSON object per line: {"kind": "token", ...} for each
 *                token request (never the secret, only whether it matched),
 *                {"kind": "issued", ...} for each token issued, and
 *                {"kind": "introspect", ...} for each introspection.
 * A record is written before the reply is queued, so a client that has its
 * answer can read the record at once.
 *
 * It must never hang a test run: every wait is bounded by max_seconds, each
 * connection by IDLE_SECONDS of silence, each request by MAX_REQUEST bytes.
 */

declare(strict_types=1);

const MAX_REQUEST = 65536;       // request line, headers and body together
const IDLE_SECONDS = 10;         // a connection silent this long is closed
const DEFAULT_CLIENTS = ['test-client' => 'test-secret~with.tilde'];
const DEFAULT_USER = 'tester@smtpmail.test';
/* RFC 6750 2.1 b64token characters, without "+" and "/" so a token can be
 * pasted into a URL or a form unescaped; "." as in a JWT. */
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
const REASONS = [200 => 'OK', 400 => 'Bad Request', 401 => 'Unauthorized', 403 => 'Forbidden',
    404 => 'Not Found', 405 => 'Method Not Allowed', 408 => 'Request Timeout', 411 => 'Length Required',
    413 => 'Content Too Large', 415 => 'Unsupported Media Type', 429 => 'Too Many Requests',
    500 => 'Internal Server Error', 501 => 'Not Implemented', 502 => 'Bad Gateway',
    503 => 'Service Unavailable', 504 => 'Gateway Timeout'];

final class Conn
{
    public string $rbuf = '';
    public string $wbuf = '';
    public bool $handshaking;
    public bool $closeAfterWrite = false;
    public float $lastActive;
    /** @var array{0: float, 1: string, 2: bool}|null  due time, response bytes, close after */
    public ?array $delayed = null;

    /** @param resource $s */
    public function __construct(public $s, public int $n, bool $tls)
    {
        $this->handshaking = $tls;
        $this->lastActive = microtime(true);
    }
}

final class Idp
{
    /** @var array<string, resource> */
    private array $out = [];
    private float $deadline;
    private bool $failed = false;
    private bool $stopping = false;
    /** @var array<int, Conn> */
    private array $conns = [];
    private int $accepted = 0;
    private int $tokenRequests = 0;
    /** @var array<string, array{exp: float, user: string, scope: string, client_id: string}> */
    private array $tokens = [];
    /** @var array<string, true> */
    private array $refreshTokens = [];

    public function __construct(private array $cfg, string $base)
    {
        foreach (['log' => '.log', 'jsonl' => '.jsonl'] as $k => $ext) {
            $this->out[$k] = fopen($base . $ext, 'ab') ?: throw new RuntimeException("cannot open $base$ext");
        }
        $this->deadline = microtime(true) + (float)($cfg['max_seconds'] ?? 60);
        foreach ($cfg['refresh_tokens'] ?? ['rt-initial'] as $rt) {
            $this->refreshTokens[(string)$rt] = true;
        }
    }

    public function failed(): bool
    {
        return $this->failed;
    }

    public function fail(string $msg): void
    {
        $this->failed = true;
        $this->log("FAIL: $msg");
        fwrite(STDERR, "idp: FAIL: $msg\n");
    }

    private function log(string $line): void
    {
        fwrite($this->out['log'], sprintf('%.3f ', microtime(true)) . "$line\n");
        fflush($this->out['log']);
    }

    private function record(array $rec): void
    {
        fwrite($this->out['jsonl'], json_encode($rec, JSON_UNESCAPED_SLASHES) . "\n");
        fflush($this->out['jsonl']);
    }

    /** @param resource $srv */
    public function run($srv): void
    {
        $maxConns = (int)($this->cfg['connections'] ?? 0);
        stream_set_blocking(STDIN, false);
        $stdinBuf = '';
        while (!$this->stopping) {
            $now = microtime(true);
            if ($now >= $this->deadline) {
                $this->log('max_seconds reached, exiting');
                break;
            }
            $accepting = $maxConns === 0 || $this->accepted < $maxConns;
            if (!$accepting && $this->conns === []) {
                $this->log("served $maxConns connection(s), exiting");
                break;
            }
            $r = [STDIN];
            $w = [];
            $wake = $this->deadline;
            if ($accepting) {
                $r[] = $srv;
            }
            foreach ($this->conns as $c) {
                $wake = min($wake, $c->lastActive + IDLE_SECONDS);
                if ($c->delayed !== null) {
                    $wake = min($wake, $c->delayed[0]);
                } elseif ($c->wbuf !== '') {
                    $w[] = $c->s;
                } else {
                    $r[] = $c->s;
                }
            }
            $e = null;
            $left = max(0.0, $wake - $now);
            if (@stream_select($r, $w, $e, (int)$left, (int)(fmod($left, 1) * 1e6)) === false) {
                $this->fail('select failed');
                break;
            }
            foreach ($r as $s) {
                if ($s === STDIN) {
                    $d = fread(STDIN, 4096);
                    if ($d === '' || $d === false) {
                        if (feof(STDIN)) {
                            $this->log('stdin closed (the test has gone), exiting');
                            $this->stopping = true;
                        }
                        continue;
                    }
                    $stdinBuf .= $d;
                    while (($p = strpos($stdinBuf, "\n")) !== false) {
                        $this->command(trim(substr($stdinBuf, 0, $p)));
                        $stdinBuf = substr($stdinBuf, $p + 1);
                    }
                } elseif ($s === $srv) {
                    $this->accept($srv);
                } else {
                    $this->readable((int)$s);
                }
            }
            foreach ($w as $s) {
                if (isset($this->conns[(int)$s])) {
                    $this->flush($this->conns[(int)$s]);
                }
            }
            $now = microtime(true);
            foreach ($this->conns as $id => $c) {
                if ($c->delayed !== null && $c->delayed[0] <= $now) {
                    [, $bytes, $close] = $c->delayed;
                    $c->delayed = null;
                    $this->queue($c, $bytes, $close);
                } elseif ($c->delayed === null && $now - $c->lastActive >= IDLE_SECONDS) {
                    $this->log("conn $c->n: idle for " . IDLE_SECONDS . ' s, closed');
                    $this->drop($c);
                }
            }
        }
        foreach ($this->conns as $c) {
            $this->drop($c);
        }
        fclose($srv);
    }

    private function command(string $cmd): void
    {
        if ($cmd === 'revoke') {
            $this->tokens = [];
            $this->log('revoked every access token');
        } elseif ($cmd === 'quit') {
            $this->stopping = true;
        } elseif ($cmd !== '') {
            $this->fail("unknown command on stdin: $cmd");
            return;
        }
        fwrite(STDOUT, "OK $cmd\n");
        fflush(STDOUT);
    }

    /** @param resource $srv */
    private function accept($srv): void
    {
        $s = @stream_socket_accept($srv, 0);
        if ($s === false) {
            return;
        }
        stream_set_blocking($s, false);
        $c = new Conn($s, ++$this->accepted, ($this->cfg['tls'] ?? true) !== false);
        $this->conns[(int)$s] = $c;
        $this->log("conn $c->n: accepted from " . stream_socket_get_name($s, true));
        if ($c->handshaking) {
            $this->handshake($c);
        }
    }

    /* Non-blocking TLS handshake: enable_crypto returns 0 until it completes. */
    private function handshake(Conn $c): void
    {
        $ok = @stream_socket_enable_crypto($c->s, true, STREAM_CRYPTO_METHOD_TLS_SERVER);
        if ($ok === true) {
            $c->handshaking = false;
            $meta = stream_get_meta_data($c->s)['crypto'] ?? [];
            $this->log("conn $c->n: TLS " . ($meta['protocol'] ?? '?'));
        } elseif ($ok === false) {
            $err = error_get_last()['message'] ?? 'unknown error';
            $this->log("conn $c->n: TLS handshake failed: $err");
            $this->drop($c);
        }
    }

    private function readable(int $id): void
    {
        $c = $this->conns[$id] ?? null;
        if ($c === null) {
            return;
        }
        $c->lastActive = microtime(true);
        if ($c->handshaking) {
            $this->handshake($c);
            return;
        }
        /* Drain: TLS may hold decrypted bytes that select() cannot see. */
        $got = false;
        while (strlen($c->rbuf) <= MAX_REQUEST) {
            $d = @fread($c->s, 65536);
            if ($d === false || $d === '') {
                break;
            }
            $c->rbuf .= $d;
            $got = true;
        }
        if (!$got && feof($c->s)) {
            $this->log("conn $c->n: closed by the client");
            $this->drop($c);
            return;
        }
        $this->parse($c);
    }

    /* One complete request in rbuf is answered; the next waits until the answer is out. */
    private function parse(Conn $c): void
    {
        if ($c->delayed !== null || $c->wbuf !== '' || $c->closeAfterWrite) {
            return;
        }
        $end = strpos($c->rbuf, "\r\n\r\n");
        if ($end === false) {
            if (strlen($c->rbuf) > MAX_REQUEST) {
                $this->reply($c, 413, ['error' => 'invalid_request', 'error_description' => 'request headers too large'], [], true);
            }
            return;
        }
        $lines = explode("\r\n", substr($c->rbuf, 0, $end));
        if (!preg_match('#^([A-Z]+) (/[^ ]*) HTTP/(1\.[01])$#', $lines[0], $m)) {
            $this->log("conn $c->n: bad request line " . json_encode($lines[0]));
            $this->reply($c, 400, ['error' => 'invalid_request', 'error_description' => 'bad request line'], [], true);
            return;
        }
        [, $method, $target, $version] = $m;
        $headers = [];
        foreach (array_slice($lines, 1) as $h) {
            if (!preg_match('/^([!#$%&\'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/', $h, $hm)) {
                $this->reply($c, 400, ['error' => 'invalid_request', 'error_description' => 'bad header line'], [], true);
                return;
            }
            $name = strtolower($hm[1]);
            $headers[$name] = isset($headers[$name]) ? $headers[$name] . ', ' . $hm[2] : $hm[2];
        }
        $conn = strtolower($headers['connection'] ?? '');
        $close = str_contains($conn, 'close') || ($version === '1.0' && !str_contains($conn, 'keep-alive'));
        $len = 0;
        if (isset($headers['transfer-encoding'])) {
            $this->reply($c, 501, ['error' => 'invalid_request', 'error_description' => 'chunked request bodies are not supported here'], [], true);
            return;
        }
        if (isset($headers['content-length'])) {
            if (!preg_match('/^\d{1,9}$/', $headers['content-length'])) {
                $this->reply($c, 400, ['error' => 'invalid_request', 'error_description' => 'bad Content-Length'], [], true);
                return;
            }
            $len = (int)$headers['content-length'];
        } elseif ($method === 'POST') {
            $this->reply($c, 411, ['error' => 'invalid_request', 'error_description' => 'Content-Length required'], [], true);
            return;
        }
        if ($end + 4 + $len > MAX_REQUEST) {
            $this->reply($c, 413, ['error' => 'invalid_request', 'error_description' => 'request too large'], [], true);
            return;
        }
        if (strlen($c->rbuf) < $end + 4 + $len) {
            return;
        }
        $body = substr($c->rbuf, $end + 4, $len);
        $c->rbuf = (string)substr($c->rbuf, $end + 4 + $len);
        $path = explode('?', $target, 2)[0];
        $req = ['method' => $method, 'path' => $path, 'version' => $version, 'headers' => $headers, 'body' => $body, 'close' => $close];
        $this->log("conn $c->n: $method $target HTTP/$version" . ($close ? ' (close)' : ''));
        $this->dispatch($c, $req);
    }

    private function dispatch(Conn $c, array $req): void
    {
        $routes = ['/token' => 'POST', '/introspect' => 'POST', '/health' => 'GET'];
        $want = $routes[$req['path']] ?? null;
        if ($want === null) {
            $this->reply($c, 404, ['error' => 'not_found'], [], $req['close'], $req['version']);
        } elseif ($req['method'] !== $want) {
            $this->reply($c, 405, ['error' => 'method_not_allowed'], ['Allow' => $want], $req['close'], $req['version']);
        } elseif ($req['path'] === '/health') {
            $this->reply($c, 200, 'ok', [], $req['close'], $req['version']);
        } elseif ($req['path'] === '/introspect') {
            $this->introspect($c, $req);
        } else {
            $this->token($c, $req);
        }
    }

    private static function isForm(array $req): bool
    {
        $type = strtolower(trim(explode(';', $req['headers']['content-type'] ?? '', 2)[0]));
        return $type === 'application/x-www-form-urlencoded';
    }

    private function token(Conn $c, array $req): void
    {
        $n = ++$this->tokenRequests;
        parse_str($req['body'], $f);
        $f = array_map(fn ($v) => is_string($v) ? $v : '', $f);
        $rec = [
            'kind' => 'token', 'n' => $n, 'time' => microtime(true), 'conn' => $c->n,
            'grant_type' => $f['grant_type'] ?? null, 'client_id' => $f['client_id'] ?? null,
            'client_secret_ok' => false, 'client_auth' => 'none',
            'scope' => $f['scope'] ?? null, 'refresh_token' => $f['refresh_token'] ?? null,
            'content_type' => $req['headers']['content-type'] ?? null,
            'http' => $req['version'], 'connection_close' => $req['close'],
        ];
        [$status, $body, $extra] = $this->grant($req, $f, $rec, $n);
        $rec['status'] = $status;
        $rec['error'] = is_array($body) ? ($body['error'] ?? null) : null;
        $this->record($rec);
        $delay = (int)($this->cfg['delay_ms'] ?? 0);
        $this->reply($c, $status, $body, $extra, $req['close'], $req['version'], $delay / 1000);
    }

    /** @return array{0: int, 1: array|string, 2: array} status, body, extra headers */
    private function grant(array $req, array $f, array &$rec, int $n): array
    {
        $clients = $this->cfg['clients'] ?? DEFAULT_CLIENTS;
        $id = $f['client_id'] ?? null;
        $secret = $f['client_secret'] ?? null;
        $auth = $req['headers']['authorization'] ?? '';
        if (preg_match('/^Basic +([A-Za-z0-9+\/=]+)$/i', $auth, $m)) {
            /* RFC 6749 2.3.1: id and secret are form-encoded, then joined by ":". */
            $pair = explode(':', (string)base64_decode($m[1], true), 2);
            $rec['client_auth'] = $secret !== null ? 'both' : 'basic';
            $id = urldecode($pair[0]);
            $secret = isset($pair[1]) ? urldecode($pair[1]) : null;
            $rec['client_id'] = $id;
        } elseif ($secret !== null) {
            $rec['client_auth'] = 'post';
        }
        $rec['client_secret_ok'] = $id !== null && $secret !== null && isset($clients[$id]) && hash_equals((string)$clients[$id], $secret);

        $scripted = $this->cfg['errors'][$n] ?? null;
        if ($scripted !== null) {
            $rec['scripted'] = true;
            return [(int)$scripted[0], $scripted[1] ?? '', $scripted[2] ?? []];
        }
        $err = fn (int $st, string $e, string $d, array $h = []) => [$st, ['error' => $e, 'error_description' => $d], $h];
        if (!self::isForm($req)) {
            return $err(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
        }
        if ($rec['client_auth'] === 'both') {
            return $err(400, 'invalid_request', 'client authenticated in the body and with HTTP Basic at once');
        }
        if (!$rec['client_secret_ok']) {
            return $err(401, 'invalid_client', 'Client authentication failed: unknown client or wrong secret',
                $rec['client_auth'] === 'basic' ? ['WWW-Authenticate' => 'Basic realm="smtpmail-test-idp"'] : []);
        }
        $scope = $f['scope'] ?? '';
        if (isset($this->cfg['scopes'])) {
            foreach (preg_split('/ +/', $scope, -1, PREG_SPLIT_NO_EMPTY) as $s) {
                if (!in_array($s, $this->cfg['scopes'], true)) {
                    return $err(400, 'invalid_scope', "The requested scope '$s' is invalid, unknown or malformed");
                }
            }
        }
        $newRefresh = null;
        switch ($f['grant_type'] ?? '') {
            case 'client_credentials':
                break;
            case 'refresh_token':
                $rt = $f['refresh_token'] ?? '';
                if (!isset($this->refreshTokens[$rt])) {
                    return $err(400, 'invalid_grant', 'The refresh token is invalid, expired or revoked');
                }
                if ($this->cfg['rotate'] ?? false) {
                    unset($this->refreshTokens[$rt]);
                    $newRefresh = 'rt-' . $n . '-' . self::random(24);
                    $this->refreshTokens[$newRefresh] = true;
                }
                break;
            case '':
                return $err(400, 'invalid_request', 'grant_type is missing');
            default:
                return $err(400, 'unsupported_grant_type', "grant_type '{$f['grant_type']}' is not supported");
        }
        $expiresIn = (int)($this->cfg['expires_in'] ?? 3600);
        $token = self::random(max(8, (int)($this->cfg['token_length'] ?? 40)));
        $user = (string)($this->cfg['user'] ?? DEFAULT_USER);
        $this->tokens[$token] = ['exp' => microtime(true) + $expiresIn, 'user' => $user, 'scope' => $scope, 'client_id' => $id];
        $this->record(['kind' => 'issued', 'n' => $n, 'access_token' => $token, 'expires_in' => $expiresIn,
            'expires_at' => $this->tokens[$token]['exp'], 'refresh_token' => $newRefresh, 'scope' => $scope, 'user' => $user]);
        $body = ['token_type' => 'Bearer', 'access_token' => $token,
            /* Azure AD's v1 endpoint sends the lifetime as a JSON string. */
            'expires_in' => ($this->cfg['expires_as_string'] ?? false) ? (string)$expiresIn : $expiresIn];
        if ($scope !== '') {
            $body['scope'] = $scope;
        }
        if ($newRefresh !== null) {
            $body['refresh_token'] = $newRefresh;
        }
        return [200, $body, []];
    }

    private function introspect(Conn $c, array $req): void
    {
        parse_str($req['body'], $f);
        $token = is_string($f['token'] ?? null) ? $f['token'] : '';
        $t = $this->tokens[$token] ?? null;
        $active = self::isForm($req) && $t !== null && $t['exp'] > microtime(true);
        $this->record(['kind' => 'introspect', 'time' => microtime(true), 'conn' => $c->n, 'active' => $active,
            'known' => $t !== null, 'token' => $token, 'authorization' => isset($req['headers']['authorization'])]);
        $body = !$active ? ['active' => false] : [
            'active' => true, 'sub' => $t['user'], 'username' => $t['user'], 'email' => $t['user'],
            'client_id' => $t['client_id'], 'scope' => $t['scope'], 'token_type' => 'Bearer', 'exp' => (int)$t['exp'],
        ];
        $this->reply($c, 200, $body, [], $req['close'], $req['version']);
    }

    private static function random(int $len): string
    {
        $s = '';
        $max = strlen(TOKEN_ALPHABET) - 1;
        for ($i = 0; $i < $len; $i++) {
            $s .= TOKEN_ALPHABET[random_int(0, $max)];
        }
        return $s;
    }

    /* Build the response; chunked (option 'chunked', HTTP/1.1 only) or with Content-Length. */
    private function reply(Conn $c, int $status, array|string $body, array $extra, bool $close,
        string $version = '1.1', float $delay = 0.0): void
    {
        $json = is_array($body);
        $payload = $json ? json_encode($body, JSON_UNESCAPED_SLASHES) : $body;
        $head = "HTTP/1.1 $status " . (REASONS[$status] ?? 'Status') . "\r\n"
            . 'Content-Type: ' . ($json ? 'application/json; charset=utf-8' : 'text/plain') . "\r\n"
            . "Cache-Control: no-store\r\nPragma: no-cache\r\n";
        foreach ($extra as $k => $v) {
            $head .= "$k: $v\r\n";
        }
        if ($close) {
            $head .= "Connection: close\r\n";
        }
        if (($this->cfg['chunked'] ?? false) && $version === '1.1') {
            $head .= "Transfer-Encoding: chunked\r\n\r\n";
            /* Uneven chunks, one with an extension (RFC 9112 7.1.1), so a
             * client's decoder meets a chunk boundary inside the JSON. */
            $sizes = [1, 7, 300];
            for ($i = 0, $off = 0; $off < strlen($payload); $i++) {
                $part = substr($payload, $off, $sizes[min($i, 2)]);
                $off += strlen($part);
                $head .= dechex(strlen($part)) . ($i === 1 ? ';idp=1' : '') . "\r\n$part\r\n";
            }
            $bytes = $head . "0\r\n\r\n";
        } else {
            $bytes = $head . 'Content-Length: ' . strlen($payload) . "\r\n\r\n" . $payload;
        }
        if ($delay > 0) {
            $c->delayed = [microtime(true) + $delay, $bytes, $close];
        } else {
            $this->queue($c, $bytes, $close);
        }
    }

    private function queue(Conn $c, string $bytes, bool $close): void
    {
        $c->wbuf .= $bytes;
        $c->closeAfterWrite = $close;
        $c->lastActive = microtime(true);
        $this->flush($c);
    }

    private function flush(Conn $c): void
    {
        while ($c->wbuf !== '') {
            $n = @fwrite($c->s, $c->wbuf);
            if ($n === false) {
                $this->log("conn $c->n: write failed, closed");
                $this->drop($c);
                return;
            }
            if ($n === 0) {
                return; /* socket full: select() says when to go on */
            }
            $c->wbuf = (string)substr($c->wbuf, $n);
        }
        $c->lastActive = microtime(true);
        if ($c->closeAfterWrite) {
            $this->log("conn $c->n: closed after the response");
            $this->drop($c);
        } elseif ($c->rbuf !== '') {
            $this->parse($c); /* a pipelined request already arrived */
        }
    }

    private function drop(Conn $c): void
    {
        /* (int) of a closed stream is still its id. */
        @fclose($c->s);
        unset($this->conns[(int)$c->s]);
    }
}

/* TLS certificate: the one named in the config, else a self-signed one made here. */
function tls_options(array $cfg, string $base): array
{
    if (isset($cfg['cert'])) {
        return ['local_cert' => $cfg['cert'], 'local_pk' => $cfg['key'] ?? $cfg['cert']];
    }
    $pem = "$base.pem";
    $conf = "$base.cnf";
    file_put_contents($conf, "[req]\ndistinguished_name=dn\n[dn]\n[ext]\n"
        . "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:TRUE\n");
    /* PHP 8.2 applies the RSA minimum length check to EC keys too and reads
     * 0 bits from a config without default_bits: give it a number. */
    $opt = ['config' => $conf, 'x509_extensions' => 'ext', 'digest_alg' => 'sha256', 'private_key_bits' => 2048];
    $key = openssl_pkey_new(['private_key_type' => OPENSSL_KEYTYPE_EC, 'curve_name' => 'prime256v1'] + $opt);
    $csr = $key === false ? false : openssl_csr_new(['commonName' => 'localhost', 'organizationName' => 'smtpmail test IdP'], $key, $opt);
    $crt = $csr === false ? false : openssl_csr_sign($csr, null, $key, 2, $opt, random_int(1, PHP_INT_MAX));
    $ok = $crt !== false && openssl_x509_export($crt, $c) && openssl_pkey_export($key, $k, null, $opt);
    unlink($conf);
    if (!$ok) {
        throw new RuntimeException('cannot make a self-signed certificate: ' . openssl_error_string());
    }
    file_put_contents($pem, $c . $k);
    chmod($pem, 0600);
    return ['local_cert' => $pem, 'local_pk' => $pem];
}

function main(array $argv): int
{
    if (count($argv) !== 3) {
        fwrite(STDERR, "usage: php idp.php CONFIG.php BASE\n");
        return 2;
    }
    [, $file, $base] = $argv;
    $cfg = require $file;
    $cfg = is_array($cfg) ? $cfg : [];
    $idp = new Idp($cfg, $base);
    set_error_handler(function (int $no, string $msg, string $f, int $l) use ($idp): bool {
        if (!(error_reporting() & $no)) {
            return false;
        }
        $idp->fail("php: $msg at line $l");
        return true;
    });
    try {
        $tls = ($cfg['tls'] ?? true) !== false;
        $ctx = stream_context_create($tls ? ['ssl' => tls_options($cfg, $base) + ['verify_peer' => false]] : []);
        /* A fixed port is what the relay's Dovecot names in its introspection_url. */
        $srv = @stream_socket_server('tcp://127.0.0.1:' . (int)($cfg['port'] ?? 0), $errno, $errstr,
            STREAM_SERVER_BIND | STREAM_SERVER_LISTEN, $ctx);
        if ($srv === false) {
            $idp->fail("listen on port " . (int)($cfg['port'] ?? 0) . ": $errstr");
            return 1;
        }
        $name = stream_socket_get_name($srv, false);
        fwrite(STDOUT, 'PORT ' . substr($name, strrpos($name, ':') + 1) . "\n");
        fflush(STDOUT);
        $idp->run($srv);
    } catch (Throwable $e) {
        $idp->fail(get_class($e) . ': ' . $e->getMessage() . ' at line ' . $e->getLine());
    }
    return $idp->failed() ? 1 : 0;
}

exit(main($argv));
