--TEST--
fault: SIZE announced smaller than the message: refused before MAIL is sent
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* RFC 1870 6: a client that knows the message is too big must not start the
 * transaction. 100 octets is less than the headers alone. */
$f = fault_start([['greet'], ['ehlo', ['PIPELINING', 'SIZE 100']], ['quit']]);
$r = fault_send($f);
fault_show($r['e']);
fault_within($r, 3);
echo fault_lines(fault_transcript($f));
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\SenderException code=0 stage=mail transient=false permanent=true enhanced=-
[mail] 127.0.0.1:%d: the message of %d bytes exceeds the server's size limit of 100 bytes (SIZE)
within 3 s: yes
EHLO client.test\r\n
QUIT\r\n
server: ok
