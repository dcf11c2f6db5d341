--TEST--
smtp_send(): inside TLS the relay's PLAIN is chosen (one round trip); the auth option restricts the choice, and Dovecot accepts CRAM-MD5 too
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
relay_clear_mailbox('auth-cram');

/* smtpd logs the mechanism on the line that starts the queue file. */
function mechanism(array $r): string
{
    $line = relay_log_wait("{$r['queue_id']}: client=");
    return substr($line, strpos($line, ': client=') + 2);
}

/* The relay offers PLAIN LOGIN CRAM-MD5 after STARTTLS: PLAIN with its initial response. */
$r = smtp_send('auth-cram@smtpmail.test', 'Default', "body\n", [], relay_submission_options());
echo mechanism($r), "\n";

/* Only CRAM-MD5 allowed: the challenge and response, which Dovecot verifies. */
$r = smtp_send('auth-cram@smtpmail.test', 'CRAM-MD5', "body\n", [], relay_submission_options(['auth' => 'cram-md5']));
echo mechanism($r), "\n";
$r = smtp_send('auth-cram@smtpmail.test', 'LOGIN', "body\n", [], relay_submission_options(['auth' => 'LOGIN']));
echo mechanism($r), "\n";
smtp_close();
foreach (relay_wait_exactly('auth-cram', 3) as $msg) {
    [$headers] = relay_split($msg);
    var_dump(str_contains(relay_header($headers, 'Received')[0], '(Authenticated sender: tester@smtpmail.test)'));
}

/* Allowing only what the relay does not offer, or an unknown name, is a clear error. */
try {
    smtp_send('auth-cram@smtpmail.test', 'x', "body\n", [], relay_submission_options(['auth' => 'XOAUTH2']));
} catch (SmtpMail\AuthException $e) {
    echo get_class($e), ': ', preg_replace('/^\[auth\] [^ ]+ /', '[auth] ', $e->getMessage()), "\n";
}
try {
    smtp_send('auth-cram@smtpmail.test', 'x', "body\n", [], relay_submission_options(['auth' => 'PLAIN GSSAPI']));
} catch (ValueError $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
?>
--EXPECT--
client=unknown[127.0.0.1], sasl_method=PLAIN, sasl_username=tester@smtpmail.test
client=unknown[127.0.0.1], sasl_method=CRAM-MD5, sasl_username=tester@smtpmail.test
client=unknown[127.0.0.1], sasl_method=LOGIN, sasl_username=tester@smtpmail.test
bool(true)
bool(true)
bool(true)
SmtpMail\AuthException: [auth] no usable AUTH mechanism: the server offers PLAIN LOGIN CRAM-MD5; smtpmail supports PLAIN, LOGIN and CRAM-MD5 with a password, of which the auth setting allows only some
ValueError: options["auth"]: unknown AUTH mechanism 'GSSAPI' (known: PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER)
