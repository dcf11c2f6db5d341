--TEST--
fault: a relay that does not take AUTH pipelined with the envelope (503, or a hang-up): the message goes once more over a session that authenticates on its own, and later sessions to it do the same
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

const EHLO = ['ehlo', ['PIPELINING', 'AUTH PLAIN']];
/* A session that authenticates in a round trip of its own, then pipelines the envelope. */
const ALONE = [['greet'], EHLO, ['expect', '/^AUTH PLAIN \S+\r\n$/'], ['send', "235 2.7.0 Authentication successful\r\n"],
    ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']], ['send', "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n"],
    ['read_data'], ['send', "250 2.0.0 Ok: queued as FAULT1\r\n"], ['quit']];

/* Per connection: whether AUTH arrived in a read of its own (no MAIL with it). */
function auth_alone(array $f): string
{
    $t = fault_transcript($f);
    $out = [];
    $off = 0;
    foreach (fault_reads($f) as $n) {
        $chunk = substr($t, $off, $n);
        $off += $n;
        if (str_contains($chunk, 'AUTH PLAIN')) {
            $out[] = str_contains($chunk, 'MAIL FROM') ? 'with the envelope' : 'alone';
        }
    }
    return implode(', ', $out);
}

function report(string $name, array $f, array $first, array $second): void
{
    echo "== $name\n";
    foreach ([$first, $second] as $i => $r) {
        echo 'send ', $i + 1, ': ', $r['e'] === null ? 'sent, queue id ' . $r['result']['queue_id'] : get_class($r['e']) . ': ' . $r['e']->getMessage(), "\n";
    }
    echo 'AUTH per connection: ', auth_alone($f), "\n";
    echo 'messages received: ', count(array_filter(fault_events($f), fn ($e) => $e === 'data received')), "\n";
    fault_server_ok($f);
}

$opt = ['username' => 'user@example.org', 'password' => 's3cret-PW'];

/* 503 to AUTH and to everything behind it: nothing was sent but the group. */
$f = fault_start([[['greet'], EHLO, ['expect_pipelined', ['AUTH', 'MAIL', 'RCPT', 'DATA']],
    ['send', str_repeat("503 5.5.0 Error: command pipelining after AUTH\r\n", 4)], ['quit']], ALONE, ALONE]);
report('503', $f, fault_send($f, $opt), fault_send($f, $opt));

/* The relay hangs up when commands follow AUTH. */
$f = fault_start([[['greet'], EHLO, ['expect_pipelined', ['AUTH', 'MAIL', 'RCPT', 'DATA']], ['close']], ALONE, ALONE]);
report('hang-up', $f, fault_send($f, $opt), fault_send($f, $opt));

/* A refusal of the credentials is not a refusal of pipelining: no second try. */
$f = fault_start([['greet'], EHLO, ['expect_pipelined', ['AUTH', 'MAIL', 'RCPT', 'DATA']],
    ['send', "535 5.7.8 Error: authentication failed\r\n" . str_repeat("530 5.7.0 Authentication required\r\n", 3)],
    ['quit']]);
$r = fault_send($f, $opt);
echo "== 535\n", get_class($r['e']), ' ', $r['e']->getCode(), "\n";
fault_server_ok($f);
?>
--EXPECTF--
== 503
send 1: sent, queue id FAULT1
send 2: sent, queue id FAULT1
AUTH per connection: with the envelope, alone, alone
messages received: 2
server: ok
== hang-up
send 1: sent, queue id FAULT1
send 2: sent, queue id FAULT1
AUTH per connection: with the envelope, alone, alone
messages received: 2
server: ok
== 535
SmtpMail\AuthException 535
server: ok
