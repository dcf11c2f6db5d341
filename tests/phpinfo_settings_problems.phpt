--TEST--
phpinfo(): credentials that tls=auto on a loopback relay would refuse without STARTTLS are a warning; an invalid smtpmail.tls is marked with the reason; no spool; failover order
--EXTENSIONS--
smtpmail
--FILE--
<?php
/* Each configuration in its own PHP: php.ini settings are PHP_INI_SYSTEM. */
$php = getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY;
$ext = ini_get('extension_dir') . '/smtpmail.so';
$load = is_file($ext) ? ['-d', 'extension=' . $ext] : [];
$configs = [
    'loopback, auto, credentials' => ['smtpmail.host=127.0.0.1', 'smtpmail.username=app@example.com', 'smtpmail.password=pw'],
    'tls = ssl' => ['smtpmail.host=smtp.example.com', 'smtpmail.tls=ssl'],
    'failover, no checks' => ['smtpmail.host=a.example.com, [2001:db8::1]:465', 'smtpmail.verify_peer=0'],
    'no host' => [],
];
foreach ($configs as $what => $ini) {
    echo "--- $what\n";
    $args = [$php, '-n', ...$load];
    foreach ($ini as $i) {
        $args[] = '-d';
        $args[] = $i;
    }
    $args[] = '--ri';
    $args[] = 'smtpmail';
    $p = proc_open($args, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    $out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
    proc_close($p);
    foreach (explode("\n", $out) as $line) {
        if (preg_match('/^(mail\(\) |Settings |Relay|Credentials |Certificates |Spool |smtpmail\.tls )/', $line)) {
            echo $line, "\n";
        }
    }
}
?>
--EXPECT--
--- loopback, auto, credentials
mail() and error_log() send through => the relay below (smtpmail.host is set)
Settings => valid
Relay => 127.0.0.1:587 STARTTLS when offered and credentials are set, else no TLS (tls=auto on a loopback relay)
Credentials => used: app@example.com with a password; WARNING: refused without TLS on 127.0.0.1 if it offers no STARTTLS (tls=auto on a loopback relay uses STARTTLS when offered, and credentials are never sent in clear text unless you choose it: set smtpmail.tls = starttls or implicit, or "none" to allow AUTH without TLS)
Certificates => verified against openssl.cafile/openssl.capath, else the system's store
Spool => off (smtpmail.spool_dir is empty): a failed send is reported at once
smtpmail.tls => auto => auto
--- tls = ssl
mail() and error_log() send through => the relay below (smtpmail.host is set)
Settings => INVALID: smtpmail.tls must be "auto", "starttls", "implicit" or "none", "ssl" given ("implicit" is TLS from the first byte, port 465; "starttls" upgrades a plain connection, port 587) (mail() returns false with this warning; smtp_send() throws it as a ValueError)
Spool => off (smtpmail.spool_dir is empty): a failed send is reported at once
smtpmail.tls => ssl (INVALID: must be auto, starttls, implicit or "none") => ssl (INVALID: must be auto, starttls, implicit or "none")
--- failover, no checks
mail() and error_log() send through => the relay below (smtpmail.host is set)
Settings => valid
Relays, in failover order => a.example.com:587 STARTTLS, required (tls=auto); then [2001:db8::1]:465 implicit TLS (tls=auto, port 465)
Credentials => none: no AUTH
Certificates => NOT verified (smtpmail.verify_peer = 0): anyone on the path can read the password
Spool => off (smtpmail.spool_dir is empty): a failed send is reported at once
smtpmail.tls => auto => auto
--- no host
mail() and error_log() send through => PHP's own mail (sendmail_path): smtpmail.host is empty
Spool => off (smtpmail.spool_dir is empty): a failed send is reported at once
smtpmail.tls => auto => auto
