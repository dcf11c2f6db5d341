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
Warning: mail(): smtpmail: smtpmail.tls must be "auto", "starttls", "implicit" or "none", "ssl" given ("implicit" is TLS from the first byte, port 465; "starttls" upgrades a plain connection, port 587) in %s on line %d
bool(false)
