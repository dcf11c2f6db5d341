--TEST--
OAuth: 8 processes that start at once with an empty token cache cause exactly one token request; all 8 send through the relay
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
require __DIR__ . '/fault_common.inc';
$env = relay_env();
$cache = __DIR__ . '/oauth_concurrent_refresh.cache';
@unlink($cache);
relay_clear_mailbox('oauth-many');
/* The endpoint takes 0.5 s to answer, so the eight overlap. */
$idp = idp_start(['port' => $env['SMTPMAIL_TEST_PORT_IDP'], 'delay_ms' => 500]);
$ini = ['smtpmail.host' => '127.0.0.1:' . $env['SMTPMAIL_TEST_PORT_OAUTH'], 'smtpmail.tls' => 'starttls',
    'smtpmail.cafile' => $env['SMTPMAIL_TEST_CA'], 'smtpmail.username' => $env['SMTPMAIL_TEST_USER'],
    'smtpmail.oauth_token_url' => $idp['url'], 'smtpmail.oauth_client_id' => IDP_CLIENT_ID,
    'smtpmail.oauth_client_secret' => IDP_CLIENT_SECRET, 'smtpmail.oauth_cache' => $cache,
    'smtpmail.from' => $env['SMTPMAIL_TEST_USER']];
$procs = [];
for ($k = 1; $k <= 8; $k++) {
    $procs[$k] = proc_open(fault_child_cmd($ini, "var_dump(mail('oauth-many@smtpmail.test', 'Worker $k', 'From worker $k'));"),
        [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes[$k]);
}
$ok = 0;
foreach ($procs as $k => $p) {
    $out = stream_get_contents($pipes[$k][1]) . stream_get_contents($pipes[$k][2]);
    proc_close($p);
    if (trim($out) === 'bool(true)') {
        $ok++;
    } else {
        echo "worker $k: $out\n";
    }
}
echo "workers that sent: $ok\n";
echo 'token requests: ', count(idp_requests($idp)), "\n";
echo 'delivered: ', count(relay_wait_exactly('oauth-many', 8)), "\n";
?>
--CLEAN--
<?php
@unlink(__DIR__ . '/oauth_concurrent_refresh.cache');
@unlink(__DIR__ . '/oauth_concurrent_refresh.cache.lock');
?>
--EXPECT--
workers that sent: 8
token requests: 1
delivered: 8
