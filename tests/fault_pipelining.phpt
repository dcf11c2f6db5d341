--TEST--
fault: with PIPELINING, MAIL, 3 RCPT and DATA go out in one write; without it, one command per read, same result
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$to = ['a@example.org', 'b@example.org', 'c@example.org'];
$with = fault_start([['greet'], ['ehlo', ['PIPELINING', '8BITMIME']],
    ['expect_pipelined', ['MAIL', 'RCPT', 'RCPT', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"],
    ['read_data'], ['send', "250 2.0.0 Ok: queued as FAULT1\r\n"], ['quit']]);
$without = fault_start([['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok', 3], ['data_ok'], ['quit']]);

$results = [];
foreach (['with PIPELINING' => $with, 'without PIPELINING' => $without] as $what => $f) {
    echo "--- $what\n";
    $r = fault_send($f, [], $to);
    fault_show($r['e']);
    $results[] = $r['result'];
    $t = fault_transcript($f);
    /* Bytes of each read the server made, and what they were. */
    $reads = fault_reads($f);
    $off = 0;
    foreach ($reads as $n) {
        $chunk = substr($t, $off, $n);
        $off += $n;
        $verbs = preg_match_all('/^([A-Z]+)[ :\r]/m', $chunk, $m) ? implode(' ', $m[1]) : '';
        echo 'read: ', str_starts_with($chunk, 'To: ') ? 'message' : $verbs, "\n";
    }
    echo 'events: ', json_encode(array_values(preg_grep('/^pipelined/', fault_events($f)))), "\n";
    fault_server_ok($f);
}
echo 'same result: ', var_export($results[0] === $results[1], true), "\n";
echo json_encode($results[0]), "\n";
?>
--EXPECT--
--- with PIPELINING
no exception
read: EHLO
read: MAIL RCPT RCPT RCPT DATA
read: message
read: QUIT
events: ["pipelined 1 read: MAIL RCPT RCPT RCPT DATA"]
server: ok
--- without PIPELINING
no exception
read: EHLO
read: MAIL
read: RCPT
read: RCPT
read: RCPT
read: DATA
read: message
read: QUIT
events: []
server: ok
same result: true
{"queue_id":"FAULT1","accepted":["a@example.org","b@example.org","c@example.org"],"rejected":[],"reply":"250 2.0.0 Ok: queued as FAULT1","spooled":false,"spool_id":null}
