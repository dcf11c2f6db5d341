--TEST--
spool: a message waits for a flusher with the relay and account it was spooled for; after php.ini moved to another relay, the operator's smtp_spool_flush(['retarget' => true]) from the command line sends it through the new one
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
$dir = __DIR__ . '/spool_retarget.d';
$old = ['smtpmail.host' => '127.0.0.1:27018', 'smtpmail.from' => 'sender@example.org', 'smtpmail.helo' => 'client.test',
    'smtpmail.spool_dir' => $dir, 'smtpmail.timeout' => 2];
$new = ['smtpmail.host' => '127.0.0.1:27019'] + $old;

/* The old relay is down: spooled for it. */
$r = fault_ini_send($old);
echo 'spooled: ', var_export($r['result']['spooled'] ?? null, true), "\n";

$flush = function (array $ini, string $options) {
    $p = proc_open(fault_child_cmd($ini, "try { echo json_encode(smtp_spool_flush($options)); } catch (Throwable \$e) { echo get_class(\$e), ': ', \$e->getMessage(); }"),
        [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
    proc_close($p);
    return $out;
};
/* php.ini now names another relay: a plain flush leaves the message alone. */
$f = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']], ['port' => 27019]);
echo 'flush with the new relay: ', $flush($new, '["force" => true]'), "\n";
echo 'flush with the old one: ', $flush($old, '["force" => true]'), "\n";
/* The operator moves it over, from the command line. */
echo 'retarget: ', $flush($new, '["force" => true, "retarget" => true]'), "\n";
echo 'delivered through the new relay: ', substr_count(fault_transcript($f), "\r\n.\r\n"), "\n";
fault_server_ok($f);
?>
--CLEAN--
<?php
require __DIR__ . '/spool_common.inc';
spool_remove(__DIR__ . '/spool_retarget.d');
?>
--EXPECT--
spooled: true
flush with the new relay: {"sent":0,"deferred":0,"failed":0,"skipped":1,"waiting":0}
flush with the old one: {"sent":0,"deferred":1,"failed":0,"skipped":0,"waiting":0}
retarget: {"sent":1,"deferred":0,"failed":0,"skipped":0,"waiting":0}
delivered through the new relay: 1
server: ok
