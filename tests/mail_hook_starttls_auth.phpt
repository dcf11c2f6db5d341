--TEST--
mail() hook: with smtpmail.host set, mail() submits over STARTTLS + AUTH and returns true
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
/* smtpmail.cafile below is {PWD}/.relay/ca.pem: the relay's, or a link to it
 * (scripts/check-php-versions links it in its copy of the tree). */
if (realpath(relay_env()['SMTPMAIL_TEST_CA']) !== realpath(__DIR__ . '/.relay/ca.pem')) die('skip relay is not in tests/.relay');
?>
--INI--
smtpmail.host=127.0.0.1:2587
smtpmail.tls=starttls
smtpmail.cafile={PWD}/.relay/ca.pem
smtpmail.username=tester@smtpmail.test
smtpmail.password=s3cret-Pass
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('hook-auth');

/* Additional headers as one string, the way most mail() callers pass them. */
var_dump(mail('hook-auth@smtpmail.test', 'Through the hook', "Line 1\nLine 2\n",
    "From: Hook Sender <hook-auth-from@smtpmail.test>\r\nReply-To: hook-auth-reply@smtpmail.test\r\nX-Mailer: phpt"));

[$msg] = relay_wait_exactly('hook-auth', 1);
[$headers, $body] = relay_split($msg);
[$proto] = relay_received_id($headers);
echo "protocol: $proto\n";
var_dump(str_contains(relay_header($headers, 'Received')[0], '(Authenticated sender: tester@smtpmail.test)'));
foreach (array_slice($headers, 4) as [$name, $value]) {
    if ($name !== 'Date' && $name !== 'Message-ID') {
        echo "$name: $value\n";
    }
}
echo 'Return-Path: ', relay_header($headers, 'Return-Path')[0], "\n";
var_dump(count(relay_header($headers, 'Date')), count(relay_header($headers, 'Message-ID')));
var_dump($body);
?>
--EXPECT--
bool(true)
protocol: ESMTPSA
bool(true)
To: hook-auth@smtpmail.test
Subject: Through the hook
From: Hook Sender <hook-auth-from@smtpmail.test>
Reply-To: hook-auth-reply@smtpmail.test
X-Mailer: phpt
Return-Path: <hook-auth-from@smtpmail.test>
int(1)
int(1)
string(14) "Line 1
Line 2
"
