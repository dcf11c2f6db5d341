--TEST--
smtp_send(): a recipient refused temporarily (450): transient RecipientException
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
    smtp_send('tempfail-rcpt@smtpmail.test', 'Later', "body\n", [], relay_submission_options());
    echo "no exception\n";
} catch (SmtpMail\Exception $e) {
    echo get_class($e), "\n";
    var_dump($e->getCode(), $e->getStage(), $e->isTransient(), $e->isPermanent(), $e->getEnhancedStatus());
    echo $e->getMessage(), "\n";
}
?>
--EXPECTF--
SmtpMail\RecipientException
int(450)
string(4) "rcpt"
bool(true)
bool(false)
string(5) "4.2.0"
[rcpt] 127.0.0.1:2587: %s<tempfail-rcpt@smtpmail.test>: 450 4.2.0 <tempfail-rcpt@smtpmail.test>: Recipient address rejected: Recipient temporarily unavailable at the test relay
