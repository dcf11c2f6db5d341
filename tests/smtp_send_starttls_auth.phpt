--TEST--
smtp_send(): STARTTLS and AUTH from php.ini; the result names Postfix's queue id
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
/* smtpmail.cafile below is {PWD}/.relay/ca.pem: the relay's, or a link to it
 * (scripts/check-php-versions links it in its copy of the tree). */
if (realpath(relay_env()['SMTPMAIL_TEST_CA']) !== realpath(__DIR__ . '/.relay/ca.pem')) die('skip relay is not in tests/.relay');
?>
--INI--
smtpmail.host=127.0.0.1
smtpmail.port=2587
smtpmail.tls=starttls
smtpmail.cafile={PWD}/.relay/ca.pem
smtpmail.username=tester@smtpmail.test
smtpmail.password=s3cret-Pass
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('starttls-auth');

$r = smtp_send('starttls-auth@smtpmail.test', 'Over STARTTLS', "Hello over TLS.\n");
var_dump($r);

[$msg] = relay_wait_exactly('starttls-auth', 1);
[$headers, $body] = relay_split($msg);
[$proto, $id] = relay_received_id($headers);
echo "protocol: $proto\n";
var_dump($id === $r['queue_id']);
var_dump($r['reply'] === "250 2.0.0 Ok: queued as $id");
$received = relay_header($headers, 'Received')[0];
var_dump(str_contains($received, '(using TLSv1.'));
var_dump(str_contains($received, '(Authenticated sender: tester@smtpmail.test)'));
foreach (['Return-Path', 'Delivered-To', 'To', 'Subject', 'From'] as $name) {
    echo "$name: ", implode(' | ', relay_header($headers, $name)), "\n";
}
var_dump($body);
?>
--EXPECTF--
array(6) {
  ["queue_id"]=>
  string(%d) "%s"
  ["accepted"]=>
  array(1) {
    [0]=>
    string(27) "starttls-auth@smtpmail.test"
  }
  ["rejected"]=>
  array(0) {
  }
  ["reply"]=>
  string(%d) "250 2.0.0 Ok: queued as %s"
  ["spooled"]=>
  bool(false)
  ["spool_id"]=>
  NULL
}
protocol: ESMTPSA
bool(true)
bool(true)
bool(true)
bool(true)
Return-Path: <tester@smtpmail.test>
Delivered-To: starttls-auth@smtpmail.test
To: starttls-auth@smtpmail.test
Subject: Over STARTTLS
From: tester@smtpmail.test
string(16) "Hello over TLS.
"
