--TEST--
attack: in deferred mode a send with its own destination goes out at once and is not left in the spool for the php.ini relay
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:1
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.spool_dir={PWD}/attack_spool_deferred_redirected.d
smtpmail.deferred=1
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
$dir = ini_get('smtpmail.spool_dir');
$f = fault_start([['greet'], ['ehlo'], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
$r = fault_send($f);
echo 'queue_id ', $r['result']['queue_id'] ?? '-', ', spooled ', var_export($r['result']['spooled'] ?? null, true), "\n";
echo 'queued: ', count(glob("$dir/queue/*.msg") ?: []), "\n";
fault_server_ok($f);
$r = fault_send_ini();
echo 'php.ini relay: spooled ', var_export($r['result']['spooled'] ?? null, true), ', queued: ', count(glob("$dir/queue/*.msg") ?: []), "\n";
?>
--CLEAN--
<?php
$dir = __DIR__ . '/attack_spool_deferred_redirected.d';
foreach (['queue', 'failed', 'tmp'] as $sub) {
    array_map('unlink', glob("$dir/$sub/*") ?: []);
    @rmdir("$dir/$sub");
}
@rmdir($dir);
?>
--EXPECT--
queue_id FAULT1, spooled false
queued: 0
server: ok
php.ini relay: spooled true, queued: 1
