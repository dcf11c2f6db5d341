--TEST--
fault: bytes injected after "220" to STARTTLS (plaintext injection, CVE-2021-22947 style): refused before any handshake
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* RFC 3207 6: whatever follows the 220 arrived before TLS, from anyone on the
 * path. Taken as the first reply inside TLS, a fake EHLO reply could strip
 * AUTH mechanisms or fake a success. The client must abandon the connection. */
$f = fault_start([['greet'], ['ehlo', ['STARTTLS', 'AUTH PLAIN']], ['expect', '/^STARTTLS\r\n$/'],
    ['send_after_tls_220', "250-fault.test\r\n250 AUTH PLAIN\r\n"], ['expect_close', 3000]]);
$r = fault_send($f, ['tls' => 'starttls', 'cafile' => $f['cafile'],
    'username' => 'user@example.org', 'password' => 's3cret-PW']);
fault_show($r['e']);
fault_within($r, 3);
$t = fault_transcript($f);
echo fault_lines($t);
echo 'password sent: ', var_export(str_contains($t, 's3cret') || str_contains($t, base64_encode("\0user@example.org\0s3cret-PW")), true), "\n";
$events = fault_events($f);
echo 'handshake completed: ', var_export((bool)preg_grep('/^tls at step/', $events), true), "\n";
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\TlsException code=0 stage=tls transient=false permanent=true enhanced=-
[tls] 127.0.0.1:%d: %splaintext injection%s
within 3 s: yes
EHLO client.test\r\n
STARTTLS\r\n
password sent: false
handshake completed: false
server: ok
