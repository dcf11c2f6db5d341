--TEST--
smtp_send(): a refused certificate is named in the error (subject and issuer), fetched by a probe that sends no credentials
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
$env = relay_env();
$cases = [
    'untrusted issuer' => ['port' => $env['SMTPMAIL_TEST_PORT_UNTRUSTED']],
    'another name' => ['context' => stream_context_create(['ssl' => ['peer_name' => 'wrong.example']])],
];
foreach ($cases as $name => $o) {
    try {
        smtp_send('tls-name@smtpmail.test', 'x', "body\n", [], $o + relay_submission_options());
        echo "$name: sent\n";
    } catch (SmtpMail\TlsException $e) {
        $m = $e->getMessage();
        echo "$name: ", substr($m, strpos($m, '; the server presented ')), "\n";
        echo '  password in message: ', var_export(str_contains($m, $env['SMTPMAIL_TEST_PASSWORD']), true), "\n";
    }
}
?>
--EXPECT--
untrusted issuer: ; the server presented CN=localhost, O=smtpmail tests, issued by CN=localhost, O=smtpmail tests
  password in message: false
another name: ; the server presented CN=localhost, O=smtpmail tests, issued by CN=smtpmail throwaway test CA, O=smtpmail tests
  password in message: false
