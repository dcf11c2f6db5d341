<?php
/*
 * A counting SMTP sink for the limit tests: it serves many connections at
 * once (fault_server.php serves them one after another) and records how many
 * were open together.
 *
 *   php tests/fault/count_server.php PORT EVENTS_FILE [MAX_SECONDS] [HOLD_MS]
 *
 * Listens on 127.0.0.1:PORT (0: ephemeral), prints "PORT <n>\n", then takes
 * every connection: 220, EHLO/HELO (no extensions, so no pipelining and no
 * AUTH), MAIL, RCPT, DATA, RSET, NOOP, QUIT. It waits HOLD_MS before the 250
 * after a message's final dot, so that senders overlap; a message holding the
 * line "X-Stall: yes" gets no reply at all (its sender hangs until killed).
 * Exits after MAX_SECONDS (default 60), or when EVENTS_FILE.stop exists.
 *
 * EVENTS_FILE gets one line per event, flushed at once:
 *   open <unix ms> <connections open now, this one included>
 *   msg <unix ms> <connection> <Subject header>
 *   stall <unix ms> <connection>
 *   close <unix ms> <connections open now>
 * Before each accept it reads every readable client first, so a client that
 * closed its connection before another connected is never counted as open.
 */

declare(strict_types=1);

[$port, $file] = [(int)($argv[1] ?? 0), $argv[2] ?? ''];
$maxSeconds = (float)($argv[3] ?? 60);
$holdMs = (int)($argv[4] ?? 0);
if ($file === '') {
    fwrite(STDERR, "usage: count_server.php PORT EVENTS_FILE [MAX_SECONDS] [HOLD_MS]\n");
    exit(2);
}
$srv = stream_socket_server("tcp://127.0.0.1:$port", $errno, $errstr);
if ($srv === false) {
    fwrite(STDERR, "count_server: listen: $errstr\n");
    exit(1);
}
$out = fopen($file, 'ab');
$name = stream_socket_get_name($srv, false);
fwrite(STDOUT, 'PORT ' . substr($name, strrpos($name, ':') + 1) . "\n");
fflush(STDOUT);

/* "what rest" becomes "what <unix ms> rest". */
function ev($out, string $line): void
{
    [$what, $rest] = explode(' ', $line, 2) + [1 => ''];
    fwrite($out, $what . ' ' . (int)(microtime(true) * 1000) . ' ' . $rest . "\n");
    fflush($out);
}

/** @var array<int, array{sock: resource, buf: string, data: bool, msg: string, n: int, reply_at: float, reply: string}> */
$clients = [];
$serial = 0;
$end = microtime(true) + $maxSeconds;
$send = function ($c, string $s): void { @fwrite($c['sock'], $s); };

while (microtime(true) < $end && !is_file("$file.stop")) {
    $r = [$srv];
    foreach ($clients as $c) {
        $r[] = $c['sock'];
    }
    $w = $e = null;
    $wait = 0.2;
    foreach ($clients as $c) {
        if ($c['reply_at'] > 0) {
            $wait = max(0.0, min($wait, $c['reply_at'] - microtime(true)));
        }
    }
    if (@stream_select($r, $w, $e, 0, (int)($wait * 1e6)) === false) {
        break;
    }
    /* Delayed replies due now. */
    foreach ($clients as $id => &$c) {
        if ($c['reply_at'] > 0 && microtime(true) >= $c['reply_at']) {
            $send($c, $c['reply']);
            $c['reply_at'] = 0;
        }
    }
    unset($c);
    /* Clients first: an EOF that came before a new connection is seen first. */
    $accept = false;
    foreach ($r as $sock) {
        if ($sock === $srv) {
            $accept = true;
            continue;
        }
        $id = (int)$sock;
        $chunk = @fread($sock, 65536);
        if ($chunk === '' || $chunk === false) {
            if (feof($sock)) {
                fclose($sock);
                unset($clients[$id]);
                ev($out, 'close ' . count($clients));
            }
            continue;
        }
        $c = &$clients[$id];
        $c['buf'] .= $chunk;
        while (($p = strpos($c['buf'], "\n")) !== false) {
            $line = substr($c['buf'], 0, $p + 1);
            $c['buf'] = substr($c['buf'], $p + 1);
            if ($c['data']) {
                if ($line === ".\r\n") {
                    $c['data'] = false;
                    if (preg_match('/^X-Stall: yes\r?$/mi', $c['msg'])) {
                        ev($out, "stall {$c['n']}");
                        continue;
                    }
                    preg_match('/^Subject: (.*?)\r?$/mi', $c['msg'], $m);
                    ev($out, "msg {$c['n']} " . ($m[1] ?? ''));
                    $reply = "250 2.0.0 Ok: queued as C{$c['n']}X" . mt_rand(1000, 9999) . "\r\n";
                    if ($holdMs > 0) {
                        $c['reply'] = $reply;
                        $c['reply_at'] = microtime(true) + $holdMs / 1000;
                    } else {
                        $send($c, $reply);
                    }
                } else {
                    $c['msg'] .= $line;
                }
                continue;
            }
            $verb = strtoupper(substr(trim($line), 0, 4));
            switch ($verb) {
                case 'EHLO':
                case 'HELO':
                    $send($c, "250 count.test\r\n");
                    break;
                case 'MAIL':
                case 'RCPT':
                case 'RSET':
                case 'NOOP':
                    $send($c, "250 2.0.0 Ok\r\n");
                    break;
                case 'DATA':
                    $c['data'] = true;
                    $c['msg'] = '';
                    $send($c, "354 go ahead\r\n");
                    break;
                case 'QUIT':
                    $send($c, "221 2.0.0 Bye\r\n");
                    break;
                default:
                    $send($c, "502 5.5.2 what\r\n");
            }
        }
        unset($c);
    }
    if ($accept) {
        $sock = @stream_socket_accept($srv, 0);
        if ($sock !== false) {
            stream_set_blocking($sock, false);
            $clients[(int)$sock] = ['sock' => $sock, 'buf' => '', 'data' => false, 'msg' => '', 'n' => ++$serial,
                'reply_at' => 0, 'reply' => ''];
            ev($out, 'open ' . count($clients));
            @fwrite($sock, "220 count.test ESMTP\r\n");
        }
    }
}
foreach ($clients as $c) {
    fclose($c['sock']);
}
fclose($srv);
