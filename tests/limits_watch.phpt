--TEST--
smtp_spool_flush(['watch' => 0]): a message spooled while the flusher watches is sent without another call; SIGTERM ends the watch, and the script's own pcntl handler works again afterwards
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
if (getenv('TEST_PHP_EXTRA_ARGS') === false) die('skip needs run-tests (TEST_PHP_EXTRA_ARGS)');
if (PHP_OS_FAMILY === 'Windows') die('skip SIGTERM');
if (!function_exists('pcntl_signal')) die('skip needs ext/pcntl');
?>
--INI--
smtpmail.spool_dir={PWD}/limits_watch.d
smtpmail.deferred=1
smtpmail.host=127.0.0.1:27073
smtpmail.from=limits@smtpmail.test
--FILE--
<?php
require __DIR__ . '/limits_common.inc';
$dir = ini_get('smtpmail.spool_dir');
smtp_send("to@smtpmail.test", "Before", "spooled before the watch\n");
$srv = count_start(27073);

$ini = ['smtpmail.spool_dir' => $dir, 'smtpmail.host' => '127.0.0.1:27073', 'smtpmail.from' => 'limits@smtpmail.test'];
$code = <<<'PHP'
pcntl_signal(SIGTERM, function () { echo "script handler ran\n"; });
echo "watching\n";
$r = smtp_spool_flush(['watch' => 0]);
echo json_encode($r), "\n";
exec("kill -TERM " . getmypid());
pcntl_signal_dispatch();
PHP;
$p = proc_open(limits_child($ini, $code), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
echo fgets($pipes[1]);

function wait_for(array $srv, string $subject, float $seconds): ?float
{
    $t = microtime(true);
    while (microtime(true) - $t < $seconds) {
        if (in_array($subject, count_subjects(count_events($srv)), true)) {
            return microtime(true) - $t;
        }
        usleep(20000);
    }
    return null;
}
echo "the one spooled before: ", wait_for($srv, 'Before', 10) !== null ? 'sent' : 'not sent', "\n";
foreach (['First', 'Second'] as $s) {
    smtp_send("to@smtpmail.test", $s, "spooled during the watch\n");
    $took = wait_for($srv, $s, 10);
    echo "$s: ", $took === null ? 'not sent' : ($took < 5 ? 'sent within seconds' : "sent after $took s"), "\n";
}
proc_terminate($p, 15);
$t = microtime(true);
echo stream_get_contents($pipes[1]);
echo stream_get_contents($pipes[2]);
echo "exit code ", proc_close($p), ", stopped within 3 s: ", microtime(true) - $t < 3 ? 'yes' : 'no', "\n";
echo count(glob("$dir/queue/*")), " left in the spool\n";
$ev = count_stop($srv);
echo "sessions: ", count(array_filter($ev, fn($e) => $e[0] === 'open')), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/limits_common.inc';
limits_remove(__DIR__ . '/limits_watch.d');
?>
--EXPECT--
watching
the one spooled before: sent
First: sent within seconds
Second: sent within seconds
{"sent":3,"deferred":0,"failed":0,"skipped":0,"waiting":0}
script handler ran
exit code 0, stopped within 3 s: yes
0 left in the spool
sessions: 1
