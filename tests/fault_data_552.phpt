--TEST--
fault: 552 after the final dot: DataException code 552, permanent, enhanced status from the reply
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$f = fault_start([['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA\r\n$/'],
    ['send', "354 End data with <CR><LF>.<CR><LF>\r\n"], ['read_data'],
    ['send', "552 5.3.4 Error: message file too big\r\n"], ['quit']]);
$r = fault_send($f);
fault_show($r['e']);
fault_within($r, 3);
$t = fault_transcript($f);
echo 'body sent: ', var_export(str_contains($t, FAULT_BODY . ".\r\n"), true), "\n";
echo 'ends with: ', json_encode(substr($t, -11)), "\n";
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\DataException code=552 stage=data transient=false permanent=true enhanced=5.3.4
[data] 127.0.0.1:%d: the server refused the message: 552 5.3.4 Error: message file too big
within 3 s: yes
body sent: true
ends with: "\r\n.\r\nQUIT\r\n"
server: ok
