--TEST--
Symfony Mailer with smtpmail.deferred: send() only spools (the debug text names the spool id), smtp_spool_flush() delivers the message intact
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
if (!is_file('/usr/share/php/Symfony/Component/Mailer/autoload.php')) die('skip Symfony Mailer not installed (apt-get install php-symfony-mailer)');
if (!extension_loaded('mbstring') && !is_file('/usr/share/php/Symfony/Polyfill/Mbstring/autoload.php')) die('skip needs mbstring or php-symfony-polyfill-mbstring');
if (!extension_loaded('iconv') && !is_file('/usr/share/php/Symfony/Polyfill/Iconv/autoload.php')) die('skip needs iconv or php-symfony-polyfill-iconv');
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.spool_dir={PWD}/framework_symfony_mailer_spool.d
smtpmail.deferred=1
smtpmail.host=127.0.0.1:2587
smtpmail.tls=starttls
smtpmail.cafile={PWD}/.relay/ca.pem
smtpmail.username=tester@smtpmail.test
smtpmail.password=s3cret-Pass
--FILE--
<?php
if (!extension_loaded('mbstring')) require '/usr/share/php/Symfony/Polyfill/Mbstring/autoload.php';
if (!extension_loaded('iconv')) require '/usr/share/php/Symfony/Polyfill/Iconv/autoload.php';
require '/usr/share/php/Symfony/Component/Mailer/autoload.php';
require __DIR__ . '/relay/submission.php';
require __DIR__ . '/integration/mime.php';
require __DIR__ . '/integration/SmtpMailTransport.php';

use Symfony\Component\Mailer\Mailer;
use Symfony\Component\Mime\Email;

relay_clear_mailbox('sym-spool');
$text = "Queued first.\n.\nSent later.\n";

/* The busy-site shape: the request only writes to the spool (only mail for
 * the php.ini relay and account is spooled: the transport has no options)... */
$transport = new SmtpMailTransport();
$sent = $transport->send((new Email())->from('sym-from@smtpmail.test')->to('sym-spool@smtpmail.test')
    ->subject('spooled')->text($text));
echo $sent->getDebug();
$queued = glob(__DIR__ . '/framework_symfony_mailer_spool.d/queue/*.msg');
echo count($queued), " message in queue/\n";

/* ...and the flusher (cron) sends it. */
var_dump(smtp_spool_flush());
[$msg] = relay_wait_exactly('sym-spool', 1);
[$headers, ] = relay_split($msg);
[$protocol, ] = relay_received_id($headers);
[$leaf] = mime_leaves($msg);
printf("%s, Return-Path %s, Subject %s, %s\n", $protocol, relay_header($headers, 'Return-Path')[0],
    relay_header($headers, 'Subject')[0], $leaf['body'] === $text ? 'text intact' : 'TEXT CHANGED: ' . json_encode($leaf['body']));
echo count(glob(__DIR__ . '/framework_symfony_mailer_spool.d/queue/*')), " files left in queue/\n";

/* The same through Symfony's Mailer, as an application calls it. */
(new Mailer($transport))->send((new Email())->from('sym-from@smtpmail.test')->to('sym-spool@smtpmail.test')
    ->subject('second')->text("two\n"));
var_dump(smtp_spool_flush());
relay_wait_exactly('sym-spool', 2);
echo "2 delivered\n";
?>
--CLEAN--
<?php
$dir = __DIR__ . '/framework_symfony_mailer_spool.d';
foreach (['tmp', 'queue', 'failed'] as $sub) {
    foreach (glob("$dir/$sub/*") ?: [] as $f) {
        unlink($f);
    }
    @rmdir("$dir/$sub");
}
@rmdir($dir);
?>
--EXPECTF--
spooled as %s
1 message in queue/
array(5) {
  ["sent"]=>
  int(1)
  ["deferred"]=>
  int(0)
  ["failed"]=>
  int(0)
  ["skipped"]=>
  int(0)
  ["waiting"]=>
  int(0)
}
ESMTPSA, Return-Path <sym-from@smtpmail.test>, Subject spooled, text intact
0 files left in queue/
array(5) {
  ["sent"]=>
  int(1)
  ["deferred"]=>
  int(0)
  ["failed"]=>
  int(0)
  ["skipped"]=>
  int(0)
  ["waiting"]=>
  int(0)
}
2 delivered
