--TEST--
fault: the connection drops after the final dot, before its reply: UnknownOutcomeException (a DataException), code 0, transient, body fully sent
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* The worst case for a client (RFC 5321 4.1.1.4, 6.1): the message went out
 * whole but the server never said whether it took it. Retrying may duplicate
 * it; the exception must say "transient" and the stage must be data. */
$f = fault_start([['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA\r\n$/'],
    ['send', "354 End data with <CR><LF>.<CR><LF>\r\n"], ['read_data'], ['close']]);
$r = fault_send($f);
fault_show($r['e']);
fault_within($r, 3);
echo fault_lines(fault_transcript($f));
echo implode("\n", fault_events($f)), "\n";
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\UnknownOutcomeException code=0 stage=data transient=true permanent=false enhanced=-
[data] 127.0.0.1:%d: the server closed the connection after the whole message was sent: the relay may or may not have accepted it
within 3 s: yes
EHLO client.test\r\n
MAIL FROM:<sender@example.org>\r\n
RCPT TO:<rcpt@example.org>\r\n
DATA\r\n
To: rcpt@example.org\r\n
Subject: Fault test\r\n
Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n
Message-ID: <fault@example.org>\r\n
From: sender@example.org\r\n
MIME-Version: 1.0\r\n
Content-Transfer-Encoding: 7bit\r\n
\r\n
Hello from the fault tests.\r\n
.\r\n
conn 1 offset 0
data received
server: ok
