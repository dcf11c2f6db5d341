--TEST--
attack: putenv("SSL_CERT_FILE=...") in a script does not make the script's own CA trusted for the php.ini credentials
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:27016
smtpmail.tls=starttls
smtpmail.username=ini-user@example.org
smtpmail.password=INI-PASSWORD-s3cret
smtpmail.from=sender@example.org
smtpmail.timeout=3
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* A server whose certificate only the script's CA vouches for, at the php.ini relay's address. */
$f = fault_start([['greet'], ['ehlo', ['STARTTLS', 'AUTH PLAIN']], ['expect', '/^STARTTLS\r\n$/'],
    ['send', "220 2.0.0 go\r\n"], ['starttls'], ['ehlo', ['AUTH PLAIN']], ['silent', 2000]], ['port' => 27016]);
putenv('SSL_CERT_FILE=' . $f['cafile']);
putenv('SSL_CERT_DIR=' . dirname($f['cafile']));
$r = fault_send_ini();
echo $r['e'] ? get_class($r['e']) . ' at ' . $r['e']->getStage() : 'sent', "\n";
$t = fault_transcript($f);
echo 'password sent: ', var_export(str_contains($t, 'AUTH') || str_contains($t, 'INI-PASSWORD'), true), "\n";
?>
--EXPECT--
SmtpMail\TlsException at tls
password sent: false
