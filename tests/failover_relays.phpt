--TEST--
failover: a relay list is tried in order; connect, greeting, TLS and 4xx failures move on, 5xx and a lost final reply do not
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$ok = [['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']];

function relays(array|string ...$servers): string
{
    return implode(', ', array_map(fn($f) => is_array($f) ? "127.0.0.1:{$f['port']}" : $f, $servers));
}

function attempt(string $name, string $hosts, array $servers): void
{
    echo "--- $name\n";
    /* A port written in a host entry wins over options["port"]. */
    $r = fault_send($servers[0] ?? ['port' => 25], ['host' => $hosts]);
    if ($r['e'] !== null) {
        fault_show($r['e']);
    } else {
        echo 'accepted: ', $r['result']['reply'], "\n";
    }
    foreach ($servers as $i => $f) {
        $t = fault_transcript($f);
        echo "relay $i: ", substr_count($t, "MAIL FROM:"), ' MAIL, ', substr_count($t, "\r\n.\r\n"), " message(s)\n";
        fault_server_ok($f);
    }
}

/* 127.0.0.1:1 refuses connections; then a 421 greeting; then a good relay. */
$busy = fault_start([['send', "421 4.3.2 busy, try later\r\n"], ['expect_close']]);
$good = fault_start($ok);
attempt('connect refused, 421 greeting, then accepted', relays('127.0.0.1:1', $busy, $good), [$busy, $good]);

$tempfail = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', "451 4.3.0 queue file write error\r\n503 5.5.1 sender first\r\n503 5.5.1 no recipients\r\n"], ['quit']]);
$good = fault_start($ok);
attempt('451 to MAIL moves on', relays($tempfail, $good), [$tempfail, $good]);

/* A permanent refusal is final: the second relay is never asked. */
$refused = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n550 5.1.1 <rcpt@example.org>: User unknown\r\n554 5.5.1 no valid recipients\r\n"], ['quit']]);
attempt('550 is final', relays($refused, '127.0.0.1:1'), [$refused]);

/* The reply after the final dot is lost: the first relay may have it, so no other relay gets it. */
$lost = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA/'],
    ['send', "354 go\r\n"], ['read_data'], ['close']]);
attempt('lost reply after the dot is final', relays($lost, '127.0.0.1:1'), [$lost]);

/* Every relay failed: the last error is reported, the earlier ones are named. */
attempt('all down', relays('127.0.0.1:1', '127.0.0.1:2'), []);
?>
--EXPECTF--
--- connect refused, 421 greeting, then accepted
accepted: 250 2.0.0 Ok: queued as FAULT1
relay 0: 0 MAIL, 0 message(s)
server: ok
relay 1: 1 MAIL, 1 message(s)
server: ok
--- 451 to MAIL moves on
accepted: 250 2.0.0 Ok: queued as FAULT1
relay 0: 1 MAIL, 0 message(s)
server: ok
relay 1: 1 MAIL, 1 message(s)
server: ok
--- 550 is final
SmtpMail\RecipientException code=550 stage=rcpt transient=false permanent=true enhanced=5.1.1
[rcpt] 127.0.0.1:%d: the server refused the recipient <rcpt@example.org>: 550 5.1.1 <rcpt@example.org>: User unknown
relay 0: 1 MAIL, 0 message(s)
server: ok
--- lost reply after the dot is final
SmtpMail\UnknownOutcomeException code=0 stage=data transient=true permanent=false enhanced=-
[data] 127.0.0.1:%d: the server closed the connection after the whole message was sent: the relay may or may not have accepted it
relay 0: 1 MAIL, 1 message(s)
server: ok
--- all down
SmtpMail\ConnectException code=0 stage=connect transient=true permanent=false enhanced=-
[connect] 127.0.0.1:2: cannot connect: Connection refused (nothing accepts connections there: check smtpmail.host and smtpmail.port) (after failing over from 127.0.0.1:1 [connect] cannot connect: Connection refused)
