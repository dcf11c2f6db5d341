--TEST--
fault: the server hangs up after connect, after EHLO, during AUTH, after MAIL: transient error naming the stage
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$cases = [
    'after connect' => [[['close']], []],
    'after EHLO' => [[['greet'], ['expect', '/^EHLO /'], ['close']], []],
    'during AUTH' => [[['greet'], ['ehlo', ['AUTH PLAIN LOGIN']], ['expect', '/^AUTH PLAIN /'], ['close']],
        ['username' => 'user@example.org', 'password' => 's3cret']],
    'after MAIL' => [[['greet'], ['ehlo', ['8BITMIME']], ['expect', '/^MAIL FROM:/'], ['close']], []],
];
$servers = [];
foreach ($cases as $what => [$script]) {
    $servers[$what] = fault_start($script);
}
foreach ($cases as $what => [, $options]) {
    echo "--- $what\n";
    $f = $servers[$what];
    $r = fault_send($f, $options);
    fault_show($r['e']);
    fault_within($r, 3);
    echo fault_lines(fault_transcript($f));
    fault_server_ok($f);
}
?>
--EXPECTF--
--- after connect
SmtpMail\ConnectException code=0 stage=greeting transient=true permanent=false enhanced=-
[greeting] 127.0.0.1:%d: the server closed the connection
within 3 s: yes
server: ok
--- after EHLO
SmtpMail\ConnectException code=0 stage=ehlo transient=true permanent=false enhanced=-
[ehlo] 127.0.0.1:%d: the server closed the connection
within 3 s: yes
EHLO client.test\r\n
server: ok
--- during AUTH
SmtpMail\AuthException code=0 stage=auth transient=true permanent=false enhanced=-
[auth] 127.0.0.1:%d: the server closed the connection
within 3 s: yes
EHLO client.test\r\n
AUTH PLAIN AHVzZXJAZXhhbXBsZS5vcmcAczNjcmV0\r\n
server: ok
--- after MAIL
SmtpMail\SenderException code=0 stage=mail transient=true permanent=false enhanced=-
[mail] 127.0.0.1:%d: the server closed the connection
within 3 s: yes
EHLO client.test\r\n
MAIL FROM:<sender@example.org>\r\n
server: ok
