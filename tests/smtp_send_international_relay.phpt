--TEST--
smtp_send() through Postfix: an IDN domain delivered to its A-label, a UTF-8 sender with SMTPUTF8, SIZE and BODY=8BITMIME declared, 8-bit bodies intact
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('intl-idn');
relay_clear_mailbox('intl-utf8');

/* The MAIL FROM line of the dialogue, as the relay received it. */
function mail_from(array $r): string
{
    preg_match('/(MAIL FROM:[^\r\n]*)/', $r['transcript'], $m);
    return preg_replace('/SIZE=\d+/', 'SIZE=<n>', $m[1] ?? 'none');
}

$opts = relay_submission_options(['transcript' => true]);

/* bücher.smtpmail.test, written with an upper-case Ü: its A-label reaches the
 * relay, which delivers it (the relay knows only the xn-- form). */
$utf8 = "Gr\u{fc}\u{df}e aus K\u{f6}ln, \u{4f60}\u{597d}\n";
$r = smtp_send("M\u{fc}ller <intl-idn@B\u{dc}cher.smtpmail.test>", 'IDN', $utf8, [], $opts);
echo 'idn accepted: ', implode(', ', $r['accepted']), "\n";
echo 'idn ', mail_from($r), "\n";

/* A UTF-8 sender: SMTPUTF8 on MAIL FROM; a Latin-1 body: BODY=8BITMIME. */
$latin1 = "Gr\xfc\xdfe aus K\xf6ln\n";
$r2 = smtp_send('intl-utf8@smtpmail.test', 'UTF-8 sender', $latin1, ['From' => "J\u{f6}rg <j\u{f6}rg@smtpmail.test>"],
    $opts + ['from' => "j\u{f6}rg@smtpmail.test"]);
echo 'utf8 accepted: ', implode(', ', $r2['accepted']), "\n";
echo 'utf8 ', mail_from($r2), "\n";
smtp_close();

[$raw] = relay_wait_exactly('intl-idn', 1);
[$headers, $body] = relay_split($raw);
echo 'idn delivered to: ', relay_header($headers, 'X-Original-To')[0] ?? '?', "\n";
echo 'idn body identical: ', var_export($body === $utf8, true), "\n";
[$raw2] = relay_wait_exactly('intl-utf8', 1);
[$headers2, $body2] = relay_split($raw2);
echo 'utf8 return path: ', relay_header($headers2, 'Return-Path')[0] ?? '?', "\n";
echo 'utf8 body identical: ', var_export($body2 === $latin1, true), "\n";
?>
--EXPECTF--
idn accepted: intl-idn@xn--bcher-kva.smtpmail.test
idn MAIL FROM:<%s@smtpmail.test> SIZE=<n> BODY=8BITMIME
utf8 accepted: intl-utf8@smtpmail.test
utf8 MAIL FROM:<jörg@smtpmail.test> SIZE=<n> BODY=8BITMIME SMTPUTF8
idn delivered to: intl-idn@xn--bcher-kva.smtpmail.test
idn body identical: true
utf8 return path: <jörg@smtpmail.test>
utf8 body identical: true
