--TEST--
fault: golden transcript of a STARTTLS + AUTH PLAIN + PIPELINING transaction, byte for byte
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$f = fault_start([
    ['greet'],
    ['ehlo', ['PIPELINING', 'SIZE 10240000', 'STARTTLS', 'ENHANCEDSTATUSCODES', '8BITMIME']],
    ['expect', '/^STARTTLS\r\n$/'],
    ['send', "220 2.0.0 Ready to start TLS\r\n"],
    ['starttls'],
    ['ehlo', ['PIPELINING', 'SIZE 10240000', 'AUTH PLAIN LOGIN', 'ENHANCEDSTATUSCODES', '8BITMIME']],
    ['auth_ok'],
    ['expect_pipelined', ['MAIL', 'RCPT', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"],
    ['read_data'],
    ['send', "250 2.0.0 Ok: queued as 4XyZ12\r\n"],
    ['quit'],
]);
$result = smtp_send(
    ['a@example.org', 'Bee <b@example.net>'],
    'Golden',
    /* A leading dot to stuff, a bare LF to canonicalise. */
    "Line one\r\n.leading dot\nbare LF\r\n",
    ['From' => 'Sender <sender@example.org>', 'Date' => 'Mon, 02 Mar 2026 10:00:00 +0000',
     'Message-ID' => '<golden@example.org>'],
    ['host' => '127.0.0.1', 'port' => $f['port'], 'tls' => 'starttls', 'cafile' => $f['cafile'],
     'helo' => 'client.test', 'username' => 'user@example.org', 'password' => 's3cret', 'timeout' => 5]);
var_dump($result);
/* The session is kept for another message until closed. */
var_dump(smtp_close());

$expected = "EHLO client.test\r\n"
    . "STARTTLS\r\n"
    . "EHLO client.test\r\n"
    . "AUTH PLAIN " . base64_encode("\0user@example.org\0s3cret") . "\r\n"
    /* RFC 1870 3: the message's 200 octets with CRLF line ends; the stuffed dot not counted. */
    . "MAIL FROM:<sender@example.org> SIZE=252\r\n"
    . "RCPT TO:<a@example.org>\r\n"
    . "RCPT TO:<b@example.net>\r\n"
    . "DATA\r\n"
    . "To: a@example.org, Bee <b@example.net>\r\n"
    . "Subject: Golden\r\n"
    . "From: Sender <sender@example.org>\r\n"
    . "Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n"
    . "Message-ID: <golden@example.org>\r\n"
    /* smtp_send() states the body's transfer encoding (issue 11). */
    . "MIME-Version: 1.0\r\n"
    . "Content-Transfer-Encoding: 7bit\r\n"
    . "\r\n"
    . "Line one\r\n"
    . "..leading dot\r\n"
    . "bare LF\r\n"
    . ".\r\n"
    . "QUIT\r\n";
$got = fault_transcript($f);
echo 'transcript matches: ', var_export($got === $expected, true), "\n";
if ($got !== $expected) {
    echo fault_lines($got);
}
echo implode("\n", fault_events($f)), "\n";
fault_server_ok($f);
?>
--EXPECT--
array(6) {
  ["queue_id"]=>
  string(6) "4XyZ12"
  ["accepted"]=>
  array(2) {
    [0]=>
    string(13) "a@example.org"
    [1]=>
    string(13) "b@example.net"
  }
  ["rejected"]=>
  array(0) {
  }
  ["reply"]=>
  string(30) "250 2.0.0 Ok: queued as 4XyZ12"
  ["spooled"]=>
  bool(false)
  ["spool_id"]=>
  NULL
}
int(1)
transcript matches: true
conn 1 offset 0
tls at step 5
auth PLAIN
pipelined: MAIL RCPT RCPT DATA
data received
server: ok
