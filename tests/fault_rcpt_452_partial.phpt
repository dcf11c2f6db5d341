--TEST--
fault: 452 "too many recipients" on the 2nd RCPT: the message goes to the first, the result lists the second as rejected
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* RFC 5321 4.5.3.1.10: a server may refuse recipients past its limit with 452;
 * the client delivers to those accepted and reports the rest (retry later). */
$f = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n452 4.5.3 Error: too many recipients\r\n354 End data with <CR><LF>.<CR><LF>\r\n"],
    ['read_data'], ['send', "250 2.0.0 Ok: queued as PART1\r\n"], ['quit']]);
$r = fault_send($f, [], ['a@example.org', 'b@example.org']);
fault_show($r['e']);
var_dump($r['result']);
$t = fault_transcript($f);
echo 'RCPT lines: ', preg_match_all('/^RCPT TO:/m', $t), "\n";
echo 'To header names both: ', var_export(str_contains($t, "To: a@example.org, b@example.org\r\n"), true), "\n";
fault_server_ok($f);
?>
--EXPECT--
no exception
array(6) {
  ["queue_id"]=>
  string(5) "PART1"
  ["accepted"]=>
  array(1) {
    [0]=>
    string(13) "a@example.org"
  }
  ["rejected"]=>
  array(1) {
    ["b@example.org"]=>
    string(36) "452 4.5.3 Error: too many recipients"
  }
  ["reply"]=>
  string(29) "250 2.0.0 Ok: queued as PART1"
  ["spooled"]=>
  bool(false)
  ["spool_id"]=>
  NULL
}
RCPT lines: 2
To header names both: true
server: ok
