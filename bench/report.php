<?php
/*
 * Turns bench/run's raw results into Markdown tables: medians per workload
 * and peer, smtpmail's ratios to each peer, W6, and the performance targets.
 *
 *   php report.php results.tsv versions.tsv
 *
 * results.tsv lines: workload, peer, round, metric (rate | seconds | rss_mb |
 * failed), value, messages sent. versions.tsv lines: name, value.
 */
declare(strict_types=1);

const PEERS = [
    'smtpmail' => 'smtpmail smtp_send()',
    'smtpmail-mail' => 'smtpmail mail() hook',
    'phpmailer' => 'PHPMailer',
    'phpmailer-nodelay' => 'PHPMailer + TCP_NODELAY',
    'symfony' => 'Symfony Mailer',
    'symfony-nodelay' => 'Symfony Mailer + TCP_NODELAY',
    'msmtp' => 'mail() via msmtp',
    'smtp-source' => 'smtp-source (C)',
];
const W6_PAGES = [
    'smtpmail-persistent' => 'mail(), smtpmail, smtpmail.persistent=1',
    'smtpmail-persistent-limited' => 'mail(), smtpmail, persistent=1, max_connections = serving processes',
    'smtpmail-mail' => 'mail(), smtpmail, not persistent',
    'phpmailer' => 'PHPMailer',
    'phpmailer-nodelay' => 'PHPMailer + TCP_NODELAY',
    'msmtp' => 'mail(), msmtp',
];
/** W6 runs as "<server>/<TLS mode>/<page>". */
const W6_SAPIS = ['cli-server' => 'php -S', 'fpm' => 'PHP-FPM behind nginx'];
const W6_MODES = ['starttls' => 'STARTTLS (587)', 'implicit' => 'implicit TLS (465)'];
/** The full count of each workload; a peer that sent fewer is footnoted. */
const FULL_COUNT = ['W1' => 2000, 'W2' => 500, 'W3' => 20, 'W4' => 1, 'W5' => 200];
const W4_MESSAGE_MIB = 30;

[, $resultsFile, $versionsFile] = $argv + [null, '', ''];
if (!is_readable($resultsFile) || !is_readable($versionsFile)) {
    fwrite(STDERR, "usage: php report.php results.tsv versions.tsv\n");
    exit(2);
}

/** @var array<string, array<string, array<string, list<float>>>> $runs [workload][peer][metric] */
$runs = [];
$failed = [];
$scaled = [];
foreach (file($resultsFile, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $line) {
    [$w, $peer, , $metric, $value, $messages] = explode("\t", $line);
    if ($metric === 'failed') {
        $failed[$w][$peer] = ($failed[$w][$peer] ?? 0) + 1;
        continue;
    }
    $runs[$w][$peer][$metric][] = (float) $value;
    if (isset(FULL_COUNT[$w]) && (int) $messages !== FULL_COUNT[$w]) {
        $scaled[$w][$peer] = (int) $messages;
    }
}

function median(array $values): ?float
{
    if ($values === []) {
        return null;
    }
    sort($values);
    $n = count($values);
    return $n % 2 ? $values[intdiv($n, 2)] : ($values[$n / 2 - 1] + $values[$n / 2]) / 2;
}

function med(string $w, string $peer, string $metric): ?float
{
    global $runs;
    return median($runs[$w][$peer][$metric] ?? []);
}

function num(?float $v, int $decimals = 0): string
{
    return $v === null ? '-' : number_format($v, $decimals, '.', ',');
}

function ratio(?float $a, ?float $b): string
{
    return ($a === null || $b === null || $b == 0.0) ? '-' : sprintf('%.2fx', $a / $b);
}

/** A median cell, with "*" for a reduced count and "(n failed)" for failures. */
function cell(string $w, string $peer, string $metric, int $decimals = 0): string
{
    global $failed, $scaled;
    $text = num(med($w, $peer, $metric), $decimals);
    if (isset($scaled[$w][$peer])) {
        $text .= '*';
    }
    if (isset($failed[$w][$peer])) {
        $text .= " ({$failed[$w][$peer]} failed)";
    }
    return $text;
}

function table(array $header, array $rows): void
{
    echo '| ', implode(' | ', $header), " |\n";
    echo '|', str_repeat('---|', count($header)), "\n";
    foreach ($rows as $row) {
        echo '| ', implode(' | ', $row), " |\n";
    }
    echo "\n";
}

$versions = [];
foreach (file($versionsFile, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $line) {
    [$k, $v] = explode("\t", $line, 2);
    $versions[$k] = $v;
}
$rounds = 0;
foreach ($runs as $byPeer) {
    foreach ($byPeer as $byMetric) {
        foreach ($byMetric as $values) {
            $rounds = max($rounds, count($values));
        }
    }
}

echo "Medians of $rounds rounds, all on one machine in one run of `", $versions['command'] ?? 'bench/run', "`.\n\n";
foreach ($versions as $k => $v) {
    if ($k !== 'command') {
        echo "- $k: $v\n";
    }
}
echo "\n";

echo "W1-W5 (W1, W2, W5: messages/s; W3: messages of 500 recipients/s; W4: seconds, and how much\n",
     "the sending PHP process's peak RSS grew while it built and sent the 30 MiB message, in MiB;\n",
     "for smtp-source, which generates its message, its whole peak RSS):\n\n";
$rows = [];
foreach (PEERS as $peer => $name) {
    $rows[] = [
        $name,
        cell('W1', $peer, 'rate'),
        cell('W2', $peer, 'rate'),
        cell('W3', $peer, 'rate', 1),
        cell('W4', $peer, 'seconds', 2),
        cell('W4', $peer, 'rss_mb', 1),
        $peer === 'smtp-source' ? 'n/a (no TLS)' : cell('W5', $peer, 'rate'),
    ];
}
table(['peer', 'W1 msg/s', 'W2 msg/s', 'W3 msg/s', 'W4 s', 'W4 RSS +MiB', 'W5 msg/s'], $rows);
if ($scaled !== []) {
    $notes = [];
    foreach ($scaled as $w => $peers) {
        foreach ($peers as $peer => $n) {
            $notes[] = PEERS[$peer] . " $w: $n of " . FULL_COUNT[$w];
        }
    }
    echo "\\* fewer messages, to keep the run short (the rate is per message and steady): ",
         implode('; ', $notes), ".\n\n";
}

echo "smtpmail smtp_send() compared with each peer (above 1: smtpmail is faster; W4 compares times):\n\n";
$rows = [];
foreach (PEERS as $peer => $name) {
    if ($peer === 'smtpmail') {
        continue;
    }
    $rows[] = [
        $name,
        ratio(med('W1', 'smtpmail', 'rate'), med('W1', $peer, 'rate')),
        ratio(med('W2', 'smtpmail', 'rate'), med('W2', $peer, 'rate')),
        ratio(med('W3', 'smtpmail', 'rate'), med('W3', $peer, 'rate')),
        ratio(med('W4', $peer, 'seconds'), med('W4', 'smtpmail', 'seconds')),
        ratio(med('W5', 'smtpmail', 'rate'), med('W5', $peer, 'rate')),
    ];
}
table(['peer', 'W1', 'W2', 'W3', 'W4', 'W5'], $rows);

echo "W6 (a page sending one mail per request, 8 workers, ab -c 8 for 10 s, relay behind a 40 ms RTT,\n",
     "TLS + AUTH; round trips counted by bench/flight_counter.py: per request over the run, and the median\n",
     "over the sessions for pages that open one per request; a flight is counted when the client waits for its\n",
     "answer, so smtpmail's QUIT, whose 221 it does not wait for, is not, while PHPMailer's QUIT is):\n\n";
$rows = [];
foreach (W6_SAPIS as $sapi => $sapiName) {
    foreach (W6_MODES as $mode => $modeName) {
        $pm = med('W6', "$sapi/$mode/phpmailer", 'rate');
        foreach (W6_PAGES as $peer => $name) {
            $key = "$sapi/$mode/$peer";
            if (!isset($runs['W6'][$key]) && !isset($failed['W6'][$key])) {
                continue;
            }
            $rows[] = [$sapiName, $modeName, $name, cell('W6', $key, 'rate', 1), ratio(med('W6', $key, 'rate'), $pm),
                cell('W6', $key, 'p50_ms'), cell('W6', $key, 'rt', 2),
                str_ends_with($peer, 'persistent') ? '-' : cell('W6', $key, 'rt_p50', 1)];
        }
    }
}
table(['server', 'TLS', 'page', 'requests/s', '÷ PHPMailer', 'median ms/request', 'round trips/request',
    'round trips, median session'], $rows);
$persistent = med('W6', 'cli-server/starttls/smtpmail-persistent', 'rate');

/** The best (highest) median rate among $peers, with its name. */
function best(string $w, array $peers): array
{
    $best = [null, '-'];
    foreach ($peers as $peer) {
        $v = med($w, $peer, 'rate');
        if ($v !== null && ($best[0] === null || $v > $best[0])) {
            $best = [$v, PEERS[$peer]];
        }
    }
    return $best;
}

function target(string $what, ?float $value, float $goal, string $detail, bool $atMost = false): array
{
    $met = $value === null ? '-' : ((($atMost ? $value <= $goal : $value >= $goal)) ? 'yes' : '**no**');
    return [$what, $value === null ? '-' : sprintf('%.2f', $value) . $detail, $met];
}

$q = fn (?float $a, ?float $b): ?float => ($a === null || $b === null || $b == 0.0) ? null : $a / $b;
[$bestNodelay, $bestNodelayName] = best('W1', ['phpmailer-nodelay', 'symfony-nodelay']);
[$bestW5, $bestW5Name] = best('W5', ['phpmailer', 'phpmailer-nodelay', 'symfony', 'symfony-nodelay', 'msmtp']);
$s = fn (string $w): ?float => med($w, 'smtpmail', 'rate');
$src = fn (string $w): ?float => med($w, 'smtp-source', 'rate');
echo "Performance targets (reported, not asserted):\n\n";
table(['target', 'measured', 'met'], [
    target('W1 >= 0.7x smtp-source', $q($s('W1'), $src('W1')), 0.7, 'x'),
    target('W1 >= 1.5x the best PHP peer with TCP_NODELAY', $q($s('W1'), $bestNodelay), 1.5, "x ($bestNodelayName)"),
    target('W2 >= 0.7x smtp-source', $q($s('W2'), $src('W2')), 0.7, 'x'),
    target('W3 >= 0.7x smtp-source', $q($s('W3'), $src('W3')), 0.7, 'x'),
    target('W4 RSS growth <= message + 8 MiB (' . (W4_MESSAGE_MIB + 8) . ' MiB)', med('W4', 'smtpmail', 'rss_mb'),
        W4_MESSAGE_MIB + 8, ' MiB', true),
    target('W5 >= 1.5x the best PHP peer', $q($s('W5'), $bestW5), 1.5, "x ($bestW5Name)"),
    target('W6 persistent >= 5x PHPMailer (php -S, STARTTLS)',
        $q($persistent, med('W6', 'cli-server/starttls/phpmailer', 'rate')), 5, 'x'),
    target('W6 persistent with max_connections = serving processes >= 0.95x without (php -S, STARTTLS)',
        $q(med('W6', 'cli-server/starttls/smtpmail-persistent-limited', 'rate'), $persistent), 0.95, 'x'),
    target('W6 not persistent, PHP-FPM, STARTTLS: round trips waited for, median session <= 6.5',
        med('W6', 'fpm/starttls/smtpmail-mail', 'rt_p50'), 6.5, '', true),
    target('W6 not persistent, PHP-FPM, STARTTLS: >= 1.8x PHPMailer',
        $q(med('W6', 'fpm/starttls/smtpmail-mail', 'rate'), med('W6', 'fpm/starttls/phpmailer', 'rate')), 1.8, 'x'),
]);
