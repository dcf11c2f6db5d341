--TEST--
fault: AUTH answered 535 5.7.8: AuthException code 535, enhanced status 5.7.8, permanent, password not in the message
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$f = fault_start([['greet'], ['ehlo', ['AUTH PLAIN']], ['expect', '/^AUTH PLAIN \S+\r\n$/'],
    ['send', "535 5.7.8 Error: authentication failed: authentication failure\r\n"], ['quit']]);
$r = fault_send($f, ['username' => 'user@example.org', 'password' => 's3cret-PW']);
fault_show($r['e']);
echo 'password in message: ', var_export(str_contains($r['e']?->getMessage() ?? '', 's3cret'), true), "\n";
fault_within($r, 3);
echo 'MAIL sent: ', var_export(str_contains(fault_transcript($f), 'MAIL'), true), "\n";
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\AuthException code=535 stage=auth transient=false permanent=true enhanced=5.7.8
[auth] 127.0.0.1:%d: authentication failed for user 'user@example.org' with PLAIN: 535 5.7.8 Error: authentication failed: authentication failure (check the username and password; accounts with two-step verification need an app password)
password in message: false
within 3 s: yes
MAIL sent: false
server: ok
