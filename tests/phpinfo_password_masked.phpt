--TEST--
phpinfo(): shows the smtpmail settings with the password and token masked
--EXTENSIONS--
smtpmail
--INI--
; PCRE's JIT reads past string ends in 16-byte steps, which valgrind reports (run-tests -m)
pcre.jit=0
smtpmail.host=relay.example:587
smtpmail.username=phpinfo-user@smtpmail.test
smtpmail.password=Phpinfo-S3cret
smtpmail.oauth_token=Phpinfo-T0ken
--FILE--
<?php
ob_start();
phpinfo(INFO_MODULES);
$text = ob_get_clean();
foreach (['password', 'oauth_token'] as $name) {
    preg_match('/^smtpmail\.' . $name . ' => (.*)$/m', $text, $m);
    echo "$name row: ", isset($m[1]) ? 'present' : 'MISSING', "\n";
}
var_dump(str_contains($text, 'smtpmail.username => phpinfo-user@smtpmail.test => phpinfo-user@smtpmail.test'));
var_dump(str_contains($text, 'smtpmail.host => relay.example:587'));
var_dump(str_contains($text, 'Phpinfo-S3cret'), str_contains($text, 'Phpinfo-T0ken'));
/* Also not through the secret's pieces, e.g. a partial mask. */
var_dump(str_contains($text, 'S3cret'), str_contains($text, 'T0ken'));
?>
--EXPECT--
password row: present
oauth_token row: present
bool(true)
bool(true)
bool(false)
bool(false)
bool(false)
bool(false)
