--TEST--
fault: AUTH pipelined with the envelope and answered 535: AuthException code 535 before any body, the group's replies read, clean QUIT
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* With PIPELINING, AUTH PLAIN (one step) goes out with MAIL, RCPT and DATA in
 * one write. The relay refuses the credentials; MAIL, RCPT and DATA are then
 * refused too (RFC 4954 6: 530 until authenticated): no message is sent and
 * the dialogue stays in step for QUIT. */
$f = fault_start([['greet'], ['ehlo', ['PIPELINING', 'AUTH PLAIN LOGIN']],
    ['expect_pipelined', ['AUTH', 'MAIL', 'RCPT', 'DATA']],
    ['send', "535 5.7.8 Error: authentication failed: authentication failure\r\n"
        . "530 5.7.0 Authentication required\r\n530 5.7.0 Authentication required\r\n"
        . "554 5.5.1 Error: no valid recipients\r\n"],
    ['quit']]);
$r = fault_send($f, ['username' => 'user@example.org', 'password' => 's3cret-PW']);
fault_show($r['e']);
echo 'password in message: ', var_export(str_contains($r['e']?->getMessage() ?? '', 's3cret'), true), "\n";
fault_within($r, 3);
$t = fault_transcript($f);
echo 'body sent: ', var_export(str_contains($t, 'Fault test') || str_contains($t, FAULT_BODY), true), "\n";
echo preg_replace('#^(AUTH PLAIN) [A-Za-z0-9+/=]+#m', '$1 <response>', fault_lines($t));
echo implode("\n", fault_events($f)), "\n";
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\AuthException code=535 stage=auth transient=false permanent=true enhanced=5.7.8
[auth] 127.0.0.1:%d: authentication failed for user 'user@example.org' with PLAIN: 535 5.7.8 Error: authentication failed: authentication failure (check the username and password; accounts with two-step verification need an app password)
password in message: false
within 3 s: yes
body sent: false
EHLO client.test\r\n
AUTH PLAIN <response>\r\n
MAIL FROM:<sender@example.org>\r\n
RCPT TO:<rcpt@example.org>\r\n
DATA\r\n
QUIT\r\n
conn 1 offset 0
pipelined: AUTH MAIL RCPT DATA
server: ok
