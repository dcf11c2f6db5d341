--TEST--
spool: a transient failure at each stage (greeting drop and 421, STARTTLS 454, AUTH drop, MAIL 451, RCPT 450 and 452, RCPT silent, DATA 451, 451 after the dot, lost final reply) spools the message exactly once; one flush sends each exactly once
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
/* The relay is php.ini's (only its messages are spooled), so each case runs
 * in a php of its own with the settings it needs, against a server on a fixed
 * port; the flusher runs with the same settings: a message goes only to the
 * relay and account it was spooled for. */
const PORT = 27011;
$dir = __DIR__ . '/spool_fault_transient_stages.d';
$base = ['smtpmail.host' => '127.0.0.1:' . PORT, 'smtpmail.tls' => 'none', 'smtpmail.from' => 'sender@example.org',
    'smtpmail.helo' => 'client.test', 'smtpmail.spool_dir' => $dir, 'smtpmail.timeout' => 1];
$groups = [
    'plain' => [[], [['greet'], ['ehlo', ['PIPELINING']]]],
    'starttls' => [['smtpmail.tls' => 'starttls'], [['greet'], ['ehlo', ['STARTTLS']], ['expect', '/^STARTTLS/'],
        ['send', "220 2.0.0 go\r\n"], ['starttls'], ['ehlo', ['PIPELINING']]]],
    'auth' => [['smtpmail.username' => 'user@example.org', 'smtpmail.password' => 's3cret-PW'],
        [['greet'], ['ehlo', ['PIPELINING', 'AUTH PLAIN']], ['auth_ok']]],
];
require __DIR__ . '/spool_common.inc';
$env = [['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']]];
$plain = [['greet'], ['ehlo', ['8BITMIME']]];
$cases = [
    'greeting: dropped' => [[['greet'], ['close']], 'plain'],
    'greeting: 421' => [[['send', "421 4.3.2 busy\r\n"], ['close']], 'plain'],
    'STARTTLS: 454' => [[['greet'], ['ehlo', ['STARTTLS']], ['expect', '/^STARTTLS/'], ['send', "454 4.7.0 TLS not available\r\n"], ['quit']],
        'starttls'],
    'AUTH: dropped' => [[['greet'], ['ehlo', ['AUTH PLAIN']], ['expect', '/^AUTH PLAIN /'], ['close']], 'auth'],
    'MAIL: 451' => [[...$env, ['send', "451 4.3.0 queue file write error\r\n503 5.5.1 sender first\r\n503 5.5.1 no recipients\r\n"], ['quit']], 'plain'],
    'RCPT: 450' => [[...$env, ['send', "250 2.1.0 Ok\r\n450 4.2.0 greylisted\r\n554 5.5.1 no valid recipients\r\n"], ['quit']], 'plain'],
    'RCPT: 452' => [[...$env, ['send', "250 2.1.0 Ok\r\n452 4.5.3 too many recipients\r\n554 5.5.1 no valid recipients\r\n"], ['quit']], 'plain'],
    'RCPT: silent' => [[...$plain, ['mail_ok'], ['silent', 8000]], 'plain'],
    'DATA: 451' => [[...$plain, ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA/'], ['send', "451 4.3.0 try later\r\n"], ['quit']], 'plain'],
    'after the dot: 451' => [[...$plain, ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA/'], ['send', "354 go\r\n"], ['read_data'],
        ['send', "451 4.3.0 queue write error\r\n"], ['quit']], 'plain'],
    'after the dot: reply lost' => [[...$plain, ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA/'], ['send', "354 go\r\n"], ['read_data'], ['close']], 'plain'],
];
$bodies = $count = [];
foreach ($cases as $what => [$script, $group]) {
    $f = fault_start($script, ['port' => PORT]);
    $before = array_keys(spool_queue($dir));
    $bodies[$what] = 'Body of case ' . count($bodies) . "\r\n";
    $r = fault_ini_send($groups[$group][0] + $base + ['smtpmail.cafile' => $f['cafile']], FAULT_TO, $bodies[$what]);
    $queue = spool_queue($dir);
    $new = array_values(array_diff(array_keys($queue), $before));
    printf("%-28s %s, spooled=%s, new in queue: %d%s, unknown %s%s\n", "$what:",
        $r['class'] ?? 'returned', var_export($r['result']['spooled'] ?? null, true), count($new),
        $new && $new[0] === ($r['result']['spool_id'] ?? '') ? ' (the spool_id)' : '',
        $new ? (int)$queue[$new[0]]['unknown'] : '-', $r['output'] !== '' ? " [{$r['output']}]" : '');
    fault_server_ok($f);
    /* The 421 greeting is a throttling reply: every later message to that relay
     * would wait untried (spool_throttle_*.phpt); here each case meets the server. */
    spool_backoff_clear($dir);
    $count[$group] = ($count[$group] ?? 0) + 1;
}
echo 'queue: ', count(glob("$dir/queue/*.msg")), ', tmp: ', count(glob("$dir/tmp/*")), "\n";

/* The relay is back: one forced flush per set of settings sends each message once. */
$sum = ['sent' => 0, 'deferred' => 0, 'failed' => 0, 'skipped' => 0];
$copies = array_fill_keys(array_keys($bodies), 0);
foreach ($groups as $group => [$ini, $hello]) {
    $n = $count[$group];
    $good = fault_start([...$hello, ...array_merge(...array_fill(0, $n, [['mail_ok'], ['rcpt_ok'], ['data_ok']])), ['quit']],
        ['port' => PORT]);
    $p = proc_open(fault_child_cmd($ini + $base + ['smtpmail.cafile' => $good['cafile']],
        'echo json_encode(smtp_spool_flush(["force" => true]));'), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
    proc_close($p);
    $r = json_decode($out, true) ?? [];
    echo "flush $group: sent ", $r['sent'] ?? "? ($out)", ", skipped ", $r['skipped'] ?? '?', "\n";
    $t = fault_transcript($good);
    foreach ($bodies as $what => $b) {
        $copies[$what] += substr_count($t, "\r\n\r\n$b.\r\n");
    }
    fault_server_ok($good);
}
echo 'copies of each: ', json_encode(array_count_values($copies)), "\n";
echo 'queue: ', count(glob("$dir/queue/*")), ', failed: ', count(glob("$dir/failed/*")), "\n";
?>
--CLEAN--
<?php
$dir = __DIR__ . '/spool_fault_transient_stages.d';
array_map('unlink', glob("$dir/backoff-*") ?: []);
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
flush plain: sent 9, skipped 2
server: ok
flush starttls: sent 1, skipped 1
server: ok
flush auth: sent 1, skipped 0
server: ok
copies of each: {"1":11}
queue: 0, failed: 0
