<?php
/*
 * Scripted, hostile SMTP server for the smtpmail .phpt tests.
 *
 *   php tests/fault/fault_server.php SCRIPT.php TRANSCRIPT_FILE
 *
 * SCRIPT.php returns an array: ['script' => STEPS or [STEPS, STEPS, ...],
 * 'connections' => N, 'max_seconds' => 20, 'cert' => PEM, 'key' => PEM,
 * 'pipeline_wait_ms' => 1000, 'port' => 0]. It listens on 127.0.0.1 (an
 * ephemeral port unless 'port' names one),
 * prints "PORT <n>\n", serves the connections one after another (a single
 * script is replayed on each; a list gives one script per connection) and
 * exits. Tests start it through tests/fault/fault.inc. The steps and their
 * arguments are listed in STEPS below.
 *
 * Files it writes (appending, flushed after every read):
 *   TRANSCRIPT        every byte the client sent (plaintext after STARTTLS)
 *   TRANSCRIPT.reads  one line per read() with the byte count
 *   TRANSCRIPT.events what happened: "conn 1 offset 0", "pipelined 1 read
 *                     MAIL RCPT DATA", "data 123", "closed by client at ..."
 *   TRANSCRIPT.log    "FAIL: ..." lines: the client broke the script, the
 *                     script is bad, or a deadline passed. Also on stderr.
 *
 * It must never hang a test run: every wait is bounded by max_seconds.
 * A client that closes early is recorded as an event, not a failure: hostile
 * tests expect the client to give up.
 */

declare(strict_types=1);

/* step name => [min args, max args]; arguments are checked before listening. */
const STEPS = [
    'send' => [1, 1],               // raw bytes
    'expect' => [1, 1],             // PCRE matched against one line, CRLF included
    'expect_any_line' => [0, 0],
    'expect_close' => [0, 1],       // client must close within ms (default 5000)
    'read_data' => [0, 0],          // up to CRLF.CRLF; event "data <bytes>"
    'sleep' => [1, 1],              // ms
    'trickle' => [2, 2],            // bytes, ms between bytes
    'close' => [0, 0],              // abrupt close, must be the last step
    'silent' => [0, 1],             // read and discard until close (or ms)
    'starttls' => [0, 0],           // TLS handshake, server side
    'send_after_tls_220' => [1, 1], // "220 ...\r\n" . bytes in one write, then TLS
    'send_raw' => [1, 1],           // bytes on the TCP socket, under TLS: a forged record
    'endless' => [2, 2],            // line, count
    'expect_pipelined' => [1, 1],   // list of verbs, e.g. ['MAIL', 'RCPT', 'DATA']
    'greet' => [0, 1],              // 220 (optional text)
    'ehlo' => [0, 1],               // list of extension lines
    'auth_ok' => [0, 0],
    'mail_ok' => [0, 0],
    'rcpt_ok' => [0, 1],            // count (default 1)
    'data_ok' => [0, 0],
    'quit' => [0, 0],               // must be the last step
    'quit_slow' => [1, 1],          // QUIT answered after ms; events "quit received", "221 sent"; last step
];

const MAX_LINE = 65536;          // an expect line longer than this fails the script
const MAX_DATA = 64 * 1048576;   // read_data gives up past this
const DRAIN_MS = 1000;           // after the script, wait this long for the client to close
const HOST = 'fault.test';

final class ClientGone extends Exception {}
final class ScriptFail extends Exception {}

final class FaultServer
{
    /** @var resource|null */
    private $conn = null;
    private string $rbuf = '';
    private int $reads = 0;
    private int $step = 0;
    private string $stepName = '';
    private bool $failed = false;
    /** @var array<string, resource> */
    private array $out = [];
    private float $deadline;

    public function __construct(private array $cfg, private string $transcript)
    {
        foreach (['' => '', 'reads' => '.reads', 'events' => '.events', 'log' => '.log'] as $k => $ext) {
            $this->out[$k] = fopen($transcript . $ext, 'ab') ?: throw new RuntimeException("cannot open $transcript$ext");
        }
        $this->deadline = microtime(true) + (float)($cfg['max_seconds'] ?? 20);
    }

    public function fail(string $msg): void
    {
        $this->failed = true;
        $this->put('log', "FAIL: $msg\n");
        fwrite(STDERR, "fault_server: FAIL: $msg\n");
    }

    public function failed(): bool
    {
        return $this->failed;
    }

    private function put(string $file, string $bytes): void
    {
        fwrite($this->out[$file], $bytes);
        fflush($this->out[$file]);
    }

    private function event(string $what): void
    {
        $this->put('events', "$what\n");
    }

    /* Serve the configured connections; returns when done or out of time. */
    public function run(array $scripts, int $connections, $ctx): void
    {
        /* A fixed port lets a test name the server in php.ini settings (the
         * php.ini relay), where nothing can be filled in at run time. */
        $srv = stream_socket_server('tcp://127.0.0.1:' . (int)($this->cfg['port'] ?? 0), $errno, $errstr,
            STREAM_SERVER_BIND | STREAM_SERVER_LISTEN, $ctx);
        if ($srv === false) {
            $this->fail("listen: $errstr");
            return;
        }
        $name = stream_socket_get_name($srv, false);
        fwrite(STDOUT, 'PORT ' . substr($name, strrpos($name, ':') + 1) . "\n");
        fflush(STDOUT);

        for ($i = 0; $i < $connections; $i++) {
            $left = $this->deadline - microtime(true);
            $this->conn = $left > 0 ? @stream_socket_accept($srv, $left) : false;
            if (!$this->conn) {
                $this->fail('no connection ' . ($i + 1) . " of $connections within max_seconds");
                break;
            }
            stream_set_read_buffer($this->conn, 0);
            $this->rbuf = '';
            $this->event('conn ' . ($i + 1) . ' offset ' . fstat($this->out[''])['size']);
            $this->serve($scripts[min($i, count($scripts) - 1)]);
        }
        fclose($srv);
    }

    private function serve(array $script): void
    {
        try {
            foreach ($script as $i => $step) {
                $this->step = $i + 1;
                $this->stepName = $step[0];
                $this->{'step_' . $step[0]}(...array_slice($step, 1));
                if ($this->conn === null) {
                    return;
                }
            }
            $this->step = count($script) + 1;
            $this->stepName = 'end';
            $this->finish();
        } catch (ClientGone $e) {
            $this->event("closed by client at step $this->step ($this->stepName)" . ($e->getMessage() !== '' ? ': ' . $e->getMessage() : ''));
        } catch (ScriptFail | TypeError $e) {
            $this->fail("step $this->step ($this->stepName): " . $e->getMessage());
        }
        $this->drop();
    }

    private function drop(): void
    {
        if ($this->conn !== null) {
            @fclose($this->conn);
            $this->conn = null;
        }
    }

    /* Script over: half-close, then record whatever the client still sends (QUIT...). */
    private function finish(): void
    {
        @stream_socket_shutdown($this->conn, STREAM_SHUT_WR);
        $until = min($this->deadline, microtime(true) + DRAIN_MS / 1000);
        while ($this->fill($until, false)) {
            $this->rbuf = '';
        }
    }

    /* One read() into rbuf. False on EOF, or on $until when !$strict. */
    private function fill(float $until, bool $strict = true): bool
    {
        for (;;) {
            $left = min($until, $this->deadline) - microtime(true);
            if ($left <= 0) {
                if ($strict) {
                    throw new ScriptFail('timed out waiting for the client (got ' . self::show($this->rbuf) . ')');
                }
                return false;
            }
            stream_set_timeout($this->conn, (int)$left, (int)(fmod($left, 1) * 1e6));
            $d = @fread($this->conn, 65536);
            if ($d !== false && $d !== '') {
                $this->reads++;
                $this->rbuf .= $d;
                $this->put('', $d);
                $this->put('reads', strlen($d) . "\n");
                return true;
            }
            if (feof($this->conn)) {
                return false;
            }
            /* timed out: loop and re-check; '' without EOF (TLS non-data record): read again */
        }
    }

    private function line(float $until = INF): string
    {
        while (($p = strpos($this->rbuf, "\n")) === false) {
            if (strlen($this->rbuf) > MAX_LINE) {
                throw new ScriptFail('line longer than ' . MAX_LINE . ' bytes');
            }
            if (!$this->fill($until)) {
                throw new ClientGone($this->rbuf === '' ? '' : 'partial line ' . self::show($this->rbuf));
            }
        }
        $line = substr($this->rbuf, 0, $p + 1);
        $this->rbuf = (string)substr($this->rbuf, $p + 1);
        return $line;
    }

    private function write(string $bytes): void
    {
        while ($bytes !== '') {
            $left = $this->deadline - microtime(true);
            if ($left <= 0) {
                throw new ScriptFail('max_seconds reached while sending (client not reading?)');
            }
            /* the stream timeout also bounds a blocking write (PHP polls for POLLOUT) */
            stream_set_timeout($this->conn, (int)$left, (int)(fmod($left, 1) * 1e6));
            $n = @fwrite($this->conn, $bytes);
            if ($n === false || $n === 0) {
                if (stream_get_meta_data($this->conn)['timed_out']) {
                    continue;
                }
                throw new ClientGone('write failed');
            }
            $bytes = substr($bytes, $n);
        }
    }

    private function expectLine(string $re, ?array &$m = null): string
    {
        $line = $this->line();
        if (!preg_match($re, $line, $m)) {
            throw new ScriptFail("expected $re, got " . self::show($line));
        }
        return $line;
    }

    /* Printable, capped rendering of client bytes for the log (never raw). */
    public static function show(string $s): string
    {
        $cut = strlen($s) > 200;
        $s = preg_replace_callback('/[^\x20-\x7e]/', fn ($m) => match ($m[0]) {
            "\r" => '\r', "\n" => '\n', default => sprintf('\x%02x', ord($m[0])),
        }, substr($s, 0, 200));
        return '"' . $s . '"' . ($cut ? '...' : '');
    }

    private function step_send(string $bytes): void
    {
        $this->write($bytes);
    }

    private function step_expect(string $re): void
    {
        $this->expectLine($re);
    }

    private function step_expect_any_line(): void
    {
        $this->line();
    }

    private function step_expect_close(int|float $ms = 5000): void
    {
        $until = microtime(true) + $ms / 1000;
        while ($this->fill($until, false)) {
            $this->rbuf = '';
        }
        if (!feof($this->conn)) {
            throw new ScriptFail("client still connected after $ms ms");
        }
        $this->event("closed by client at step $this->step (expect_close)");
        $this->drop();
    }

    private function step_read_data(): void
    {
        /* The CRLF ending the DATA line counts as the first CRLF of CRLF.CRLF. */
        for ($from = 0;;) {
            $p = strpos($this->rbuf, "\r\n.\r\n", $from);
            $len = str_starts_with($this->rbuf, ".\r\n") ? 0 : ($p === false ? null : $p + 2);
            if ($len !== null) {
                break;
            }
            if (strlen($this->rbuf) > MAX_DATA) {
                throw new ScriptFail('message data over ' . MAX_DATA . ' bytes');
            }
            $from = max(0, strlen($this->rbuf) - 4);
            if (!$this->fill(INF)) {
                throw new ClientGone('in message data after ' . strlen($this->rbuf) . ' bytes');
            }
        }
        $this->rbuf = (string)substr($this->rbuf, $len + 3);
        $this->event("data $len");
    }

    private function step_sleep(int|float $ms): void
    {
        $left = min($ms / 1000, $this->deadline - microtime(true));
        if ($left > 0) {
            usleep((int)($left * 1e6));
        }
    }

    private function step_trickle(string $bytes, int|float $ms): void
    {
        for ($i = 0, $n = strlen($bytes); $i < $n; $i++) {
            if ($i > 0) {
                $this->step_sleep($ms);
            }
            $this->write($bytes[$i]);
        }
    }

    private function step_close(): void
    {
        $this->drop();
    }

    private function step_silent(int|float|null $ms = null): void
    {
        $until = $ms === null ? INF : microtime(true) + $ms / 1000;
        while ($this->fill($until, false)) {
            $this->rbuf = '';
        }
        if (feof($this->conn)) {
            throw new ClientGone();
        }
    }

    private function step_starttls(): void
    {
        if ($this->rbuf !== '') {
            /* RFC 3207 5: the client must wait for 220; bytes it pipelined after
             * STARTTLS would be read as plaintext, the attack in reverse. */
            throw new ScriptFail('client sent ' . self::show($this->rbuf) . ' before the TLS handshake');
        }
        $left = $this->deadline - microtime(true);
        stream_set_timeout($this->conn, (int)max(1, $left));
        $ok = @stream_socket_enable_crypto($this->conn, true, STREAM_CRYPTO_METHOD_TLS_SERVER);
        if ($ok !== true) {
            /* Usually the client refusing (it must, after an injection): not a failure. */
            throw new ClientGone('TLS handshake failed: ' . (error_get_last()['message'] ?? '?'));
        }
        $this->event("tls at step $this->step");
    }

    /* Bytes written to the socket itself, past the TLS layer: after a
     * handshake, a record the client cannot authenticate (what corruption on
     * the network looks like). Needs ext/sockets. */
    private function step_send_raw(string $bytes): void
    {
        if (!function_exists('socket_import_stream')) {
            throw new ScriptFail('send_raw needs ext/sockets');
        }
        $sock = socket_import_stream($this->conn);
        if ($sock === false || socket_write($sock, $bytes) !== strlen($bytes)) {
            throw new ClientGone('send_raw: write failed');
        }
    }

    private function step_send_after_tls_220(string $bytes): void
    {
        $this->write("220 2.0.0 Ready to start TLS\r\n" . $bytes);
        $this->step_starttls();
    }

    private function step_endless(string $line, int|float $count): void
    {
        $count = (int)$count;
        $per = max(1, intdiv(65536, max(1, strlen($line))));
        $block = str_repeat($line, $per);
        for ($sent = 0; $sent < $count; $sent += $per) {
            try {
                $this->write($count - $sent >= $per ? $block : str_repeat($line, $count - $sent));
            } catch (ClientGone $e) {
                $this->event("endless stopped after about $sent lines: client closed");
                $this->drop();
                return;
            }
        }
        $this->event("endless sent $count lines");
    }

    private function step_expect_pipelined(array $verbs): void
    {
        /* RFC 2920 3.1: the client may send MAIL, RCPT... DATA without waiting.
         * After the first command, a pause longer than pipeline_wait_ms means it
         * waits for a reply we will not send: it does not pipeline. */
        $wait = ($this->cfg['pipeline_wait_ms'] ?? 1000) / 1000;
        $first = $this->reads + ($this->rbuf === '' ? 1 : 0);
        $got = [];
        foreach (array_values($verbs) as $i => $verb) {
            try {
                $line = $this->line($i === 0 ? INF : microtime(true) + $wait);
            } catch (ScriptFail $e) {
                throw new ScriptFail('not pipelined: got only ' . implode(' ', $got) . " then nothing for {$wait}s");
            }
            if (!preg_match('/^' . preg_quote($verb, '/') . '\b/i', $line)) {
                throw new ScriptFail("expected $verb, got " . self::show($line));
            }
            $got[] = $verb;
        }
        $n = $this->reads - $first + 1;
        $this->event("pipelined $n read" . ($n === 1 ? '' : 's') . ': ' . implode(' ', $got));
    }

    private function step_greet(string $text = 'ESMTP fault server'): void
    {
        $this->write('220 ' . HOST . " $text\r\n");
    }

    private function step_ehlo(array $extensions = []): void
    {
        $this->expectLine('/^EHLO [^\s]+\r\n$/Di');
        $lines = array_merge([HOST], $extensions);
        $last = array_pop($lines);
        $this->write(implode('', array_map(fn ($l) => "250-$l\r\n", $lines)) . "250 $last\r\n");
    }

    private function step_auth_ok(): void
    {
        $this->expectLine('/^AUTH ([A-Z0-9_-]+)(?: ([^\s]+))?\r\n$/Di', $m);
        $mech = strtoupper($m[1]);
        $initial = ($m[2] ?? '') !== '';
        /* RFC 4954 4: one 334 challenge per missing client response. */
        $prompts = match ($mech) {
            'LOGIN' => $initial ? ['UGFzc3dvcmQ6'] : ['VXNlcm5hbWU6', 'UGFzc3dvcmQ6'],
            'CRAM-MD5' => [base64_encode('<' . getmypid() . '.' . time() . '@' . HOST . '>')],
            default => $initial ? [] : [''],
        };
        foreach ($prompts as $p) {
            $this->write("334 $p\r\n");
            if ($this->line() === "*\r\n") {
                $this->write("501 5.7.0 Authentication cancelled\r\n");
                throw new ScriptFail("client cancelled AUTH $mech");
            }
        }
        $this->event("auth $mech");
        $this->write("235 2.7.0 Authentication successful\r\n");
    }

    private function step_mail_ok(): void
    {
        $this->expectLine('/^MAIL FROM:<[^<>\s]*>[^\r\n]*\r\n$/Di');
        $this->write("250 2.1.0 Ok\r\n");
    }

    private function step_rcpt_ok(int|float $n = 1): void
    {
        for ($i = 0; $i < $n; $i++) {
            $this->expectLine('/^RCPT TO:<[^<>\s]+>[^\r\n]*\r\n$/Di');
            $this->write("250 2.1.5 Ok\r\n");
        }
    }

    private function step_data_ok(): void
    {
        $this->expectLine('/^DATA\r\n$/Di');
        $this->write("354 End data with <CR><LF>.<CR><LF>\r\n");
        $this->step_read_data();
        $this->write("250 2.0.0 Ok: queued as FAULT1\r\n");
    }

    /* A relay slow to say goodbye: the events mark when QUIT came and when
     * the 221 left, for tests about who waits for it. */
    private function step_quit_slow(int|float $ms): void
    {
        $this->expectLine('/^QUIT\r\n$/Di');
        $this->event('quit received');
        $this->step_sleep($ms);
        $this->write("221 2.0.0 Bye\r\n");
        $this->event('221 sent');
        $this->finish();
        $this->drop();
    }

    private function step_quit(): void
    {
        $this->expectLine('/^QUIT\r\n$/Di');
        $this->write("221 2.0.0 Bye\r\n");
        $this->finish();
        $this->drop();
    }
}

/* Returns the list of scripts, or a message saying what is wrong. */
function check_config(array $cfg): array|string
{
    $s = $cfg['script'] ?? null;
    if (!is_array($s)) {
        return "no 'script' array";
    }
    $multi = isset($s[0]) && is_array($s[0]) && ($s[0] === [] || is_array($s[0][0] ?? null));
    $scripts = $multi ? $s : [$s];
    foreach ($scripts as $k => $script) {
        $last = count($script) - 1;
        foreach (array_values($script) as $i => $step) {
            $where = ($multi ? 'script ' . ($k + 1) . ' ' : '') . 'step ' . ($i + 1);
            $name = is_array($step) ? ($step[0] ?? null) : null;
            if (!is_string($name) || !isset(STEPS[$name])) {
                return "$where: unknown step " . var_export($name ?? $step, true);
            }
            [$min, $max] = STEPS[$name];
            if (count($step) - 1 < $min || count($step) - 1 > $max) {
                return "$where ($name): takes $min to $max arguments";
            }
            if (in_array($name, ['close', 'quit', 'quit_slow', 'expect_close'], true) && $i !== $last) {
                return "$where ($name): must be the last step";
            }
            if ($name === 'expect' && @preg_match($step[1], '') === false) {
                return "$where: bad regex " . $step[1];
            }
        }
    }
    $n = (int)($cfg['connections'] ?? count($scripts));
    if ($n < 1 || ($multi && $n > count($scripts))) {
        return "connections => $n but " . count($scripts) . ' script(s)';
    }
    return $scripts;
}

/* The certificate: options, then the relay's (tests/relay/start), else a fresh self-signed one. */
function tls_context(array $cfg, string $transcript): array
{
    $relay = getenv('SMTPMAIL_RELAY_DIR') ?: __DIR__ . '/../.relay';
    if (isset($cfg['cert'])) {
        return ['local_cert' => $cfg['cert'], 'local_pk' => $cfg['key'] ?? $cfg['cert']];
    }
    if (is_file("$relay/server.pem") && is_file("$relay/server.key")) {
        return ['local_cert' => "$relay/server.pem", 'local_pk' => "$relay/server.key"];
    }
    $pem = "$transcript.pem";
    if (!is_file($pem)) {
        $conf = "$transcript.cnf";
        file_put_contents($conf, "[req]\ndistinguished_name=dn\n[dn]\n[ext]\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n");
        /* private_key_bits is for PHP 8.2's length check, which applies the RSA
         * minimum (384) to every key type and reads 0 from a config without
         * default_bits; an EC key ignores it otherwise. */
        $opt = ['config' => $conf, 'x509_extensions' => 'ext', 'digest_alg' => 'sha256', 'private_key_bits' => 2048];
        $key = openssl_pkey_new(['private_key_type' => OPENSSL_KEYTYPE_EC, 'curve_name' => 'prime256v1'] + $opt);
        $csr = openssl_csr_new(['commonName' => 'localhost'], $key, $opt);
        $crt = openssl_csr_sign($csr, null, $key, 2, $opt);
        /* openssl_pkey_export() reads the config too: remove it only afterwards. */
        $ok = $crt !== false && openssl_x509_export($crt, $c) && openssl_pkey_export($key, $k, null, $opt);
        unlink($conf);
        if (!$ok) {
            throw new RuntimeException('cannot make a self-signed certificate: ' . openssl_error_string());
        }
        file_put_contents($pem, $c . $k);
    }
    return ['local_cert' => $pem, 'local_pk' => $pem];
}

function main(array $argv): int
{
    if (count($argv) !== 3) {
        fwrite(STDERR, "usage: php fault_server.php SCRIPT.php TRANSCRIPT_FILE\n");
        return 2;
    }
    [, $file, $transcript] = $argv;
    $cfg = require $file;
    $server = new FaultServer(is_array($cfg) ? $cfg : [], $transcript);
    set_error_handler(function (int $no, string $msg, string $f, int $l) use ($server): bool {
        if (!(error_reporting() & $no)) {
            return false; /* silenced with @: keep it for error_get_last() */
        }
        $server->fail("php: $msg at line $l");
        return true;
    });
    $scripts = is_array($cfg) ? check_config($cfg) : 'script file does not return an array';
    if (is_string($scripts)) {
        $server->fail("bad script: $scripts");
        return 2;
    }
    try {
        /* Always: the client may be told to trust this certificate (its cafile)
         * even when the script drops the connection before any handshake. */
        $ctx = stream_context_create(['ssl' => tls_context($cfg, $transcript)]);
        $server->run($scripts, (int)($cfg['connections'] ?? count($scripts)), $ctx);
    } catch (Throwable $e) {
        $server->fail(get_class($e) . ': ' . $e->getMessage() . ' at line ' . $e->getLine());
    }
    return $server->failed() ? 1 : 0;
}

exit(main($argv));
