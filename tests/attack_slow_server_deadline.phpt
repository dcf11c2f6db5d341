--TEST--
attack: a server that answers every command just inside the timeout cannot hold a send for timeout x commands: one deadline covers the whole transaction
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* No PIPELINING: one RCPT per round trip, each answered after 0.9 s, with a
 * 1 s timeout per reply. Before, 20 recipients held the request 18 s. */
$to = array_map(fn($i) => "r$i@example.org", range(1, 20));
$slow = [];
foreach ($to as $rcpt) {
    array_push($slow, ['expect', '/^RCPT TO:/'], ['sleep', 900], ['send', "250 2.1.5 Ok\r\n"]);
}
$f = fault_start([['greet'], ['ehlo'], ['mail_ok'], ...$slow, ['quit']], ['max_seconds' => 30]);
$r = fault_send($f, ['timeout' => 1], $to);
fault_show($r['e']);
/* 4 x the timeout plus the message's allowance: well under the 18 s. */
fault_within($r, 6);
?>
--EXPECTF--
SmtpMail\RecipientException code=0 stage=rcpt transient=true permanent=false enhanced=-
[rcpt] 127.0.0.1:%d: the server was too slow: the whole send took longer than its time limit
within 6 s: yes
