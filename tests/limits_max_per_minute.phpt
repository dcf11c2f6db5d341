--TEST--
smtpmail.max_per_minute: a 100-message flush sends the limit and leaves the rest untouched; a send beyond it spools, or without a spool fails transient
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
if (getenv('TEST_PHP_EXTRA_ARGS') === false) die('skip needs run-tests (TEST_PHP_EXTRA_ARGS)');
?>
--INI--
smtpmail.spool_dir={PWD}/limits_max_per_minute.d
smtpmail.deferred=1
smtpmail.host=127.0.0.1:27072
smtpmail.from=limits@smtpmail.test
smtpmail.max_per_minute=10
--FILE--
<?php
require __DIR__ . '/limits_common.inc';
require __DIR__ . '/spool_common.inc';
$dir = ini_get('smtpmail.spool_dir');
for ($i = 1; $i <= 100; $i++) {
    smtp_send("to@smtpmail.test", "Paced $i", "Message $i\n");
}
echo count(spool_queue($dir)), " spooled\n";

$srv = count_start(27072);
echo json_encode(smtp_spool_flush()), "\n";
/* The window is full: a second flush at once sends nothing and touches nothing. */
echo json_encode(smtp_spool_flush()), "\n";
$q = spool_queue($dir);
echo count($q), " wait, with attempts ", max(array_column($q, 'attempts')), "\n";
$subjects = count_subjects(count_stop($srv));
echo count($subjects), " sent, ", count(array_unique($subjects)), " distinct, none of those still waiting: ",
    array_intersect($subjects, array_map(fn($m) => preg_match('/^Subject: (.*)$/m', $m['message'], $x) ? trim($x[1]) : '', $q)) === [] ? 'yes' : 'no', "\n";

/* smtp_send() beyond the limit: spooled when there is a spool (not deferred)... */
$srv = count_start(27072);
$ini = ['smtpmail.spool_dir' => "$dir-send", 'smtpmail.deferred' => 0, 'smtpmail.host' => '127.0.0.1:27072',
    'smtpmail.from' => 'limits@smtpmail.test', 'smtpmail.max_per_minute' => 1, 'smtpmail.timeout' => 1];
$code = 'for ($i = 1; $i <= 2; $i++) { $r = smtp_send("to@smtpmail.test", "S$i", "hi\n"); echo $r["spooled"] ? "spooled: " . $r["reply"] : "sent", "\n"; }';
echo shell_exec(implode(' ', array_map('escapeshellarg', limits_child($ini, $code))));
/* ...and without one, it waits up to the timeout, then fails, transient. */
$tmp = "$dir-tmp";
@mkdir($tmp, 0700);
$ini = ['sys_temp_dir' => $tmp, 'smtpmail.spool_dir' => '', 'smtpmail.deferred' => 0] + $ini;
$code = 'for ($i = 1; $i <= 2; $i++) { try { smtp_send("to@smtpmail.test", "N$i", "hi\n"); echo "sent\n"; }'
    . ' catch (SmtpMail\Exception $e) { echo get_class($e), " transient=", var_export($e->isTransient(), true), "\n", $e->getMessage(), "\n"; } }';
$t = microtime(true);
echo shell_exec(implode(' ', array_map('escapeshellarg', limits_child($ini, $code))));
echo "gave up without waiting a minute: ", microtime(true) - $t < 10 ? 'yes' : 'no', "\n";
echo implode(', ', count_subjects(count_stop($srv))), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/limits_common.inc';
$dir = __DIR__ . '/limits_max_per_minute.d';
limits_remove($dir);
limits_remove("$dir-send");
array_map('unlink', glob("$dir-tmp/smtpmail-*/limits/*") ?: []);
array_map('rmdir', glob("$dir-tmp/smtpmail-*/limits") ?: []);
array_map('rmdir', glob("$dir-tmp/smtpmail-*") ?: []);
@rmdir("$dir-tmp");
?>
--EXPECTF--
100 spooled
{"sent":10,"deferred":0,"failed":0,"skipped":0,"waiting":90}
{"sent":0,"deferred":0,"failed":0,"skipped":0,"waiting":90}
90 wait, with attempts 0
10 sent, 10 distinct, none of those still waiting: yes
sent
spooled: smtpmail.max_per_minute = 1 messages to 127.0.0.1:27072 with this account were sent in the last minute; the next may go in %d ms
sent
SmtpMail\ConnectException transient=true
[connect] 127.0.0.1:27072: smtpmail.max_per_minute = 1 messages to 127.0.0.1:27072 with this account were sent in the last minute; the next may go in %d ms
gave up without waiting a minute: yes
S1, N1
