--TEST--
fault: every reply of a session written one byte per TCP segment: the client reassembles them, the message is accepted exactly once
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* RFC 5321 4.1.1 and 2920 3.2: replies are lines, not packets. One byte
 * every 2 ms arrives as one segment each on loopback; a client that parsed
 * per read() would see "2", "5", "0"... and a multi-line reply cut anywhere. */
$f = fault_start([
    ['trickle', "220 fault.test ESMTP trickling\r\n", 2],
    ['expect', '/^EHLO client\.test\r\n$/'],
    ['trickle', "250-fault.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n", 2],
    ['expect_pipelined', ['MAIL', 'RCPT', 'RCPT', 'DATA']],
    ['trickle', "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n", 2],
    ['read_data'],
    ['trickle', "250 2.0.0 Ok: queued as TINY1\r\n", 2],
    ['quit'],
]);
$r = fault_send($f, ['timeout' => 5], ['a@example.org', 'b@example.org']);
fault_show($r['e']);
echo json_encode(array_intersect_key($r['result'] ?? [], array_flip(['queue_id', 'accepted', 'rejected', 'reply']))), "\n";
$t = fault_transcript($f);
echo 'messages sent: ', substr_count($t, "\r\n.\r\n"), "\n";
echo implode("\n", fault_events($f)), "\n";
fault_server_ok($f);
?>
--EXPECT--
no exception
{"queue_id":"TINY1","accepted":["a@example.org","b@example.org"],"rejected":[],"reply":"250 2.0.0 Ok: queued as TINY1"}
messages sent: 1
conn 1 offset 0
pipelined: MAIL RCPT RCPT DATA
data received
server: ok
