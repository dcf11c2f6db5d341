--TEST--
spool: smtp_spool_flush() keeps the recipients a relay refused for now (450) while it took the message for others; the next flush sends to them alone, and those refused for good (550) are not retried
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:27020
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.spool_dir={PWD}/spool_flush_partial_rcpt_transient.d
smtpmail.deferred=1
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
require __DIR__ . '/spool_common.inc';
$dir = ini_get('smtpmail.spool_dir');

/* README, the spool: "Recipients refused for now are retried alone; those
 * refused for good are not retried." Dropping the 450 recipient here would
 * lose its mail silently: the flush counts the message as handled. */
$r = smtp_send(['a@example.org', 'b@example.org', 'c@example.org'], 'Partial', "Partial body\r\n", FAULT_HEADERS);
var_dump($r['spooled']);

$mixed = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'RCPT', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n450 4.2.0 <b@example.org>: Greylisted\r\n"
        . "550 5.1.1 <c@example.org>: User unknown\r\n354 go\r\n"],
    ['read_data'], ['send', "250 2.0.0 Ok: queued as P1\r\n"], ['quit']], ['port' => 27020]);
/* The php.ini relay, 127.0.0.1:27020: each server takes that port in turn. */
$c = smtp_spool_flush();
smtp_close();
echo "flush: sent {$c['sent']}, deferred {$c['deferred']}, failed {$c['failed']}\n";
fault_server_ok($mixed);
foreach (spool_queue($dir) as $e) {
    echo 'still queued for: ', implode(' ', $e['rcpts']), "\n";
}

$ok = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']], ['port' => 27020]);
$c = smtp_spool_flush(['force' => true]);
smtp_close();
echo "flush: sent {$c['sent']}, deferred {$c['deferred']}, failed {$c['failed']}\n";
$t = fault_transcript($ok);
preg_match_all('/^RCPT TO:<([^>]*)>/m', $t, $m);
echo 'second flush sent to: ', implode(' ', $m[1]), ', copies: ', substr_count($t, "\r\nPartial body\r\n.\r\n"), "\n";
fault_server_ok($ok);
echo 'queued: ', count(spool_queue($dir)), ', failed: ', count(spool_failed($dir)), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/spool_common.inc';
spool_remove(__DIR__ . '/spool_flush_partial_rcpt_transient.d');
?>
--EXPECT--
bool(true)
flush: sent 0, deferred 1, failed 0
server: ok
still queued for: b@example.org
flush: sent 1, deferred 0, failed 0
second flush sent to: b@example.org, copies: 1
server: ok
queued: 0, failed: 0
