--TEST--
fault: the reply to the final dot is garbled (multi-line with a different last code, or not a reply at all): the outcome is unknown, as for a lost reply (UnknownOutcomeException), never "refused"
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* The whole message is out and what came back cannot be read: the relay may
 * have queued it (a 250 first line) or not. RFC 1047 and issue 4: the outcome
 * is unknown, not failed. Reporting it as a permanent refusal makes the
 * spool drop it and the caller believe it was not sent; reporting it as
 * unknown keeps it (a possible duplicate, never a silent loss). */
$after = [['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA\r\n$/'],
    ['send', "354 End data with <CR><LF>.<CR><LF>\r\n"], ['read_data']];
$cases = [
    '250- then 550' => [...$after, ['send', "250-2.0.0 Ok: queued as X1\r\n550 5.0.0 no\r\n"], ['expect_close', 3000]],
    'no code' => [...$after, ['send', "Thank you for your message\r\n"], ['expect_close', 3000]],
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
    echo 'messages sent: ', substr_count(fault_transcript($f), "\r\n.\r\n"), "\n";
    fault_server_ok($f);
}
?>
--EXPECTF--
--- 250- then 550
SmtpMail\UnknownOutcomeException code=0 stage=data transient=true permanent=false enhanced=-
[data] 127.0.0.1:%d: %s
within 3 s: yes
messages sent: 1
server: ok
--- no code
SmtpMail\UnknownOutcomeException code=0 stage=data transient=true permanent=false enhanced=-
[data] 127.0.0.1:%d: %s
within 3 s: yes
messages sent: 1
server: ok
