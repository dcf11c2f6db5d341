--TEST--
OAuth: mail() sends through the relay's OAuth port with the client_credentials grant from php.ini alone; the token is validated by the relay (Dovecot introspection); other processes reuse the cached token; no secret in any output
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.host=127.0.0.1:2589
smtpmail.tls=starttls
smtpmail.cafile={PWD}/.relay/ca.pem
smtpmail.username=tester@smtpmail.test
smtpmail.oauth_token_url=https://127.0.0.1:2590/token
smtpmail.oauth_client_id=test-client
smtpmail.oauth_client_secret="test-secret~with.tilde"
smtpmail.oauth_scope=https://outlook.office365.com/.default
smtpmail.oauth_cache={PWD}/oauth_relay_mail.cache
smtpmail.from=tester@smtpmail.test
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
require __DIR__ . '/oauth/idp.inc';
require __DIR__ . '/fault_common.inc';
$env = relay_env();
@unlink(ini_get('smtpmail.oauth_cache'));
relay_clear_mailbox('oauth-mail');
$idp = idp_start(['port' => $env['SMTPMAIL_TEST_PORT_IDP']]);
ob_start();

var_dump(mail('oauth-mail@smtpmail.test', 'OAuth via mail()', "Sent with a token from the client_credentials grant.\n"));
smtp_close();   /* a new session, so the transcript shows it whole */
$r = smtp_send('oauth-mail@smtpmail.test', 'OAuth via smtp_send()', "Second.\n", [], ['transcript' => true]);
$transcript = $r['transcript'];
echo preg_replace(['/^(S: 250 2\.0\.0 Ok: queued as )\S+/m', '/^(C: <message: )\d+( bytes>)/m', '/^S: 220 \S+ ESMTP/m'],
    ['$1<id>', '$1<n>$2', 'S: 220 <host> ESMTP'], $transcript);
/* Another process: the cached token, no new request. */
$ini = [];
foreach (['host', 'tls', 'cafile', 'username', 'oauth_token_url', 'oauth_client_id', 'oauth_client_secret', 'oauth_scope',
          'oauth_cache', 'from'] as $k) {
    $ini["smtpmail.$k"] = ini_get("smtpmail.$k");
}
$p = proc_open(fault_child_cmd($ini, 'var_dump(mail("oauth-mail@smtpmail.test", "OAuth, other process", "Third.\n"));'),
    [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
$out = stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]);
proc_close($p);
echo "other process: ", trim($out), "\n";
$q = idp_requests($idp);
echo 'token requests: ', count($q), ' (', $q[0]['grant_type'], ', secret ', $q[0]['client_secret_ok'] ? 'right' : 'WRONG',
    ', scope ', $q[0]['scope'], ")\n";
echo 'introspections by the relay: ', count(idp_introspections($idp)), "\n";
$got = [];
foreach (relay_wait_exactly('oauth-mail', 3) as $raw) {
    [$headers] = relay_split($raw);
    $got[] = relay_header($headers, 'Subject')[0];
}
sort($got);
echo implode("\n", $got), "\n";
$all = ob_get_clean();
echo $all;
$token = idp_tokens($idp)[0]['access_token'];
echo 'token in any output: ', var_export(str_contains($all, $token) || str_contains($all, base64_encode("auth=Bearer $token")), true),
    ', secret: ', var_export(str_contains($all, IDP_CLIENT_SECRET), true), "\n";
ob_start();
phpinfo(INFO_MODULES);
$info = ob_get_clean();
echo 'phpinfo shows the secret: ', var_export(str_contains($info, IDP_CLIENT_SECRET), true), "\n";
?>
--CLEAN--
<?php
@unlink(__DIR__ . '/oauth_relay_mail.cache');
@unlink(__DIR__ . '/oauth_relay_mail.cache.lock');
?>
--EXPECTF--
bool(true)
S: 220 <host> ESMTP%s
C: EHLO %s
%AC: STARTTLS
S: 220 2.0.0 Ready to start TLS
C: EHLO %s
%AS: 250-AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER
%AC: AUTH XOAUTH2 <redacted>
S: 235 2.7.0 Authentication successful
C: MAIL FROM:<tester@smtpmail.test> SIZE=%d
C: RCPT TO:<oauth-mail@smtpmail.test>
C: DATA
S: 250 2.1.0 Ok
S: 250 2.1.5 Ok
S: 354 End data with <CR><LF>.<CR><LF>
C: <message: <n> bytes>
C: .
S: 250 2.0.0 Ok: queued as <id>
other process: bool(true)
token requests: 1 (client_credentials, secret right, scope https://outlook.office365.com/.default)
introspections by the relay: %d
OAuth via mail()
OAuth via smtp_send()
OAuth, other process
token in any output: false, secret: false
phpinfo shows the secret: false
