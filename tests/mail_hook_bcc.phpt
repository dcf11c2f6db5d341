--TEST--
mail() hook: To, Cc and Bcc recipients each get one copy, and no copy shows the Bcc header
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
$boxes = ['hook-copy-to', 'hook-copy-to2', 'hook-copy-cc', 'hook-blind1', 'hook-blind2'];
foreach ($boxes as $box) {
    relay_clear_mailbox($box);
}

var_dump(mail('hook-copy-to@smtpmail.test, Second <hook-copy-to2@smtpmail.test>', 'Copies', "Who sees whom?\n",
    "From: hook-copy-from@smtpmail.test\r\n"
    . "Cc: hook-copy-cc@smtpmail.test\r\n"
    . "Bcc: hook-blind1@smtpmail.test,\r\n Hidden <hook-blind2@smtpmail.test>"));

$ids = [];
foreach ($boxes as $box) {
    [$msg] = relay_wait_exactly($box, 1);
    [$headers, $body] = relay_split($msg);
    $ids[] = relay_header($headers, 'Message-ID')[0];
    /* What the client wrote: everything after Postfix's four trace fields. */
    $sent = '';
    foreach (array_slice($headers, 4) as [$name, $value]) {
        $sent .= "$name: $value\n";
    }
    $sent .= "\n$body";
    printf("%s: Delivered-To %s, To %s, Cc %s, Bcc fields %d, blind addresses shown %s\n", $box,
        relay_header($headers, 'Delivered-To')[0], relay_header($headers, 'To')[0],
        relay_header($headers, 'Cc')[0], count(relay_header($headers, 'Bcc')),
        preg_match('/bcc|blind|hidden/i', $sent) ? 'YES' : 'no');
}
/* One message, one transaction: every copy is the same message. */
var_dump(count(array_unique($ids)));
?>
--EXPECT--
bool(true)
hook-copy-to: Delivered-To hook-copy-to@smtpmail.test, To hook-copy-to@smtpmail.test, Second <hook-copy-to2@smtpmail.test>, Cc hook-copy-cc@smtpmail.test, Bcc fields 0, blind addresses shown no
hook-copy-to2: Delivered-To hook-copy-to2@smtpmail.test, To hook-copy-to@smtpmail.test, Second <hook-copy-to2@smtpmail.test>, Cc hook-copy-cc@smtpmail.test, Bcc fields 0, blind addresses shown no
hook-copy-cc: Delivered-To hook-copy-cc@smtpmail.test, To hook-copy-to@smtpmail.test, Second <hook-copy-to2@smtpmail.test>, Cc hook-copy-cc@smtpmail.test, Bcc fields 0, blind addresses shown no
hook-blind1: Delivered-To hook-blind1@smtpmail.test, To hook-copy-to@smtpmail.test, Second <hook-copy-to2@smtpmail.test>, Cc hook-copy-cc@smtpmail.test, Bcc fields 0, blind addresses shown no
hook-blind2: Delivered-To hook-blind2@smtpmail.test, To hook-copy-to@smtpmail.test, Second <hook-copy-to2@smtpmail.test>, Cc hook-copy-cc@smtpmail.test, Bcc fields 0, blind addresses shown no
int(1)
