--TEST--
mail() hook: an incomplete OAuth configuration in php.ini is a warning that says what to set
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:1
smtpmail.oauth_provider=microsoft
smtpmail.oauth_client_id=00000000-0000-0000-0000-000000000000
--FILE--
<?php
var_dump(mail('a@example.org', 's', 'b'));
?>
--EXPECTF--
Warning: mail(): smtpmail: OAuth needs the mailbox to send as: set smtpmail.username (or options["username"]) to its address in %s on line %d
bool(false)
