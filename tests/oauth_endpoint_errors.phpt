--TEST--
OAuth: token endpoint errors become AuthException naming the endpoint's error and the likely fix (expired client secret, revoked refresh token, missing permission, redirect, not JSON, unreachable), with no secret in any message
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
require __DIR__ . '/oauth/idp.inc';
$cache = __DIR__ . '/oauth_endpoint_errors.cache';
@unlink($cache);
$errors = [
    1 => [401, ['error' => 'invalid_client', 'error_description' => 'AADSTS7000222: The provided client secret keys for app \'x\' are expired.']],
    2 => [400, ['error' => 'invalid_grant', 'error_description' => 'Token has been expired or revoked.']],
    3 => [400, ['error' => 'unauthorized_client', 'error_description' => 'The client is not authorized']],
    4 => [302, '', ['Location' => 'https://login.example.com/elsewhere']],
    5 => [200, '<html>Sign in</html>'],
    6 => [503, ['error' => 'temporarily_unavailable']],
];
$idp = idp_start(['errors' => $errors]);
$base = ['host' => '127.0.0.1', 'port' => 1, 'tls' => 'starttls', 'username' => 'box@example.org',
    'oauth_token_url' => $idp['url'], 'oauth_client_id' => IDP_CLIENT_ID, 'oauth_client_secret' => IDP_CLIENT_SECRET,
    'oauth_cache' => $cache, 'cafile' => $idp['cafile'], 'from' => 'box@example.org', 'timeout' => 3];
$all = '';
foreach ([[], ['oauth_refresh_token' => 'rt-secret-value'], [], [], [], []] as $i => $extra) {
    try {
        smtp_send('a@example.org', 's', "b\r\n", [], $extra + $base);
        echo ($i + 1), ": sent\n";
    } catch (SmtpMail\Exception $e) {
        $line = sprintf("%d: %s transient=%s %s\n", $i + 1, get_class($e), var_export($e->isTransient(), true),
            preg_replace('/127\.0\.0\.1(:\d+)?/', 'idp', $e->getMessage()));
        echo $line;
        $all .= $line . $e->getTraceAsString();
    }
}
idp_stop($idp);
/* Nothing listens: transient, so a spool would keep the message. */
try {
    smtp_send('a@example.org', 's', "b\r\n", [], ['oauth_token_url' => 'https://127.0.0.1:1/token'] + $base);
} catch (SmtpMail\Exception $e) {
    echo '7: ', get_class($e), ' transient=', var_export($e->isTransient(), true), ' ', preg_replace('/127\.0\.0\.1(:\d+)?/', 'idp', $e->getMessage()), "\n";
    $all .= $e->getMessage();
}
echo 'secrets in messages: ', var_export(str_contains($all, IDP_CLIENT_SECRET) || str_contains($all, 'rt-secret-value'), true), "\n";
?>
--CLEAN--
<?php
@unlink(__DIR__ . '/oauth_endpoint_errors.cache');
@unlink(__DIR__ . '/oauth_endpoint_errors.cache.lock');
?>
--EXPECTF--
1: SmtpMail\AuthException transient=false [auth] idp: OAuth token endpoint idp refused the client_credentials grant (HTTP 401): invalid_client: AADSTS7000222: The provided client secret keys for app 'x' are expired. (the client secret has expired: create a new one under Certificates & secrets of the app registration and put it in smtpmail.oauth_client_secret, in double quotes (secrets often contain ~))
2: SmtpMail\AuthException transient=false [auth] idp: OAuth token endpoint idp refused the refresh_token grant (HTTP 400): invalid_grant: Token has been expired or revoked. (the refresh token was revoked or has expired (the user changed the password or removed the app; a Google consent screen still in Testing makes refresh tokens die after 7 days): obtain a new one and set smtpmail.oauth_refresh_token)
3: SmtpMail\AuthException transient=false [auth] idp: OAuth token endpoint idp refused the client_credentials grant (HTTP 400): unauthorized_client: The client is not authorized (the app may not use this grant: for Microsoft 365 app-only, add the SMTP.SendAsApp permission and register the app's service principal in Exchange with access to the mailbox)
4: SmtpMail\AuthException transient=false [auth] idp: OAuth token endpoint idp answered HTTP 302 (a redirect to https://login.example.com/elsewhere, not followed): set smtpmail.oauth_token_url to the token endpoint itself
5: SmtpMail\AuthException transient=false [auth] idp: OAuth token endpoint idp answered HTTP 200 without a JSON token response
6: SmtpMail\AuthException transient=true [auth] idp: OAuth token endpoint idp refused the client_credentials grant (HTTP 503): temporarily_unavailable
7: SmtpMail\AuthException transient=true [auth] idp: OAuth token endpoint idp: cannot connect: Connection refused
secrets in messages: false
