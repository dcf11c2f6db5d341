--TEST--
phpinfo(): the effective relay (port and TLS mode), where mail() goes, whether credentials are used, certificate checks and the spool
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=smtp.example.com
smtpmail.port=587
smtpmail.tls=starttls
smtpmail.username=app@example.com
smtpmail.password=app-secret-password
smtpmail.spool_dir=/var/spool/php-smtpmail
--FILE--
<?php
ob_start();
phpinfo(INFO_MODULES);
$info = ob_get_clean();
preg_match('/^smtpmail support.*?^AUTH mechanisms[^\n]*$/ms', $info, $m);
echo $m[0], "\n";
var_dump(str_contains($info, 'app-secret-password'));
?>
--EXPECT--
smtpmail support => enabled
Version => 0.1.0
mail() and error_log() send through => the relay below (smtpmail.host is set)
Settings => valid
Relay => smtp.example.com:587 STARTTLS, required
Credentials => used: app@example.com with a password
Certificates => verified against openssl.cafile/openssl.capath, else the system's store
Spool => /var/spool/php-smtpmail (a message no relay could take now is kept for smtp_spool_flush())
AUTH mechanisms => PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER
bool(false)
