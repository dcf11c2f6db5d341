--TEST--
attack: a send with its own destination or credentials is never spooled (the flusher would deliver it through the php.ini relay and account); in deferred mode it is sent at once
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:1
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.spool_dir={PWD}/attack_spool_redirected_send.d
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
$dir = ini_get('smtpmail.spool_dir');

/* The script's relay is down: the failure is the script's to handle now. */
$down = fault_start([['send', "421 4.3.2 busy\r\n"], ['close']]);
$r = fault_send($down);
echo 'redirected, relay down: ', $r['e'] ? get_class($r['e']) . ' transient=' . var_export($r['e']->isTransient(), true) : 'returned', "\n";
$r = fault_send_ini(FAULT_TO, FAULT_BODY, ['username' => 'own@example.org', 'password' => 'own-pass', 'tls' => 'none']);
echo 'own credentials, relay down: ', $r['e'] ? get_class($r['e']) : 'returned', "\n";
echo 'queued: ', count(glob("$dir/queue/*.msg") ?: []), "\n";

/* The php.ini relay and account: spooled, as before. */
$r = fault_send_ini();
echo 'php.ini relay down: spooled=', var_export($r['result']['spooled'] ?? null, true), "\n";
echo 'queued: ', count(glob("$dir/queue/*.msg") ?: []), "\n";
?>
--CLEAN--
<?php
$dir = __DIR__ . '/attack_spool_redirected_send.d';
foreach (['queue', 'failed', 'tmp'] as $sub) {
    array_map('unlink', glob("$dir/$sub/*") ?: []);
    @rmdir("$dir/$sub");
}
@rmdir($dir);
?>
--EXPECT--
redirected, relay down: SmtpMail\ConnectException transient=true
own credentials, relay down: SmtpMail\ConnectException
queued: 0
php.ini relay down: spooled=true
queued: 1
