<?php
/*
 * Self-test of the fault server, with a plain PHP stream client (no smtpmail
 * extension needed):  php tests/fault/selftest.php
 * Each case asserts what the client received and what the server recorded.
 */

declare(strict_types=1);

require __DIR__ . '/fault.inc';

$passed = $failed = 0;

/* The server's own event lines, counts included (fault_events() drops the
 * byte and read counts the .phpt tests must not pin; here they are the point). */
function raw_events(array $f): array
{
    return preg_split('/\n/', fault_file($f, '.events'), -1, PREG_SPLIT_NO_EMPTY);
}

function check(string $name, bool $ok, string $detail = ''): void
{
    global $passed, $failed;
    $ok ? $passed++ : $failed++;
    echo ($ok ? 'ok' : 'not ok') . " - $name" . ($ok || $detail === '' ? '' : ": $detail") . "\n";
}

/** @return resource */
function client(array $f)
{
    $c = stream_socket_client("tcp://127.0.0.1:{$f['port']}", $errno, $errstr, 5);
    if ($c === false) {
        throw new RuntimeException("connect: $errstr");
    }
    stream_set_timeout($c, 5);
    return $c;
}

/* One SMTP reply, all its lines (RFC 5321 4.2: "xyz-" continues, "xyz " ends). */
function reply($c): string
{
    $all = '';
    while (($line = fgets($c)) !== false) {
        $all .= $line;
        if (strlen($line) < 4 || $line[3] !== '-') {
            break;
        }
    }
    return $all;
}

function say($c, string $cmd): string
{
    fwrite($c, $cmd);
    return reply($c);
}

$ehlo = ['ehlo', ['PIPELINING', 'STARTTLS', 'AUTH PLAIN LOGIN CRAM-MD5']];

/* 1. A whole polite dialogue with the macros. */
$f = fault_start([['greet'], $ehlo, ['auth_ok'], ['auth_ok'], ['mail_ok'], ['rcpt_ok', 2], ['data_ok'], ['quit']]);
$c = client($f);
$got = reply($c) . say($c, "EHLO selftest\r\n") . say($c, "AUTH PLAIN AGEAYg==\r\n")
    . say($c, "AUTH LOGIN\r\n") . say($c, "YQ==\r\n") . say($c, "Yg==\r\n")
    . say($c, "MAIL FROM:<a@example.org>\r\n") . say($c, "RCPT TO:<b@example.org>\r\n")
    . say($c, "RCPT TO:<c@example.org>\r\n") . say($c, "DATA\r\n") . say($c, "Subject: x\r\n\r\n..dot\r\n.\r\n")
    . say($c, "QUIT\r\n");
fclose($c);
check('dialogue: replies', $got === "220 fault.test ESMTP fault server\r\n"
    . "250-fault.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n"
    . "235 2.7.0 Authentication successful\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n"
    . "235 2.7.0 Authentication successful\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
    . "354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: queued as FAULT1\r\n221 2.0.0 Bye\r\n", $got);
check('dialogue: transcript', fault_transcript($f) === "EHLO selftest\r\nAUTH PLAIN AGEAYg==\r\nAUTH LOGIN\r\n"
    . "YQ==\r\nYg==\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\n"
    . "DATA\r\nSubject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n", fault_transcript($f));
check('dialogue: events', raw_events($f) === ['conn 1 offset 0', 'auth PLAIN', 'auth LOGIN', 'data 21'],
    implode('|', raw_events($f)));
check('dialogue: no failure', fault_log($f) === '', fault_log($f));
fault_stop($f);
check('fault_stop removes the files', !file_exists($f['transcript']) && !file_exists($f['transcript'] . '.log'));

/* 2. A client that breaks the script is reported, never silently passed. */
$f = fault_start([['greet'], ['expect', '/^EHLO /'], ['quit']]);
$c = client($f);
reply($c);
$got = say($c, "HELO x\0\r\n");
check('mismatch: connection dropped', $got === '' && feof($c), $got);
check('mismatch: logged', fault_log($f) === "FAIL: step 2 (expect): expected /^EHLO /, got \"HELO x\\x00\\r\\n\"\n",
    fault_log($f));
fault_stop($f);

/* 3. STARTTLS with bytes injected after the 220, then a verified handshake. */
$f = fault_start([['greet'], $ehlo, ['expect', '/^STARTTLS\r\n$/D'], ['send_after_tls_220', "250 injected\r\n"],
    ['ehlo', []], ['quit']]);
$c = client($f);
reply($c);
say($c, "EHLO a\r\n");
fwrite($c, "STARTTLS\r\n");
$got = '';
while (!str_contains($got, "injected\r\n") && ($d = fread($c, 4096)) !== '' && $d !== false) {
    $got .= $d;
}
check('injection: 220 and injected line arrive together', $got === "220 2.0.0 Ready to start TLS\r\n250 injected\r\n", $got);
stream_context_set_option($c, ['ssl' => ['cafile' => $f['cafile'], 'peer_name' => 'localhost', 'verify_peer' => true]]);
check('starttls: verified handshake', stream_socket_enable_crypto($c, true, STREAM_CRYPTO_METHOD_TLS_CLIENT) === true);
$got = say($c, "EHLO a\r\n") . say($c, "QUIT\r\n");
fclose($c);
check('starttls: dialogue inside TLS', $got === "250 fault.test\r\n221 2.0.0 Bye\r\n", $got);
check('starttls: plaintext transcript', fault_transcript($f) === "EHLO a\r\nSTARTTLS\r\nEHLO a\r\nQUIT\r\n", fault_transcript($f));
check('starttls: event and no failure', in_array('tls at step 4', raw_events($f), true) && fault_log($f) === '',
    implode('|', raw_events($f)) . fault_log($f));
fault_stop($f);

/* 3b. A client that refuses the injected stream and closes: an event, not a failure. */
$f = fault_start([['greet'], ['expect', '/^STARTTLS/'], ['send_after_tls_220', "250 injected\r\n"], ['ehlo'], ['quit']]);
$c = client($f);
reply($c);
fwrite($c, "STARTTLS\r\n");
fread($c, 4096);
fclose($c);
$ev = raw_events($f);
check('injection refused: recorded as closed', str_starts_with(end($ev), 'closed by client at step 3 (send_after_tls_220)')
    && fault_log($f) === '', implode('|', $ev) . fault_log($f));
fault_stop($f);

/* 4. Trickle: one byte per write. */
$f = fault_start([['trickle', "220 slow\r\n", 30], ['quit']]);
$c = client($f);
$t = microtime(true);
$got = '';
$n = 0;
while (!str_ends_with($got, "\n") && ($d = fread($c, 100)) !== '' && $d !== false) {
    $got .= $d;
    $n++;
}
$dt = microtime(true) - $t;
check('trickle: bytes', $got === "220 slow\r\n", $got);
check('trickle: many reads, slowly', $n >= 5 && $dt >= 0.25, "$n reads in {$dt}s");
say($c, "QUIT\r\n");
fclose($c);
fault_stop($f);

/* 5. Endless reply: the client gives up after 100 kB, the server stops quietly. */
$f = fault_start([['greet'], ['expect', '/^EHLO/'], ['endless', "250-x\r\n", 1e6]]);
$c = client($f);
reply($c);
fwrite($c, "EHLO a\r\n");
$got = '';
while (strlen($got) < 100000 && ($d = fread($c, 65536)) !== '' && $d !== false) {
    $got .= $d;
}
check('endless: repeated line', str_starts_with($got, "250-x\r\n250-x\r\n") && strlen($got) >= 100000, (string)strlen($got));
fclose($c);
$t = microtime(true);
$ev = raw_events($f);
check('endless: server stops when the client closes', microtime(true) - $t < 3 && str_starts_with(end($ev), 'endless stopped')
    && fault_log($f) === '', implode('|', $ev) . fault_log($f));
fault_stop($f);

/* 6. Abrupt close after the greeting. */
$f = fault_start([['greet'], ['close']]);
$c = client($f);
$got = reply($c);
check('close: greeting then EOF', $got === "220 fault.test ESMTP fault server\r\n" && fgets($c) === false && feof($c));
fault_stop($f);

/* 7. Pipelining: MAIL, RCPT, DATA in one write are seen in one read. */
$f = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', "250 ok\r\n250 ok\r\n354 go\r\n"], ['read_data'], ['send', "250 queued\r\n"], ['quit']]);
$c = client($f);
reply($c);
say($c, "EHLO a\r\n");
$batch = "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n";
$got = say($c, $batch) . reply($c) . reply($c) . say($c, "x\r\n.\r\n") . say($c, "QUIT\r\n");
fclose($c);
check('pipelined: replies', $got === "250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n221 2.0.0 Bye\r\n", $got);
check('pipelined: one read', in_array('pipelined 1 read: MAIL RCPT DATA', raw_events($f), true)
    && in_array(strlen($batch), fault_reads($f), true), implode('|', raw_events($f)));
fault_stop($f);

/* 8. A client that waits for the MAIL reply does not pipeline: reported. */
$f = fault_start([['greet'], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']], ['quit']], ['pipeline_wait_ms' => 300]);
$c = client($f);
reply($c);
$got = say($c, "MAIL FROM:<a@b>\r\n");
check('not pipelined: reported', $got === '' && str_contains(fault_log($f), 'not pipelined: got only MAIL'), fault_log($f));
fault_stop($f);

/* 9. Silent server: ends by itself at max_seconds even though the client waits. */
$f = fault_start([['greet'], ['silent']], ['max_seconds' => 1]);
$c = client($f);
reply($c);
fwrite($c, "EHLO a\r\n");
$t = microtime(true);
fault_wait($f);
$dt = microtime(true) - $t;
check('silent: exits at max_seconds', $dt < 2 && fault_log($f) === '' && fault_transcript($f) === "EHLO a\r\n",
    "{$dt}s " . fault_log($f));
fclose($c);
fault_stop($f);

/* 10. One script per connection; bytes with NUL sent as they are. */
$f = fault_start([[['send', "220 a\0b\r\n"], ['quit']], [['send', "421 4.3.2 busy\r\n"], ['close']]]);
$c = client($f);
$got = reply($c) . say($c, "QUIT\r\n");
fclose($c);
$c = client($f);
$got .= reply($c);
check('connections: two scripts', $got === "220 a\0b\r\n221 2.0.0 Bye\r\n421 4.3.2 busy\r\n", FaultServer_show($got));
check('connections: events', raw_events($f) === ['conn 1 offset 0', 'conn 2 offset 6'], implode('|', raw_events($f)));
fault_stop($f);

/* 11. Bad scripts and missing clients are failures. */
try {
    fault_start([['greet'], ['bogus']]);
    check('bad script: refused', false);
} catch (RuntimeException $e) {
    check('bad script: refused', str_contains($e->getMessage(), "bad script: step 2: unknown step 'bogus'"), $e->getMessage());
}
$f = fault_start([['greet']], ['max_seconds' => 0.5]);
check('no client: reported', fault_log($f) === "FAIL: no connection 1 of 1 within max_seconds\n", fault_log($f));
fault_stop($f);

function FaultServer_show(string $s): string
{
    return addcslashes($s, "\0..\37");
}

echo "fault server selftest: $passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
