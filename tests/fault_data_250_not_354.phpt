--TEST--
fault: DATA answered with 250 instead of 354: DataException, and the message body is never sent
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* A server that says 250 to DATA is not reading a message: the body would be
 * taken as commands (a header line "RCPT TO:..." would be one). */
$f = fault_start([['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA\r\n$/'],
    ['send', "250 2.0.0 Ok\r\n"], ['expect_close', 3000]]);
$r = fault_send($f);
fault_show($r['e']);
fault_within($r, 3);
$t = fault_transcript($f);
echo fault_lines($t);
echo 'body sent: ', var_export(str_contains($t, 'Hello from the fault tests'), true), "\n";
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\DataException code=250 stage=data transient=false permanent=true enhanced=-
[data] 127.0.0.1:%d: the server answered DATA with 250 2.0.0 Ok instead of 354; message not sent
within 3 s: yes
EHLO client.test\r\n
MAIL FROM:<sender@example.org>\r\n
RCPT TO:<rcpt@example.org>\r\n
DATA\r\n
body sent: false
server: ok
