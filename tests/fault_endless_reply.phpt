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
/* The core allocates with malloc, which memory_get_usage() does not see: the
 * process's peak resident size (Linux) is what must not grow with the reply. */
function peak_rss_kb(): ?int
{
    /* Under valgrind (run-tests -m sets USE_ZEND_ALLOC=0) the resident size is
     * valgrind's: this check belongs to the plain run, where it applies. */
    if (getenv('USE_ZEND_ALLOC') === '0') {
        return null;
    }
    $status = @file_get_contents('/proc/self/status');
    return is_string($status) && preg_match('/^VmHWM:\s+(\d+) kB/m', $status, $m) ? (int)$m[1] : null;
}
$before = peak_rss_kb();
$r = fault_send($f);
$after = peak_rss_kb();
fault_show($r['e']);
fault_within($r, 3);
echo 'sent: ', json_encode(fault_transcript($f)), "\n";
$events = fault_events($f);
echo 'server stopped early: ', var_export(isset($events[1]) && str_starts_with($events[1], 'endless stopped after about'), true), "\n";
/* 7 MB were offered; a client that kept them would have grown by that much. */
echo 'peak memory grew by less than 1 MB: ', var_export($before === null || $after - $before < 1024, true), "\n";
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\ConnectException code=0 stage=ehlo transient=false permanent=true enhanced=-
[ehlo] 127.0.0.1:%d: bad ehlo reply: more than 128 lines: "250-x"
within 3 s: yes
sent: "EHLO client.test\r\n"
server stopped early: true
peak memory grew by less than 1 MB: true
server: ok
