--TEST--
fault: an endless multi-line reply ("250-x" forever) is cut off after a bounded number of lines
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* A million continuation lines (7 MB). The client must stop reading at its
 * line cap and hang up, not buffer the lot or wait for the end. */
$f = fault_start([['greet'], ['expect', '/^EHLO /'], ['endless', "250-x\r\n", 1000000], ['expect_close', 3000]]);
$r = fault_send($f);
fault_show($r['e']);
fault_within($r, 3);
echo 'sent: ', json_encode(fault_transcript($f)), "\n";
$events = fault_events($f);
echo 'server stopped early: ', var_export(isset($events[1]) && str_starts_with($events[1], 'endless stopped after about'), true), "\n";
/* memory_get_peak_usage() counts Zend's allocator only (the core uses malloc):
 * it shows the script is still healthy, not the core's footprint. */
var_dump(is_int(memory_get_peak_usage()));
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\ConnectException code=0 stage=ehlo transient=false permanent=true enhanced=-
[ehlo] 127.0.0.1:%d: bad ehlo reply: more than %d lines: "250-x"
within 3 s: yes
sent: "EHLO client.test\r\n"
server stopped early: true
bool(true)
server: ok
