--TEST--
fault: partial RCPT rejection, one 250, one 550, one 450: sent once to the accepted one; the result lists both refusals with their replies
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$f = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'RCPT', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <b@example.org>: Recipient address rejected: User unknown\r\n"
        . "450 4.2.0 <c@example.org>: Recipient address rejected: Greylisted\r\n354 End data with <CR><LF>.<CR><LF>\r\n"],
    ['read_data'], ['send', "250 2.0.0 Ok: queued as MIX1\r\n"], ['quit']]);
$r = fault_send($f, [], ['a@example.org', 'b@example.org', 'c@example.org']);
fault_show($r['e']);
echo json_encode(array_intersect_key($r['result'] ?? [], array_flip(['queue_id', 'accepted', 'rejected', 'reply'])), JSON_PRETTY_PRINT), "\n";
$t = fault_transcript($f);
echo 'messages sent: ', substr_count($t, "\r\n.\r\n"), "\n";
echo implode("\n", fault_events($f)), "\n";
fault_server_ok($f);
?>
--EXPECT--
no exception
{
    "queue_id": "MIX1",
    "accepted": [
        "a@example.org"
    ],
    "rejected": {
        "b@example.org": "550 5.1.1 <b@example.org>: Recipient address rejected: User unknown",
        "c@example.org": "450 4.2.0 <c@example.org>: Recipient address rejected: Greylisted"
    },
    "reply": "250 2.0.0 Ok: queued as MIX1"
}
messages sent: 1
conn 1 offset 0
pipelined: MAIL RCPT RCPT RCPT DATA
data received
server: ok
