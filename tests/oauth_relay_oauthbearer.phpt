--TEST--
OAuth: OAUTHBEARER (RFC 7628) through the relay when it is the mechanism allowed; a token revoked early is refused by the relay (its introspection) and replaced once
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
require __DIR__ . '/oauth/idp.inc';
$env = relay_env();
$cache = __DIR__ . '/oauth_relay_oauthbearer.cache';
@unlink($cache);
relay_clear_mailbox('oauth-bearer');
$idp = idp_start(['port' => $env['SMTPMAIL_TEST_PORT_IDP']]);
$options = ['host' => '127.0.0.1:' . $env['SMTPMAIL_TEST_PORT_OAUTH'], 'tls' => 'starttls', 'cafile' => $env['SMTPMAIL_TEST_CA'],
    'username' => $env['SMTPMAIL_TEST_USER'], 'oauth_token_url' => $idp['url'], 'oauth_client_id' => IDP_CLIENT_ID,
    'oauth_client_secret' => IDP_CLIENT_SECRET, 'oauth_cache' => $cache, 'auth' => 'OAUTHBEARER',
    'from' => $env['SMTPMAIL_TEST_USER'], 'transcript' => true];
$r = smtp_send('oauth-bearer@smtpmail.test', 'Bearer', "Via OAUTHBEARER.\n", [], $options);
echo 'accepted: ', implode(', ', $r['accepted']), "\n";
echo preg_match('/^C: AUTH \S+.*$/m', $r['transcript'], $m) ? $m[0] : 'no AUTH', "\n";
smtp_close();
/* The token cached is revoked early: the relay refuses it, a new one is
 * fetched (the refused one is never reused) and the message goes. */
idp_revoke($idp);
$r = smtp_send('oauth-bearer@smtpmail.test', 'Bearer 2', "After a revocation.\n", [], $options);
echo 'accepted: ', implode(', ', $r['accepted']), "\n";
echo 'token requests: ', count(idp_requests($idp)), "\n";
echo 'delivered: ', count(relay_wait_exactly('oauth-bearer', 2)), "\n";
?>
--CLEAN--
<?php
@unlink(__DIR__ . '/oauth_relay_oauthbearer.cache');
@unlink(__DIR__ . '/oauth_relay_oauthbearer.cache.lock');
?>
--EXPECT--
accepted: oauth-bearer@smtpmail.test
C: AUTH OAUTHBEARER <redacted>
accepted: oauth-bearer@smtpmail.test
token requests: 2
delivered: 2
