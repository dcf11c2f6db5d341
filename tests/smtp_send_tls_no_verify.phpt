--TEST--
smtp_send(): verify_peer=false accepts the untrusted certificate (the call brings its own credentials)
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
relay_clear_mailbox('tls-no-verify');

$r = smtp_send('tls-no-verify@smtpmail.test', 'Unverified', "body\n", [],
    relay_submission_options(['port' => relay_env()['SMTPMAIL_TEST_PORT_UNTRUSTED'], 'verify_peer' => false]));
var_dump($r['accepted']);
[$msg] = relay_wait_exactly('tls-no-verify', 1);
[$headers] = relay_split($msg);
[$proto, $id] = relay_received_id($headers);
echo "protocol: $proto\n";
var_dump($id === $r['queue_id']);
?>
--EXPECT--
array(1) {
  [0]=>
  string(27) "tls-no-verify@smtpmail.test"
}
protocol: ESMTPSA
bool(true)
