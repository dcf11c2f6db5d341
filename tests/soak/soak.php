<?php
/*
 * The soak test's driver, workers and flusher (started by tests/soak/run; see
 * there). One file, three roles:
 *
 *   php soak.php --driver  --dir D --count N --workers W --seconds S --seed X --php-args "..."
 *   php soak.php --worker K --dir D --from I --to J --deadline T     (needs smtpmail)
 *   php soak.php --flush      --dir D --deadline T                   (needs smtpmail)
 *
 * Workers send with smtp_send() (each message has a unique X-Soak-Id and one
 * to three recipients, soak_rcpts()) and write "id outcome [spool_id]" lines:
 * outcome is "accepted", "spooled", "spooled-unknown" (spooled, marked
 * unknown: a lost or garbled final reply), "unknown" (UnknownOutcomeException:
 * with a spool set, a failure) or "failed <stage> <code>".
 * The flusher calls smtp_spool_flush(['force' => true]) until the queue is
 * empty, recording after each call the spool ids marked unknown. The driver
 * compares all that with the ids the sink kept.
 */

declare(strict_types=1);

const MEMORY_WARMUP = 200;          // messages before a worker's first memory sample
const RSS_GROWTH_MAX_KB = 4096;     // a worker's RSS may grow this much after warm-up
const ZEND_GROWTH_MAX = 1048576;    // and the Zend heap this much (bytes)

$opt = getopt('', ['driver', 'worker:', 'flush', 'dir:', 'from:', 'to:', 'deadline:', 'count:', 'workers:',
    'seconds:', 'seed:', 'php-args:', 'lose-every:']);

/* Message $i goes to one, two or three recipients: a relay that refuses some
 * for now (451 per RCPT) accepts the others, and the spool keeps the rest. */
function soak_rcpts(int $i): array
{
    return array_map(fn($j) => "rcpt$i-$j@soak.test", range(1, 1 + $i % 3));
}

/* Whether spool file $f (a queue/<id>.msg or .retry, smtp_spool.h) says the
 * outcome of an earlier try is unknown: its "unknown 1" header line. */
function spool_file_unknown(string $f): bool
{
    $head = @file_get_contents($f, false, null, 0, 4096);
    return is_string($head) && preg_match('/^unknown 1$/m', (string)strstr($head . "\n\n", "\n\n", true)) === 1;
}

/* The spool ids whose queue files say the outcome is unknown. */
function unknown_marked(string $dir): array
{
    $ids = [];
    foreach (array_merge(glob("$dir/spool/queue/*.retry") ?: [], glob("$dir/spool/queue/*.msg") ?: []) as $f) {
        if (spool_file_unknown($f)) {
            $ids[basename(basename($f, '.msg'), '.retry')] = true;
        }
    }
    return $ids;
}

/* Resident set size now (Linux), else the peak: the core allocates with malloc,
 * which memory_get_usage() does not see. */
function rss_kb(): int
{
    $status = @file_get_contents('/proc/self/status');
    if (is_string($status) && preg_match('/^VmRSS:\s+(\d+) kB$/m', $status, $m)) {
        return (int)$m[1];
    }
    return (int)getrusage()['ru_maxrss'];
}

if (isset($opt['worker'])) {
    $k = (int)$opt['worker'];
    $dir = $opt['dir'];
    $deadline = (float)$opt['deadline'];
    $log = fopen("$dir/worker-$k.txt", 'wb');
    mt_srand(1000 + $k);
    $mem = [];
    $done = 0;
    for ($i = (int)$opt['from']; $i < (int)$opt['to'] && microtime(true) < $deadline; $i++, $done++) {
        if ($done === MEMORY_WARMUP) {
            gc_collect_cycles();
            $mem['start'] = [memory_get_usage(), rss_kb()];
        }
        $id = sprintf('soak-%06d', $i);
        /* Varied sizes, and a leading dot to stuff now and then. */
        $body = "Soak message $id\r\n" . ($i % 7 === 0 ? ".a line that starts with a dot\r\n" : '')
            . str_repeat("filler line for $id\r\n", mt_rand(0, 60));
        try {
            $r = smtp_send(soak_rcpts($i), "Soak $id", $body,
                ['X-Soak-Id' => $id, 'Message-ID' => "<$id@soak.test>", 'Date' => 'Mon, 02 Mar 2026 10:00:00 +0000']);
            if (!$r['spooled']) {
                $line = "$id accepted";
            } else {
                $line = "$id " . (spool_file_unknown("$dir/spool/queue/{$r['spool_id']}.msg") ? 'spooled-unknown' : 'spooled')
                    . " {$r['spool_id']}";
            }
        } catch (SmtpMail\UnknownOutcomeException $e) {
            $line = "$id unknown";
        } catch (SmtpMail\Exception $e) {
            $line = "$id failed {$e->getStage()} {$e->getCode()} " . str_replace("\n", ' ', $e->getMessage());
        }
        fwrite($log, "$line\n");
    }
    smtp_close();
    gc_collect_cycles();
    $mem['end'] = [memory_get_usage(), rss_kb()];
    fclose($log);
    echo json_encode(['worker' => $k, 'done' => $done, 'mem' => $mem]), "\n";
    exit(0);
}

if (isset($opt['flush'])) {
    $dir = $opt['dir'];
    $deadline = (float)$opt['deadline'];
    $unknown = [];
    $calls = 0;
    $sum = ['sent' => 0, 'deferred' => 0, 'failed' => 0, 'skipped' => 0];
    $mem = [];
    while (microtime(true) < $deadline && glob("$dir/spool/queue/*.msg")) {
        $r = smtp_spool_flush(['force' => true]);
        $calls++;
        foreach ($r as $key => $n) {
            $sum[$key] += $n;
        }
        $unknown += unknown_marked($dir);
        if ($calls === 1) {
            $mem['start'] = [memory_get_usage(), rss_kb()];
        }
    }
    smtp_close();
    $mem['end'] = [memory_get_usage(), rss_kb()];
    file_put_contents("$dir/flush-unknown.txt", implode("\n", array_keys($unknown)) . "\n");
    echo json_encode(['calls' => $calls, 'counts' => $sum, 'left' => count(glob("$dir/spool/queue/*.msg") ?: []),
        'mem' => $mem]), "\n";
    exit(0);
}

if (!isset($opt['driver'])) {
    fwrite(STDERR, "usage: see tests/soak/run\n");
    exit(2);
}

/* ---- driver ---- */
$dir = $opt['dir'];
$count = (int)$opt['count'];
$nworkers = max(1, (int)$opt['workers']);
$seconds = (float)$opt['seconds'];
$seed = (int)$opt['seed'];
preg_match_all('/\'([^\']*)\'|"([^"]*)"|(\S+)/', $opt['php-args'] ?? '', $m, PREG_SET_ORDER);
$phpArgs = array_map(fn($x) => $x[count($x) - 1], $m);
$t0 = microtime(true);
$deadline = $t0 + $seconds;
$failures = [];

$sink = proc_open([PHP_BINARY, '-n', __DIR__ . '/flaky_sink.php', '--out', "$dir/received.txt", '--stop', "$dir/stop",
    '--seed', (string)$seed, '--max-seconds', (string)($seconds + 60), '--down-every', '3', '--down-for', '1',
    '--all-down', "$dir/all-down",
    '--stats', "$dir/sink-stats.json", '--lose-every', (string)(int)($opt['lose-every'] ?? 0)], [1 => ['pipe', 'w'], 2 => ['file', "$dir/sink.err", 'w']], $pipes);
$line = fgets($pipes[1]);
if (!preg_match('/^PORTS (\d+) (\d+)$/', (string)$line, $pm)) {
    fwrite(STDERR, "soak: the sink did not start: " . @file_get_contents("$dir/sink.err") . "\n");
    exit(1);
}
$relays = "127.0.0.1:{$pm[1]}, 127.0.0.1:{$pm[2]}";
$ini = ['-d', "smtpmail.host=$relays", '-d', 'smtpmail.tls=none', '-d', 'smtpmail.from=soak@soak.test',
    '-d', 'smtpmail.helo=soak-client.test', '-d', 'smtpmail.timeout=1', '-d', "smtpmail.spool_dir=$dir/spool",
    '-d', 'smtpmail.spool_max_age=0', '-d', 'memory_limit=128M'];

/* Workers, each with a slice of the ids. */
$workers = [];
for ($k = 0; $k < $nworkers; $k++) {
    $from = intdiv($count * $k, $nworkers);
    $to = intdiv($count * ($k + 1), $nworkers);
    $cmd = array_merge([PHP_BINARY], $phpArgs, $ini, [__FILE__, '--worker', (string)$k, '--dir', $dir,
        '--from', (string)$from, '--to', (string)$to, '--deadline', (string)($deadline - 60)]);
    $workers[$k] = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['file', "$dir/worker-$k.err", 'w']], $wp);
    $wpipes[$k] = $wp[1];
}
/* Every relay down for a while, once a tenth of the messages went out: the
 * only way a send finds no relay at all, so it must spool. Guaranteed once per
 * run however short, not left to the timing of port a's down periods. */
$allDownWhile = null;
$until = microtime(true) + min(60.0, $seconds / 4);
while (microtime(true) < $until) {
    $logged = 0;
    foreach (glob("$dir/worker-*.txt") ?: [] as $f) {
        $logged += substr_count((string)@file_get_contents($f), "\n");
    }
    if ($logged >= max(1, intdiv($count, 10))) {
        touch("$dir/all-down");
        usleep(500000);
        unlink("$dir/all-down");
        $allDownWhile = $logged;
        break;
    }
    usleep(100000);
}
$wstats = [];
foreach ($workers as $k => $p) {
    $outp = stream_get_contents($wpipes[$k]);
    proc_close($p);
    $wstats[$k] = json_decode(trim((string)$outp), true);
    if (!is_array($wstats[$k])) {
        $failures[] = "worker $k died: " . trim($outp . ' ' . @file_get_contents("$dir/worker-$k.err"));
    }
}
$tSend = microtime(true) - $t0;

/* Flush until the spool is empty (or out of time). */
$fcmd = array_merge([PHP_BINARY], $phpArgs, $ini, [__FILE__, '--flush', '--dir', $dir, '--deadline', (string)$deadline]);
$fp = proc_open($fcmd, [1 => ['pipe', 'w'], 2 => ['file', "$dir/flush.err", 'w']], $fpp);
$fout = stream_get_contents($fpp[1]);
proc_close($fp);
$fstats = json_decode(trim((string)$fout), true);
if (!is_array($fstats)) {
    $failures[] = 'flusher died: ' . trim($fout . ' ' . @file_get_contents("$dir/flush.err"));
    $fstats = ['calls' => 0, 'counts' => [], 'left' => -1, 'mem' => []];
}
touch("$dir/stop");
proc_close($sink);
$elapsed = microtime(true) - $t0;

/* What PHP was told, per id. */
$outcome = [];
$spoolOf = [];
$unknown = [];
foreach (glob("$dir/worker-*.txt") as $f) {
    foreach (file($f, FILE_IGNORE_NEW_LINES) as $l) {
        $parts = explode(' ', $l, 4);
        $outcome[$parts[0]] = $parts[1];
        if (isset($parts[2]) && str_starts_with($parts[1], 'spooled')) {
            $spoolOf[$parts[2]] = $parts[0];
        }
        if ($parts[1] === 'unknown' || $parts[1] === 'spooled-unknown') {
            $unknown[$parts[0]] = $parts[1];
        }
    }
}
$flushUnknown = 0;
foreach (file("$dir/flush-unknown.txt", FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: [] as $sid) {
    if (isset($spoolOf[$sid]) && !isset($unknown[$spoolOf[$sid]])) {
        $unknown[$spoolOf[$sid]] = 'flush-unknown';
        $flushUnknown++;
    }
}
/* "<id> <recipient>" per copy the sink kept. */
$received = array_count_values(file("$dir/received.txt", FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: []);
$byOutcome = array_count_values($outcome);

$lost = $dups = $unexplained = [];
foreach ($outcome as $id => $o) {
    if (in_array($o, ['accepted', 'spooled', 'spooled-unknown'], true)) {
        foreach (soak_rcpts((int)substr($id, 5)) as $rcpt) {
            if (!isset($received["$id $rcpt"])) {
                $lost[] = "$id $rcpt";
            }
        }
    }
}
foreach ($received as $copy => $n) {
    $id = strtok($copy, ' ');
    if ($n > 1) {
        $dups[$copy] = $n;
        if (!isset($unknown[$id])) {
            $unexplained[] = "$copy x$n";
        }
    }
    if (!isset($outcome[$id])) {
        $unexplained[] = "$copy (never sent by a worker)";
    }
}
$failed = array_filter($outcome, fn($o) => $o === 'failed');
$thrownUnknown = array_filter($outcome, fn($o) => $o === 'unknown');
$sent = count($outcome);

$sinkStats = json_decode((string)@file_get_contents("$dir/sink-stats.json"), true) ?: [];

/* Memory after warm-up: workers, then the flusher. */
$memLines = [];
$memFail = false;
foreach ($wstats as $k => $s) {
    if (!isset($s['mem']['start'], $s['mem']['end'])) {
        continue;
    }
    $zend = $s['mem']['end'][0] - $s['mem']['start'][0];
    $rss = $s['mem']['end'][1] - $s['mem']['start'][1];
    $memLines[] = sprintf('worker %d: zend %+d B, rss %+d KB (%d KB)', $k, $zend, $rss, $s['mem']['end'][1]);
    $memFail = $memFail || $zend > ZEND_GROWTH_MAX || $rss > RSS_GROWTH_MAX_KB;
}
if (isset($fstats['mem']['start'], $fstats['mem']['end'])) {
    $rss = $fstats['mem']['end'][1] - $fstats['mem']['start'][1];
    $memLines[] = sprintf('flusher: zend %+d B, rss %+d KB (%d KB)', $fstats['mem']['end'][0] - $fstats['mem']['start'][0],
        $rss, $fstats['mem']['end'][1]);
    $memFail = $memFail || $rss > RSS_GROWTH_MAX_KB;
}

$checks = [
    "all $count messages sent" => $sent === $count,
    'no message failed (the sink never refuses for good)' => count($failed) === 0,
    'no UnknownOutcomeException (with a spool, an unknown outcome is spooled)' => count($thrownUnknown) === 0,
    'nothing lost (every recipient of every accepted or spooled id received)' => count($lost) === 0,
    'every relay was down once while the workers were sending' => $allDownWhile !== null
        && ($sinkStats['all_down_periods'] ?? 0) >= 1 && $allDownWhile < $count,
    'some recipients were refused for now while others were accepted, and garbled final replies were sent'
        => ($sinkStats['rcpt_451'] ?? 0) > 0 && ($sinkStats['dot_garbled_kept'] ?? 0) + ($sinkStats['dot_garbled_lost'] ?? 0) > 0,
    'no unexplained duplicate' => count($unexplained) === 0,
    'spool empty at the end' => ($fstats['left'] ?? -1) === 0 && count(glob("$dir/spool/queue/*") ?: []) === 0,
    'nothing in spool/failed' => count(glob("$dir/spool/failed/*") ?: []) === 0,
    'memory flat (rss +' . RSS_GROWTH_MAX_KB . ' KB, zend +' . ZEND_GROWTH_MAX . ' B at most)' => !$memFail && $memLines !== [],
    "within {$seconds} s" => $elapsed < $seconds,
];

printf("soak: %d messages, %d workers, seed %d, relays %s\n", $count, $nworkers, $seed, $relays);
printf("sent in %.1f s: %s\n", $tSend, json_encode($byOutcome));
printf("flush: %d calls, %s\n", $fstats['calls'], json_encode($fstats['counts']));
printf("sink: %s\n", json_encode($sinkStats));
printf("received %d copies of %d distinct (id, recipient); %d received more than once, all with an unknown outcome reported: %s"
    . " (unknown: %d at send, %d marked by the flusher)\n",
    array_sum($received), count($received), count($dups), $unexplained === [] ? 'yes' : 'NO',
    count($unknown) - $flushUnknown, $flushUnknown);
foreach ($memLines as $l) {
    echo "memory $l\n";
}
foreach (array_slice($lost, 0, 20) as $id) {
    echo "LOST: $id ({$outcome[strtok($id, " ")]})\n";
}
foreach (array_slice($unexplained, 0, 20) as $d) {
    echo "UNEXPLAINED DUPLICATE: $d\n";
}
foreach (array_slice($failed, 0, 5, true) as $id => $o) {
    echo "FAILED: $id\n";
}
foreach (array_slice($thrownUnknown, 0, 5, true) as $id => $o) {
    echo "UNKNOWN OUTCOME THROWN: $id\n";
}
foreach ($failures as $f) {
    echo "ERROR: $f\n";
}
$pass = 0;
foreach ($checks as $what => $ok) {
    echo $ok ? 'ok' : 'FAIL', " - $what\n";
    $pass += $ok ? 1 : 0;
}
$nfail = count($checks) - $pass + count($failures);
printf("soak summary: %d sent, %d lost, %d duplicates (%d unexplained), %.1f s; %d passed, %d failed\n",
    $sent, count($lost), array_sum($dups) - count($dups), count($unexplained), $elapsed, $pass, $nfail);
exit($nfail === 0 ? 0 : 1);
