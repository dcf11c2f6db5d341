--TEST--
smtp_send(): a certificate from an untrusted issuer fails with TlsException before AUTH
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
relay_clear_mailbox('tls-untrusted');

try {
    smtp_send('tls-untrusted@smtpmail.test', 'Never sent', "body\n", [],
        relay_submission_options(['port' => relay_env()['SMTPMAIL_TEST_PORT_UNTRUSTED']]));
    echo "no exception\n";
} catch (SmtpMail\Exception $e) {
    echo get_class($e), "\n";
    var_dump($e->getCode(), $e->getStage(), $e->isPermanent(), $e->getEnhancedStatus());
    var_dump(str_contains($e->getMessage(), 'certificate verify failed'));
    echo $e->getMessage(), "\n";
}
var_dump(relay_wait_exactly('tls-untrusted', 0));
?>
--EXPECTF--
SmtpMail\TlsException
int(0)
string(3) "tls"
bool(true)
string(0) ""
bool(true)
[tls] 127.0.0.1:2588: %s
array(0) {
}
