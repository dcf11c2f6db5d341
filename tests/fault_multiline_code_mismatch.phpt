--TEST--
fault: a multi-line reply whose last line has a different code (greeting 220/554, RCPT 250/450, DATA 354/250): protocol error naming the stage, the client hangs up without going on
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* RFC 5321 4.2.1: every line of a multi-line reply carries the same code.
 * Which one would count? Neither: the dialogue is out of step, so the client
 * stops (fault_malformed_reply.phpt has the EHLO case; the reply after the
 * final dot is in fault_data_garbled_final_reply.phpt). */
$cases = [
    'greeting 220- then 554' => [['send', "220-fault.test ESMTP\r\n554 5.7.1 go away\r\n"], ['expect_close', 3000]],
    'RCPT 250- then 450' => [['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['expect', '/^RCPT TO:/'],
        ['send', "250-2.1.5 Ok\r\n450 4.2.0 greylisted\r\n"], ['expect_close', 3000]],
    'DATA 354- then 250' => [['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA\r\n$/'],
        ['send', "354-go ahead\r\n250 2.0.0 Ok\r\n"], ['expect_close', 3000]],
];
$servers = [];
foreach ($cases as $what => $script) {
    $servers[$what] = fault_start($script);
}
foreach ($servers as $what => $f) {
    echo "--- $what\n";
    $r = fault_send($f);
    fault_show($r['e']);
    fault_within($r, 3);
    $t = fault_transcript($f);
    echo 'body sent: ', var_export(str_contains($t, 'Hello from the fault tests'), true), ', QUIT sent: ', var_export(str_contains($t, 'QUIT'), true), "\n";
    fault_server_ok($f);
}
?>
--EXPECTF--
--- greeting 220- then 554
SmtpMail\ConnectException code=0 stage=greeting transient=false permanent=true enhanced=-
[greeting] 127.0.0.1:%d: bad greeting reply: code differs from the first line's: "554 5.7.1 go away"
within 3 s: yes
body sent: false, QUIT sent: false
server: ok
--- RCPT 250- then 450
SmtpMail\RecipientException code=0 stage=rcpt transient=false permanent=true enhanced=-
[rcpt] 127.0.0.1:%d: bad rcpt reply: code differs from the first line's: "450 4.2.0 greylisted"
within 3 s: yes
body sent: false, QUIT sent: false
server: ok
--- DATA 354- then 250
SmtpMail\DataException code=0 stage=data transient=false permanent=true enhanced=-
[data] 127.0.0.1:%d: bad data reply: code differs from the first line's: "250 2.0.0 Ok"
within 3 s: yes
body sent: false, QUIT sent: false
server: ok
