--TEST--
INI: the settings that decide where the php.ini credentials go cannot be changed with ini_set()
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=relay.example
smtpmail.password=ini-Secret
--FILE--
<?php
foreach (['smtpmail.host' => 'attacker.example', 'smtpmail.port' => '2525', 'smtpmail.tls' => 'none',
          'smtpmail.username' => 'x', 'smtpmail.password' => 'y', 'smtpmail.oauth_token' => 'z',
          'smtpmail.verify_peer' => '0', 'smtpmail.cafile' => '/tmp/evil.pem'] as $name => $value) {
    printf("%s: %s, now %s\n", $name, var_export(ini_set($name, $value), true), var_export(ini_get($name), true));
}
/* These may change per script: they do not redirect the credentials. */
foreach (['smtpmail.timeout' => '5', 'smtpmail.from' => 'app@smtpmail.test', 'smtpmail.helo' => 'web.example'] as $name => $value) {
    printf("%s: %s, now %s\n", $name, var_export(ini_set($name, $value), true), var_export(ini_get($name), true));
}
?>
--EXPECT--
smtpmail.host: false, now 'relay.example'
smtpmail.port: false, now '0'
smtpmail.tls: false, now 'auto'
smtpmail.username: false, now ''
smtpmail.password: false, now 'ini-Secret'
smtpmail.oauth_token: false, now ''
smtpmail.verify_peer: false, now '1'
smtpmail.cafile: false, now ''
smtpmail.timeout: '30', now '5'
smtpmail.from: '', now 'app@smtpmail.test'
smtpmail.helo: '', now 'web.example'
