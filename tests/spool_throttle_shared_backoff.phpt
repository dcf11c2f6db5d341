--TEST--
spool: each throttling reply (421 greeting, 432 4.3.2, 451 4.4.2, 421 4.7.0, 450 4.7.28, 421 4.3.0) spools instead of failing and backs the relay off for every message: the next send spools untried, the flusher leaves the queue alone until forced; 452 4.5.3 is not throttling
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:27060
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.spool_dir={PWD}/spool_throttle_shared_backoff.d
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
require __DIR__ . '/spool_common.inc';
$dir = ini_get('smtpmail.spool_dir');
const PORT = 27060;
$env = [['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']]];
$plain = [['greet'], ['ehlo', ['8BITMIME']]];
$cases = [
    '421 at the greeting' => [['send', "421 mx.example closing, too many connections\r\n"], ['close']],
    '432 4.3.2 to MAIL' => [...$env, ['send', "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded\r\n"
        . "503 5.5.1 sender first\r\n503 5.5.1 no recipients\r\n"], ['quit']],
    '451 4.4.2 to DATA' => [...$plain, ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA/'],
        ['send', "451 4.4.2 Timeout waiting for data from client.\r\n"], ['quit']],
    '421 4.7.0 to MAIL' => [...$plain, ['expect', '/^MAIL/'], ['send', "421 4.7.0 Try again later, closing connection.\r\n"],
        ['close']],
    '450 4.7.28 to MAIL' => [...$plain, ['expect', '/^MAIL/'], ['send', "450 4.7.28 unusual rate of unsolicited mail\r\n"],
        ['quit']],
    '421 4.3.0 to EHLO' => [['greet'], ['expect', '/^EHLO/'], ['send', "421 4.3.0 Temporary System Problem.  Try again later\r\n"],
        ['close']],
];
$now = time();
foreach ($cases as $what => $script) {
    spool_backoff_clear($dir);
    $f = fault_start($script, ['port' => PORT]);
    $r = smtp_send(FAULT_TO, "Throttled: $what", FAULT_BODY, FAULT_HEADERS);
    smtp_close();
    fault_server_ok($f);
    $s = smtp_spool_status();
    echo "$what: spooled=", var_export($r['spooled'], true), ', backoff ', $s['backoff_until'] === null ? 'none'
        : ($s['backoff_until'] >= $now + 60 && $s['backoff_until'] <= time() + 60 ? '60 s' : $s['backoff_until'] - $now), "\n";
    echo '  reply: ', $r['reply'], "\n";
    /* Every other message now waits too: spooled at once, no connection (no server listens: a
     * try would say "cannot connect"). */
    $r2 = smtp_send(FAULT_TO, "Behind $what", FAULT_BODY, FAULT_HEADERS);
    echo '  next send: spooled=', var_export($r2['spooled'], true), ', ', substr($r2["reply"], 0, 51), "\n";
}
$queued = count(spool_queue($dir));
echo "queued: $queued\n";

/* The flusher honours the back-off: nothing tried, all deferred (again no server). */
$r = smtp_spool_flush();
echo "flush during the back-off: sent {$r['sent']}, deferred {$r['deferred']}, waiting {$r['waiting']}, failed {$r['failed']}\n";
echo 'still queued: ', count(spool_queue($dir)), ', tries recorded: ', array_sum(array_column(spool_queue($dir), 'attempts')), "\n";

/* A throttling reply met by the flusher stops it there and backs off again, longer. */
$strike = fault_start([['send', "421 4.7.0 slow down\r\n"], ['close']], ['port' => PORT]);
$r = smtp_spool_flush(['force' => true]);
fault_server_ok($strike);
$s = smtp_spool_status();
echo "forced flush, throttled again: sent {$r['sent']}, deferred {$r['deferred']}; back-off now ",
    $s['backoff_until'] - time() > 60 && $s['backoff_until'] - time() <= 120 ? '120 s' : $s['backoff_until'] - time(), "\n";
echo 'last_error: ', $s['last_error'], "\n";

/* Forced, with the relay back: everything goes, once; the back-off is forgotten. */
$good = fault_start([...$plain, ...array_merge(...array_fill(0, $queued, [['mail_ok'], ['rcpt_ok'], ['data_ok']])), ['quit']],
    ['port' => PORT]);
$r = smtp_spool_flush(['force' => true]);
smtp_close();
fault_server_ok($good);
echo "forced flush: sent {$r['sent']}, deferred {$r['deferred']}, failed {$r['failed']}\n";
$s = smtp_spool_status();
echo 'queued ', $s['queued'], ', failed ', $s['failed'], ', backoff ', var_export($s['backoff_until'], true),
    ', records: ', count(glob("$dir/backoff-*")), "\n";

/* 452 4.5.3 (too many recipients) is about this envelope, not the account: spooled, no back-off. */
$f = fault_start([...$env, ['send', "250 2.1.0 Ok\r\n452 4.5.3 Too many recipients\r\n554 5.5.1 no valid recipients\r\n"],
    ['quit']], ['port' => PORT]);
$r = smtp_send(FAULT_TO, 'Too many', FAULT_BODY, FAULT_HEADERS);
smtp_close();
fault_server_ok($f);
echo '452 4.5.3: spooled=', var_export($r['spooled'], true), ', backoff ', var_export(smtp_spool_status()['backoff_until'], true), "\n";
$r = smtp_send(FAULT_TO, 'After 452', FAULT_BODY, FAULT_HEADERS);
echo '  next send: ', $r['reply'], "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/spool_common.inc';
spool_remove(__DIR__ . '/spool_throttle_shared_backoff.d');
?>
--EXPECT--
server: ok
421 at the greeting: spooled=true, backoff 60 s
  reply: the server refused the connection: 421 mx.example closing, too many connections (the relay refuses new connections for now)
  next send: spooled=true, not tried: the relay throttled us and is left alone
server: ok
432 4.3.2 to MAIL: spooled=true, backoff 60 s
  reply: the server refused the sender: 432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded (the relay takes no more connections or messages from us for now (Microsoft 365 allows 3 concurrent connections per mailbox and 30 messages a minute))
  next send: spooled=true, not tried: the relay throttled us and is left alone
server: ok
451 4.4.2 to DATA: spooled=true, backoff 60 s
  reply: the server refused DATA: 451 4.4.2 Timeout waiting for data from client. (the relay dropped the connection (Amazon SES closes connections that stay idle))
  next send: spooled=true, not tried: the relay throttled us and is left alone
server: ok
421 4.7.0 to MAIL: spooled=true, backoff 60 s
  reply: the server refused the sender: 421 4.7.0 Try again later, closing connection. (the relay limits how fast we log in or send (Gmail answers bursts of logins this way))
  next send: spooled=true, not tried: the relay throttled us and is left alone
server: ok
450 4.7.28 to MAIL: spooled=true, backoff 60 s
  reply: the server refused the sender: 450 4.7.28 unusual rate of unsolicited mail (the relay saw an unusual rate of mail from us and limits it)
  next send: spooled=true, not tried: the relay throttled us and is left alone
server: ok
421 4.3.0 to EHLO: spooled=true, backoff 60 s
  reply: server refused EHLO: 421 4.3.0 Temporary System Problem.  Try again later (the relay turns us away for now (Gmail answers bursts this way))
  next send: spooled=true, not tried: the relay throttled us and is left alone
queued: 12
flush during the back-off: sent 0, deferred 0, waiting 12, failed 0
still queued: 12, tries recorded: 0
server: ok
forced flush, throttled again: sent 0, deferred 12; back-off now 120 s
last_error: [greeting] 127.0.0.1:27060: the server refused the connection: 421 4.7.0 slow down (the relay limits how fast we log in or send (Gmail answers bursts of logins this way))
server: ok
forced flush: sent 12, deferred 0, failed 0
queued 0, failed 0, backoff NULL, records: 0
server: ok
452 4.5.3: spooled=true, backoff NULL
  next send: cannot connect: Connection refused
