--TEST--
mail() hook: mail.add_x_header=1 adds X-PHP-Originating-Script as PHP's mail() does
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.host=127.0.0.1:2525
mail.add_x_header=1
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('hook-x-header');

var_dump(mail('hook-x-header@smtpmail.test', 'X header', "body\n", 'From: hook-x-header-from@smtpmail.test'));

[$msg] = relay_wait_exactly('hook-x-header', 1);
[$headers] = relay_split($msg);
$x = relay_header($headers, 'X-PHP-Originating-Script');
var_dump(count($x));
/* "<uid of the script's owner>:<script base name>", as in ext/standard/mail.c */
var_dump($x[0] === getmyuid() . ':' . basename(__FILE__));
echo $x[0], "\n";
echo 'From: ', relay_header($headers, 'From')[0], "\n";
?>
--EXPECTF--
bool(true)
int(1)
bool(true)
%d:mail_hook_x_header.php
From: hook-x-header-from@smtpmail.test
