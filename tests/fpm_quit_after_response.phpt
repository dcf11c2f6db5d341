--TEST--
php-fpm: a page that sent mail reaches the web server before the session's QUIT is answered (the 221 is waited for after the response)
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/fpm.inc';
if (fpm_binary() === '') die('skip php-fpm' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION . ' is not installed');
if (fpm_extension() === '') die('skip smtpmail.so not found in extension_dir');
?>
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
require __DIR__ . '/fpm.inc';

/* The relay takes 1.5 s to answer QUIT: less than the client's QUIT wait
 * (2 s), so a client that waits for the 221 before the response is finished
 * holds the page until the 221 has left. */
$f = fault_start([['greet'], ['ehlo', []], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit_slow', 1500]]);
$fpm = fpm_start();
$page = $fpm['dir'] . '/page.php';
file_put_contents($page, '<?php
$r = smtp_send("rcpt@example.org", "fpm", "Hello\r\n", [], ["host" => "127.0.0.1", "port" => (int)$_GET["port"],
    "tls" => "none", "helo" => "client.test", "from" => "sender@example.org", "timeout" => 5]);
echo "sent: ", is_array($r) ? "yes" : "no", "\n";
');

$events = $f['transcript'] . '.events';
$at_end = null;
$res = fcgi_request($fpm, $page, 'port=' . $f['port'], function () use ($events, &$at_end) {
    $at_end = (string)@file_get_contents($events);
});
echo 'response ended: ', var_export($res['ended'], true), "\n";
echo 'body: ', trim(substr($res['stdout'], (int)strpos($res['stdout'], "\r\n\r\n"))), "\n";
echo 'the relay had sent its 221 when the response ended: ', var_export(str_contains((string)$at_end, '221 sent'), true), "\n";
/* The session still ended properly, after the response: QUIT, the 221 read. */
echo implode("\n", fault_events($f)), "\n";
echo 'QUIT sent: ', var_export(str_ends_with(fault_transcript($f), "QUIT\r\n"), true), "\n";
fault_server_ok($f);
fpm_stop($fpm);
?>
--EXPECT--
response ended: true
body: sent: yes
the relay had sent its 221 when the response ended: false
conn 1 offset 0
data received
quit received
221 sent
QUIT sent: true
server: ok
