--TEST--
mail() hook: a refused recipient makes mail() return false with a warning naming the stage and the reply
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.host=127.0.0.1:2525
smtpmail.from=hook-refused-from@smtpmail.test
--FILE--
<?php
require __DIR__ . '/relay/submission.php';

var_dump(mail('reject-hook-refused@smtpmail.test', 'Refused', "Nobody takes this.\n"));
var_dump(error_get_last()['type'] === E_WARNING);
?>
--EXPECTF--
Warning: mail(): [rcpt] 127.0.0.1:2525: %s<reject-hook-refused@smtpmail.test>: 550 5.1.1 <reject-hook-refused@smtpmail.test>: Recipient address rejected: Recipient rejected by the test relay in %s on line %d
bool(false)
bool(true)
