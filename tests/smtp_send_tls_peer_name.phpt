--TEST--
smtp_send(): a certificate for another name fails with TlsException (peer_name from the context)
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
relay_clear_mailbox('tls-peer-name');

$context = stream_context_create(['ssl' => ['peer_name' => 'wrong.example']]);
try {
    smtp_send('tls-peer-name@smtpmail.test', 'Never sent', "body\n", [],
        relay_submission_options(['context' => $context]));
    echo "no exception\n";
} catch (SmtpMail\Exception $e) {
    echo get_class($e), "\n";
    var_dump($e->getCode(), $e->getStage(), $e->isPermanent());
    /* PHP's wording varies: 8.2 "subjectAltName did not match expected name `x'",
     * 8.5 "CN=`y' did not match expected CN=`x'"; both name the expected name. */
    echo $e->getMessage(), "\n";
}
var_dump(relay_wait_exactly('tls-peer-name', 0));

/* Control: the same context naming the certificate's name works. */
$context = stream_context_create(['ssl' => ['peer_name' => 'localhost']]);
$r = smtp_send('tls-peer-name@smtpmail.test', 'Right name', "body\n", [],
    relay_submission_options(['context' => $context]));
var_dump($r['accepted']);
var_dump(count(relay_wait_exactly('tls-peer-name', 1)));
?>
--EXPECTF--
SmtpMail\TlsException
int(0)
string(3) "tls"
bool(true)
[tls] 127.0.0.1:2587: TLS handshake failed: Peer certificate %s did not match expected %s`wrong.example' (the certificate is for another name: connect by a name the certificate lists); the server presented CN=localhost, %s
array(0) {
}
array(1) {
  [0]=>
  string(27) "tls-peer-name@smtpmail.test"
}
int(1)
