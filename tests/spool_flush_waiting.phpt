--TEST--
spool: a flush while the relay is down defers the message; the next flush, relay back, counts it as waiting out its back-off (not as a new failure); force sends it; limit leaves the rest waiting
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:27081
smtpmail.tls="none"
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.timeout=5
smtpmail.spool_dir={PWD}/spool_flush_waiting.d
smtpmail.deferred=1
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
require __DIR__ . '/spool_common.inc';
const PORT = 27081;
function flush_now(array $options = []): void
{
    $r = smtp_spool_flush($options);
    smtp_close();
    ksort($r);
    echo json_encode($r), "\n";
}

smtp_send('one@example.org', 'One', "Body one\r\n", FAULT_HEADERS);
echo "1. relay down:\n";
flush_now();
echo "2. relay back, back-off not over:\n";
$ok = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']], ['port' => PORT]);
flush_now();
echo "3. forced:\n";
flush_now(['force' => true]);
fault_server_ok($ok);

smtp_send('two@example.org', 'Two', "Body two\r\n", FAULT_HEADERS);
smtp_send('three@example.org', 'Three', "Body three\r\n", FAULT_HEADERS);
echo "4. limit 1 of 2:\n";
$ok = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']], ['port' => PORT]);
flush_now(['limit' => 1]);
fault_server_ok($ok);
?>
--CLEAN--
<?php
require __DIR__ . '/spool_common.inc';
spool_remove(__DIR__ . '/spool_flush_waiting.d');
?>
--EXPECT--
1. relay down:
{"deferred":1,"failed":0,"sent":0,"skipped":0,"waiting":0}
2. relay back, back-off not over:
{"deferred":0,"failed":0,"sent":0,"skipped":0,"waiting":1}
3. forced:
{"deferred":0,"failed":0,"sent":1,"skipped":0,"waiting":0}
server: ok
4. limit 1 of 2:
{"deferred":0,"failed":0,"sent":1,"skipped":0,"waiting":1}
server: ok
