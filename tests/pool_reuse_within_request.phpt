--TEST--
pool: consecutive smtp_send() calls in one request share one authenticated session, pipelined or not
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* One connection, three transactions, then the QUIT that smtp_close() sends. */
function one_session(array $ehlo): array
{
    $txn = [['mail_ok'], ['rcpt_ok'], ['data_ok']];
    return array_merge([['greet'], ['ehlo', $ehlo]], $txn, $txn, $txn, [['quit']]);
}

foreach (['pipelined' => ['PIPELINING'], 'one command at a time' => []] as $name => $ehlo) {
    $f = fault_start(one_session($ehlo));
    $ids = [];
    for ($i = 1; $i <= 3; $i++) {
        $r = smtp_send(FAULT_TO, "Message $i", "Body $i\r\n", FAULT_HEADERS, fault_options($f));
        $ids[] = $r['queue_id'] . ' ' . implode(',', $r['accepted']);
    }
    echo "--- $name\n";
    echo implode("\n", $ids), "\n";
    echo 'closed: ', smtp_close(), "\n";
    $t = fault_transcript($f);
    echo 'EHLO: ', substr_count($t, "EHLO "), ', MAIL: ', substr_count($t, "MAIL FROM:"),
        ', bodies: ', preg_match_all('/^Body \d\r\n\.\r\n/m', $t), ', QUIT: ', substr_count($t, "QUIT\r\n"), "\n";
    echo implode("\n", preg_grep('/^conn /', fault_events($f))), "\n";
    fault_server_ok($f);
}
echo 'nothing left: ', smtp_close(), "\n";
?>
--EXPECT--
--- pipelined
FAULT1 rcpt@example.org
FAULT1 rcpt@example.org
FAULT1 rcpt@example.org
closed: 1
EHLO: 1, MAIL: 3, bodies: 3, QUIT: 1
conn 1 offset 0
server: ok
--- one command at a time
FAULT1 rcpt@example.org
FAULT1 rcpt@example.org
FAULT1 rcpt@example.org
closed: 1
EHLO: 1, MAIL: 3, bodies: 3, QUIT: 1
conn 1 offset 0
server: ok
nothing left: 0
