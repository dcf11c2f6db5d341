--TEST--
spool: a relative smtpmail.spool_dir is taken against PHP's current directory (chdir() moves it), and errors name the absolute path
--EXTENSIONS--
smtpmail
--INI--
; PCRE's JIT reads past string ends in 16-byte steps, which valgrind reports (run-tests -m)
pcre.jit=0
smtpmail.host=127.0.0.1:1
smtpmail.from=sender@example.org
smtpmail.spool_dir=spool_relative_dir_chdir.d
--FILE--
<?php
require __DIR__ . '/spool_common.inc';
/* Under ZTS (the Windows Apache module, for one) chdir() moves only PHP's own
 * current directory, not the process's; smtpmail must follow PHP's. */
$base = sys_get_temp_dir() . '/smtpmail-spool_relative_dir_chdir';
foreach (['a', 'b'] as $d) {
    @mkdir("$base/$d", 0700, true);
}
$show = fn(string $s) => str_replace($base, '<base>', $s);

/* A file where the spool directory would be: the error names the directory
 * PHP's current directory makes of the setting. */
chdir("$base/a");
file_put_contents("$base/a/spool_relative_dir_chdir.d", "not a directory\n");
try {
    smtp_send('first@example.org', 'First', "Body\r\n");
} catch (SmtpMail\Exception $e) {
    echo $show($e->getMessage()), "\n";
}

/* Elsewhere, the message lands under the new current directory, and a flush
 * from there finds it. */
chdir("$base/b");
$r = smtp_send('second@example.org', 'Second', "Body\r\n");
var_dump($r['spooled']);
$q = spool_queue("$base/b/spool_relative_dir_chdir.d");
echo count($q), " queued, for ", implode(', ', current($q)['rcpts']), "\n";
var_dump(smtp_spool_flush(['force' => true])['deferred']);

/* From a third directory the same setting names another spool: nothing there. */
chdir($base);
var_dump(smtp_spool_flush(['force' => true]));
var_dump(is_dir("$base/spool_relative_dir_chdir.d"), count(spool_queue("$base/b/spool_relative_dir_chdir.d")));
?>
--CLEAN--
<?php
require __DIR__ . '/spool_common.inc';
$base = sys_get_temp_dir() . '/smtpmail-spool_relative_dir_chdir';
spool_remove("$base/b/spool_relative_dir_chdir.d");
spool_remove("$base/spool_relative_dir_chdir.d");
@unlink("$base/a/spool_relative_dir_chdir.d");
@rmdir("$base/a");
@rmdir("$base/b");
@rmdir($base);
?>
--EXPECT--
[connect] 127.0.0.1:1: cannot connect: Connection refused; not spooled either: spool: cannot create directory <base>/a/spool_relative_dir_chdir.d: Not a directory (nothing accepts connections there: check smtpmail.host and smtpmail.port)
bool(true)
1 queued, for second@example.org
int(1)
array(5) {
  ["sent"]=>
  int(0)
  ["deferred"]=>
  int(0)
  ["failed"]=>
  int(0)
  ["skipped"]=>
  int(0)
  ["waiting"]=>
  int(0)
}
bool(false)
int(1)
