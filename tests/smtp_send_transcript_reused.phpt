--TEST--
options["transcript"]: the transcript of a message sent over a reused session says so in one line (peer, TLS version, AUTH mechanism; no account, no secret)
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$f = fault_start([['greet'], ['ehlo', ['PIPELINING', 'STARTTLS']], ['expect', '/^STARTTLS\r\n$/D'],
    ['send', "220 go ahead\r\n"], ['starttls'], ['ehlo', ['PIPELINING', 'AUTH PLAIN']], ['auth_ok'],
    ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
$o = fault_options($f, ['tls' => 'starttls', 'cafile' => $f['cafile'], 'username' => 'user@example.org',
    'password' => 'Re-used-Secret', 'transcript' => true]);
$first = smtp_send(FAULT_TO, 'First', FAULT_BODY, FAULT_HEADERS, $o);
$second = smtp_send(FAULT_TO, 'Second', FAULT_BODY, FAULT_HEADERS, $o);
smtp_close();
echo "first starts: ", strtok($first['transcript'], "\n"), "\n";
echo "first mentions reuse: ", var_export(str_contains($first['transcript'], 'reusing'), true), "\n";
echo $second['transcript'];
var_dump(str_contains($second['transcript'], 'user@example.org'), str_contains($second['transcript'], 'Re-used'));
fault_server_ok($f);
?>
--EXPECTF--
first starts: S: 220 %s
first mentions reuse: false
* reusing the session to 127.0.0.1:%d kept by this request (1 message sent over it, idle 0 s; TLSv1.%d, AUTH PLAIN): no greeting, EHLO, TLS or AUTH this time
C: MAIL FROM:<sender@example.org>
C: RCPT TO:<rcpt@example.org>
C: DATA
S: 250 %s
S: 250 %s
S: 354 %s
C: <message: %d bytes>
C: .
S: 250 2.0.0 Ok: queued as FAULT%d
bool(false)
bool(false)
server: ok
