--TEST--
spool: a message still undeliverable after smtpmail.spool_max_age moves to failed/ with the last error
--EXTENSIONS--
smtpmail
--INI--
; PCRE's JIT reads past string ends in 16-byte steps, which valgrind reports (run-tests -m)
pcre.jit=0
smtpmail.host=127.0.0.1:1
smtpmail.from=sender@example.org
smtpmail.spool_dir={PWD}/spool_max_age.d
smtpmail.spool_max_age=1
--FILE--
<?php
require __DIR__ . '/spool_common.inc';
$dir = ini_get('smtpmail.spool_dir');
$r = smtp_send('old@example.org', 'Old', "Body\r\n");
var_dump($r['spooled']);
/* Young enough: deferred. */
var_dump(smtp_spool_flush(['force' => true]));
sleep(2);
/* Too old: failed, with the reason. */
var_dump(smtp_spool_flush(['force' => true]));
echo count(glob("$dir/queue/*")), ' queued, ', count(glob("$dir/failed/*.msg")), " failed\n";
echo current(spool_failed($dir));
?>
--CLEAN--
<?php
$dir = __DIR__ . '/spool_max_age.d';
foreach (['queue', 'failed', 'tmp'] as $sub) {
    array_map('unlink', glob("$dir/$sub/*") ?: []);
    @rmdir("$dir/$sub");
}
@rmdir($dir);
?>
--EXPECT--
bool(true)
array(5) {
  ["sent"]=>
  int(0)
  ["deferred"]=>
  int(1)
  ["failed"]=>
  int(0)
  ["skipped"]=>
  int(0)
  ["waiting"]=>
  int(0)
}
array(5) {
  ["sent"]=>
  int(0)
  ["deferred"]=>
  int(0)
  ["failed"]=>
  int(1)
  ["skipped"]=>
  int(0)
  ["waiting"]=>
  int(0)
}
0 queued, 1 failed
failed <time>
attempts 1
reason too old to retry (smtpmail.spool_max_age); last error: [connect] 127.0.0.1:1: cannot connect: Connection refused
rcpt old@example.org
