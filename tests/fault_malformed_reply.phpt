--TEST--
fault: malformed replies (no code, 4-digit code, mismatched multi-line codes, NUL, 5000-octet line) are protocol errors, raised at once
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* Each reply is the server's answer to EHLO, except the first (the greeting). */
$cases = [
    'no code in the greeting' => [['send', "hello\r\n"]],
    '2500 x' => [['greet'], ['expect', '/^EHLO /'], ['send', "2500 x\r\n"]],
    'mismatched codes' => [['greet'], ['expect', '/^EHLO /'], ['send', "250-a\r\n251 b\r\n"]],
    'NUL byte' => [['greet'], ['expect', '/^EHLO /'], ['send', "250-fault.test\r\n250 PIPE\0LINING\r\n"]],
    '5000-octet line' => [['greet'], ['expect', '/^EHLO /'], ['send', '250 ' . str_repeat('y', 5000) . "\r\n"]],
];
$servers = [];
foreach ($cases as $what => $script) {
    /* The reply is garbage: the client must not go on, not even with QUIT. */
    $script[] = ['expect_close', 3000];
    $servers[$what] = fault_start($script);
}
foreach ($servers as $what => $f) {
    echo "--- $what\n";
    $r = fault_send($f);
    fault_show($r['e']);
    fault_within($r, 3);
    echo 'sent: ', json_encode(fault_transcript($f)), "\n";
    fault_server_ok($f);
}
?>
--EXPECTF--
--- no code in the greeting
SmtpMail\ConnectException code=0 stage=greeting transient=false permanent=true enhanced=-
[greeting] 127.0.0.1:%d: bad greeting reply: %s: "hello"
within 3 s: yes
sent: ""
server: ok
--- 2500 x
SmtpMail\ConnectException code=0 stage=ehlo transient=false permanent=true enhanced=-
[ehlo] 127.0.0.1:%d: bad ehlo reply: %s: "2500 x"
within 3 s: yes
sent: "EHLO client.test\r\n"
server: ok
--- mismatched codes
SmtpMail\ConnectException code=0 stage=ehlo transient=false permanent=true enhanced=-
[ehlo] 127.0.0.1:%d: bad ehlo reply: code differs from the first line's: "251 b"
within 3 s: yes
sent: "EHLO client.test\r\n"
server: ok
--- NUL byte
SmtpMail\ConnectException code=0 stage=ehlo transient=false permanent=true enhanced=-
[ehlo] 127.0.0.1:%d: bad ehlo reply: NUL byte: "250 PIPE%S"
within 3 s: yes
sent: "EHLO client.test\r\n"
server: ok
--- 5000-octet line
SmtpMail\ConnectException code=0 stage=ehlo transient=false permanent=true enhanced=-
[ehlo] 127.0.0.1:%d: bad ehlo reply: line longer than 2048 octets: "250 yyyy%s..."
within 3 s: yes
sent: "EHLO client.test\r\n"
server: ok
