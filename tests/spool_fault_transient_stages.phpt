--TEST--
spool: a transient failure at each stage (greeting drop and 421, STARTTLS 454, AUTH drop, MAIL 451, RCPT 450 and 452, RCPT silent, DATA 451, 451 after the dot, lost final reply) spools the message exactly once; one flush sends each exactly once
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:1
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.spool_dir={PWD}/spool_fault_transient_stages.d
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
require __DIR__ . '/spool_common.inc';
$dir = ini_get('smtpmail.spool_dir');
$creds = ['username' => 'user@example.org', 'password' => 's3cret-PW'];
$env = [['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']]];
$plain = [['greet'], ['ehlo', ['8BITMIME']]];
$cases = [
    'greeting: dropped' => [[['greet'], ['close']], []],
    'greeting: 421' => [[['send', "421 4.3.2 busy\r\n"], ['close']], []],
    'STARTTLS: 454' => [[['greet'], ['ehlo', ['STARTTLS']], ['expect', '/^STARTTLS/'], ['send', "454 4.7.0 TLS not available\r\n"], ['quit']],
        ['tls' => 'starttls']],
    'AUTH: dropped' => [[['greet'], ['ehlo', ['AUTH PLAIN']], ['expect', '/^AUTH PLAIN /'], ['close']], $creds],
    'MAIL: 451' => [[...$env, ['send', "451 4.3.0 queue file write error\r\n503 5.5.1 sender first\r\n503 5.5.1 no recipients\r\n"], ['quit']], []],
    'RCPT: 450' => [[...$env, ['send', "250 2.1.0 Ok\r\n450 4.2.0 greylisted\r\n554 5.5.1 no valid recipients\r\n"], ['quit']], []],
    'RCPT: 452' => [[...$env, ['send', "250 2.1.0 Ok\r\n452 4.5.3 too many recipients\r\n554 5.5.1 no valid recipients\r\n"], ['quit']], []],
    'RCPT: silent' => [[...$plain, ['mail_ok'], ['silent', 8000]], ['timeout' => 1]],
    'DATA: 451' => [[...$plain, ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA/'], ['send', "451 4.3.0 try later\r\n"], ['quit']], []],
    'after the dot: 451' => [[...$plain, ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA/'], ['send', "354 go\r\n"], ['read_data'],
        ['send', "451 4.3.0 queue write error\r\n"], ['quit']], []],
    'after the dot: reply lost' => [[...$plain, ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA/'], ['send', "354 go\r\n"], ['read_data'], ['close']], []],
];
$servers = [];
foreach ($cases as $what => [$script]) {
    $servers[$what] = fault_start($script);
}
$n = count($cases);
$good = fault_start([['greet'], ['ehlo', ['PIPELINING']], ...array_merge(...array_fill(0, $n, [['mail_ok'], ['rcpt_ok'], ['data_ok']])), ['quit']]);

$bodies = [];
foreach ($cases as $what => [, $options]) {
    $f = $servers[$what];
    $before = array_keys(spool_queue($dir));
    $bodies[$what] = 'Body of case ' . count($bodies) . "\r\n";
    $r = fault_send($f, $options + ['cafile' => $f['cafile']], FAULT_TO, $bodies[$what]);
    $queue = spool_queue($dir);
    $new = array_values(array_diff(array_keys($queue), $before));
    printf("%-28s %s, spooled=%s, new in queue: %d%s, unknown %s\n", "$what:",
        $r['e'] ? get_class($r['e']) : 'returned', var_export($r['result']['spooled'] ?? null, true), count($new),
        $new && $new[0] === ($r['result']['spool_id'] ?? '') ? ' (the spool_id)' : '',
        $new ? (int)$queue[$new[0]]['unknown'] : '-');
    fault_server_ok($f);
}
echo 'queue: ', count(glob("$dir/queue/*.msg")), ', tmp: ', count(glob("$dir/tmp/*")), "\n";

/* The relay is back: one forced flush sends them all, each once. */
var_dump(smtp_spool_flush(['host' => '127.0.0.1', 'port' => $good['port'], 'tls' => 'none', 'force' => true]));
smtp_close();
$t = fault_transcript($good);
$copies = array_map(fn($b) => substr_count($t, "\r\n\r\n$b.\r\n"), $bodies);
echo 'copies of each: ', json_encode(array_count_values($copies)), "\n";
fault_server_ok($good);
echo 'queue: ', count(glob("$dir/queue/*")), ', failed: ', count(glob("$dir/failed/*")), "\n";
?>
--CLEAN--
<?php
$dir = __DIR__ . '/spool_fault_transient_stages.d';
foreach (['queue', 'failed', 'tmp'] as $sub) {
    array_map('unlink', glob("$dir/$sub/*") ?: []);
    @rmdir("$dir/$sub");
}
@rmdir($dir);
?>
--EXPECT--
greeting: dropped:           returned, spooled=true, new in queue: 1 (the spool_id), unknown 0
server: ok
greeting: 421:               returned, spooled=true, new in queue: 1 (the spool_id), unknown 0
server: ok
STARTTLS: 454:               returned, spooled=true, new in queue: 1 (the spool_id), unknown 0
server: ok
AUTH: dropped:               returned, spooled=true, new in queue: 1 (the spool_id), unknown 0
server: ok
MAIL: 451:                   returned, spooled=true, new in queue: 1 (the spool_id), unknown 0
server: ok
RCPT: 450:                   returned, spooled=true, new in queue: 1 (the spool_id), unknown 0
server: ok
RCPT: 452:                   returned, spooled=true, new in queue: 1 (the spool_id), unknown 0
server: ok
RCPT: silent:                returned, spooled=true, new in queue: 1 (the spool_id), unknown 0
server: ok
DATA: 451:                   returned, spooled=true, new in queue: 1 (the spool_id), unknown 0
server: ok
after the dot: 451:          returned, spooled=true, new in queue: 1 (the spool_id), unknown 0
server: ok
after the dot: reply lost:   returned, spooled=true, new in queue: 1 (the spool_id), unknown 1
server: ok
queue: 11, tmp: 0
array(3) {
  ["sent"]=>
  int(11)
  ["deferred"]=>
  int(0)
  ["failed"]=>
  int(0)
}
copies of each: {"1":11}
server: ok
queue: 0, failed: 0
