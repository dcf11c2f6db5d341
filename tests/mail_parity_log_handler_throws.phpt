--TEST--
mail() parity (php-src gh7875): an error handler that throws while mail.log is written stops the mail, as in PHP's mail(): nothing is sent
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
if (!is_executable('/bin/sh')) die('skip needs /bin/sh');
?>
--INI--
smtpmail.host=127.0.0.1:2525
smtpmail.from=parity-gh7875-from@smtpmail.test
mail.log=/nonexistent-smtpmail-dir/mail.log
sendmail_path={PWD}/mail_parity_log_handler_throws.sh
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('parity-gh7875');
$dir = __DIR__;
file_put_contents("$dir/mail_parity_log_handler_throws.sh", "#!/bin/sh\ncat > '$dir/mail_parity_log_handler_throws.eml'\n");
chmod("$dir/mail_parity_log_handler_throws.sh", 0755);

set_error_handler(function (int $no, string $msg) {
    throw new ErrorException($msg, 0, $no);
});
foreach (['smtpmail' => '127.0.0.1:2525', 'stock mail()' => ''] as $who => $host) {
    ini_set('smtpmail.host', $host);
    try {
        var_dump(mail('parity-gh7875@smtpmail.test', 'must not go out', "body\n"));
    } catch (ErrorException $e) {
        echo "$who: ", get_class($e), ': ', preg_replace('/\(.*\)/', '(...)', $e->getMessage()), "\n";
    }
}
restore_error_handler();
var_dump(file_exists("$dir/mail_parity_log_handler_throws.eml"));
relay_wait_exactly('parity-gh7875', 0);
echo "nothing delivered\n";
?>
--CLEAN--
<?php
@unlink(__DIR__ . '/mail_parity_log_handler_throws.sh');
@unlink(__DIR__ . '/mail_parity_log_handler_throws.eml');
?>
--EXPECT--
smtpmail: ErrorException: mail(...): Failed to open stream: No such file or directory
stock mail(): ErrorException: mail(...): Failed to open stream: No such file or directory
bool(false)
nothing delivered
