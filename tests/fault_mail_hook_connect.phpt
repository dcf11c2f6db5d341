--TEST--
fault: mail() with an unreachable relay returns false with an E_WARNING naming the connect stage
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:1
smtpmail.from=sender@example.org
smtpmail.timeout=5
--FILE--
<?php
$t0 = microtime(true);
var_dump(mail('rcpt@example.org', 'Fault test', "Hello\r\n"));
echo 'within 8 s: ', microtime(true) - $t0 < 8 ? 'yes' : 'no', "\n";
?>
--EXPECTF--
Warning: mail(): [connect] 127.0.0.1:1: %s in %s on line %d
bool(false)
within 8 s: yes
