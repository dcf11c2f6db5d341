--TEST--
fault: tls=auto on a loopback relay that offers STARTTLS: without credentials plain text (nothing to protect); with credentials STARTTLS is required once offered (a refused STARTTLS is an error, never a fallback to plain AUTH)
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$plain = fault_start([['greet'], ['ehlo', ['STARTTLS', 'AUTH PLAIN LOGIN']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
$refused = fault_start([['greet'], ['ehlo', ['STARTTLS', 'AUTH PLAIN LOGIN']], ['expect', '/^STARTTLS\r\n$/'], ['send', "454 4.7.0 TLS not available\r\n"], ['quit']]);

echo "--- no credentials\n";
$r = fault_send($plain, ['tls' => 'auto']);
fault_show($r['e']);
echo fault_lines(fault_transcript($plain));
fault_server_ok($plain);

echo "--- credentials, STARTTLS refused\n";
$r = fault_send($refused, ['tls' => 'auto', 'username' => 'user@example.org', 'password' => 's3cret-PW']);
fault_show($r['e']);
$t = fault_transcript($refused);
echo fault_lines($t);
echo 'AUTH sent: ', var_export(stripos($t, 'AUTH') !== false, true), "\n";
fault_server_ok($refused);
?>
--EXPECTF--
--- no credentials
no exception
EHLO client.test\r\n
MAIL FROM:<%s>\r\n
RCPT TO:<%s>\r\n
DATA\r\n
%A
QUIT\r\n
server: ok
--- credentials, STARTTLS refused
SmtpMail\TlsException code=454 stage=tls transient=true permanent=false enhanced=4.7.0
[tls] 127.0.0.1:%d: the server refused STARTTLS: 454 4.7.0 TLS not available
EHLO client.test\r\n
STARTTLS\r\n
QUIT\r\n
AUTH sent: false
server: ok
