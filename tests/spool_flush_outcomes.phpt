--TEST--
spool: deferred mode, backoff (counted as waiting, not deferred) and force, permanent refusal to failed/, and a lost final reply kept and retried
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:27013
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.spool_dir={PWD}/spool_flush_outcomes.d
smtpmail.deferred=1
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
require __DIR__ . '/spool_common.inc';
$dir = ini_get('smtpmail.spool_dir');
function state(string $dir): string
{
    return 'queue ' . count(glob("$dir/queue/*.msg")) . ' (+' . count(glob("$dir/queue/*.retry")) . ' retry), failed '
        . count(glob("$dir/failed/*.msg")) . "\n";
}
/* The php.ini relay is 127.0.0.1:27013: each server takes that port in turn. */
const PORT = 27013;
function flush_with(?array $f, array $extra = []): void
{
    $r = smtp_spool_flush($extra);
    smtp_close();
    echo "sent {$r['sent']}, deferred {$r['deferred']}, failed {$r['failed']}, waiting {$r['waiting']}\n";
}

/* Deferred mode: nothing is sent during the request, not even tried. */
$r = smtp_send('one@example.org', 'One', "Body one\r\n", FAULT_HEADERS);
var_dump($r['spooled'], $r['reply']);
echo state($dir);

/* The relay answers 451: deferred with backoff; not retried before its time, unless forced. */
$busy = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', "451 4.3.0 try later\r\n503 5.5.1 sender first\r\n503 5.5.1 no recipients\r\n"], ['quit']], ['port' => PORT]);
flush_with($busy);
fault_server_ok($busy);
echo state($dir);
$e = current(spool_queue($dir));
printf("attempts %d, next try in the future: %s, unknown: %s, for: %s\nerror: %s\n", $e['attempts'],
    var_export($e['next'] > time(), true), var_export($e['unknown'], true), implode(' ', $e['rcpts']), $e['error']);
/* A relay that would take it is there: still not tried before its time. */
$ok = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']], ['port' => PORT]);
flush_with($ok);
flush_with($ok, ['force' => true]);
fault_server_ok($ok);
echo state($dir);

/* A permanent refusal moves the message to failed/ with the reason. */
smtp_send('two@example.org', 'Two', "Body two\r\n", FAULT_HEADERS);
$no = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n550 5.1.1 <two@example.org>: User unknown\r\n554 5.5.1 no valid recipients\r\n"], ['quit']], ['port' => PORT]);
flush_with($no);
echo state($dir);
echo current(spool_failed($dir));

/* The reply after the final dot is lost: the message stays, marked, and is sent again (a possible duplicate, never a loss). */
smtp_send('three@example.org', 'Three', "Body three\r\n", FAULT_HEADERS);
$lost = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA/'],
    ['send', "354 go\r\n"], ['read_data'], ['close']], ['port' => PORT]);
flush_with($lost);
echo state($dir);
echo 'marked unknown: ', var_export(current(spool_queue($dir))['unknown'], true), "\n";
$ok = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']], ['port' => PORT]);
flush_with($ok, ['force' => true]);
echo 'sent again: ', substr_count(fault_transcript($ok), "\r\nBody three\r\n.\r\n"), "\n";
echo state($dir);
?>
--CLEAN--
<?php
$dir = __DIR__ . '/spool_flush_outcomes.d';
foreach (['queue', 'failed', 'tmp'] as $sub) {
    array_map('unlink', glob("$dir/$sub/*") ?: []);
    @rmdir("$dir/$sub");
}
@rmdir($dir);
?>
--EXPECTF--
bool(true)
string(0) ""
queue 1 (+0 retry), failed 0
sent 0, deferred 1, failed 0, waiting 0
server: ok
queue 1 (+1 retry), failed 0
attempts 1, next try in the future: true, unknown: false, for: one@example.org
error: [mail] 127.0.0.1:%d: the server refused the sender: 451 4.3.0 try later
sent 0, deferred 0, failed 0, waiting 1
sent 1, deferred 0, failed 0, waiting 0
server: ok
queue 0 (+0 retry), failed 0
sent 0, deferred 0, failed 1, waiting 0
queue 0 (+0 retry), failed 1
failed <time>
attempts 0
reason [rcpt] 127.0.0.1:%d: the server refused the recipient <two@example.org>: 550 5.1.1 <two@example.org>: User unknown
rcpt two@example.org
sent 0, deferred 1, failed 0, waiting 0
queue 1 (+1 retry), failed 1
marked unknown: true
sent 1, deferred 0, failed 0, waiting 0
sent again: 1
queue 0 (+0 retry), failed 1
