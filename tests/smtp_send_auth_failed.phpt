--TEST--
smtp_send(): a wrong password gives AuthException 535 naming the user, never the password
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
relay_clear_mailbox('auth-failed');

$password = 'Wrong-Secret-4711';
try {
    smtp_send('auth-failed@smtpmail.test', 'Never sent', "body\n", [],
        relay_submission_options(['password' => $password]));
    echo "no exception\n";
} catch (SmtpMail\Exception $e) {
    echo get_class($e), "\n";
    var_dump($e->getCode(), $e->getStage(), $e->isPermanent(), $e->getEnhancedStatus());
    var_dump(str_contains($e->getMessage(), "'tester@smtpmail.test'"));
    var_dump(str_contains($e->getMessage(), $password), str_contains((string) $e, $password));
    echo $e->getMessage(), "\n";
}
var_dump(relay_wait_exactly('auth-failed', 0));
?>
--EXPECTF--
SmtpMail\AuthException
int(535)
string(4) "auth"
bool(true)
string(5) "5.7.8"
bool(true)
bool(false)
bool(false)
[auth] 127.0.0.1:2587: %s'tester@smtpmail.test'%s: 535 5.7.8 Error: authentication failed: %s
array(0) {
}
