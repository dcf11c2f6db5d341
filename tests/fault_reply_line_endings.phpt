--TEST--
fault: replies ending in bare LF, or mixing CRLF and LF within one multi-line reply, are read as lines; a reply ending in a bare CR is not a line (timeout at the greeting)
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* RFC 5321 2.3.8 requires CRLF, but servers that end replies in a bare LF
 * exist and their meaning is unambiguous; like Postfix's smtp client, the
 * reader accepts LF. A bare CR is not a line end anywhere (2.3.8): such a
 * reply never completes, and the deadline ends the wait. */
$cases = [
    'bare LF everywhere' => [[['send', "220 fault.test ESMTP\n"], ['expect', '/^EHLO /'],
        ['send', "250-fault.test\n250-PIPELINING\n250 8BITMIME\n"], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
        ['send', "250 2.1.0 Ok\n250 2.1.5 Ok\n354 go ahead\n"], ['read_data'], ['send', "250 2.0.0 Ok: queued as LF1\n"], ['quit']]],
    'CRLF and LF mixed in one reply' => [[['send', "220-fault.test ESMTP\n220 welcome\r\n"], ['expect', '/^EHLO /'],
        ['send', "250-fault.test\r\n250-PIPELINING\n250 8BITMIME\r\n"], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
        ['send', "250 2.1.0 Ok\r\n250 2.1.5 Ok\n354 go ahead\r\n"], ['read_data'], ['send', "250 2.0.0 Ok: queued as MIX1\r\n"], ['quit']]],
    'bare CR' => [[['send', "220 fault.test ESMTP\r"], ['expect_close', 5000]]],
];
$servers = [];
foreach ($cases as $what => [$script]) {
    $servers[$what] = fault_start($script);
}
foreach ($servers as $what => $f) {
    echo "--- $what\n";
    $r = fault_send($f, ['timeout' => 1]);
    fault_show($r['e']);
    echo 'reply: ', $r['result']['reply'] ?? '-', "\n";
    fault_within($r, 1 + 3);
    $t = fault_transcript($f);
    echo 'messages sent: ', substr_count($t, "\r\n.\r\n"), ', QUIT sent: ', var_export(str_contains($t, 'QUIT'), true), "\n";
    fault_server_ok($f);
}
?>
--EXPECTF--
--- bare LF everywhere
no exception
reply: 250 2.0.0 Ok: queued as LF1
within 4 s: yes
messages sent: 1, QUIT sent: true
server: ok
--- CRLF and LF mixed in one reply
no exception
reply: 250 2.0.0 Ok: queued as MIX1
within 4 s: yes
messages sent: 1, QUIT sent: true
server: ok
--- bare CR
SmtpMail\ConnectException code=0 stage=greeting transient=true permanent=false enhanced=-
[greeting] 127.0.0.1:%d: no reply from the server within 1000 ms%s
reply: -
within 4 s: yes
messages sent: 0, QUIT sent: false
server: ok
