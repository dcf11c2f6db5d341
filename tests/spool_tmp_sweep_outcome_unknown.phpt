--TEST--
spool: a flush removes tmp/ files a crashed writer left over an hour ago (younger ones stay); a message spooled because the reply to its final dot was lost says outcome_unknown => true, others do not have the key
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:27063
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.spool_dir={PWD}/spool_tmp_sweep_outcome_unknown.d
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
require __DIR__ . '/spool_common.inc';
$dir = ini_get('smtpmail.spool_dir');
const PORT = 27063;
$plain = [['greet'], ['ehlo', ['8BITMIME']]];

/* The final reply lost: spooled, marked. */
$f = fault_start([...$plain, ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA/'], ['send', "354 go\r\n"], ['read_data'], ['close']],
    ['port' => PORT]);
$r = smtp_send(FAULT_TO, 'Lost reply', FAULT_BODY, FAULT_HEADERS);
fault_server_ok($f);
echo 'lost reply: spooled=', var_export($r['spooled'], true), ', outcome_unknown=', var_export($r['outcome_unknown'] ?? null, true), "\n";

/* The relay down: spooled, and nothing unknown about it. */
$r = smtp_send(FAULT_TO, 'Relay down', FAULT_BODY, FAULT_HEADERS);
echo 'relay down: spooled=', var_export($r['spooled'], true), ', has outcome_unknown: ',
    var_export(array_key_exists('outcome_unknown', $r), true), "\n";

/* What a writer killed between create and rename leaves behind. */
file_put_contents("$dir/tmp/0000000001-1-00000000000000aa.msg", "half a message");
touch("$dir/tmp/0000000001-1-00000000000000aa.msg", time() - 3700);
file_put_contents("$dir/tmp/0000000002-1-00000000000000bb.retry", "attempts 1\n");
touch("$dir/tmp/0000000002-1-00000000000000bb.retry", time() - 3500);
file_put_contents("$dir/tmp/0000000003-1-00000000000000cc.msg", "being written now");

$r = smtp_spool_flush();
echo "flush: sent {$r['sent']}, deferred {$r['deferred']}\n";
$left = array_map('basename', glob("$dir/tmp/*"));
sort($left);
echo 'left in tmp/: ', implode(', ', $left), "\n";
echo 'queued: ', count(spool_queue($dir)), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/spool_common.inc';
spool_remove(__DIR__ . '/spool_tmp_sweep_outcome_unknown.d');
?>
--EXPECT--
server: ok
lost reply: spooled=true, outcome_unknown=true
relay down: spooled=true, has outcome_unknown: false
flush: sent 0, deferred 2
left in tmp/: 0000000002-1-00000000000000bb.retry, 0000000003-1-00000000000000cc.msg
queued: 2
