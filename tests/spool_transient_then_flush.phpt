--TEST--
spool: a message no relay can take now is kept durably and reported as spooled; smtp_spool_flush() sends it once, later
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:27014
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.spool_dir={PWD}/spool_transient_then_flush.d
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
$dir = ini_get('smtpmail.spool_dir');

/* The relay is down: both calls succeed, as a sendmail hand-off would. */
var_dump(mail('a@example.org', 'Via mail()', "Body one\r\n", FAULT_HEADERS));
$r = smtp_send('b@example.org', 'Via smtp_send()', "Body two\r\n", FAULT_HEADERS);
var_dump($r['spooled'], $r['queue_id'], $r['accepted'], preg_match('/^\d{10,}-\d+-[0-9a-f]{16}$/', $r['spool_id']));
echo $r['reply'], "\n";
echo 'queued: ', count(glob("$dir/queue/*.msg")), "\n";

/* A permanent refusal is never spooled. */
$no = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n550 5.1.1 <c@example.org>: User unknown\r\n554 5.5.1 no valid recipients\r\n"], ['quit']],
    ['port' => 27014]);
try {
    smtp_send('c@example.org', 'Refused', "Body three\r\n", FAULT_HEADERS);
} catch (SmtpMail\RecipientException $e) {
    echo get_class($e), ' ', $e->getCode(), "\n";
}
echo 'queued: ', count(glob("$dir/queue/*.msg")), "\n";

/* Later, the relay is back: one session sends both, oldest first. */
$back = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok'],
    ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']], ['port' => 27014]);
var_dump(smtp_spool_flush());
smtp_close();
$t = fault_transcript($back);
echo 'RCPT a: ', substr_count($t, 'RCPT TO:<a@example.org>'), ', RCPT b: ', substr_count($t, 'RCPT TO:<b@example.org>'),
    ', body one: ', substr_count($t, "\r\nBody one\r\n.\r\n"), ', body two: ', substr_count($t, "\r\nBody two\r\n.\r\n"), "\n";
echo 'Subject kept: ', var_export(str_contains($t, "Subject: Via mail()\r\n"), true), "\n";
fault_server_ok($back);
echo 'queued: ', count(glob("$dir/queue/*")), ', failed: ', count(glob("$dir/failed/*")), ', tmp: ', count(glob("$dir/tmp/*")), "\n";
/* Nothing left: a second flush does nothing. */
var_dump(smtp_spool_flush());
?>
--CLEAN--
<?php
$dir = __DIR__ . '/spool_transient_then_flush.d';
foreach (['queue', 'failed', 'tmp'] as $sub) {
    array_map('unlink', glob("$dir/$sub/*") ?: []);
    @rmdir("$dir/$sub");
}
@rmdir($dir);
?>
--EXPECT--
bool(true)
bool(true)
NULL
array(0) {
}
int(1)
cannot connect: Connection refused
queued: 2
SmtpMail\RecipientException 550
queued: 2
array(5) {
  ["sent"]=>
  int(2)
  ["deferred"]=>
  int(0)
  ["failed"]=>
  int(0)
  ["skipped"]=>
  int(0)
  ["waiting"]=>
  int(0)
}
RCPT a: 1, RCPT b: 1, body one: 1, body two: 1
Subject kept: true
server: ok
queued: 0, failed: 0, tmp: 0
array(5) {
  ["sent"]=>
  int(0)
  ["deferred"]=>
  int(0)
  ["failed"]=>
  int(0)
  ["skipped"]=>
  int(0)
  ["waiting"]=>
  int(0)
}
