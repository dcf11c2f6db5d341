--TEST--
greeting: tls=starttls against the relay's implicit-TLS port fails after the 3 s grace period, not the 20 s timeout (a second connection's ClientHello got TLS back), for smtp_send() and mail(); a slow plain greeting still gets its whole timeout
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.host=127.0.0.1:2465
smtpmail.tls=starttls
smtpmail.timeout=20
smtpmail.from=me@smtpmail.test
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
require __DIR__ . '/fault_common.inc';
$env = relay_env();

/* The relay's implicit-TLS port, spoken to as if it greeted in plain text. */
$t0 = microtime(true);
try {
    smtp_send('wrong-mode@smtpmail.test', 's', "b\n", [], relay_submission_options([
        'port' => $env['SMTPMAIL_TEST_PORT_IMPLICIT'], 'tls' => 'starttls', 'timeout' => 20, 'from' => 'me@smtpmail.test']));
} catch (SmtpMail\Exception $e) {
    fault_show($e);
}
$took = microtime(true) - $t0;
echo 'after the grace period, long before the timeout: ', var_export($took >= 2.9 && $took < 8, true), "\n";

/* mail() with the same mistake in php.ini. */
$t0 = microtime(true);
var_dump(mail('wrong-mode@smtpmail.test', 's', "b\n"));
$took = microtime(true) - $t0;
echo 'mail() too: ', var_export($took >= 2.9 && $took < 8, true), "\n";

/* A plain server that greets after 4.5 s: past the grace period, within the timeout. The probe
 * connection waits in the fault server's backlog unanswered, so the first one keeps waiting. */
$slow = fault_start([['sleep', 4500], ['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
$r = fault_send($slow, ['timeout' => 10]);
echo 'slow greeting: ', $r['result'] !== null ? 'sent' : 'failed', ', waited for it: ', var_export($r['elapsed'] >= 4.4, true), "\n";
fault_show($r['e']);

/* Silence that is not TLS (the probe is never answered): the one timeout, unchanged. */
$silent = fault_start([['silent', 9000]]);
$r = fault_send($silent, ['timeout' => 5]);
fault_show($r['e']);
echo 'gave up at the timeout: ', var_export($r['elapsed'] >= 4.9 && $r['elapsed'] < 6.5, true), "\n";
?>
--EXPECTF--
SmtpMail\ConnectException code=0 stage=greeting transient=false permanent=true enhanced=-
[greeting] 127.0.0.1:%d: no greeting within 3 s, and the port answers a TLS ClientHello (a port that expects TLS from the first byte needs tls=implicit)
after the grace period, long before the timeout: true

Warning: mail(): [greeting] 127.0.0.1:2465: no greeting within 3 s, and the port answers a TLS ClientHello (a port that expects TLS from the first byte needs tls=implicit) in %s on line %d
bool(false)
mail() too: true
slow greeting: sent, waited for it: true
no exception
SmtpMail\ConnectException code=0 stage=greeting transient=true permanent=false enhanced=-
[greeting] 127.0.0.1:%d: no reply from the server within 5000 ms (a port that expects TLS from the first byte needs tls=implicit)
gave up at the timeout: true
