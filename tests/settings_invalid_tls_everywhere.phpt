--TEST--
settings: smtpmail.tls = ssl is named with its fix by mail(), error_log() (type 1) and smtp_send(), not "invalid settings"
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:1
smtpmail.tls=ssl
--FILE--
<?php
var_dump(mail('a@example.org', 's', 'b'));
var_dump(error_log('disk full', 1, 'ops@example.org'));
try {
    smtp_send('a@example.org', 's', 'b');
} catch (ValueError $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
?>
--EXPECTF--
Warning: mail(): smtpmail: smtpmail.tls must be "auto", "starttls", "implicit" or "none", "ssl" given ("implicit" is TLS from the first byte, port 465; "starttls" upgrades a plain connection, port 587) in %s on line %d
bool(false)

Warning: error_log(): smtpmail: smtpmail.tls must be "auto", "starttls", "implicit" or "none", "ssl" given ("implicit" is TLS from the first byte, port 465; "starttls" upgrades a plain connection, port 587) in %s on line %d
bool(false)
ValueError: smtpmail.tls must be "auto", "starttls", "implicit" or "none", "ssl" given ("implicit" is TLS from the first byte, port 465; "starttls" upgrades a plain connection, port 587)
