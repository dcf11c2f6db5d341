--TEST--
fault: odd AUTH challenges (CRAM-MD5 challenge not base64, empty CRAM-MD5 challenge, 334 after AUTH PLAIN's initial response, 334 forever to LOGIN): AuthException at once, password never sent in clear, bounded rounds
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$creds = ['username' => 'user@example.org', 'password' => 's3cret-PW'];
$cram = [['greet'], ['ehlo', ['AUTH CRAM-MD5']], ['expect', '/^AUTH CRAM-MD5\r\n$/']];
$cases = [
    /* RFC 2195 2: the challenge is a base64 msg-id; without it there is nothing to sign. */
    'CRAM-MD5 challenge not base64' => [...$cram, ['send', "334 !!not*base64??\r\n"], ['expect_close', 3000]],
    'CRAM-MD5 challenge empty' => [...$cram, ['send', "334 \r\n"], ['expect_close', 3000]],
    'CRAM-MD5 bare 334' => [...$cram, ['send', "334\r\n"], ['expect_close', 3000]],
    /* RFC 4954 4: PLAIN with an initial response needs no challenge; a 334 asks for
     * a second response the client does not have. It must not answer it with
     * the credentials again. */
    "334 after AUTH PLAIN's initial response" => [['greet'], ['ehlo', ['AUTH PLAIN']], ['expect', '/^AUTH PLAIN \S+\r\n$/'],
        ['send', "334 \r\n"], ['expect_close', 3000]],
    /* LOGIN takes two responses; a server asking again and again must not
     * keep the client going (or make it send the password twice). */
    '334 forever to AUTH LOGIN' => [['greet'], ['ehlo', ['AUTH LOGIN']], ['expect', '/^AUTH LOGIN\r\n$/'],
        ['send', "334 VXNlcm5hbWU6\r\n"], ['expect_any_line'], ['send', "334 UGFzc3dvcmQ6\r\n"], ['expect_any_line'],
        ['send', "334 UGFzc3dvcmQ6\r\n"], ['send', "334 UGFzc3dvcmQ6\r\n"], ['send', "334 UGFzc3dvcmQ6\r\n"], ['expect_close', 3000]],
];
$servers = [];
foreach ($cases as $what => $script) {
    $servers[$what] = fault_start($script);
}
foreach ($servers as $what => $f) {
    echo "--- $what\n";
    $r = fault_send($f, $creds + ['timeout' => 1]);
    fault_show($r['e']);
    echo 'password in message: ', var_export(str_contains($r['e']?->getMessage() ?? '', 's3cret'), true), "\n";
    fault_within($r, 1 + 1);
    $t = fault_transcript($f);
    echo 'password in clear: ', var_export(str_contains($t, 's3cret'), true), "\n";
    /* The PLAIN blob, or LOGIN's password line. */
    echo 'encoded password sent: ', substr_count($t, base64_encode("\0user@example.org\0s3cret-PW"))
        + preg_match_all('/^' . base64_encode('s3cret-PW') . '\r$/m', $t), "\n";
    echo 'MAIL sent: ', var_export(str_contains($t, 'MAIL FROM'), true), "\n";
    fault_server_ok($f);
}
?>
--EXPECTF--
--- CRAM-MD5 challenge not base64
SmtpMail\AuthException code=0 stage=auth transient=false permanent=true enhanced=-
[auth] 127.0.0.1:%d: the server's CRAM-MD5 challenge is not valid base64: %s
password in message: false
within 2 s: yes
password in clear: false
encoded password sent: 0
MAIL sent: false
server: ok
--- CRAM-MD5 challenge empty
SmtpMail\AuthException code=0 stage=auth transient=false permanent=true enhanced=-
[auth] 127.0.0.1:%d: the server's CRAM-MD5 challenge is empty
password in message: false
within 2 s: yes
password in clear: false
encoded password sent: 0
MAIL sent: false
server: ok
--- CRAM-MD5 bare 334
SmtpMail\AuthException code=0 stage=auth transient=false permanent=true enhanced=-
[auth] 127.0.0.1:%d: the server's CRAM-MD5 challenge is empty
password in message: false
within 2 s: yes
password in clear: false
encoded password sent: 0
MAIL sent: false
server: ok
--- 334 after AUTH PLAIN's initial response
SmtpMail\AuthException code=334 stage=auth transient=false permanent=true enhanced=-
[auth] 127.0.0.1:%d: authentication failed for user 'user@example.org' with PLAIN: 334
password in message: false
within 2 s: yes
password in clear: false
encoded password sent: 1
MAIL sent: false
server: ok
--- 334 forever to AUTH LOGIN
SmtpMail\AuthException code=334 stage=auth transient=false permanent=true enhanced=-
[auth] 127.0.0.1:%d: authentication failed for user 'user@example.org' with LOGIN: 334 UGFzc3dvcmQ6
password in message: false
within 2 s: yes
password in clear: false
encoded password sent: 1
MAIL sent: false
server: ok
