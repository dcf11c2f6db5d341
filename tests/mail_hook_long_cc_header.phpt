--TEST--
Headers (issue 11): a Cc of 22 named recipients on one line (PHPMailer's isMail() writes it so) is folded between addresses and delivered to all
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
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
$boxes = [];
$cc = [];
for ($i = 1; $i <= 22; $i++) {
    $boxes[] = $box = sprintf('long-cc-%02d', $i);
    relay_clear_mailbox($box);
    $cc[] = sprintf('"Recipient Number %02d, Esq." <%s@smtpmail.test>', $i, $box);
}
relay_clear_mailbox('long-cc-to');
$ccLine = implode(', ', $cc);
printf("Cc line: %d octets\n", strlen("Cc: $ccLine"));
var_dump(mail('long-cc-to@smtpmail.test', 'Many Cc', "body\n",
    "From: long-cc-from@smtpmail.test\r\nCc: $ccLine\r\nReply-To: $ccLine"));

[$msg] = relay_wait_exactly('long-cc-to', 1);
$arrived = 0;
foreach ($boxes as $box) {
    $arrived += count(relay_wait_for($box, 1));
}
echo "delivered to $arrived Cc recipients\n";
[$headers] = relay_split($msg);
var_dump(relay_header($headers, 'Cc') === [$ccLine], relay_header($headers, 'Reply-To') === [$ccLine]);
/* The raw field: lines of at most 78 octets, each fold after a comma between two addresses. */
preg_match('/^Cc:.*?(?=\r?\n[^ \t])/ms', $msg, $m);
$lines = preg_split('/\r?\n/', $m[0]);
printf("%d lines, longest %d\n", count($lines), max(array_map('strlen', $lines)));
foreach (array_slice($lines, 0, -1) as $line) {
    if (!str_ends_with($line, ',')) {
        echo "fold not between addresses: $line\n";
    }
}
?>
--EXPECT--
Cc line: 1234 octets
bool(true)
delivered to 22 Cc recipients
bool(true)
bool(true)
22 lines, longest 59
