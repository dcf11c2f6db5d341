--TEST--
attack: smtp_spool_flush() with a destination or credentials of the script's choosing is refused; the shared queue stays put and no byte reaches the script's server
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:27015
smtpmail.username=ini-user@example.org
smtpmail.password=INI-PASSWORD-s3cret
smtpmail.tls="none"
smtpmail.from=tenant@example.org
smtpmail.spool_dir={PWD}/attack_spool_flush_redirect.d
smtpmail.deferred=1
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
$dir = ini_get('smtpmail.spool_dir');

/* Other tenants' mail waits in the shared spool for the php.ini relay. */
for ($i = 1; $i <= 3; $i++) {
    smtp_send("victim$i@example.org", "Private $i", "Confidential body $i\r\n", FAULT_HEADERS);
}
echo count(glob("$dir/queue/*.msg")), " queued\n";

/* The script's own server, offering AUTH in clear text. */
$evil = fault_start([['greet'], ['ehlo', ['AUTH PLAIN LOGIN']], ['silent', 1500]]);
foreach ([['host' => '127.0.0.1', 'port' => $evil['port'], 'tls' => 'none'],
          ['host' => "127.0.0.1:{$evil['port']}"],
          ['port' => $evil['port']],
          ['username' => 'x', 'password' => 'y'],
          ['verify_peer' => false],
          ['context' => stream_context_create()]] as $options) {
    try {
        smtp_spool_flush($options + ['force' => true]);
        echo "flushed with ", implode(',', array_keys($options)), "\n";
    } catch (ValueError $e) {
        echo get_class($e), ': ', $e->getMessage(), "\n";
    }
}
echo 'bytes at the script\'s server: ', strlen(fault_transcript($evil)), "\n";
echo count(glob("$dir/queue/*.msg")), " still queued\n";
?>
--CLEAN--
<?php
$dir = __DIR__ . '/attack_spool_flush_redirect.d';
foreach (['queue', 'failed', 'tmp'] as $sub) {
    array_map('unlink', glob("$dir/$sub/*") ?: []);
    @rmdir("$dir/$sub");
}
@rmdir($dir);
?>
--EXPECT--
3 queued
ValueError: smtp_spool_flush(): Argument #1 ($options) cannot contain option "host": spooled messages go only to the php.ini relay they were spooled for, with the php.ini credentials
ValueError: smtp_spool_flush(): Argument #1 ($options) cannot contain option "host": spooled messages go only to the php.ini relay they were spooled for, with the php.ini credentials
ValueError: smtp_spool_flush(): Argument #1 ($options) cannot contain option "port": spooled messages go only to the php.ini relay they were spooled for, with the php.ini credentials
ValueError: smtp_spool_flush(): Argument #1 ($options) cannot contain option "username": spooled messages go only to the php.ini relay they were spooled for, with the php.ini credentials
ValueError: smtp_spool_flush(): Argument #1 ($options) cannot contain option "verify_peer": spooled messages go only to the php.ini relay they were spooled for, with the php.ini credentials
ValueError: smtp_spool_flush(): Argument #1 ($options) cannot contain option "context": spooled messages go only to the php.ini relay they were spooled for, with the php.ini credentials
bytes at the script's server: 0
3 still queued
