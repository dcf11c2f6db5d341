--TEST--
attack: options["oauth_cache"] cannot make smtpmail write a file outside the script's open_basedir (the cache is written with plain file calls)
--EXTENSIONS--
smtpmail
--INI--
open_basedir={PWD}
--FILE--
<?php
$victim = sys_get_temp_dir() . '/smtpmail-attack-victim-' . getmypid();
$options = ['host' => '127.0.0.1:1', 'username' => 'u@example.org', 'oauth_client_id' => 'c',
    'oauth_token_url' => 'http://127.0.0.1:1/token', 'oauth_cache' => $victim, 'from' => 'u@example.org'];
try {
    smtp_send('a@example.org', 's', "b\r\n", [], $options);
} catch (Throwable $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
/* Inside open_basedir it is the script's own file to name. */
try {
    smtp_send('a@example.org', 's', "b\r\n", [], ['oauth_cache' => __DIR__ . '/attack_oauth_cache_path.cache'] + $options);
} catch (Throwable $e) {
    echo get_class($e), ' at ', $e instanceof SmtpMail\Exception ? $e->getStage() : '-', "\n";
}
?>
--CLEAN--
<?php
@unlink(__DIR__ . '/attack_oauth_cache_path.cache.lock');
?>
--EXPECT--
ValueError: smtp_send(): Argument #5 ($options) option "oauth_cache" names a file outside open_basedir
SmtpMail\AuthException at auth
