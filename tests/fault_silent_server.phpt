--TEST--
fault: a silent server at the greeting and after the message body: the call gives up within the timeout
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$greeting = fault_start([['silent', 8000]]);
$afterDot = fault_start([['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA\r\n$/'],
    ['send', "354 End data with <CR><LF>.<CR><LF>\r\n"], ['read_data'], ['silent', 8000]]);

echo "--- greeting\n";
$r = fault_send($greeting, ['timeout' => 1]);
fault_show($r['e']);
/* 1 s timeout, generous slack: this is a behaviour check, not a benchmark. */
fault_within($r, 1 + 3);
echo 'sent: ', json_encode(fault_transcript($greeting)), "\n";
echo implode("\n", fault_events($greeting)), "\n";
fault_server_ok($greeting);

echo "--- after the final dot\n";
$r = fault_send($afterDot, ['timeout' => 2]);
fault_show($r['e']);
fault_within($r, 2 + 3);
$t = fault_transcript($afterDot);
echo 'body sent: ', var_export(str_contains($t, FAULT_BODY . ".\r\n"), true), "\n";
echo 'QUIT sent: ', var_export(str_contains($t, 'QUIT'), true), "\n";
echo implode("\n", fault_events($afterDot)), "\n";
fault_server_ok($afterDot);
?>
--EXPECTF--
--- greeting
SmtpMail\ConnectException code=0 stage=greeting transient=true permanent=false enhanced=-
[greeting] 127.0.0.1:%d: no reply from the server within 1000 ms (a port that expects TLS from the first byte needs tls=implicit)
within 4 s: yes
sent: ""
conn 1 offset 0
closed by client at step 1 (silent)
server: ok
--- after the final dot
SmtpMail\UnknownOutcomeException code=0 stage=data transient=true permanent=false enhanced=-
[data] 127.0.0.1:%d: no reply from the server within 2000 ms after the whole message was sent: the relay may or may not have accepted it
within 5 s: yes
body sent: true
QUIT sent: false
conn 1 offset 0
data received
closed by client at step 8 (silent)
server: ok
