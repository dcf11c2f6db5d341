--TEST--
mail() hook: a php.ini mistake is a warning naming it (the ValueError's message), not "invalid settings"
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:1
smtpmail.tls=ssl
--FILE--
<?php
var_dump(mail('a@example.org', 's', 'b'));
?>
--EXPECTF--
Warning: mail(): smtpmail: The TLS mode must be "auto", "starttls", "implicit" or "none", "ssl" given in %s on line %d
bool(false)
