--TEST--
fault: the server hangs up after DATA's 354 or mid-body while a 4 MB message is being written: transient DataException (not an unknown outcome: the final dot never went out), and no PHP notice from the stream
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* 4 MB is far more than the socket buffers hold: the write fails before the
 * final dot is out, so the relay cannot have the message and the error is an
 * ordinary transient one. The failure is reported once, by the exception: a
 * "Send of N bytes failed" notice from the stream layer is noise the caller
 * cannot act on (and breaks mail()'s one-warning contract). */
$body = str_repeat(str_repeat('x', 70) . "\r\n", 60000);
$before = [['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA\r\n$/'],
    ['send', "354 End data with <CR><LF>.<CR><LF>\r\n"]];
$cases = [
    "after DATA's 354" => [...$before, ['close']],
    /* Reads nothing for 300 ms (the client fills the buffers and blocks), then
     * closes with data unread: the kernel resets the connection mid-body. */
    'mid-body' => [...$before, ['sleep', 300], ['close']],
];
$servers = [];
foreach ($cases as $what => $script) {
    $servers[$what] = fault_start($script);
}
foreach ($servers as $what => $f) {
    echo "--- $what\n";
    $r = fault_send($f, [], FAULT_TO, $body);
    fault_show($r['e']);
    fault_within($r, 3);
    echo 'unknown outcome: ', var_export($r['e'] instanceof SmtpMail\UnknownOutcomeException, true), "\n";
    echo 'final dot sent: ', var_export(str_contains(fault_transcript($f), "\r\n.\r\n"), true), "\n";
    fault_server_ok($f);
}
?>
--EXPECTF--
--- after DATA's 354
SmtpMail\DataException code=0 stage=data transient=true permanent=false enhanced=-
[data] 127.0.0.1:%d: %s
within 3 s: yes
unknown outcome: false
final dot sent: false
server: ok
--- mid-body
SmtpMail\DataException code=0 stage=data transient=true permanent=false enhanced=-
[data] 127.0.0.1:%d: %s
within 3 s: yes
unknown outcome: false
final dot sent: false
server: ok
