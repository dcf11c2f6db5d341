--TEST--
smtp_send(): some recipients refused: the others get the message once, the result maps the refused to their replies
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
relay_clear_mailbox('rcpt-partial');

$r = smtp_send(['rcpt-partial@smtpmail.test', 'reject-rcpt-partial@smtpmail.test'], 'Partial', "Half of you.\n",
    [], relay_submission_options());
var_dump($r['accepted'], $r['rejected']);

$messages = relay_wait_exactly('rcpt-partial', 1);
[$headers, $body] = relay_split($messages[0]);
[, $id] = relay_received_id($headers);
var_dump($id === $r['queue_id']);
echo 'To: ', relay_header($headers, 'To')[0], "\n";
var_dump($body);
?>
--EXPECT--
array(1) {
  [0]=>
  string(26) "rcpt-partial@smtpmail.test"
}
array(1) {
  ["reject-rcpt-partial@smtpmail.test"]=>
  string(111) "550 5.1.1 <reject-rcpt-partial@smtpmail.test>: Recipient address rejected: Recipient rejected by the test relay"
}
bool(true)
To: rcpt-partial@smtpmail.test, reject-rcpt-partial@smtpmail.test
string(13) "Half of you.
"
