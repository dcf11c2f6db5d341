--TEST--
smtp_send(): CRAM-MD5 is chosen when the relay offers it, and Dovecot accepts it
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
relay_clear_mailbox('auth-cram');

/* The relay offers PLAIN LOGIN CRAM-MD5; CRAM-MD5 keeps the password off the wire. */
$r = smtp_send('auth-cram@smtpmail.test', 'CRAM-MD5', "body\n", [], relay_submission_options());
var_dump($r['accepted']);
[$msg] = relay_wait_exactly('auth-cram', 1);
[$headers] = relay_split($msg);
var_dump(str_contains(relay_header($headers, 'Received')[0], '(Authenticated sender: tester@smtpmail.test)'));

/* smtpd logs the mechanism on the line that starts the queue file. */
$line = relay_log_wait("{$r['queue_id']}: client=");
echo substr($line, strpos($line, ': client=') + 2), "\n";
?>
--EXPECT--
array(1) {
  [0]=>
  string(23) "auth-cram@smtpmail.test"
}
bool(true)
client=unknown[127.0.0.1], sasl_method=CRAM-MD5, sasl_username=tester@smtpmail.test
