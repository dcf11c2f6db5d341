--TEST--
fault: AUTH mechanism choice: CRAM-MD5 when offered, LOGIN when it is the only one, XOAUTH2 for an OAuth token
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$ok = fn (string $auth) => [['greet'], ['ehlo', [$auth]], ['auth_ok'], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']];
$cram = fault_start($ok('AUTH LOGIN PLAIN CRAM-MD5'));
$login = fault_start($ok('AUTH LOGIN'));
$xoauth = fault_start($ok('AUTH PLAIN LOGIN XOAUTH2'));
$creds = ['username' => 'user@example.org', 'password' => 's3cret-PW'];

/* The lines the client sent between EHLO and MAIL. */
function auth_lines(array $f): array
{
    $lines = explode("\r\n", fault_transcript($f));
    $from = array_search('EHLO client.test', $lines) + 1;
    return array_slice($lines, $from, array_search('MAIL FROM:<sender@example.org>', $lines) - $from);
}

echo "--- AUTH LOGIN PLAIN CRAM-MD5\n";
$pid = proc_get_status($cram['proc'])['pid'];
$t0 = time();
$r = fault_send($cram, $creds);
$t1 = time();
fault_show($r['e']);
$lines = auth_lines($cram);
echo $lines[0], "\n";
/* RFC 2195 2: "user SP hex(HMAC-MD5(password, challenge))"; the fault server's
 * challenge is <pid.time@fault.test>, time being the second it sent it. */
$resp = base64_decode($lines[1]);
$good = false;
for ($t = $t0 - 1; $t <= $t1 + 1; $t++) {
    $good = $good || $resp === 'user@example.org ' . hash_hmac('md5', "<$pid.$t@fault.test>", 's3cret-PW');
}
echo 'response is the keyed digest: ', var_export($good, true), "\n";
echo 'password sent: ', var_export(str_contains(fault_transcript($cram), 's3cret'), true), "\n";
echo implode("\n", preg_grep('/^auth /', fault_events($cram))), "\n";
fault_server_ok($cram);

echo "--- AUTH LOGIN\n";
$r = fault_send($login, $creds);
fault_show($r['e']);
$lines = auth_lines($login);
echo $lines[0], "\n", json_encode(array_map('base64_decode', array_slice($lines, 1))), "\n";
echo implode("\n", preg_grep('/^auth /', fault_events($login))), "\n";
fault_server_ok($login);

echo "--- XOAUTH2 with options oauth_token\n";
$r = fault_send($xoauth, ['username' => 'user@example.org', 'oauth_token' => 'ya29.TOKEN']);
fault_show($r['e']);
$lines = auth_lines($xoauth);
echo count($lines), ' line: ', json_encode(preg_replace_callback('/^AUTH XOAUTH2 (\S+)$/',
    fn ($m) => 'AUTH XOAUTH2 ' . base64_decode($m[1]), $lines[0])), "\n";
echo implode("\n", preg_grep('/^auth /', fault_events($xoauth))), "\n";
fault_server_ok($xoauth);
?>
--EXPECT--
--- AUTH LOGIN PLAIN CRAM-MD5
no exception
AUTH CRAM-MD5
response is the keyed digest: true
password sent: false
auth CRAM-MD5
server: ok
--- AUTH LOGIN
no exception
AUTH LOGIN
["user@example.org","s3cret-PW"]
auth LOGIN
server: ok
--- XOAUTH2 with options oauth_token
no exception
1 line: "AUTH XOAUTH2 user=user@example.org\u0001auth=Bearer ya29.TOKEN\u0001\u0001"
auth XOAUTH2
server: ok
