--TEST--
fault: the server offers only AUTH mechanisms smtpmail lacks (GSSAPI): AuthException naming what it offers, nothing sent
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$f = fault_start([['greet'], ['ehlo', ['AUTH GSSAPI NTLM']], ['quit']]);
$r = fault_send($f, ['username' => 'user@example.org', 'password' => 's3cret-PW']);
fault_show($r['e']);
/* "offers no AUTH" would send the user hunting for the wrong problem. */
echo 'names GSSAPI: ', var_export(str_contains($r['e']?->getMessage() ?? '', 'GSSAPI'), true), "\n";
echo 'says no AUTH: ', var_export(str_contains($r['e']?->getMessage() ?? '', 'offers no AUTH'), true), "\n";
fault_within($r, 3);
echo fault_lines(fault_transcript($f));
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\AuthException code=0 stage=auth transient=false permanent=true enhanced=-
[auth] 127.0.0.1:%d: %s
names GSSAPI: true
says no AUTH: false
within 3 s: yes
EHLO client.test\r\n
QUIT\r\n
server: ok
