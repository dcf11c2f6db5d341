--TEST--
mail() hook: with smtpmail.host empty, mail() is PHP's own and runs sendmail_path
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
if (!is_executable('/bin/sh')) die('skip needs /bin/sh');
?>
--INI--
smtpmail.host=
sendmail_path={PWD}/mail_hook_sendmail_path.sh
mail.add_x_header=0
--FILE--
<?php
$dir = __DIR__;
/* A stand-in for sendmail: records its arguments and the message it is given. */
file_put_contents("$dir/mail_hook_sendmail_path.sh", <<<SH
#!/bin/sh
printf '%s\n' "\$@" > '$dir/mail_hook_sendmail_path.args'
cat > '$dir/mail_hook_sendmail_path.eml'
SH);
chmod("$dir/mail_hook_sendmail_path.sh", 0755);

var_dump(mail('local@smtpmail.test', 'Via sendmail', "Body line\n", 'From: sendmail-path@smtpmail.test',
    '-fsendmail-path-bounce@smtpmail.test'));
var_dump(file_get_contents("$dir/mail_hook_sendmail_path.args"));
/* JSON keeps the CRs visible: run-tests would not see them in plain output. */
echo json_encode(file_get_contents("$dir/mail_hook_sendmail_path.eml")), "\n";
?>
--CLEAN--
<?php
foreach (['sh', 'args', 'eml'] as $ext) {
    @unlink(__DIR__ . "/mail_hook_sendmail_path.$ext");
}
?>
--EXPECT--
bool(true)
string(37) "-fsendmail-path-bounce@smtpmail.test
"
"To: local@smtpmail.test\r\nSubject: Via sendmail\r\nFrom: sendmail-path@smtpmail.test\r\n\r\nBody line\n\r\n"
