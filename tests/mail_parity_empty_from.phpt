--TEST--
mail() parity: an empty "From: " header (PHPMailer without setFrom()) is as if absent: smtpmail.from applies, then sendmail_from
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.host=127.0.0.1:2525
smtpmail.from=parity-from-default@smtpmail.test
sendmail_from=parity-from-sendmail@smtpmail.test
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('parity-from');

var_dump(mail('parity-from@smtpmail.test', 'empty', "1\n", "From: \r\nX-Mailer: PHPMailer"));
var_dump(mail('parity-from@smtpmail.test', 'blank', "2\n", ['From' => '', 'X-Mailer' => 'array form']));
ini_set('smtpmail.from', '');
var_dump(mail('parity-from@smtpmail.test', 'sendmail_from', "3\n", "From:\r\n"));

$got = [];
foreach (relay_wait_exactly('parity-from', 3) as $raw) {
    [$headers] = relay_split($raw);
    $got[relay_header($headers, 'Subject')[0]] = relay_header($headers, 'Return-Path')[0] . ' From: '
        . implode(' | ', relay_header($headers, 'From'));
}
ksort($got);
print_r($got);
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
Array
(
    [blank] => <parity-from-default@smtpmail.test> From: parity-from-default@smtpmail.test
    [empty] => <parity-from-default@smtpmail.test> From: parity-from-default@smtpmail.test
    [sendmail_from] => <parity-from-sendmail@smtpmail.test> From: parity-from-sendmail@smtpmail.test
)
