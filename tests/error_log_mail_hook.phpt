--TEST--
error_log() type 1: with smtpmail.host set, the message is mailed through the relay with PHP's subject; other types are PHP's own
--EXTENSIONS--
smtpmail
--INI--
smtpmail.from=php@example.org
smtpmail.helo=client.test
error_log={PWD}/error_log_mail_hook.log
--SKIPIF--
<?php
if (getenv('TEST_PHP_EXTRA_ARGS') === false) die('skip needs run-tests (TEST_PHP_EXTRA_ARGS)');
?>
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* smtpmail.host is PHP_INI_SYSTEM and the port is known only now: a child php. */
$f = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
preg_match_all('/\'([^\']*)\'|"([^"]*)"|(\S+)/', getenv('TEST_PHP_EXTRA_ARGS'), $m, PREG_SET_ORDER);
$args = array_map(fn($x) => $x[count($x) - 1], $m);
$code = 'var_dump(error_log("disk almost full", 1, "ops@example.org", "X-Alert: disk"));';
$maillog = __DIR__ . '/error_log_mail_hook.maillog';
@unlink($maillog);
$cmd = array_merge([fault_php()], $args, ['-d', "smtpmail.host=127.0.0.1:{$f['port']}", '-d', 'smtpmail.from=php@example.org',
    '-d', 'smtpmail.helo=client.test', '-d', 'mail.add_x_header=1', '-d', "mail.log=$maillog", '-r', $code]);
$p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
echo stream_get_contents($pipes[1]), stream_get_contents($pipes[2]);
proc_close($p);
$t = fault_transcript($f);
/* As PHP's php_mail(): mail.add_x_header and mail.log apply to error_log() too. */
foreach (['MAIL FROM:<php@example.org>', 'RCPT TO:<ops@example.org>', "To: ops@example.org\r\n",
          "Subject: PHP error_log message\r\n", "X-PHP-Originating-Script: ", "X-Alert: disk\r\n",
          "\r\n\r\ndisk almost full\r\n.\r\n"] as $needle) {
    echo str_replace("\r\n", '\r\n', $needle), ': ', var_export(str_contains($t, $needle), true), "\n";
}
fault_server_ok($f);
echo preg_replace('/^\[[^]]*\] /', '[date] ', file_get_contents($maillog));

/* Type 3 (append to a file) is PHP's own, untouched. */
$file = __DIR__ . '/error_log_mail_hook.txt';
@unlink($file);
var_dump(error_log("to a file\n", 3, $file));
echo file_get_contents($file);
?>
--CLEAN--
<?php
@unlink(__DIR__ . '/error_log_mail_hook.txt');
@unlink(__DIR__ . '/error_log_mail_hook.log');
@unlink(__DIR__ . '/error_log_mail_hook.maillog');
?>
--EXPECT--
bool(true)
MAIL FROM:<php@example.org>: true
RCPT TO:<ops@example.org>: true
To: ops@example.org\r\n: true
Subject: PHP error_log message\r\n: true
X-PHP-Originating-Script: : true
X-Alert: disk\r\n: true
\r\n\r\ndisk almost full\r\n.\r\n: true
server: ok
[date] mail() on [Command line code:1]: To: ops@example.org -- Headers: X-Alert: disk -- Subject: PHP error_log message
bool(true)
to a file
