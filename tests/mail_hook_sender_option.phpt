--TEST--
mail() hook: "-f address" in the fifth argument sets the envelope sender; harmless options pass silently, others give a notice
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.host=127.0.0.1:2525
smtpmail.from=hook-sender-default@smtpmail.test
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('hook-sender');

var_dump(mail('hook-sender@smtpmail.test', 'separate', "1\n", 'From: hook-sender-from@smtpmail.test',
    '-f bounce@smtpmail.test'));
var_dump(mail('hook-sender@smtpmail.test', 'joined', "2\n", 'From: hook-sender-from@smtpmail.test',
    '-fbounce-joined@smtpmail.test -oi -t'));
/* None of it reaches a shell: a command substitution is only an ignored option. */
var_dump(mail('hook-sender@smtpmail.test', 'shell', "3\n", 'From: hook-sender-from@smtpmail.test',
    '-X /tmp/x $(touch /tmp/smtpmail-hook-sender-pwned)'));
var_dump(file_exists('/tmp/smtpmail-hook-sender-pwned'));

$got = [];
foreach (relay_wait_exactly('hook-sender', 3) as $raw) {
    [$headers] = relay_split($raw);
    $got[relay_header($headers, 'Subject')[0]] = relay_header($headers, 'Return-Path')[0]
        . ' From: ' . relay_header($headers, 'From')[0];
}
ksort($got);
print_r($got);
?>
--EXPECTF--
bool(true)
bool(true)

Notice: mail(): smtpmail ignores the sendmail option "-X /tmp/x" in %s on line %d

Notice: mail(): smtpmail ignores the sendmail option "$(touch" in %s on line %d

Notice: mail(): smtpmail ignores the sendmail option "/tmp/smtpmail-hook-sender-pwned)" in %s on line %d
bool(true)
bool(false)
Array
(
    [joined] => <bounce-joined@smtpmail.test> From: hook-sender-from@smtpmail.test
    [separate] => <bounce@smtpmail.test> From: hook-sender-from@smtpmail.test
    [shell] => <hook-sender-default@smtpmail.test> From: hook-sender-from@smtpmail.test
)
