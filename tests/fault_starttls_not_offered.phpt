--TEST--
fault: tls=starttls but the server does not offer STARTTLS: TlsException, nothing else sent, no credentials
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* A man-in-the-middle stripping STARTTLS from the EHLO reply (RFC 3207 6)
 * must not get AUTH or the envelope in plain text. */
$f = fault_start([['greet'], ['ehlo', ['PIPELINING', 'AUTH PLAIN LOGIN']], ['quit']]);
$r = fault_send($f, ['tls' => 'starttls', 'cafile' => $f['cafile'],
    'username' => 'user@example.org', 'password' => 's3cret-PW']);
fault_show($r['e']);
fault_within($r, 3);
$t = fault_transcript($f);
echo fault_lines($t);
echo 'AUTH sent: ', var_export(stripos($t, 'AUTH') !== false, true), "\n";
echo 'MAIL sent: ', var_export(stripos($t, 'MAIL') !== false, true), "\n";
echo 'password sent: ', var_export(str_contains($t, 's3cret') || str_contains($t, base64_encode("\0user@example.org\0s3cret-PW")), true), "\n";
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\TlsException code=0 stage=tls transient=false permanent=true enhanced=-
[tls] 127.0.0.1:%d: the server does not offer STARTTLS, and TLS is required%s
within 3 s: yes
EHLO client.test\r\n
QUIT\r\n
AUTH sent: false
MAIL sent: false
password sent: false
server: ok
