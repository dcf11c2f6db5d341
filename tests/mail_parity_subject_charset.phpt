--TEST--
mail() parity: a non-UTF-8 Subject is RFC 2047 encoded in the single-octet charset the message's Content-Type declares, else sent as written (as PHP's mail() does)
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.host=127.0.0.1:2525
smtpmail.from=parity-subject-from@smtpmail.test
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('parity-subject');

$latin1 = "Cr\xe8me br\xfbl\xe9e";
var_dump(mail('parity-subject@smtpmail.test', "1 $latin1", "Bon app\xe9tit\n",
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"ISO-8859-1\"\r\nContent-Transfer-Encoding: 8bit"));
var_dump(mail('parity-subject@smtpmail.test', "2 $latin1", "no charset\n"));
var_dump(mail('parity-subject@smtpmail.test', "3 \u{e9}t\u{e9}", "UTF-8\n"));

$got = [];
foreach (relay_wait_exactly('parity-subject', 3) as $raw) {
    [$headers] = relay_split($raw);
    $subject = relay_header($headers, 'Subject')[0];
    /* The encoded-word's charset and decoded octets, or the raw octets. */
    if (preg_match('/^=\?([^?]+)\?B\?([^?]*)\?=$/', $subject, $m)) {
        $octets = base64_decode($m[2]);
        $got[$octets[0]] = "$m[1]: " . bin2hex($octets);
    } else {
        $got[$subject[0]] = 'raw: ' . bin2hex($subject);
    }
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
    [1] => ISO-8859-1: 31204372e86d65206272fb6ce965
    [2] => raw: 32204372e86d65206272fb6ce965
    [3] => UTF-8: 3320c3a974c3a9
)
