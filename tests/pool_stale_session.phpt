--TEST--
pool: a kept session the server dropped is replaced without losing or duplicating the message
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$txn = [['mail_ok'], ['rcpt_ok'], ['data_ok']];
$fresh = array_merge([['greet'], ['ehlo', ['PIPELINING']]], $txn, [['quit']]);
$cases = [
    /* The server said goodbye while the session was idle: seen before reuse. */
    'idle 421' => array_merge([['greet'], ['ehlo', ['PIPELINING']]], $txn,
        [['send', "421 4.4.2 relay.example Error: timeout exceeded\r\n"], ['close']]),
    /* It closed without a word. */
    'idle close' => array_merge([['greet'], ['ehlo', ['PIPELINING']]], $txn, [['close']]),
    /* It died just as the next envelope arrived: found by the first pipelined reply. */
    'close on MAIL' => array_merge([['greet'], ['ehlo', ['PIPELINING']]], $txn,
        [['expect', '/^MAIL FROM:/'], ['close']]),
    /* Not pipelined: the reply to MAIL is a 421. */
    '421 to MAIL' => array_merge([['greet'], ['ehlo', []]], $txn,
        [['expect', '/^MAIL FROM:/'], ['send', "421 4.3.2 shutting down\r\n"], ['close']]),
];
foreach ($cases as $name => $first) {
    $f = fault_start([$first, $fresh]);
    smtp_send(FAULT_TO, 'First', "First body\r\n", FAULT_HEADERS, fault_options($f));
    usleep(200000); /* let the server's goodbye arrive */
    $r = smtp_send(FAULT_TO, 'Second', "Second body\r\n", FAULT_HEADERS, fault_options($f));
    smtp_close();
    $t = fault_transcript($f);
    echo "--- $name\n", 'second accepted: ', implode(',', $r['accepted']), "\n";
    echo 'first body sent ', substr_count($t, "\r\nFirst body\r\n.\r\n"), 'x, second body sent ',
        substr_count($t, "\r\nSecond body\r\n.\r\n"), "x\n";
    echo implode("\n", preg_grep('/^conn /', fault_events($f))), "\n";
    fault_server_ok($f);
}
?>
--EXPECTF--
--- idle 421
second accepted: rcpt@example.org
first body sent 1x, second body sent 1x
conn 1 offset 0
conn 2 offset %d
server: ok
--- idle close
second accepted: rcpt@example.org
first body sent 1x, second body sent 1x
conn 1 offset 0
conn 2 offset %d
server: ok
--- close on MAIL
second accepted: rcpt@example.org
first body sent 1x, second body sent 1x
conn 1 offset 0
conn 2 offset %d
server: ok
--- 421 to MAIL
second accepted: rcpt@example.org
first body sent 1x, second body sent 1x
conn 1 offset 0
conn 2 offset %d
server: ok
