--TEST--
spool: three flushers at once against the real relay send every spooled message exactly once
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
if (getenv('TEST_PHP_EXTRA_ARGS') === false) die('skip needs run-tests (TEST_PHP_EXTRA_ARGS)');
?>
--INI--
smtpmail.spool_dir={PWD}/spool_concurrent_flushers.d
smtpmail.deferred=1
smtpmail.host=127.0.0.1:2525
smtpmail.from=flusher@smtpmail.test
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
require __DIR__ . '/fault/fault.inc';
$env = relay_env();
$dir = ini_get('smtpmail.spool_dir');
$box = 'spool-flushers';
relay_clear_mailbox($box);

const N = 30;
for ($i = 1; $i <= N; $i++) {
    smtp_send("$box@smtpmail.test", "Spooled $i", "Message $i\r\n");
}
echo count(glob("$dir/queue/*.msg")), " spooled\n";

/* Three php processes flush the same spool at the same time, to the relay's plain port. */
preg_match_all('/\'([^\']*)\'|"([^"]*)"|(\S+)/', getenv('TEST_PHP_EXTRA_ARGS'), $m, PREG_SET_ORDER);
$args = array_map(fn($x) => $x[count($x) - 1], $m);
$code = 'echo json_encode(smtp_spool_flush());';
$procs = [];
for ($k = 0; $k < 3; $k++) {
    $cmd = array_merge([fault_php()], $args, ['-d', "smtpmail.spool_dir=$dir", '-d', "smtpmail.host={$env['SMTPMAIL_TEST_HOST']}:{$env['SMTPMAIL_TEST_PORT_PLAIN']}",
        '-d', 'smtpmail.from=flusher@smtpmail.test', '-r', $code]);
    $procs[] = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes[$k]);
}
$sent = $deferred = $failed = 0;
foreach ($procs as $k => $p) {
    $out = stream_get_contents($pipes[$k][1]);
    $err = stream_get_contents($pipes[$k][2]);
    proc_close($p);
    $r = json_decode($out, true);
    if (!is_array($r)) {
        echo "flusher $k: $out $err\n";
        continue;
    }
    $sent += $r['sent'];
    $deferred += $r['deferred'];
    $failed += $r['failed'];
}
echo "sent $sent in all, failed $failed\n";
$messages = relay_wait_for($box, N, 30.0);
sleep(1); /* a duplicate would arrive now */
$messages = relay_wait_for($box, N, 5.0);
$subjects = [];
foreach ($messages as $raw) {
    [$headers] = relay_split($raw);
    $subjects[] = relay_header($headers, 'Subject')[0];
}
$counts = array_count_values($subjects);
echo count($messages), ' delivered, ', count($counts), ' distinct, most copies of one: ', max($counts), "\n";
echo count(glob("$dir/queue/*")), " left in the spool\n";
?>
--CLEAN--
<?php
$dir = __DIR__ . '/spool_concurrent_flushers.d';
foreach (['queue', 'failed', 'tmp'] as $sub) {
    array_map('unlink', glob("$dir/$sub/*") ?: []);
    @rmdir("$dir/$sub");
}
@rmdir($dir);
?>
--EXPECT--
30 spooled
sent 30 in all, failed 0
30 delivered, 30 distinct, most copies of one: 1
0 left in the spool
