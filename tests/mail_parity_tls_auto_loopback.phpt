--TEST--
mail() parity: tls=auto on a loopback relay with credentials uses the STARTTLS it offers, with the certificate verified
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
smtpmail.tls=auto
smtpmail.cafile={PWD}/.relay/ca.pem
smtpmail.username=tester@smtpmail.test
smtpmail.password=s3cret-Pass
smtpmail.from=parity-tls-from@smtpmail.test
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('parity-tls');

var_dump(mail('parity-tls@smtpmail.test', 'auto on loopback', "body\n"));
[$msg] = relay_wait_exactly('parity-tls', 1);
[$headers] = relay_split($msg);
[$proto] = relay_received_id($headers);
echo "received with $proto\n";
echo preg_match('/\(using TLSv1\.[23] /', relay_header($headers, 'Received')[0]) ? "over TLS\n" : "NOT over TLS\n";

/* Verified: a certificate the configured CA did not issue is refused, never used unverified. */
$env = relay_env();
try {
    smtp_send('parity-tls@smtpmail.test', 'wrong CA', "body\n", ['From' => 'parity-tls-from@smtpmail.test'],
        ['host' => '127.0.0.1', 'port' => 2587, 'tls' => 'auto', 'cafile' => __DIR__ . '/.relay/untrusted.pem',
         'username' => $env['SMTPMAIL_TEST_USER'], 'password' => $env['SMTPMAIL_TEST_PASSWORD']]);
    echo "sent unverified\n";
} catch (SmtpMail\TlsException $e) {
    echo get_class($e), "\n";
}
/* Without credentials there is nothing to protect: plain text, as before. */
$r = smtp_send('parity-tls@smtpmail.test', 'no credentials', "body\n", ['From' => 'parity-tls-from@smtpmail.test'],
    ['host' => '127.0.0.1', 'port' => 2525, 'tls' => 'auto', 'transcript' => true]);
echo str_contains($r['transcript'], '250-STARTTLS') ? 'offered, ' : 'not offered, ', str_contains($r['transcript'], "STARTTLS\r\n") ? "STARTTLS used\n" : "plain text\n";
relay_wait_exactly('parity-tls', 2);
?>
--EXPECTF--
bool(true)
received with ESMTPSA
over TLS
SmtpMail\TlsException
not offered, plain text
