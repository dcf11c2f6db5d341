--TEST--
settings: smtpmail.host = tls://host:465 (a URL) is named with its fix by mail(), error_log() (type 1) and smtp_send()
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=tls://smtp.example.com:465
--FILE--
<?php
var_dump(mail('a@example.org', 's', 'b'));
var_dump(error_log('disk full', 1, 'ops@example.org'));
try {
    smtp_send('a@example.org', 's', 'b');
} catch (ValueError $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
/* $options name the option, not php.ini's setting. */
try {
    smtp_send('a@example.org', 's', 'b', [], ['host' => 'ssl://smtp.example.com', 'tls' => 'tls']);
} catch (ValueError $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
try {
    smtp_send('a@example.org', 's', 'b', [], ['host' => 'smtp.example.com', 'tls' => 'tls']);
} catch (ValueError $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
try {
    smtp_send('a@example.org', 's', 'b', [], ['host' => 'smtp.example.com', 'timeout' => 0]);
} catch (ValueError $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
?>
--EXPECTF--
Warning: mail(): smtpmail: smtpmail.host takes host or host:port, not a URL: "tls://smtp.example.com:465" names a scheme; write the host (and port) alone and choose the TLS mode with smtpmail.tls (implicit for port 465, starttls for 587) in %s on line %d
bool(false)

Warning: error_log(): smtpmail: smtpmail.host takes host or host:port, not a URL: "tls://smtp.example.com:465" names a scheme; write the host (and port) alone and choose the TLS mode with smtpmail.tls (implicit for port 465, starttls for 587) in %s on line %d
bool(false)
ValueError: smtpmail.host takes host or host:port, not a URL: "tls://smtp.example.com:465" names a scheme; write the host (and port) alone and choose the TLS mode with smtpmail.tls (implicit for port 465, starttls for 587)
ValueError: options["host"] takes host or host:port, not a URL: "ssl://smtp.example.com" names a scheme; write the host (and port) alone and choose the TLS mode with smtpmail.tls (implicit for port 465, starttls for 587)
ValueError: options["tls"] must be "auto", "starttls", "implicit" or "none", "tls" given ("implicit" is TLS from the first byte, port 465; "starttls" upgrades a plain connection, port 587)
ValueError: options["timeout"] must be more than 0 and at most 86400 seconds
