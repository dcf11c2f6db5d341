--TEST--
fault: 552 "message size exceeds fixed limit" to MAIL FROM (no SIZE announced): permanent SenderException 552, body never sent
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* RFC 1870 6.1: a server may refuse an over-size message at MAIL with 552.
 * fault_data_552.phpt has the same refusal after the final dot. */
$f = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', "552 5.3.4 Message size exceeds fixed limit\r\n554 5.5.1 Error: no valid recipients\r\n"
        . "554 5.5.1 Error: no valid recipients\r\n"], ['quit']]);
$r = fault_send($f);
fault_show($r['e']);
fault_within($r, 3);
$t = fault_transcript($f);
echo 'body sent: ', var_export(str_contains($t, 'Hello from the fault tests'), true), "\n";
echo 'ends with: ', json_encode(substr($t, -12)), "\n";
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\SenderException code=552 stage=mail transient=false permanent=true enhanced=5.3.4
[mail] 127.0.0.1:%d: the server refused the sender: 552 5.3.4 Message size exceeds fixed limit
within 3 s: yes
body sent: false
ends with: "DATA\r\nQUIT\r\n"
server: ok
