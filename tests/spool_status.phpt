--TEST--
spool: smtp_spool_status() reports what the spool holds (queued, deferred, failed, oldest_age, next_attempt, last_error), zeros and nulls for a spool never used, the same in phpinfo(); smtpmail.log lines carry level=info/warning/err
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:27062
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.spool_dir={PWD}/spool_status.d
smtpmail.log={PWD}/spool_status.log
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
require __DIR__ . '/spool_common.inc';
$dir = ini_get('smtpmail.spool_dir');
$log = ini_get('smtpmail.log');
const PORT = 27062;
$plain = [['greet'], ['ehlo', ['8BITMIME']]];
function show(): void
{
    $s = smtp_spool_status();
    $now = time();
    foreach ($s as $k => $v) {
        /* Relative to now, with room for a slow machine. */
        if ($k === 'oldest_age' && $s['queued'] > 0) {
            $v = $v < 60 ? 'under a minute' : $v;
        } elseif ($k === 'next_attempt' && $v !== null) {
            $v = $v <= $now && $v > $now - 60 ? 'due' : ($v > $now && $v <= $now + 60 ? 'within a minute' : $v - $now);
        }
        /* Two messages spooled within one second go in either order: the refused one is "x". */
        $v = is_string($v) ? preg_replace('/<[ab]@example\.org>/', '<x@example.org>', $v) : $v;
        echo "  $k: ", var_export($v, true), "\n";
    }
}

echo "never used:\n";
show();
var_dump(is_dir($dir));

/* The relay is down: the message is spooled, due at once. */
$r = smtp_send('a@example.org', 'First', FAULT_BODY, FAULT_HEADERS);
echo "spooled:\n";
show();

/* A flush meets a 451: deferred, with its reason and its next try in a minute. */
$f = fault_start([...$plain, ['expect', '/^MAIL/'], ['send', "451 4.3.0 queue write error\r\n"], ['quit']], ['port' => PORT]);
smtp_spool_flush();
smtp_close();
fault_server_ok($f);
echo "deferred:\n";
show();

/* A second message, then a forced flush: the first tried is refused for good, the other sent. */
smtp_send('b@example.org', 'Second', FAULT_BODY, FAULT_HEADERS);
$f = fault_start([[...$plain, ['mail_ok'], ['expect', '/^RCPT/'], ['send', "550 5.1.1 <x@example.org>: User unknown\r\n"],
    ['quit']], [...$plain, ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]], ['port' => PORT, 'connections' => 2]);
$r = smtp_spool_flush(['force' => true]);
smtp_close();
fault_server_ok($f);
echo "flush: sent {$r['sent']}, failed {$r['failed']}\n";
show();

/* phpinfo() shows the same. */
ob_start();
phpinfo(INFO_MODULES);
$info = ob_get_clean();
preg_match_all('/^spool (\w+) => (.*)$/m', $info, $m, PREG_SET_ORDER);
foreach ($m as [, $k, $v]) {
    echo "phpinfo $k: ", in_array($k, ['queued', 'deferred', 'failed', 'oldest_age', 'backoff_until'], true) ? $v
        : ($k === 'last_error' ? substr($v, 0, 40) : ($v === 'none' ? 'none' : 'a time')), "\n";
}

/* Each smtpmail.log line's level, by outcome. */
foreach (file($log) as $line) {
    preg_match('/ smtpmail level=(\S+) .* outcome=(\S+)/', $line, $m);
    echo "log: level={$m[1]} outcome={$m[2]}\n";
}
?>
--CLEAN--
<?php
require __DIR__ . '/spool_common.inc';
spool_remove(__DIR__ . '/spool_status.d');
@unlink(__DIR__ . '/spool_status.log');
?>
--EXPECT--
never used:
  queued: 0
  deferred: 0
  failed: 0
  oldest_age: 0
  next_attempt: NULL
  last_error: NULL
  backoff_until: NULL
bool(false)
spooled:
  queued: 1
  deferred: 0
  failed: 0
  oldest_age: 'under a minute'
  next_attempt: 'due'
  last_error: NULL
  backoff_until: NULL
server: ok
deferred:
  queued: 1
  deferred: 1
  failed: 0
  oldest_age: 'under a minute'
  next_attempt: 'within a minute'
  last_error: '[mail] 127.0.0.1:27062: the server refused the sender: 451 4.3.0 queue write error'
  backoff_until: NULL
server: ok
flush: sent 1, failed 1
  queued: 0
  deferred: 0
  failed: 1
  oldest_age: 0
  next_attempt: NULL
  last_error: '[rcpt] 127.0.0.1:27062: the server refused the recipient <x@example.org>: 550 5.1.1 <x@example.org>: User unknown'
  backoff_until: NULL
phpinfo queued: 0
phpinfo deferred: 0
phpinfo failed: 1
phpinfo oldest_age: 0
phpinfo next_attempt: none
phpinfo last_error: [rcpt] 127.0.0.1:27062: the server refus
phpinfo backoff_until: none
log: level=warning outcome=spooled
log: level=warning outcome=deferred
log: level=warning outcome=spooled
log: level=err outcome=failed
log: level=info outcome=sent
