--TEST--
fault: 452 "too many recipients" to every RCPT: transient RecipientException 452 (try again later), DATA's reply read, clean QUIT
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* RFC 5321 4.5.3.1.10: 452 is a temporary refusal; with no recipient left
 * the transaction cannot go on, but a later try may succeed. */
$f = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n452 4.5.3 Error: too many recipients\r\n452 4.5.3 Error: too many recipients\r\n"
        . "554 5.5.1 Error: no valid recipients\r\n"], ['quit']]);
$r = fault_send($f, [], ['a@example.org', 'b@example.org']);
fault_show($r['e']);
fault_within($r, 3);
echo fault_lines(fault_transcript($f));
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\RecipientException code=452 stage=rcpt transient=true permanent=false enhanced=4.5.3
[rcpt] 127.0.0.1:%d: the server refused all 2 recipients; first <a@example.org>: 452 4.5.3 Error: too many recipients
within 3 s: yes
EHLO client.test\r\n
MAIL FROM:<sender@example.org>\r\n
RCPT TO:<a@example.org>\r\n
RCPT TO:<b@example.org>\r\n
DATA\r\n
QUIT\r\n
server: ok
