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
    /* RFC 2920: with PIPELINING the envelope goes as one batch (the server's
     * "pipelined" event saw MAIL..DATA before it answered); without it, every
     * command waits for the previous reply. Same commands either way. */
    echo 'commands: ', implode(' ', preg_match_all('/^(EHLO|MAIL|RCPT|DATA|QUIT)\b/m', $t, $m) ? $m[1] : []), "\n";
    echo 'one command at a time: ', var_export(fault_one_command_per_read($f), true), "\n";
    echo 'events: ', json_encode(array_values(preg_grep('/^pipelined/', fault_events($f)))), "\n";
    fault_server_ok($f);
}
echo 'same result: ', var_export($results[0] === $results[1], true), "\n";
echo json_encode($results[0]), "\n";
?>
--EXPECT--
--- with PIPELINING
no exception
commands: EHLO MAIL RCPT RCPT RCPT DATA QUIT
one command at a time: false
events: ["pipelined: MAIL RCPT RCPT RCPT DATA"]
server: ok
--- without PIPELINING
no exception
commands: EHLO MAIL RCPT RCPT RCPT DATA QUIT
one command at a time: true
events: []
server: ok
same result: true
{"queue_id":"FAULT1","accepted":["a@example.org","b@example.org","c@example.org"],"rejected":[],"reply":"250 2.0.0 Ok: queued as FAULT1","spooled":false,"spool_id":null}
