--TEST--
fault: EHLO refused with 502: HELO fallback when nothing needs extensions; none with credentials
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$plain = fault_start([['greet'], ['expect', '/^EHLO client\.test\r\n$/'], ['send', "502 5.5.2 Error: command not recognized\r\n"],
    ['expect', '/^HELO client\.test\r\n$/'], ['send', "250 fault.test\r\n"],
    ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
$creds = fault_start([['greet'], ['expect', '/^EHLO client\.test\r\n$/'], ['send', "502 5.5.2 Error: command not recognized\r\n"],
    ['quit']]);

echo "--- no credentials\n";
$r = fault_send($plain);
fault_show($r['e']);
echo 'queue id: ', $r['result']['queue_id'] ?? '-', "\n";
echo implode("\n", array_slice(explode("\r\n", fault_transcript($plain)), 0, 4)), "\n";
fault_server_ok($plain);

/* AUTH is an EHLO extension (RFC 4954): after HELO it cannot happen, and
 * sending mail unauthenticated is not what the user asked for. */
echo "--- with credentials\n";
$r = fault_send($creds, ['username' => 'user@example.org', 'password' => 's3cret-PW']);
fault_show($r['e']);
fault_within($r, 3);
echo fault_lines(fault_transcript($creds));
fault_server_ok($creds);
?>
--EXPECTF--
--- no credentials
no exception
queue id: FAULT1
EHLO client.test
HELO client.test
MAIL FROM:<sender@example.org>
RCPT TO:<rcpt@example.org>
server: ok
--- with credentials
SmtpMail\ConnectException code=502 stage=ehlo transient=false permanent=true enhanced=5.5.2
[ehlo] 127.0.0.1:%d: server refused EHLO: 502 5.5.2 Error: command not recognized
within 3 s: yes
EHLO client.test\r\n
QUIT\r\n
server: ok
