--TEST--
attack: a script that points a send at its own server gets none of the php.ini credentials, whichever credential options it passes
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:1
smtpmail.username=ini-user@example.org
smtpmail.password=INI-PASSWORD-s3cret
smtpmail.oauth_token=INI-OAUTH-TOKEN-s3cret
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* The secrets as they would appear on the wire: raw, or inside any base64 AUTH payload. */
function leaks(string $transcript): array
{
    $found = [];
    foreach (explode("\r\n", $transcript) as $line) {
        foreach ([$line, base64_decode(preg_replace('/^(AUTH \S+ )/', '', $line), false) ?: ''] as $text) {
            foreach (['INI-PASSWORD-s3cret', 'INI-OAUTH-TOKEN-s3cret', 'ini-user@example.org'] as $secret) {
                if (str_contains($text, $secret)) {
                    $found[$secret] = true;
                }
            }
        }
    }
    return array_keys($found);
}

/* Each attack: the script's own server (offering every mechanism, in clear
 * text) as the destination, and some of the credential options. */
$attacks = [
    'username only' => ['username' => 'x'],
    'password null' => ['username' => 'x', 'password' => null],
    'token null' => ['username' => 'x', 'oauth_token' => null],
    'empty username' => ['username' => ''],
    'no credential options' => [],
];
foreach ($attacks as $name => $creds) {
    $f = fault_start([['greet'], ['ehlo', ['AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2']], ['silent', 3000]]);
    $r = fault_send($f, $creds + ['timeout' => 2]);
    $leaked = leaks(fault_transcript($f));
    printf("%s: %s\n", $name, $leaked ? 'LEAKED ' . implode(', ', $leaked) : 'nothing of php.ini sent');
}

/* A call that brings its own credentials uses exactly those. */
$f = fault_start([['greet'], ['ehlo', ['AUTH PLAIN']], ['silent', 3000]]);
$r = fault_send($f, ['username' => 'x', 'password' => 'own-pass', 'timeout' => 2]);
$t = fault_transcript($f);
preg_match('/^AUTH PLAIN (\S+)\r$/m', $t, $m);
echo 'own credentials: ', leaks($t) ? 'LEAKED' : 'nothing of php.ini sent', ', AUTH PLAIN carries ',
    var_export(base64_decode($m[1] ?? ''), true), "\n";
?>
--EXPECT--
username only: nothing of php.ini sent
password null: nothing of php.ini sent
token null: nothing of php.ini sent
empty username: nothing of php.ini sent
no credential options: nothing of php.ini sent
own credentials: nothing of php.ini sent, AUTH PLAIN carries '' . "\0" . 'x' . "\0" . 'own-pass'
