--TEST--
fault: STARTTLS answered with 454: TlsException with code 454, transient, no credentials sent
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$f = fault_start([['greet'], ['ehlo', ['STARTTLS', 'AUTH PLAIN']], ['expect', '/^STARTTLS\r\n$/'],
    ['send', "454 4.7.0 TLS not available due to temporary reason\r\n"], ['quit']]);
$r = fault_send($f, ['tls' => 'starttls', 'cafile' => $f['cafile'],
    'username' => 'user@example.org', 'password' => 's3cret-PW']);
/* RFC 3207 4: 454 is a temporary failure (4yz, RFC 5321 4.2.1): trying
 * again later may succeed, and the enhanced status is the server's 4.7.0. */
fault_show($r['e']);
fault_within($r, 3);
$t = fault_transcript($f);
echo fault_lines($t);
echo 'password sent: ', var_export(str_contains($t, 's3cret') || str_contains($t, base64_encode("\0user@example.org\0s3cret-PW")), true), "\n";
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\TlsException code=454 stage=tls transient=true permanent=false enhanced=4.7.0
[tls] 127.0.0.1:%d: the server refused STARTTLS: 454 4.7.0 TLS not available due to temporary reason
within 3 s: yes
EHLO client.test\r\n
STARTTLS\r\n
QUIT\r\n
password sent: false
server: ok
