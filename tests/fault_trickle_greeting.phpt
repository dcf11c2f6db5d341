--TEST--
fault: a greeting trickled one byte per 200 ms times out after the timeout, not after the whole line
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* 100 bytes at 200 ms each would take 20 s. One deadline covers the whole
 * reply, so each byte arriving in time must not restart the clock. */
$f = fault_start([['trickle', '220 fault.test ' . str_repeat('slow', 25) . "\r\n", 200]]);
$r = fault_send($f, ['timeout' => 1]);
fault_show($r['e']);
fault_within($r, 1 + 3);
echo 'sent: ', json_encode(fault_transcript($f)), "\n";
echo implode("\n", fault_events($f)), "\n";
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\ConnectException code=0 stage=greeting transient=true permanent=false enhanced=-
[greeting] 127.0.0.1:%d: no reply from the server within 1000 ms (a port that expects TLS from the first byte needs tls=implicit)
within 4 s: yes
sent: ""
conn 1 offset 0
closed by client at step 1 (trickle)%s
server: ok
