--TEST--
php-fpm: a page that sent mail reaches the web server before the relay gets the session's QUIT, even when other extensions' shutdown work follows smtpmail's
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

/*
 * Which comes first at the end of the request: the response, or the QUIT?
 * The page also keeps a session whose user save handler takes 0.5 s to
 * write. The session module writes it in its own RSHUTDOWN, after smtpmail's
 * (modules shut down in the reverse order of their loading), so it is work
 * that stands between smtpmail's QUIT and the end of the request. A client
 * that quits before the response ends has its QUIT at the relay 0.5 s before
 * the web server gets the page; one that ends the response first has not.
 */
$f = fault_start([['greet'], ['ehlo', []], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit_slow', 0]]);
$fpm = fpm_start();
$page = $fpm['dir'] . '/page.php';
file_put_contents($page, '<?php
class SlowWriter implements SessionHandlerInterface, SessionIdInterface, SessionUpdateTimestampHandlerInterface {
    public function create_sid(): string { return "fpmquit"; }
    public function validateId(string $id): bool { return true; }
    public function updateTimestamp(string $id, string $data): bool { usleep(500000); return true; }
    public function open(string $path, string $name): bool { return true; }
    public function close(): bool { return true; }
    public function read(string $id): string|false { return ""; }
    public function write(string $id, string $data): bool { usleep(500000); return true; }
    public function destroy(string $id): bool { return true; }
    public function gc(int $max): int|false { return 0; }
}
ini_set("session.use_cookies", "0");
session_set_save_handler(new SlowWriter(), false);
session_id("fpmquit");
session_start();
$_SESSION["n"] = 1;
$r = smtp_send("rcpt@example.org", "fpm", "Hello\r\n", [], ["host" => "127.0.0.1", "port" => (int)$_GET["port"],
    "tls" => "none", "helo" => "client.test", "from" => "sender@example.org", "timeout" => 5]);
echo "sent: ", is_array($r) ? "yes" : "no", ", session: ", session_status() === PHP_SESSION_ACTIVE ? "active" : "none", "\n";
');

$events = $f['transcript'] . '.events';
$at_end = null;
$t0 = microtime(true);
$res = fcgi_request($fpm, $page, 'port=' . $f['port'], function () use ($events, &$at_end) {
    $at_end = (string)@file_get_contents($events);
});
echo 'response ended: ', var_export($res['ended'], true), "\n";
echo 'body: ', trim(substr($res['stdout'], (int)strpos($res['stdout'], "\r\n\r\n"))), "\n";
echo 'the relay had the QUIT when the response ended: ', var_export(str_contains((string)$at_end, 'quit received'), true), "\n";
/* The session still ended properly, after the response. */
usleep(100000);
echo implode("\n", fault_events($f)), "\n";
echo 'QUIT sent: ', var_export(str_ends_with(fault_transcript($f), "QUIT\r\n"), true), "\n";
fault_server_ok($f);
fpm_stop($fpm);
?>
--EXPECT--
response ended: true
body: sent: yes, session: active
the relay had the QUIT when the response ended: false
conn 1 offset 0
data received
quit received
221 sent
QUIT sent: true
server: ok
