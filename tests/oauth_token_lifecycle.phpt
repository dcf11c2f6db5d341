--TEST--
OAuth: a token is fetched when AUTH needs one, reused from the cache, refreshed after expiry with the rotated refresh token, replaced once when the relay refuses it; a long token goes after the 334
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
require __DIR__ . '/oauth/idp.inc';

$cache = __DIR__ . '/oauth_token_lifecycle.cache';
@unlink($cache);
$ok = fn(int $n) => [['greet'], ['ehlo', ['AUTH XOAUTH2 OAUTHBEARER']], ['auth_ok'],
    ...array_merge(...array_fill(0, $n, [['mail_ok'], ['rcpt_ok'], ['data_ok']])), ['quit']];
function oauth_send(array $f, array $idp, array $extra = []): string
{
    global $cache;
    $r = fault_send($f, $extra + ['username' => 'tester@smtpmail.test', 'oauth_token_url' => $idp['url'],
        'oauth_client_id' => IDP_CLIENT_ID, 'oauth_client_secret' => IDP_CLIENT_SECRET, 'oauth_cache' => $cache,
        'cafile' => $idp['cafile']]);
    return $r['e'] ? get_class($r['e']) . ': ' . $r['e']->getMessage() : 'sent ' . $r['result']['queue_id'];
}
function grants(array $idp): string
{
    return implode(', ', array_map(fn($q) => $q['grant_type'] . ($q['refresh_token'] !== null && $q['refresh_token'] !== ''
        ? "({$q['refresh_token']})" : ''), idp_requests($idp)));
}

echo "--- client_credentials: one request, then the cache\n";
$idp = idp_start(['expires_in' => 3]);
$f = fault_start([$ok(1), $ok(1)], ['connections' => 2]);
echo oauth_send($f, $idp), "\n";
echo oauth_send($f, $idp), "\n";
echo 'token requests: ', grants($idp), "\n";
$t = fault_transcript($f);
preg_match_all('/^AUTH XOAUTH2 (\S+)\r$/m', $t, $m);
echo 'same token both times: ', var_export(count(array_unique($m[1])) === 1, true), "\n";
fault_server_ok($f);
echo "--- expired (3 s, refreshed 0.3 s ahead): a new token\n";
sleep(3);
$f = fault_start($ok(1));
echo oauth_send($f, $idp), "\n";
echo 'token requests: ', count(idp_requests($idp)), "\n";
fault_server_ok($f);
idp_stop($idp);
@unlink($cache);

echo "--- refresh_token grant, rotated: the new refresh token is kept and used next\n";
$idp = idp_start(['expires_in' => 2, 'rotate' => true]);
$f = fault_start([$ok(1), $ok(1)], ['connections' => 2]);
echo oauth_send($f, $idp, ['oauth_refresh_token' => IDP_REFRESH_TOKEN]), "\n";
sleep(2);
echo oauth_send($f, $idp, ['oauth_refresh_token' => IDP_REFRESH_TOKEN]), "\n";
echo 'token requests: ', grants($idp), "\n";
echo 'cache keeps the rotated one: ', var_export(str_contains(file_get_contents($cache), "\nrefresh " . (idp_tokens($idp)[1]['refresh_token'] ?? '?') . "\n"), true), "\n";
fault_server_ok($f);
idp_stop($idp);
@unlink($cache);

echo "--- the relay refuses the token: one new token, one new session\n";
$idp = idp_start();
$refuse = [['greet'], ['ehlo', ['AUTH XOAUTH2']], ['expect', '/^AUTH XOAUTH2 \S+\r\n$/'],
    ['send', "334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIn0=\r\n"], ['expect', '/^\r\n$/'],
    ['send', "535 5.7.8 Username and Password not accepted\r\n"], ['quit']];
$f = fault_start([$refuse, $ok(1)], ['connections' => 2]);
echo oauth_send($f, $idp), "\n";
echo 'token requests: ', count(idp_requests($idp)), "\n";
preg_match_all('/^AUTH XOAUTH2 (\S+)\r$/m', fault_transcript($f), $m);
echo 'two different tokens: ', var_export(count(array_unique($m[1])) === 2, true), "\n";
fault_server_ok($f);
echo "--- refused again: the relay's reply, no third try\n";
$f = fault_start([$refuse, $refuse], ['connections' => 2]);
echo preg_replace('/127\.0\.0\.1:\d+/', 'relay', oauth_send($f, $idp)), "\n";
echo 'token requests: ', count(idp_requests($idp)), "\n";
fault_server_ok($f);
idp_stop($idp);
@unlink($cache);

echo "--- a 1,200-character token: AUTH alone, the response after the 334 (RFC 4954 4)\n";
$idp = idp_start(['token_length' => 1200]);
$f = fault_start([['greet'], ['ehlo', ['AUTH XOAUTH2']], ['expect', '/^AUTH XOAUTH2\r\n$/'], ['send', "334 \r\n"],
    ['expect', '/^[A-Za-z0-9+\/=]{1600,}\r\n$/'], ['send', "235 2.7.0 Accepted\r\n"], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
echo oauth_send($f, $idp), "\n";
fault_server_ok($f);
idp_stop($idp);
@unlink($cache);
?>
--CLEAN--
<?php
@unlink(__DIR__ . '/oauth_token_lifecycle.cache');
@unlink(__DIR__ . '/oauth_token_lifecycle.cache.lock');
?>
--EXPECTF--
--- client_credentials: one request, then the cache
sent FAULT1
sent FAULT1
token requests: client_credentials
same token both times: true
server: ok
--- expired (3 s, refreshed 0.3 s ahead): a new token
sent FAULT1
token requests: 2
server: ok
--- refresh_token grant, rotated: the new refresh token is kept and used next
sent FAULT1
sent FAULT1
token requests: refresh_token(rt-initial), refresh_token(%s)
cache keeps the rotated one: true
server: ok
--- the relay refuses the token: one new token, one new session
sent FAULT1
token requests: 2
two different tokens: true
server: ok
--- refused again: the relay's reply, no third try
SmtpMail\AuthException: [auth] relay: authentication failed for user 'tester@smtpmail.test' with XOAUTH2: 535 5.7.8 Username and Password not accepted (the relay refused the OAuth token: check that the app may send as this mailbox (Microsoft 365: SMTP.SendAsApp and the service principal's mailbox permission, or SMTP.Send; Google: the https://mail.google.com/ scope) and that smtpmail.username is that mailbox)
token requests: 3
server: ok
--- a 1,200-character token: AUTH alone, the response after the 334 (RFC 4954 4)
sent FAULT1
server: ok
