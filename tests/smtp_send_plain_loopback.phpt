--TEST--
smtp_send(): tls=auto on a loopback relay means no TLS; without credentials there is no AUTH
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('plain-loopback');
$env = relay_env();

/* 2525 offers neither STARTTLS nor AUTH: a client that tried either would fail. */
$r = smtp_send('plain-loopback@smtpmail.test', 'Plain', "In the clear.\n",
    ['From' => 'plain-loopback-from@smtpmail.test'],
    ['host' => $env['SMTPMAIL_TEST_HOST'], 'port' => $env['SMTPMAIL_TEST_PORT_PLAIN'], 'tls' => 'auto']);
var_dump($r['accepted'], $r['rejected']);

[$msg] = relay_wait_exactly('plain-loopback', 1);
[$headers, $body] = relay_split($msg);
[$proto, $id] = relay_received_id($headers);
echo "protocol: $proto\n";
var_dump($id === $r['queue_id']);
var_dump(str_contains(relay_header($headers, 'Received')[0], 'using TLS'));
echo 'Return-Path: ', relay_header($headers, 'Return-Path')[0], "\n";
echo 'From: ', relay_header($headers, 'From')[0], "\n";
var_dump($body);
?>
--EXPECT--
array(1) {
  [0]=>
  string(28) "plain-loopback@smtpmail.test"
}
array(0) {
}
protocol: ESMTP
bool(true)
bool(false)
Return-Path: <plain-loopback-from@smtpmail.test>
From: plain-loopback-from@smtpmail.test
string(14) "In the clear.
"
