--TEST--
smtp_send(): a closed port gives a transient ConnectException naming host and port
--EXTENSIONS--
smtpmail
--INI--
smtpmail.from=connect-refused@smtpmail.test
--FILE--
<?php
try {
    smtp_send('connect-refused@smtpmail.test', 's', "b\n", [], ['host' => '127.0.0.1', 'port' => 1]);
    echo "no exception\n";
} catch (SmtpMail\Exception $e) {
    echo get_class($e), "\n";
    var_dump($e->getCode(), $e->getStage(), $e->isTransient(), $e->isPermanent(), $e->getEnhancedStatus());
    echo $e->getMessage(), "\n";
}
?>
--EXPECTF--
SmtpMail\ConnectException
int(0)
string(7) "connect"
bool(true)
bool(false)
string(0) ""
[connect] 127.0.0.1:1: %SConnection refused%S
