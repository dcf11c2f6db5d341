--TEST--
fault: credentials with tls=auto on a loopback relay (no TLS) are refused; tls=none sends them (the explicit escape hatch)
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$auto = fault_start([['greet'], ['ehlo', ['AUTH PLAIN LOGIN']], ['quit']]);
$none = fault_start([['greet'], ['ehlo', ['AUTH PLAIN LOGIN']], ['auth_ok'], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
$creds = ['username' => 'user@example.org', 'password' => 's3cret-PW'];

echo "--- tls=auto\n";
$r = fault_send($auto, ['tls' => 'auto'] + $creds);
fault_show($r['e']);
fault_within($r, 3);
$t = fault_transcript($auto);
echo fault_lines($t);
echo 'AUTH sent: ', var_export(stripos($t, 'AUTH') !== false, true), "\n";
fault_server_ok($auto);

echo "--- tls=none\n";
$r = fault_send($none, ['tls' => 'none'] + $creds);
fault_show($r['e']);
echo 'queue id: ', $r['result']['queue_id'] ?? '-', "\n";
$t = fault_transcript($none);
echo 'AUTH line: ', json_encode(preg_match('/^AUTH [^\r]*\r\n/m', $t, $m) ? $m[0] : ''), "\n";
echo 'decoded: ', json_encode(base64_decode(substr(trim($m[0] ?? ''), strlen('AUTH PLAIN ')))), "\n";
echo implode("\n", fault_events($none)), "\n";
fault_server_ok($none);
?>
--EXPECTF--
--- tls=auto
SmtpMail\AuthException code=0 stage=auth transient=false permanent=true enhanced=-
[auth] 127.0.0.1:%d: refusing to send credentials over an unencrypted connection%s
within 3 s: yes
EHLO client.test\r\n
QUIT\r\n
AUTH sent: false
server: ok
--- tls=none
no exception
queue id: FAULT1
AUTH line: "AUTH PLAIN AHVzZXJAZXhhbXBsZS5vcmcAczNjcmV0LVBX\r\n"
decoded: "\u0000user@example.org\u0000s3cret-PW"
conn 1 offset 0
auth PLAIN
data received
server: ok
