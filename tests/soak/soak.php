<?php
/*
 * The soak test's driver, workers and flusher (started by tests/soak/run; see
 * there). One file, three roles:
 *
 *   php soak.php --driver  --dir D --count N --workers W --seconds S --seed X --php-args "..."
 *   php soak.php --worker K --dir D --from I --to J --deadline T     (needs smtpmail)
 *   php soak.php --flush      --dir D --deadline T                   (needs smtpmail)
 *
 * Workers send with smtp_send() (each message has a unique X-Soak-Id) and
 * write "id outcome [spool_id]" lines: outcome is "accepted", "spooled",
 * "spooled-unknown" (spooled, the .msg marked unknown: a lost final reply),
 * "unknown" (UnknownOutcomeException) or "failed <stage> <code>".
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

/* The spool ids whose queue files say "unknown 1". */
function unknown_marked(string $dir): array
{
    $ids = [];
    foreach (array_merge(glob("$dir/spool/queue/*.retry") ?: [], glob("$dir/spool/queue/*.msg") ?: []) as $f) {
        $head = @file_get_contents($f, false, null, 0, 4096);
        if ($head !== false && preg_match('/^unknown 1$/m', $head)) {
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
            $r = smtp_send("rcpt$i@soak.test", "Soak $id", $body,
                ['X-Soak-Id' => $id, 'Message-ID' => "<$id@soak.test>", 'Date' => 'Mon, 02 Mar 2026 10:00:00 +0000']);
            if (!$r['spooled']) {
                $line = "$id accepted";
            } else {
                $head = @file_get_contents("$dir/spool/queue/{$r['spool_id']}.msg", false, null, 0, 4096);
                $line = "$id " . (is_string($head) && preg_match('/^unknown 1$/m', $head) ? 'spooled-unknown' : 'spooled')
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
$received = array_count_values(file("$dir/received.txt", FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) ?: []);
$byOutcome = array_count_values($outcome);

$lost = $dups = $unexplained = [];
foreach ($outcome as $id => $o) {
    if (in_array($o, ['accepted', 'spooled', 'spooled-unknown'], true) && !isset($received[$id])) {
        $lost[] = $id;
    }
}
foreach ($received as $id => $n) {
    if ($n > 1) {
        $dups[$id] = $n;
        if (!isset($unknown[$id])) {
            $unexplained[] = "$id x$n";
        }
    }
    if (!isset($outcome[$id])) {
        $unexplained[] = "$id (never sent by a worker)";
    }
}
$failed = array_filter($outcome, fn($o) => $o === 'failed');
$sent = count($outcome);

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

$sinkStats = json_decode((string)@file_get_contents("$dir/sink-stats.json"), true) ?: [];
$checks = [
    "all $count messages sent" => $sent === $count,
    'no message failed (the sink never refuses for good)' => count($failed) === 0,
    'nothing lost (every accepted or spooled id received)' => count($lost) === 0,
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
printf("received %d copies of %d distinct ids; %d ids received more than once, all with an unknown outcome reported: %s"
    . " (unknown: %d at send, %d marked by the flusher)\n",
    array_sum($received), count($received), count($dups), $unexplained === [] ? 'yes' : 'NO',
    count($unknown) - $flushUnknown, $flushUnknown);
foreach ($memLines as $l) {
    echo "memory $l\n";
}
foreach (array_slice($lost, 0, 20) as $id) {
    echo "LOST: $id ({$outcome[$id]})\n";
}
foreach (array_slice($unexplained, 0, 20) as $d) {
    echo "UNEXPLAINED DUPLICATE: $d\n";
}
foreach (array_slice($failed, 0, 5, true) as $id => $o) {
    echo "FAILED: $id\n";
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
