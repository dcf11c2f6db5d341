--TEST--
spool: recipients refused for now (450) while others are accepted or refused for good are spooled for a later try, for them only, once; as smtp_spool_flush() already does
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:27012
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.spool_dir={PWD}/spool_partial_rcpt_transient.d
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
require __DIR__ . '/spool_common.inc';
$dir = ini_get('smtpmail.spool_dir');

/* Issue 4: "a message that cannot be handed to any relay for a transient
 * reason is written to the spool". With a 450 for c@ (greylisting), c@ has
 * not got the message and a later try would succeed; mail() returns true, so
 * nobody else will retry it. smtp_spool_flush() keeps such recipients
 * (flush_one); the first try must too. */
/* Only mail for the php.ini relay is spooled: the servers take its fixed port in turn. */
$mixed = fn() => fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'RCPT', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <b@example.org>: User unknown\r\n"
        . "450 4.2.0 <c@example.org>: Greylisted\r\n354 go\r\n"],
    ['read_data'], ['send', "250 2.0.0 Ok: queued as MIX1\r\n"], ['quit']], ['port' => 27012]);
/* Nobody accepted: a@ refused for good, b@ for now. */
$none = fn() => fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n550 5.1.1 <a@example.org>: User unknown\r\n450 4.2.0 <b@example.org>: Greylisted\r\n"
        . "554 5.5.1 no valid recipients\r\n"], ['quit']], ['port' => 27012]);

/* The recipients each spooled message is still for. */
function spooled_rcpts(string $dir): array
{
    return array_values(array_map(fn($e) => implode(' ', $e['rcpts']), spool_queue($dir)));
}

echo "--- 250, 550, 450\n";
$f = $mixed();
$r = fault_send_ini(['a@example.org', 'b@example.org', 'c@example.org']);
echo 'accepted: ', implode(' ', $r['result']['accepted'] ?? []), "\n";
echo 'spooled for: ', json_encode(spooled_rcpts($dir)), "\n";
fault_server_ok($f);
array_map('unlink', glob("$dir/queue/*"));

echo "--- 550, 450\n";
$f = $none();
$r = fault_send_ini(['a@example.org', 'b@example.org']);
echo 'spooled for: ', json_encode(spooled_rcpts($dir)), "\n";
fault_server_ok($f);
?>
--CLEAN--
<?php
$dir = __DIR__ . '/spool_partial_rcpt_transient.d';
foreach (['queue', 'failed', 'tmp'] as $sub) {
    array_map('unlink', glob("$dir/$sub/*") ?: []);
    @rmdir("$dir/$sub");
}
@rmdir($dir);
?>
--EXPECT--
--- 250, 550, 450
accepted: a@example.org
spooled for: ["c@example.org"]
server: ok
--- 550, 450
spooled for: ["b@example.org"]
server: ok
