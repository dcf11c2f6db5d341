--TEST--
mail() parity: the fifth argument is split like sh words (quotes, backslash) and never executed; -r sets the sender like -f; harmless flags are silent
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.host=127.0.0.1:2525
smtpmail.from=parity-words-default@smtpmail.test
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('parity-words');
@unlink('/tmp/smtpmail-parity-words-pwned');

$send = function (string $tag, string $params) {
    var_dump(mail('parity-words@smtpmail.test', $tag, "$tag\n", 'From: parity-words-from@smtpmail.test', $params));
};
$send('r', '-r parity-words-r@smtpmail.test');
$send('r-joined', '-rparity-words-rj@smtpmail.test -i');
$send('harmless', '-i -oi -odb -odq -oem -t -f parity-words-h@smtpmail.test');
/* -F takes a value: one notice for the option, not one per word. */
$send('quoted', '-F "Bounce Name" -f \'parity-words-q@smtpmail.test\'');
$send('backslash', '-f parity-words-b\@smtpmail.test -F Bounce\ Name');
/* Nothing reaches a shell. */
$send('shell', "-f parity-words-s@smtpmail.test ; touch /tmp/smtpmail-parity-words-pwned '\$(touch /tmp/smtpmail-parity-words-pwned)'");
var_dump(file_exists('/tmp/smtpmail-parity-words-pwned'));

$got = [];
foreach (relay_wait_exactly('parity-words', 6) as $raw) {
    [$headers] = relay_split($raw);
    $got[relay_header($headers, 'Subject')[0]] = relay_header($headers, 'Return-Path')[0];
}
ksort($got);
print_r($got);
?>
--EXPECTF--
bool(true)
bool(true)
bool(true)

Notice: mail(): smtpmail ignores the sendmail option "-F Bounce Name" in %s on line %d
bool(true)

Notice: mail(): smtpmail ignores the sendmail option "-F Bounce Name" in %s on line %d
bool(true)

Notice: mail(): smtpmail ignores the sendmail option ";" in %s on line %d

Notice: mail(): smtpmail ignores the sendmail option "touch" in %s on line %d

Notice: mail(): smtpmail ignores the sendmail option "/tmp/smtpmail-parity-words-pwned" in %s on line %d

Notice: mail(): smtpmail ignores the sendmail option "$(touch /tmp/smtpmail-parity-words-pwned)" in %s on line %d
bool(true)
bool(false)
Array
(
    [backslash] => <parity-words-b@smtpmail.test>
    [harmless] => <parity-words-h@smtpmail.test>
    [quoted] => <parity-words-q@smtpmail.test>
    [r] => <parity-words-r@smtpmail.test>
    [r-joined] => <parity-words-rj@smtpmail.test>
    [shell] => <parity-words-s@smtpmail.test>
)
