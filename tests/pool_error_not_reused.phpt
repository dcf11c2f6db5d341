--TEST--
pool: a session that saw an error is closed and never used again; the next send connects anew
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$refused = [['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n550 5.1.1 <rcpt@example.org>: User unknown\r\n554 5.5.1 no valid recipients\r\n"],
    ['quit']];
$fresh = [['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']];
$f = fault_start([$refused, $fresh]);
try {
    smtp_send(FAULT_TO, 'First', "First\r\n", FAULT_HEADERS, fault_options($f));
} catch (SmtpMail\RecipientException $e) {
    echo get_class($e), ' ', $e->getCode(), "\n";
}
$r = smtp_send(FAULT_TO, 'Second', "Second\r\n", FAULT_HEADERS, fault_options($f));
echo 'second: ', $r['reply'], "\n";
echo 'kept: ', smtp_close(), "\n";
$t = fault_transcript($f);
echo 'EHLO ', substr_count($t, 'EHLO '), ', QUIT ', substr_count($t, "QUIT\r\n"), "\n";
echo implode("\n", preg_grep('/^conn /', fault_events($f))), "\n";
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\RecipientException 550
second: 250 2.0.0 Ok: queued as FAULT1
kept: 1
EHLO 2, QUIT 2
conn 1 offset 0
conn 2 offset %d
server: ok
