--TEST--
fault: MAIL FROM refused with 553 under PIPELINING: SenderException code 553, the RCPT and DATA replies are read, no body
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* RFC 2920 3.1: the replies to RCPT and DATA still come after the failed MAIL;
 * reading them keeps the dialogue in step, so a clean QUIT follows. */
$f = fault_start([['greet'], ['ehlo', ['PIPELINING', '8BITMIME']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', "553 5.7.1 <sender@example.org>: Sender address rejected: not owned by user\r\n"
        . "554 5.5.1 Error: no valid recipients\r\n554 5.5.1 Error: no valid recipients\r\n"],
    ['quit']]);
$r = fault_send($f);
fault_show($r['e']);
fault_within($r, 3);
echo fault_lines(fault_transcript($f));
echo implode("\n", fault_events($f)), "\n";
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\SenderException code=553 stage=mail transient=false permanent=true enhanced=5.7.1
[mail] 127.0.0.1:%d: the server refused the sender: 553 5.7.1 <sender@example.org>: Sender address rejected: not owned by user (the envelope sender is not allowed for this account: send as the account's own address, or one it may send as (smtpmail.from, options["from"], mail()'s -f))
within 3 s: yes
EHLO client.test\r\n
MAIL FROM:<sender@example.org>\r\n
RCPT TO:<rcpt@example.org>\r\n
DATA\r\n
QUIT\r\n
conn 1 offset 0
pipelined: MAIL RCPT DATA
server: ok
