<?php
/*
 * A flaky SMTP sink for the soak test (tests/soak/run): it speaks just enough
 * ESMTP (EHLO, PIPELINING, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to take
 * messages, and misbehaves at random, from a seed, so a run can be repeated:
 *
 *   greeting   421 and hang up; hang up without a word
 *   any command  hang up without a reply; 421 and hang up (MAIL)
 *   RCPT       451 (per recipient: a message to several gets some refused
 *              for now and the others accepted); DATA 451
 *   final dot  451; hang up before replying, the message NOT kept; hang up
 *              before replying with the message KEPT (both are the lost reply
 *              of RFC 1047: the client cannot know which); go silent (kept);
 *              a garbled reply (multi-line 250-/550, or no code), the message
 *              kept or not
 *   otherwise  250, and the message is kept
 *
 * "Kept" means one line "<X-Soak-Id> <recipient>" per recipient the
 * transaction accepted is appended to the --out file (flushed at once).
 * Nothing else is stored.
 *
 *   php flaky_sink.php --out FILE --stop FILE [--seed N] [--max-seconds N]
 *                      [--down-every N --down-for N] [--all-down FILE]
 *                      [--stats FILE] [--lose-every N]
 *
 * It listens on two ephemeral ports of 127.0.0.1 and prints "PORTS a b\n".
 * With --down-every, port a stops listening for --down-for seconds out of
 * every --down-every (connections refused: a relay that is sometimes down).
 * While the --all-down file exists both ports are closed: every relay is down,
 * so the client has nowhere to send and must spool (the soak driver creates it
 * for a while in the middle of the sending).
 * Connections are served concurrently with stream_select(). It exits when the
 * --stop file appears or after --max-seconds, writing fault counts as JSON to
 * --stats. Loopback only; it never connects anywhere. --lose-every N makes it
 * answer 250 but forget every Nth message: a broken relay, to check that the
 * soak test notices a loss (tests/soak/run --lose-every N must fail).
 */

declare(strict_types=1);

const SINK_MAX_LINE = 4096;           // a longer command line is a client bug: 500 and hang up
const SINK_MAX_DATA = 16 * 1048576;   // a longer message: 552 and hang up
const SINK_MAX_CONNS = 256;

/* Fault probabilities, per mille, per event. */
const P = [
    'greet_421' => 10, 'greet_drop' => 5,
    'ehlo_drop' => 3,
    'mail_421' => 8, 'mail_drop' => 4, 'mail_451' => 8,
    'rcpt_drop' => 4, 'rcpt_451' => 20,
    'data_drop' => 4, 'data_451' => 10,
    'dot_451' => 15, 'dot_drop_lost' => 8, 'dot_drop_kept' => 8, 'dot_silent_kept' => 1,
    'dot_garbled_kept' => 5, 'dot_garbled_lost' => 3,
];

$opt = getopt('', ['out:', 'stop:', 'seed:', 'max-seconds:', 'down-every:', 'down-for:', 'all-down:', 'stats:', 'lose-every:']);
$loseEvery = (int)($opt['lose-every'] ?? 0);
if (!isset($opt['out'], $opt['stop'])) {
    fwrite(STDERR, "usage: php flaky_sink.php --out FILE --stop FILE [--seed N] [--max-seconds N] [--down-every N --down-for N] [--stats FILE]\n");
    exit(2);
}
mt_srand((int)($opt['seed'] ?? 1));
$deadline = microtime(true) + (float)($opt['max-seconds'] ?? 600);
$downEvery = (float)($opt['down-every'] ?? 0);
$downFor = (float)($opt['down-for'] ?? 0);
$out = fopen($opt['out'], 'ab') ?: exit(1);
$allDown = $opt['all-down'] ?? null;
$stats = array_fill_keys(array_keys(P), 0) + ['connections' => 0, 'kept' => 0, 'down_periods' => 0, 'all_down_periods' => 0,
    'forgotten_tick' => 0];

function listen(int $port)
{
    $s = @stream_socket_server("tcp://127.0.0.1:$port", $errno, $errstr);
    return $s === false ? null : $s;
}

$listeners = [listen(0), listen(0)];
if ($listeners[0] === null || $listeners[1] === null) {
    fwrite(STDERR, "flaky_sink: cannot listen\n");
    exit(1);
}
$ports = array_map(fn($l) => (int)substr(strrchr(stream_socket_get_name($l, false), ':'), 1), $listeners);
echo "PORTS {$ports[0]} {$ports[1]}\n";
fflush(STDOUT);
$started = microtime(true);

/* One fault draw: true with probability P[$what] per mille. */
function fault(string $what): bool
{
    global $stats;
    if (mt_rand(1, 1000) <= P[$what]) {
        $stats[$what]++;
        return true;
    }
    return false;
}

final class Conn
{
    public string $buf = '';
    public string $out = '';        // replies not yet written: one write per batch of input
    public bool $data = false;
    public bool $silent = false;
    public int $rcpts = 0;
    /** @var list<string> the recipients accepted in this transaction */
    public array $accepted = [];
    public bool $mail = false;
    public function __construct(public $sock) {}
}

/** @var array<int, Conn> */
$conns = [];

/* Writes the queued replies in one write: one small write per reply would meet
 * Nagle's algorithm and the client's delayed ACK (40 ms each, RFC 1122
 * 4.2.3.2), and a real server answers a pipelined batch in one go too. */
function flush_out(int $k): bool
{
    global $conns;
    $c = $conns[$k];
    if ($c->out !== '' && @fwrite($c->sock, $c->out) !== strlen($c->out)) {
        $c->out = '';
        @fclose($c->sock);
        unset($conns[$k]);
        return false;
    }
    $c->out = '';
    return true;
}

/* Hangs up, after whatever was already answered. */
function drop(int $k): void
{
    global $conns;
    if (flush_out($k)) {
        @fclose($conns[$k]->sock);
        unset($conns[$k]);
    }
}

/* Queues a reply; true (kept for the && drop() idiom). */
function reply(int $k, string $text): bool
{
    global $conns;
    $conns[$k]->out .= $text;
    return true;
}

function keep(string $msg, array $rcpts): void
{
    global $out, $stats, $loseEvery;
    if ($loseEvery > 0 && ++$stats['forgotten_tick'] % $loseEvery === 0) {
        return;
    }
    $head = strstr($msg, "\r\n\r\n", true);
    $id = preg_match('/^X-Soak-Id: *(\S+)\r?$/mi', $head === false ? $msg : $head, $m) ? $m[1] : 'NO-ID';
    fwrite($out, implode('', array_map(fn($r) => "$id $r\n", $rcpts)));
    fflush($out);
    $stats['kept']++;
}

/* Handles what is buffered on connection $k; returns when more input is needed or it is closed. */
function serve(int $k): void
{
    global $conns;
    while (isset($conns[$k]) && !$conns[$k]->silent) {
        $c = $conns[$k];
        if ($c->data) {
            if (str_starts_with($c->buf, ".\r\n")) {
                $end = 0;
            } elseif (($p = strpos($c->buf, "\r\n.\r\n")) !== false) {
                $end = $p + 2;
            } else {
                if (strlen($c->buf) > SINK_MAX_DATA) {
                    reply($k, "552 5.3.4 too big\r\n") && drop($k);
                }
                return;
            }
            $msg = substr($c->buf, 0, $end);
            $c->buf = (string)substr($c->buf, $end + 3);
            $c->data = false;
            $c->mail = false;
            $c->rcpts = 0;
            $rcpts = $c->accepted;
            $c->accepted = [];
            if (fault('dot_drop_lost')) {
                drop($k);
            } elseif (fault('dot_drop_kept')) {
                keep($msg, $rcpts);
                drop($k);
            } elseif (fault('dot_silent_kept')) {
                keep($msg, $rcpts);
                flush_out($k);
                $c->silent = true;
            } elseif (fault('dot_garbled_kept')) {
                keep($msg, $rcpts);
                reply($k, "250-2.0.0 Ok: queued\r\n550 5.0.0 or not\r\n");
            } elseif (fault('dot_garbled_lost')) {
                reply($k, "Thank you for your message\r\n");
            } elseif (fault('dot_451')) {
                reply($k, "451 4.3.0 soak: try again later\r\n");
            } else {
                keep($msg, $rcpts);
                reply($k, "250 2.0.0 Ok: queued\r\n");
            }
            continue;
        }
        $p = strpos($c->buf, "\n");
        if ($p === false) {
            if (strlen($c->buf) > SINK_MAX_LINE) {
                reply($k, "500 5.5.0 line too long\r\n") && drop($k);
            }
            return;
        }
        $line = rtrim(substr($c->buf, 0, $p), "\r");
        $c->buf = (string)substr($c->buf, $p + 1);
        $verb = strtoupper(substr($line, 0, 4));
        switch ($verb) {
            case 'EHLO':
            case 'HELO':
                if (fault('ehlo_drop')) {
                    drop($k);
                } else {
                    reply($k, $verb === 'HELO' ? "250 sink.test\r\n"
                        : "250-sink.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 16000000\r\n");
                }
                break;
            case 'MAIL':
                if (fault('mail_drop')) {
                    drop($k);
                } elseif (fault('mail_421')) {
                    reply($k, "421 4.3.2 soak: shutting down\r\n") && drop($k);
                } elseif (fault('mail_451')) {
                    reply($k, "451 4.3.0 soak: sender deferred\r\n");
                } else {
                    $c->mail = true;
                    $c->rcpts = 0;
                    $c->accepted = [];
                    reply($k, "250 2.1.0 Ok\r\n");
                }
                break;
            case 'RCPT':
                if (!$c->mail) {
                    reply($k, "503 5.5.1 need MAIL first\r\n");
                } elseif (fault('rcpt_drop')) {
                    drop($k);
                } elseif (fault('rcpt_451')) {
                    reply($k, "451 4.3.0 soak: recipient deferred\r\n");
                } else {
                    $c->rcpts++;
                    $c->accepted[] = preg_match('/<([^>]*)>/', $line, $am) ? $am[1] : '?';
                    reply($k, "250 2.1.5 Ok\r\n");
                }
                break;
            case 'DATA':
                /* RFC 2920 3.1: with no valid recipient, DATA is refused. */
                if (!$c->mail || $c->rcpts === 0) {
                    $c->mail = false;
                    reply($k, "554 5.5.1 no valid recipients\r\n");
                } elseif (fault('data_drop')) {
                    drop($k);
                } elseif (fault('data_451')) {
                    $c->mail = false;
                    reply($k, "451 4.3.0 soak: data deferred\r\n");
                } else {
                    $c->data = true;
                    reply($k, "354 End data with <CR><LF>.<CR><LF>\r\n");
                }
                break;
            case 'RSET':
                $c->mail = false;
                $c->rcpts = 0;
                $c->accepted = [];
                reply($k, "250 2.0.0 Ok\r\n");
                break;
            case 'NOOP':
                reply($k, "250 2.0.0 Ok\r\n");
                break;
            case 'QUIT':
                reply($k, "221 2.0.0 Bye\r\n") && drop($k);
                break;
            default:
                reply($k, "502 5.5.2 command not recognized\r\n");
        }
    }
}

$next = 1;
while (!is_file($opt['stop']) && microtime(true) < $deadline) {
    /* Port a: down for downFor seconds out of every downEvery; both ports
     * while the --all-down file exists (every relay down). */
    clearstatcache(true, (string)$allDown);   // is_file() would keep answering from the stat cache
    $all = $allDown !== null && is_file($allDown);
    $downA = $all || ($downEvery > 0 && fmod(microtime(true) - $started, $downEvery) >= $downEvery - $downFor);
    if ($downA && $listeners[0] !== null) {
        fclose($listeners[0]);
        $listeners[0] = null;
        $stats['down_periods']++;
    } elseif (!$downA && $listeners[0] === null) {
        $listeners[0] = listen($ports[0]);
    }
    if ($all && $listeners[1] !== null) {
        fclose($listeners[1]);
        $listeners[1] = null;
        $stats['all_down_periods']++;
    } elseif (!$all && $listeners[1] === null) {
        $listeners[1] = listen($ports[1]);
    }
    $r = array_filter($listeners);
    foreach ($conns as $k => $c) {
        $r["c$k"] = $c->sock;
    }
    $w = $e = null;
    if ($r === []) {
        /* Every port down and no connection left: stream_select() takes no empty set. */
        usleep(50000);
        continue;
    }
    if (@stream_select($r, $w, $e, 0, 200000) === false) {
        continue;
    }
    foreach ($r as $key => $sock) {
        if (is_int($key)) {
            $s = @stream_socket_accept($sock, 0);
            if ($s === false) {
                continue;
            }
            if (count($conns) >= SINK_MAX_CONNS) {
                fclose($s);
                continue;
            }
            $stats['connections']++;
            $k = $next++;
            $conns[$k] = new Conn($s);
            if (fault('greet_drop')) {
                drop($k);
            } elseif (fault('greet_421')) {
                reply($k, "421 4.3.2 soak: busy, try later\r\n") && drop($k);
            } else {
                reply($k, "220 sink.test ESMTP flaky soak sink\r\n");
                flush_out($k);
            }
            continue;
        }
        $k = (int)substr($key, 1);
        if (!isset($conns[$k])) {
            continue;
        }
        $d = @fread($sock, 65536);
        if ($d === '' || $d === false) {
            if (feof($sock)) {
                drop($k);
            }
            continue;
        }
        if ($conns[$k]->silent) {
            continue;
        }
        $conns[$k]->buf .= $d;
        serve($k);
        if (isset($conns[$k])) {
            flush_out($k);
        }
    }
}
foreach (array_keys($conns) as $k) {
    drop($k);
}
fclose($out);
if (isset($opt['stats'])) {
    file_put_contents($opt['stats'], json_encode($stats) . "\n");
}
exit(0);
