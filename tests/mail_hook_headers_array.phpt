--TEST--
mail() hook: additional headers as an array, including a field given several times
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.host=127.0.0.1:2525
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('hook-array');

var_dump(mail('hook-array@smtpmail.test', 'Array headers', "body\n", [
    'From' => 'hook-array-from@smtpmail.test',
    'X-Multi' => ['first', 'second'],
    'Content-Type' => 'text/plain; charset=UTF-8',
]));

[$msg] = relay_wait_exactly('hook-array', 1);
[$headers, $body] = relay_split($msg);
foreach (array_slice($headers, 4) as [$name, $value]) {
    if ($name !== 'Date' && $name !== 'Message-ID') {
        echo "$name: $value\n";
    }
}
echo 'Return-Path: ', relay_header($headers, 'Return-Path')[0], "\n";
var_dump($body);
?>
--EXPECT--
bool(true)
To: hook-array@smtpmail.test
Subject: Array headers
From: hook-array-from@smtpmail.test
X-Multi: first
X-Multi: second
Content-Type: text/plain; charset=UTF-8
Return-Path: <hook-array-from@smtpmail.test>
string(5) "body
"
