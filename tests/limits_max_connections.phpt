--TEST--
smtpmail.max_connections: 8 processes with persistent sessions and max_connections = 3 never hold more than 3 sessions; every message is delivered or spooled, then flushed
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
if (getenv('TEST_PHP_EXTRA_ARGS') === false) die('skip needs run-tests (TEST_PHP_EXTRA_ARGS)');
?>
--INI--
smtpmail.spool_dir={PWD}/limits_max_connections.d
smtpmail.host=127.0.0.1:27070
smtpmail.from=limits@smtpmail.test
smtpmail.max_connections=3
smtpmail.persistent=1
--FILE--
<?php
require __DIR__ . '/limits_common.inc';
$dir = ini_get('smtpmail.spool_dir');
/* Each message waits 400 ms for its 250, so the 8 senders overlap: a sender
 * keeps its slot for its 3 messages (1.8 s with the pauses), so the last two
 * to get one wait more than their 2 s timeout and spool. */
$srv = count_start(27070, 60, 400);

$ini = ['smtpmail.spool_dir' => $dir, 'smtpmail.host' => '127.0.0.1:27070', 'smtpmail.from' => 'limits@smtpmail.test',
    'smtpmail.max_connections' => 3, 'smtpmail.persistent' => 1, 'smtpmail.timeout' => 2];
$procs = $pipes = [];
for ($k = 0; $k < 8; $k++) {
    /* 300 ms between messages: an idle persistent session keeps its slot. */
    $code = 'usleep(200000); $o = []; for ($i = 0; $i < 3; $i++) { if ($i) usleep(300000); $r = smtp_send("to@smtpmail.test", "p' . $k . ' m$i", "hi\n");'
        . ' $o[] = $r["spooled"] ? "spooled" : "sent"; } echo implode(" ", $o);';
    $procs[$k] = proc_open(limits_child($ini, $code), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes[$k]);
}
$sent = $spooled = 0;
foreach ($procs as $k => $p) {
    $out = stream_get_contents($pipes[$k][1]);
    $err = stream_get_contents($pipes[$k][2]);
    proc_close($p);
    if (!preg_match('/^((sent|spooled) ?){3}$/', $out)) {
        echo "child $k: $out $err\n";
    }
    $sent += substr_count($out, 'sent');
    $spooled += substr_count($out, 'spooled');
}
echo "sent + spooled: ", $sent + $spooled, "\n";
echo "some waited and were spooled: ", $spooled > 0 ? 'yes' : 'no', "\n";

/* The flusher counts against the same 3 slots. */
$r = smtp_spool_flush();
echo "flushed all that was spooled: ", $r['sent'] === $spooled && $r['deferred'] === 0 ? 'yes' : json_encode($r) . " for $spooled", "\n";
smtp_close();

$ev = count_stop($srv);
echo "most sessions open at once: ", count_peak($ev), "\n";
$subjects = count_subjects($ev);
$counts = array_count_values($subjects);
echo count($subjects), " messages, ", count($counts), " distinct, most copies of one: ", max($counts), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/limits_common.inc';
limits_remove(__DIR__ . '/limits_max_connections.d');
?>
--EXPECT--
sent + spooled: 24
some waited and were spooled: yes
flushed all that was spooled: yes
most sessions open at once: 3
24 messages, 24 distinct, most copies of one: 1
