--TEST--
fault: a bare "250" EHLO reply (no extensions) is accepted; without PIPELINING each command waits for its reply
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* RFC 5321 4.1.1.1: "250" alone, with no domain or extension, is a valid
 * (if terse) EHLO reply. */
$f = fault_start([['greet'], ['expect', '/^EHLO client\.test\r\n$/'], ['send', "250\r\n"],
    ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
$r = fault_send($f);
fault_show($r['e']);
var_dump($r['result']);
echo fault_lines(fault_transcript($f));
/* Without PIPELINING announced, each command waits for the previous reply. */
echo 'one command at a time: ', var_export(fault_one_command_per_read($f), true), "\n";
echo implode("\n", fault_events($f)), "\n";
fault_server_ok($f);
?>
--EXPECT--
no exception
array(6) {
  ["queue_id"]=>
  string(6) "FAULT1"
  ["accepted"]=>
  array(1) {
    [0]=>
    string(16) "rcpt@example.org"
  }
  ["rejected"]=>
  array(0) {
  }
  ["reply"]=>
  string(30) "250 2.0.0 Ok: queued as FAULT1"
  ["spooled"]=>
  bool(false)
  ["spool_id"]=>
  NULL
}
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
QUIT\r\n
one command at a time: true
conn 1 offset 0
data received
server: ok
