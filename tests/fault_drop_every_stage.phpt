--TEST--
fault: the server hangs up after the greeting, after AUTH's 334, after the pipelined envelope, after one of several RCPTs, after DATA's 354: transient error naming the stage
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* The stages fault_connection_closed.phpt does not cover (it has: after
 * connect, after EHLO, after AUTH PLAIN, after a lone MAIL), and
 * fault_data_reply_lost.phpt has the drop after the final dot. A dropped
 * connection is always transient (try again later) and always names where. */
$creds = ['username' => 'user@example.org', 'password' => 's3cret-PW'];
$cases = [
    'after the greeting' => [[['greet'], ['close']], [], FAULT_TO],
    'after the 334 to AUTH CRAM-MD5' => [[['greet'], ['ehlo', ['AUTH CRAM-MD5']], ['expect', '/^AUTH CRAM-MD5\r\n$/'],
        ['send', '334 ' . base64_encode('<1.2@fault.test>') . "\r\n"], ['close']], $creds, FAULT_TO],
    'after the 334 to the LOGIN user name' => [[['greet'], ['ehlo', ['AUTH LOGIN']], ['expect', '/^AUTH LOGIN\r\n$/'],
        ['send', "334 VXNlcm5hbWU6\r\n"], ['expect_any_line'], ['close']], $creds, FAULT_TO],
    'after the pipelined MAIL, RCPT, RCPT, DATA' => [[['greet'], ['ehlo', ['PIPELINING']],
        ['expect_pipelined', ['MAIL', 'RCPT', 'RCPT', 'DATA']], ['close']], [], ['a@example.org', 'b@example.org']],
    'after the 2nd of 3 RCPTs' => [[['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok'], ['expect', '/^RCPT TO:<b@/'],
        ['close']], [], ['a@example.org', 'b@example.org', 'c@example.org']],
    /* The whole (small) message fits the socket buffer: the client cannot
     * tell this from a drop after the final dot, so the outcome is unknown. */
    "after DATA's 354, small message" => [[['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA\r\n$/'],
        ['send', "354 End data with <CR><LF>.<CR><LF>\r\n"], ['close']], [], FAULT_TO],
];
$servers = [];
foreach ($cases as $what => [$script]) {
    $servers[$what] = fault_start($script);
}
foreach ($cases as $what => [, $options, $to]) {
    echo "--- $what\n";
    $f = $servers[$what];
    $r = fault_send($f, $options, $to);
    fault_show($r['e']);
    fault_within($r, 3);
    echo fault_lines(fault_transcript($f));
    fault_server_ok($f);
}
?>
--EXPECTF--
--- after the greeting
SmtpMail\ConnectException code=0 stage=ehlo transient=true permanent=false enhanced=-
[ehlo] 127.0.0.1:%d: the server closed the connection
within 3 s: yes
server: ok
--- after the 334 to AUTH CRAM-MD5
SmtpMail\AuthException code=0 stage=auth transient=true permanent=false enhanced=-
[auth] 127.0.0.1:%d: the server closed the connection
within 3 s: yes
EHLO client.test\r\n
AUTH CRAM-MD5\r\n
server: ok
--- after the 334 to the LOGIN user name
SmtpMail\AuthException code=0 stage=auth transient=true permanent=false enhanced=-
[auth] 127.0.0.1:%d: the server closed the connection
within 3 s: yes
EHLO client.test\r\n
AUTH LOGIN\r\n
dXNlckBleGFtcGxlLm9yZw==\r\n
server: ok
--- after the pipelined MAIL, RCPT, RCPT, DATA
SmtpMail\SenderException code=0 stage=mail transient=true permanent=false enhanced=-
[mail] 127.0.0.1:%d: the server closed the connection
within 3 s: yes
EHLO client.test\r\n
MAIL FROM:<sender@example.org>\r\n
RCPT TO:<a@example.org>\r\n
RCPT TO:<b@example.org>\r\n
DATA\r\n
server: ok
--- after the 2nd of 3 RCPTs
SmtpMail\RecipientException code=0 stage=rcpt transient=true permanent=false enhanced=-
[rcpt] 127.0.0.1:%d: the server closed the connection
within 3 s: yes
EHLO client.test\r\n
MAIL FROM:<sender@example.org>\r\n
RCPT TO:<a@example.org>\r\n
RCPT TO:<b@example.org>\r\n
server: ok
--- after DATA's 354, small message
SmtpMail\UnknownOutcomeException code=0 stage=data transient=true permanent=false enhanced=-
[data] 127.0.0.1:%d: the server closed the connection after the whole message was sent: the relay may or may not have accepted it
within 3 s: yes
EHLO client.test\r\n
MAIL FROM:<sender@example.org>\r\n
RCPT TO:<rcpt@example.org>\r\n
DATA\r\n
server: ok
