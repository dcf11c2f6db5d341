<?php
/*
 * Runs one workload against one peer and prints one line of results:
 *
 *   php client.php PEER WORKLOAD COUNT [nodelay]
 *   -> "messages=N seconds=S rss_base_kb=B rss_peak_kb=P"
 *
 * PEER is smtpmail, mail, phpmailer or symfony (peers/*.php); the target comes
 * from BENCH_* environment variables (lib.php), php.ini settings from the
 * command line (bench/run). The clock runs from just before the first send
 * (every peer connects lazily, so connecting is timed) to just after the last
 * close (QUIT); PHP's start-up and the libraries' loading are not timed.
 *
 *   W1  COUNT messages of 2 KB, one recipient each, over one connection
 *   W2  COUNT messages of 2 KB, each over a new connection (close after each)
 *   W3  COUNT times one 2 KB message to 500 recipients, over one connection
 *   W4  one message of COUNT MiB (RSS measured before the body is built)
 *   W5  as W2; bench/run points it at the STARTTLS + AUTH relay
 */
declare(strict_types=1);

require __DIR__ . '/lib.php';

const W3_RECIPIENTS = 500;
const SMALL_BODY = 2048;

function rss_kb(): int
{
    return getrusage()['ru_maxrss'];
}

[, $peerName, $workload, $count] = $argv + [null, '', '', '0'];
$count = (int) $count;
$nodelay = ($argv[4] ?? '') === 'nodelay';
if ($count < 1 || !in_array($workload, ['W1', 'W2', 'W3', 'W4', 'W5'], true)) {
    fwrite(STDERR, "usage: php client.php smtpmail|mail|phpmailer|symfony W1..W5 COUNT [nodelay]\n");
    exit(2);
}

$peer = bench_peer($peerName, Target::fromEnv(), $nodelay);
$rssBase = rss_kb();
$body = bench_body($workload === 'W4' ? $count * 1024 * 1024 : SMALL_BODY);
$one = ['rcpt@bench.test'];
$many = [];
for ($i = 1; $i <= W3_RECIPIENTS; $i++) {
    $many[] = "rcpt$i@bench.test";
}

$start = hrtime(true);
switch ($workload) {
    case 'W1':
        for ($i = 0; $i < $count; $i++) {
            $peer->send($one, "W1 message $i", $body);
        }
        $peer->close();
        break;
    case 'W2':
    case 'W5':
        for ($i = 0; $i < $count; $i++) {
            $peer->send($one, "$workload message $i", $body);
            $peer->close();
        }
        break;
    case 'W3':
        for ($i = 0; $i < $count; $i++) {
            $peer->send($many, "W3 message $i", $body);
        }
        $peer->close();
        break;
    case 'W4':
        $peer->send($one, 'W4 big message', $body);
        $peer->close();
        $count = 1;
        break;
}
$seconds = (hrtime(true) - $start) / 1e9;

printf("messages=%d seconds=%.6f rss_base_kb=%d rss_peak_kb=%d\n", $count, $seconds, $rssBase, rss_kb());
