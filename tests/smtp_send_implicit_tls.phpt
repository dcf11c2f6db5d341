--TEST--
smtp_send(): tls=implicit speaks TLS from the first byte (port 2465) and authenticates
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
relay_clear_mailbox('implicit-tls');

$r = smtp_send('implicit-tls@smtpmail.test', 'Implicit TLS', "Wrapped.\n", [],
    relay_submission_options(['port' => relay_env()['SMTPMAIL_TEST_PORT_IMPLICIT'], 'tls' => 'implicit']));
var_dump($r['accepted'], $r['rejected']);

[$msg] = relay_wait_exactly('implicit-tls', 1);
[$headers, $body] = relay_split($msg);
[$proto, $id] = relay_received_id($headers);
echo "protocol: $proto\n";
var_dump($id === $r['queue_id']);
$received = relay_header($headers, 'Received')[0];
var_dump(str_contains($received, '(using TLSv1.'));
var_dump(str_contains($received, '(Authenticated sender: tester@smtpmail.test)'));
echo 'Return-Path: ', relay_header($headers, 'Return-Path')[0], "\n";
var_dump($body);
?>
--EXPECT--
array(1) {
  [0]=>
  string(26) "implicit-tls@smtpmail.test"
}
array(0) {
}
protocol: ESMTPSA
bool(true)
bool(true)
bool(true)
Return-Path: <tester@smtpmail.test>
string(9) "Wrapped.
"
