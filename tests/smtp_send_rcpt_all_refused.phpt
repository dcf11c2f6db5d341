--TEST--
smtp_send(): every recipient refused permanently: permanent RecipientException with code 550
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

try {
    smtp_send(['reject-all-a@smtpmail.test', 'reject-all-b@smtpmail.test'], 'Nobody', "body\n", [],
        relay_submission_options());
    echo "no exception\n";
} catch (SmtpMail\Exception $e) {
    echo get_class($e), "\n";
    var_dump($e instanceof RuntimeException, $e->getCode(), $e->getStage(), $e->isPermanent(), $e->isTransient(),
        $e->getEnhancedStatus());
    echo $e->getMessage(), "\n";
}
?>
--EXPECTF--
SmtpMail\RecipientException
bool(true)
int(550)
string(4) "rcpt"
bool(true)
bool(false)
string(5) "5.1.1"
[rcpt] 127.0.0.1:2587: %s<reject-all-a@smtpmail.test>: 550 5.1.1 <reject-all-a@smtpmail.test>: Recipient address rejected: Recipient rejected by the test relay
