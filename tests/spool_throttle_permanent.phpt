--TEST--
spool: Microsoft 365's 550 5.2.25x is reported as permanent throttling with the provider's meaning; without a spool a permanent SenderException, with one the message waits (never failed/) and the relay is left alone for an hour
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:27061
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.spool_dir={PWD}/spool_throttle_permanent.d
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
require __DIR__ . '/spool_common.inc';
$dir = ini_get('smtpmail.spool_dir');
const PORT = 27061;
$plain = [['greet'], ['ehlo', ['8BITMIME']]];
$refuse = fn(string $reply) => [...$plain, ['expect', '/^MAIL/'], ['send', "$reply\r\n"], ['quit']];

/* A destination the call chose is never spooled: the exception says what Microsoft means. */
$f = fault_start($refuse('550 5.2.252 SendAsDenied; Sender throttled due to continuous send as denied errors'));
fault_show(fault_send($f)['e']);
fault_server_ok($f);

/* The php.ini relay with a spool: kept, with the meaning, and an hour's back-off for everyone. */
$f = fault_start($refuse('550 5.2.254 Sender throttled due to continuous too many recipients errors'), ['port' => PORT]);
$r = smtp_send(FAULT_TO, 'Permanent throttling', FAULT_BODY, FAULT_HEADERS);
smtp_close();
fault_server_ok($f);
$s = smtp_spool_status();
echo 'spooled=', var_export($r['spooled'], true), ', reply: ', $r['reply'], "\n";
echo 'back-off: ', $s['backoff_until'] - time() > 3500 && $s['backoff_until'] - time() <= 3600 ? 'one hour' : $s['backoff_until'] - time(), "\n";

/* A forced flush meeting 5.2.255: deferred with the meaning, not moved to failed/. */
$f = fault_start($refuse('550 5.2.255 Sender throttled due to continuous invalid recipients errors'), ['port' => PORT]);
$r = smtp_spool_flush(['force' => true]);
smtp_close();
fault_server_ok($f);
echo "flush: sent {$r['sent']}, deferred {$r['deferred']}, failed {$r['failed']}\n";
$q = array_values(spool_queue($dir));
echo 'queued ', count($q), ', failed/ ', count(spool_failed($dir)), ', error: ', $q[0]['error'] ?? '-', "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/spool_common.inc';
spool_remove(__DIR__ . '/spool_throttle_permanent.d');
?>
--EXPECTF--
SmtpMail\SenderException code=550 stage=mail transient=false permanent=true enhanced=5.2.252
[mail] 127.0.0.1:%d: the server refused the sender: 550 5.2.252 SendAsDenied; Sender throttled due to continuous send as denied errors (permanent throttling: Microsoft 365 stopped this sender for a while after continuous send-as-denied errors: send from an address the account may send as)
server: ok
server: ok
spooled=true, reply: the server refused the sender: 550 5.2.254 Sender throttled due to continuous too many recipients errors (permanent throttling: Microsoft 365 stopped this sender for a while after continuous too-many-recipients errors: send to fewer recipients per message and per day)
back-off: one hour
server: ok
flush: sent 0, deferred 1, failed 0
queued 1, failed/ 0, error: [mail] 127.0.0.1:27061: the server refused the sender: 550 5.2.255 Sender throttled due to continuous invalid recipients errors (permanent throttling: Microsoft 365 stopped this sender for a while after continuous invalid-recipient errors: remove the invalid addresses)
