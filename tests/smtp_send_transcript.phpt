--TEST--
options["transcript"]: the SMTP dialogue for debugging, in the result or the exception, with AUTH payloads redacted
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$f = fault_start([['greet'], ['ehlo', ['PIPELINING', 'STARTTLS']], ['expect', '/^STARTTLS\r\n$/D'],
    ['send', "220 go ahead\r\n"], ['starttls'], ['ehlo', ['PIPELINING', 'AUTH LOGIN']], ['auth_ok'],
    ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
$o = fault_options($f, ['tls' => 'starttls', 'cafile' => $f['cafile'], 'username' => 'user@example.org',
    'password' => 'Tr4nscript-Secret', 'transcript' => true]);
$r = smtp_send(FAULT_TO, 'Traced', FAULT_BODY, FAULT_HEADERS, $o);
smtp_close();
echo $r['transcript'];
var_dump(str_contains($r['transcript'], 'Tr4nscript'), str_contains($r['transcript'], base64_encode('Tr4nscript-Secret')));
fault_server_ok($f);

/* Without the option there is no transcript key. */
$f = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
var_dump(array_key_exists('transcript', smtp_send(FAULT_TO, 'Plain', FAULT_BODY, FAULT_HEADERS, fault_options($f))));
smtp_close();

/* On failure the exception carries it. */
$f = fault_start([['greet'], ['ehlo', ['AUTH PLAIN']], ['expect', '/^AUTH PLAIN /'], ['send', "535 5.7.8 no\r\n"], ['quit']]);
try {
    smtp_send(FAULT_TO, 'Traced', FAULT_BODY, FAULT_HEADERS, fault_options($f, ['tls' => 'none',
        'username' => 'user@example.org', 'password' => 'Tr4nscript-Secret', 'transcript' => true]));
} catch (SmtpMail\AuthException $e) {
    echo $e->getTranscript();
}
?>
--EXPECTF--
S: 220 %s
C: EHLO client.test
S: 250-%s
S: 250-PIPELINING
S: 250 STARTTLS
C: STARTTLS
S: 220 go ahead
C: EHLO client.test
S: 250-%s
S: 250-PIPELINING
S: 250 AUTH LOGIN
C: AUTH LOGIN
S: 334 VXNlcm5hbWU6
C: <redacted>
S: 334 UGFzc3dvcmQ6
C: <redacted>
S: 235 %s
C: MAIL FROM:<sender@example.org>
C: RCPT TO:<rcpt@example.org>
C: DATA
S: 250 %s
S: 250 %s
S: 354 %s
C: <message: %d bytes>
C: .
S: 250 2.0.0 Ok: queued as FAULT1
bool(false)
bool(false)
server: ok
bool(false)
S: 220 %s
C: EHLO client.test
S: 250-%s
S: 250 AUTH PLAIN
C: AUTH PLAIN <redacted>
S: 535 5.7.8 no
C: QUIT
