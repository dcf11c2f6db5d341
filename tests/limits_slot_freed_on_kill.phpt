--TEST--
smtpmail.max_connections: a sender killed (SIGKILL) in the middle of a send frees its connection slot
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
if (getenv('TEST_PHP_EXTRA_ARGS') === false) die('skip needs run-tests (TEST_PHP_EXTRA_ARGS)');
if (PHP_OS_FAMILY === 'Windows') die('skip SIGKILL');
?>
--FILE--
<?php
require __DIR__ . '/limits_common.inc';
$srv = count_start(27071);
$tmp = sys_get_temp_dir() . '/limits_slot_freed_on_kill.' . getmypid();
@mkdir($tmp, 0700);
/* Without a spool the slot files live under sys_temp_dir: this test's own. */
$ini = ['sys_temp_dir' => $tmp, 'smtpmail.host' => '127.0.0.1:27071', 'smtpmail.from' => 'limits@smtpmail.test',
    'smtpmail.max_connections' => 1];
$send = function (string $subject, array $headers, int $timeout) use ($ini) {
    $code = 'try { $r = smtp_send("to@smtpmail.test", "' . $subject . '", "hi\n", ' . var_export($headers, true) . ');'
        . ' echo $r["reply"]; } catch (SmtpMail\Exception $e) { echo get_class($e), " transient=", var_export($e->isTransient(), true), ": ", $e->getMessage(); }';
    return limits_child($ini + ['smtpmail.timeout' => $timeout], $code);
};

/* A holds the one slot: the server never answers its final dot. */
$a = proc_open($send('A', ['X-Stall' => 'yes'], 30), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pa);
for ($i = 0; $i < 100 && !in_array('stall', array_column(count_events($srv), 0), true); $i++) {
    usleep(50000);
}
echo "A is stuck after its final dot: ", $i < 100 ? 'yes' : 'no', "\n";

/* B finds no free slot within its 1 s timeout. */
$b = proc_open($send('B', [], 1), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pb);
echo "B: ", stream_get_contents($pb[1]), "\n";
proc_close($b);

proc_terminate($a, 9);
proc_close($a);

/* C gets the slot A held. */
$c = proc_open($send('C', [], 5), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pc);
echo "C: ", preg_replace('/queued as \S+/', 'queued as X', stream_get_contents($pc[1])), "\n";
proc_close($c);
echo "delivered: ", implode(', ', count_subjects(count_stop($srv))), "\n";
array_map('unlink', glob("$tmp/smtpmail-*/limits/*") ?: []);
array_map('rmdir', glob("$tmp/smtpmail-*/limits") ?: []);
array_map('rmdir', glob("$tmp/smtpmail-*") ?: []);
@rmdir($tmp);
?>
--EXPECTF--
A is stuck after its final dot: yes
B: SmtpMail\ConnectException transient=true: [connect] 127.0.0.1:27071: no free connection: smtpmail.max_connections = 1 sessions to 127.0.0.1:27071 with this account are open (in this or other PHP processes) and none closed within 1000 ms
C: 250 2.0.0 Ok: queued as X
delivered: C
