--TEST--
fault: the common refusals name their fix: 530 at MAIL (credentials), 550 5.7.1 and 5.7.60 SendAsDenied (the sender), 554 5.7.1 relay denied, 421 at the greeting (connection limits)
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:27080
smtpmail.tls="none"
smtpmail.helo=client.test
smtpmail.from=sender@example.org
smtpmail.timeout=5
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$mail = fn (string $reply) => [['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', $reply . "554 5.5.1 Error: no valid recipients\r\n554 5.5.1 Error: no valid recipients\r\n"], ['quit']];
$rcpt = fn (string $reply) => [['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n" . $reply . "554 5.5.1 Error: no valid recipients\r\n"], ['quit']];

$cases = [
    '530 at MAIL, php.ini relay without credentials' =>
        [$mail("530 5.7.0 Authentication required\r\n"), false],
    '530 at MAIL, a call that chose its own relay' =>
        [$mail("530 5.7.0 Authentication required\r\n"), true],
    '550 5.7.1 at MAIL' =>
        [$mail("550 5.7.1 <sender@example.org>: Sender address rejected: not owned by user\r\n"), true],
    '5.7.60 SendAsDenied at MAIL' =>
        [$mail("550 5.7.60 SMTP; Client does not have permissions to send as this sender [SendAsDenied]\r\n"), true],
    '554 5.7.1 relay denied at RCPT' =>
        [$rcpt("554 5.7.1 <rcpt@example.org>: Relay access denied\r\n"), true],
    '421 at the greeting' =>
        [[['send', "421 4.7.0 fault.test Error: too many connections from 127.0.0.1\r\n"], ['close']], true],
];
foreach ($cases as $what => [$script, $own]) {
    echo "--- $what\n";
    if ($own) {
        $f = fault_start($script);
        $r = fault_send($f);
    } else {
        $f = fault_start($script, ['port' => 27080]);
        $r = fault_send_ini();
    }
    fault_show($r['e']);
    fault_server_ok($f);
}
?>
--EXPECTF--
--- 530 at MAIL, php.ini relay without credentials
SmtpMail\SenderException code=530 stage=mail transient=false permanent=true enhanced=5.7.0
[mail] 127.0.0.1:27080: the server refused the sender: 530 5.7.0 Authentication required (the relay wants AUTH before MAIL: set smtpmail.username and smtpmail.password)
server: ok
--- 530 at MAIL, a call that chose its own relay
SmtpMail\SenderException code=530 stage=mail transient=false permanent=true enhanced=5.7.0
[mail] 127.0.0.1:%d: the server refused the sender: 530 5.7.0 Authentication required (the relay wants AUTH before MAIL: pass options["username"] and options["password"] (a call that changes the destination does not use the php.ini credentials))
server: ok
--- 550 5.7.1 at MAIL
SmtpMail\SenderException code=550 stage=mail transient=false permanent=true enhanced=5.7.1
[mail] 127.0.0.1:%d: the server refused the sender: 550 5.7.1 <sender@example.org>: Sender address rejected: not owned by user (the envelope sender is not allowed for this account: send as the account's own address, or one it may send as (smtpmail.from, options["from"], mail()'s -f))
server: ok
--- 5.7.60 SendAsDenied at MAIL
SmtpMail\SenderException code=550 stage=mail transient=false permanent=true enhanced=5.7.60
[mail] 127.0.0.1:%d: the server refused the sender: 550 5.7.60 SMTP; Client does not have permissions to send as this sender [SendAsDenied] (the envelope sender is not allowed for this account: send as the account's own address, or one it may send as (smtpmail.from, options["from"], mail()'s -f))
server: ok
--- 554 5.7.1 relay denied at RCPT
SmtpMail\RecipientException code=554 stage=rcpt transient=false permanent=true enhanced=5.7.1
[rcpt] 127.0.0.1:%d: the server refused the recipient <rcpt@example.org>: 554 5.7.1 <rcpt@example.org>: Relay access denied (the relay does not relay for this client: authenticate (smtpmail.username and smtpmail.password) on its submission port, 587 or 465)
server: ok
--- 421 at the greeting
SmtpMail\ConnectException code=421 stage=greeting transient=true permanent=false enhanced=4.7.0
[greeting] 127.0.0.1:%d: the server refused the connection: 421 4.7.0 fault.test Error: too many connections from 127.0.0.1 (the relay is busy or limits connections (too many at once from this address, or a rate limit): try again later, send fewer at once, or keep sessions (smtpmail.persistent))
server: ok
