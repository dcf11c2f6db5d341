--TEST--
Symfony Mailer: an Email (To, Cc, Bcc, text + HTML, attachment) sent through SmtpMailTransport over STARTTLS + AUTH reaches each recipient intact; refusals surface as TransportException
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
if (!is_file('/usr/share/php/Symfony/Component/Mailer/autoload.php')) die('skip Symfony Mailer not installed (apt-get install php-symfony-mailer)');
/* Symfony needs mbstring and iconv, or its polyfills for hosts without them
 * (run-tests' `make test` loads no extension but this one). */
if (!extension_loaded('mbstring') && !is_file('/usr/share/php/Symfony/Polyfill/Mbstring/autoload.php')) die('skip needs mbstring or php-symfony-polyfill-mbstring');
if (!extension_loaded('iconv') && !is_file('/usr/share/php/Symfony/Polyfill/Iconv/autoload.php')) die('skip needs iconv or php-symfony-polyfill-iconv');
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--FILE--
<?php
if (!extension_loaded('mbstring')) require '/usr/share/php/Symfony/Polyfill/Mbstring/autoload.php';
if (!extension_loaded('iconv')) require '/usr/share/php/Symfony/Polyfill/Iconv/autoload.php';
require '/usr/share/php/Symfony/Component/Mailer/autoload.php';
require __DIR__ . '/relay/submission.php';
require __DIR__ . '/integration/mime.php';
require __DIR__ . '/integration/SmtpMailTransport.php';

use Symfony\Component\Mailer\Exception\TransportException;
use Symfony\Component\Mime\Address;
use Symfony\Component\Mime\Email;

$boxes = ['sym-to', 'sym-cc', 'sym-bcc', 'sym-partial'];
foreach ($boxes as $box) {
    relay_clear_mailbox($box);
}

/* What could break on the way: non-ASCII text, lines that are or start with a
 * dot, a line longer than quoted-printable's 76 columns, trailing white space,
 * and an attachment holding every byte value and an SMTP end-of-data sequence. */
$text = "Grüße aus Köln: 10 €.\n.\n..leading dots\nFrom the start of a line\n"
    . str_repeat('0123456789', 12) . "\ntrailing space \nlast line\n";
$html = "<p>Gr&uuml;&szlig;e, <b>HTML</b></p>\n<p>.</p>\n";
$attachment = implode('', array_map('chr', range(0, 255))) . "\r\n.\r\n" . str_repeat("\0\xff", 600);

$transport = new SmtpMailTransport(relay_submission_options());
echo 'transport: ', $transport, "\n";

$email = (new Email())
    ->from(new Address('sym-from@smtpmail.test', 'Symfony App'))
    ->to(new Address('sym-to@smtpmail.test', 'Tö Person'))
    ->cc('sym-cc@smtpmail.test')
    ->bcc('sym-bcc@smtpmail.test')
    ->subject('Symfony through smtpmail: Grüße')
    ->text($text)
    ->html($html)
    ->attach($attachment, 'every byte.bin', 'application/octet-stream');

$sent = $transport->send($email);
echo get_class($sent), ': ', $sent->getDebug();

$ids = [];
foreach (['sym-to', 'sym-cc', 'sym-bcc'] as $box) {
    [$msg] = relay_wait_exactly($box, 1);
    [$headers, ] = relay_split($msg);
    [$protocol, ] = relay_received_id($headers);
    $ids[] = relay_header($headers, 'Message-ID')[0];
    printf("%s: Return-Path %s, Delivered-To %s, %s, To %s, Cc %s, Bcc headers %d, Subject %s\n", $box,
        relay_header($headers, 'Return-Path')[0], relay_header($headers, 'Delivered-To')[0], $protocol,
        relay_header($headers, 'To')[0], relay_header($headers, 'Cc')[0], count(relay_header($headers, 'Bcc')),
        iconv_mime_decode(relay_header($headers, 'Subject')[0], 0, 'UTF-8'));
    if (preg_match('/sym-bcc/', substr($msg, strpos($msg, "\n\n")) . implode("\n", array_column(array_slice($headers, 4), 1)))) {
        echo "  the Bcc address is visible in the message\n";
    }
    $leaves = mime_leaves($msg);
    foreach ($leaves as $leaf) {
        $disposition = relay_header($leaf['headers'], 'Content-Disposition')[0] ?? 'inline';
        printf("  %s, %s, %d bytes, %s\n", $leaf['type'], mime_param(";$disposition", 'filename') ?? 'no filename',
            strlen($leaf['body']), match ($leaf['type']) {
                'text/plain' => $leaf['body'] === $text ? 'text intact' : 'TEXT CHANGED: ' . json_encode($leaf['body']),
                'text/html' => $leaf['body'] === $html ? 'html intact' : 'HTML CHANGED: ' . json_encode($leaf['body']),
                default => $leaf['body'] === $attachment ? 'attachment intact' : 'ATTACHMENT CHANGED',
            });
    }
}
echo 'one message for all: ', count(array_unique($ids)) === 1 ? 'yes' : 'no', "\n";

/* Every recipient refused: nothing was sent, Symfony's exception carries ours. */
try {
    $transport->send((new Email())->from('sym-from@smtpmail.test')->to('reject-sym@smtpmail.test')
        ->subject('refused')->text("no\n"));
    echo "refused: no exception\n";
} catch (TransportException $e) {
    $previous = $e->getPrevious();
    printf("refused: %s, code %d, previous %s (stage %s, permanent %s)\n  %s\n", get_class($e), $e->getCode(),
        get_class($previous), $previous->getStage(), var_export($previous->isPermanent(), true), $e->getMessage());
}

/* Some refused: the others have it, so send() returns; the debug text names the refused. */
$sent = $transport->send((new Email())->from('sym-from@smtpmail.test')->to('sym-partial@smtpmail.test')
    ->cc('reject-sym-partial@smtpmail.test')->subject('partly refused')->text("half\n"));
echo "partial: ", $sent->getDebug();
relay_wait_exactly('sym-partial', 1);
echo "partial: sym-partial has 1 copy\n";

/* Relay unreachable: a ConnectException becomes a TransportException too. */
try {
    (new SmtpMailTransport(['host' => '127.0.0.1', 'port' => 1, 'tls' => 'none', 'timeout' => 5]))
        ->send((new Email())->from('sym-from@smtpmail.test')->to('sym-to@smtpmail.test')->text("x\n"));
    echo "unreachable: no exception\n";
} catch (TransportException $e) {
    printf("unreachable: %s, previous %s, transient %s\n", get_class($e), get_class($e->getPrevious()),
        var_export($e->getPrevious()->isTransient(), true));
}
?>
--EXPECTF--
transport: smtpmail://127.0.0.1
Symfony\Component\Mailer\SentMessage: 250 2.0.0 Ok: queued as %s
sym-to: Return-Path <sym-from@smtpmail.test>, Delivered-To sym-to@smtpmail.test, ESMTPSA, To =?utf-8?Q?T=C3=B6?= Person <sym-to@smtpmail.test>, Cc sym-cc@smtpmail.test, Bcc headers 0, Subject Symfony through smtpmail: Grüße
  text/plain, no filename, 216 bytes, text intact
  text/html, no filename, 46 bytes, html intact
  application/octet-stream, every byte.bin, 1461 bytes, attachment intact
sym-cc: Return-Path <sym-from@smtpmail.test>, Delivered-To sym-cc@smtpmail.test, ESMTPSA, To =?utf-8?Q?T=C3=B6?= Person <sym-to@smtpmail.test>, Cc sym-cc@smtpmail.test, Bcc headers 0, Subject Symfony through smtpmail: Grüße
  text/plain, no filename, 216 bytes, text intact
  text/html, no filename, 46 bytes, html intact
  application/octet-stream, every byte.bin, 1461 bytes, attachment intact
sym-bcc: Return-Path <sym-from@smtpmail.test>, Delivered-To sym-bcc@smtpmail.test, ESMTPSA, To =?utf-8?Q?T=C3=B6?= Person <sym-to@smtpmail.test>, Cc sym-cc@smtpmail.test, Bcc headers 0, Subject Symfony through smtpmail: Grüße
  text/plain, no filename, 216 bytes, text intact
  text/html, no filename, 46 bytes, html intact
  application/octet-stream, every byte.bin, 1461 bytes, attachment intact
one message for all: yes
refused: Symfony\Component\Mailer\Exception\TransportException, code 550, previous SmtpMail\RecipientException (stage rcpt, permanent true)
  [rcpt] 127.0.0.1:2587: the server refused the recipient <reject-sym@smtpmail.test>: 550 5.1.1 <reject-sym@smtpmail.test>: Recipient address rejected: Recipient rejected by the test relay
partial: 250 2.0.0 Ok: queued as %s
refused <reject-sym-partial@smtpmail.test>: 550 5.1.1 <reject-sym-partial@smtpmail.test>: Recipient address rejected: Recipient rejected by the test relay
partial: sym-partial has 1 copy
unreachable: Symfony\Component\Mailer\Exception\TransportException, previous SmtpMail\ConnectException, transient true
