--TEST--
PHPMailer: its default mail() path goes through the hook: delivered with the -f envelope sender, Bcc hidden, an attachment intact; a refusal makes send() fail
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
if (!is_file('/usr/share/php/libphp-phpmailer/autoload.php')) die('skip PHPMailer not installed (apt-get install libphp-phpmailer)');
/* PHPMailer needs ctype, or Symfony's polyfill (`make test` loads no extension but this one). */
if (!extension_loaded('ctype') && !is_file('/usr/share/php/Symfony/Polyfill/Ctype/autoload.php')) die('skip needs ctype or php-symfony-polyfill-ctype');
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.host=127.0.0.1:2525
mail.add_x_header=1
sendmail_path=/bin/false
--FILE--
<?php
if (!extension_loaded('ctype')) require '/usr/share/php/Symfony/Polyfill/Ctype/autoload.php';
require '/usr/share/php/libphp-phpmailer/autoload.php';
require __DIR__ . '/relay/submission.php';
require __DIR__ . '/integration/mime.php';

use PHPMailer\PHPMailer\PHPMailer;

$boxes = ['pm-to', 'pm-cc', 'pm-bcc'];
foreach ($boxes as $box) {
    relay_clear_mailbox($box);
}

$text = "Grüße aus Köln: 10 €.\n.\n..leading dots\nFrom the start of a line\n"
    . str_repeat('0123456789', 12) . "\nlast line\n";
$html = "<p>Gr&uuml;&szlig;e, <b>HTML</b></p>\n<p>.</p>\n";
/* PHPMailer closes the last alternative with a line break of its own before the
 * delimiter, so the HTML part reads back with one more "\n" than it was given. */
$html_framed = $html . "\n";
$attachment = implode('', array_map('chr', range(0, 255))) . "\r\n.\r\n" . str_repeat("\0\xff", 600);

$mail = new PHPMailer(true);   /* throw on failure */
$mail->isMail();               /* the default: PHP's mail(), here the hook */
$mail->CharSet = PHPMailer::CHARSET_UTF8;
$mail->setFrom('pm-from@smtpmail.test', 'PHPMailer App');
$mail->Sender = 'pm-bounce@smtpmail.test';   /* passed to mail() as "-fpm-bounce@smtpmail.test" */
$mail->addAddress('pm-to@smtpmail.test', 'Tö Person');
$mail->addCC('pm-cc@smtpmail.test');
$mail->addBCC('pm-bcc@smtpmail.test');
$mail->Subject = 'PHPMailer through smtpmail: Grüße';
$mail->isHTML(true);
$mail->Body = $html;
$mail->AltBody = $text;
$mail->addStringAttachment($attachment, 'every byte.bin', PHPMailer::ENCODING_BASE64, 'application/octet-stream');
var_dump($mail->send());

$ids = [];
foreach ($boxes as $box) {
    [$msg] = relay_wait_exactly($box, 1);
    [$headers, ] = relay_split($msg);
    [$protocol, ] = relay_received_id($headers);
    $ids[] = relay_header($headers, 'Message-ID')[0];
    printf("%s: Return-Path %s, Delivered-To %s, %s, From %s, To %s, Cc %s, Bcc headers %d, Subject %s\n", $box,
        relay_header($headers, 'Return-Path')[0], relay_header($headers, 'Delivered-To')[0], $protocol,
        relay_header($headers, 'From')[0], relay_header($headers, 'To')[0], relay_header($headers, 'Cc')[0],
        count(relay_header($headers, 'Bcc')), relay_header($headers, 'Subject')[0]);
    printf("  X-Mailer %s, X-PHP-Originating-Script %s\n", relay_header($headers, 'X-Mailer')[0],
        relay_header($headers, 'X-PHP-Originating-Script')[0]);
    if (preg_match('/pm-bcc/', substr($msg, strpos($msg, "\n\n")) . implode("\n", array_column(array_slice($headers, 4), 1)))) {
        echo "  the Bcc address is visible in the message\n";
    }
    foreach (mime_leaves($msg) as $leaf) {
        $disposition = relay_header($leaf['headers'], 'Content-Disposition')[0] ?? 'inline';
        printf("  %s, %s, %d bytes, %s\n", $leaf['type'], mime_param(";$disposition", 'filename') ?? 'no filename',
            strlen($leaf['body']), match ($leaf['type']) {
                'text/plain' => $leaf['body'] === $text ? 'text intact' : 'TEXT CHANGED: ' . json_encode($leaf['body']),
                'text/html' => $leaf['body'] === $html_framed ? 'html intact' : 'HTML CHANGED: ' . json_encode($leaf['body']),
                default => $leaf['body'] === $attachment ? 'attachment intact' : 'ATTACHMENT CHANGED',
            });
    }
}
echo 'one message for all: ', count(array_unique($ids)) === 1 ? 'yes' : 'no', "\n";

/* PHPMailer calls @mail(): the hook's warning is silenced, PHPMailer reports
 * its generic error, and error_get_last() still holds the stage and the reply. */
$mail = new PHPMailer(true);
$mail->setFrom('pm-from@smtpmail.test');
$mail->addAddress('reject-pm@smtpmail.test');
$mail->Subject = 'refused';
$mail->Body = "no\n";
try {
    $mail->send();
    echo "refused: no exception\n";
} catch (\PHPMailer\PHPMailer\Exception $e) {
    echo 'refused: ', $e->getMessage(), "\n  ", error_get_last()['message'], "\n";
}
?>
--EXPECTF--
bool(true)
pm-to: Return-Path <pm-bounce@smtpmail.test>, Delivered-To pm-to@smtpmail.test, ESMTP, From PHPMailer App <pm-from@smtpmail.test>, To =?utf-8?Q?T=C3=B6_Person?= <pm-to@smtpmail.test>, Cc pm-cc@smtpmail.test, Bcc headers 0, Subject =?utf-8?Q?PHPMailer_through_smtpmail:_Gr=C3=BC=C3=9Fe?=
  X-Mailer PHPMailer %s (https://github.com/PHPMailer/PHPMailer), X-PHP-Originating-Script %d:PHPMailer.php
  text/plain, no filename, 200 bytes, text intact
  text/html, no filename, 47 bytes, html intact
  application/octet-stream, every byte.bin, 1461 bytes, attachment intact
pm-cc: Return-Path <pm-bounce@smtpmail.test>, Delivered-To pm-cc@smtpmail.test, ESMTP, From PHPMailer App <pm-from@smtpmail.test>, To =?utf-8?Q?T=C3=B6_Person?= <pm-to@smtpmail.test>, Cc pm-cc@smtpmail.test, Bcc headers 0, Subject =?utf-8?Q?PHPMailer_through_smtpmail:_Gr=C3=BC=C3=9Fe?=
  X-Mailer PHPMailer %s (https://github.com/PHPMailer/PHPMailer), X-PHP-Originating-Script %d:PHPMailer.php
  text/plain, no filename, 200 bytes, text intact
  text/html, no filename, 47 bytes, html intact
  application/octet-stream, every byte.bin, 1461 bytes, attachment intact
pm-bcc: Return-Path <pm-bounce@smtpmail.test>, Delivered-To pm-bcc@smtpmail.test, ESMTP, From PHPMailer App <pm-from@smtpmail.test>, To =?utf-8?Q?T=C3=B6_Person?= <pm-to@smtpmail.test>, Cc pm-cc@smtpmail.test, Bcc headers 0, Subject =?utf-8?Q?PHPMailer_through_smtpmail:_Gr=C3=BC=C3=9Fe?=
  X-Mailer PHPMailer %s (https://github.com/PHPMailer/PHPMailer), X-PHP-Originating-Script %d:PHPMailer.php
  text/plain, no filename, 200 bytes, text intact
  text/html, no filename, 47 bytes, html intact
  application/octet-stream, every byte.bin, 1461 bytes, attachment intact
one message for all: yes
refused: Could not instantiate mail function.
  mail(): [rcpt] 127.0.0.1:2525: the server refused the recipient <reject-pm@smtpmail.test>: 550 5.1.1 <reject-pm@smtpmail.test>: Recipient address rejected: Recipient rejected by the test relay
