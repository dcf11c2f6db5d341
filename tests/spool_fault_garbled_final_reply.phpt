--TEST--
spool: a garbled reply to the final dot spools the message marked "outcome unknown" (smtp_send() returns, never throws); the flusher keeps it through another garbled reply and sends it again, never gives it up
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:27021
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.spool_dir={PWD}/spool_fault_garbled_final_reply.d
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
require __DIR__ . '/spool_common.inc';
$dir = ini_get('smtpmail.spool_dir');

/* README, UnknownOutcomeException: "With smtpmail.spool_dir, the message is
 * spooled, marked as outcome unknown, and the flusher sends it again: a
 * possible duplicate, never a silent loss." A garbled reply is one of the
 * ways the outcome becomes unknown. */
$after = [['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA\r\n$/'],
    ['send', "354 go\r\n"], ['read_data']];
$garbled = [
    '250- then 550' => "250-2.0.0 Ok: queued as X1\r\n550 5.0.0 no\r\n",
    'no code' => "Thank you for your message\r\n",
];
foreach ($garbled as $what => $reply) {
    /* The php.ini relay, 127.0.0.1:27021 (only its mail is spooled): each server takes that port in turn. */
    $f = fault_start([...$after, ['send', $reply], ['expect_close', 3000]], ['port' => 27021]);
    $r = fault_send_ini(FAULT_TO, "Body: $what\r\n");
    echo "$what: ", $r['e'] ? get_class($r['e']) . ': ' . $r['e']->getMessage() : 'returned, spooled=' . var_export($r['result']['spooled'], true), "\n";
    fault_server_ok($f);
}
foreach (spool_queue($dir) as $id => $e) {
    echo 'queued for ', implode(' ', $e['rcpts']), ', unknown ', var_export($e['unknown'], true), "\n";
}

/* The flusher meets garbled replies again: both stay queued, still unknown. */
$again = fault_start([[...$after, ['send', $garbled['no code']], ['expect_close', 3000]],
    [...$after, ['send', $garbled['no code']], ['expect_close', 3000]]], ['connections' => 2, 'port' => 27021]);
$c = smtp_spool_flush(['force' => true]);
smtp_close();
echo "flush: sent {$c['sent']}, deferred {$c['deferred']}, failed {$c['failed']}\n";
fault_server_ok($again);
echo 'queued: ', count(spool_queue($dir)), ', unknown: ', count(array_filter(array_column(spool_queue($dir), 'unknown'))),
    ', failed: ', count(spool_failed($dir)), "\n";

/* A relay that answers: each is sent once more. */
$ok = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']], ['port' => 27021]);
$c = smtp_spool_flush(['force' => true]);
smtp_close();
echo "flush: sent {$c['sent']}, deferred {$c['deferred']}, failed {$c['failed']}\n";
$t = fault_transcript($ok);
foreach (array_keys($garbled) as $what) {
    echo "sent again, $what: ", substr_count($t, "\r\nBody: $what\r\n.\r\n"), "\n";
}
fault_server_ok($ok);
echo 'queued: ', count(spool_queue($dir)), ', failed: ', count(spool_failed($dir)), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/spool_common.inc';
spool_remove(__DIR__ . '/spool_fault_garbled_final_reply.d');
?>
--EXPECT--
250- then 550: returned, spooled=true
server: ok
no code: returned, spooled=true
server: ok
queued for rcpt@example.org, unknown true
queued for rcpt@example.org, unknown true
flush: sent 0, deferred 2, failed 0
server: ok
queued: 2, unknown: 2, failed: 0
flush: sent 2, deferred 0, failed 0
sent again, 250- then 550: 1
sent again, no code: 1
server: ok
queued: 0, failed: 0
