--TEST--
mail() hook: every mail.cr_lf_mode (PHP 8.5+) and mail.mixed_lf_and_crlf send the same CRLF message; an invalid mode is PHP's startup error, then crlf
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
if (PHP_VERSION_ID < 80500) die('skip mail.cr_lf_mode is PHP 8.5+');
if (getenv('TEST_PHP_EXTRA_ARGS') === false) die('skip needs run-tests (TEST_PHP_EXTRA_ARGS)');
?>
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* Both settings are PHP_INI_SYSTEM, and smtpmail.host is too: mail() runs in a
 * child php with the extension's settings and the setting under test. */
function child_mail(array $f, string $setting): string
{
    $args = getenv('TEST_PHP_EXTRA_ARGS') . ' -d display_errors=stdout -d display_startup_errors=1 -d error_reporting=-1'
        . ' -d smtpmail.host=' . escapeshellarg("127.0.0.1:{$f['port']}")
        . ' -d smtpmail.from=sender@example.org -d smtpmail.helo=client.test -d smtpmail.timeout=5'
        . ' -d mail.add_x_header=0 -d ' . escapeshellarg($setting);
    /* CRLF, a bare LF and no line end at all, in the body and between headers. */
    $code = 'var_dump(ini_get("mail.cr_lf_mode"), mail("rcpt@example.org", "Line ends", "Line 1\r\nLine 2\nLine 3",'
        . ' "Date: Mon, 02 Mar 2026 10:00:00 +0000\r\nMessage-ID: <modes@example.org>\nX-Two: after a bare LF"));';
    return fault_shell_php($args, $code);
}

$settings = ['mail.cr_lf_mode=crlf', 'mail.cr_lf_mode=lf', 'mail.cr_lf_mode=mixed', 'mail.cr_lf_mode=os',
    'mail.mixed_lf_and_crlf=1', 'mail.cr_lf_mode=bogus'];
$messages = [];
foreach ($settings as $setting) {
    $f = fault_start([['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
    echo "--- $setting\n", child_mail($f, $setting), "\n";
    /* What went over the wire between DATA's 354 and the final dot. */
    $t = fault_transcript($f);
    $start = strpos($t, "DATA\r\n");
    $end = strpos($t, "\r\n.\r\n");
    $msg = ($start !== false && $end !== false) ? substr($t, $start + 6, $end + 2 - $start - 6) : '';
    printf("bare LF %d, bare CR %d\n", preg_match_all('/(?<!\r)\n/', $msg), preg_match_all('/\r(?!\n)/', $msg));
    $messages[$setting] = $msg;
    fault_server_ok($f);
}
echo "--- the same bytes for every setting: ", var_export(count(array_unique($messages)) === 1, true), "\n";
echo str_replace("\r\n", "<CRLF>\n", $messages['mail.cr_lf_mode=lf']);
?>
--EXPECTF--
--- mail.cr_lf_mode=crlf
string(4) "crlf"
bool(true)
bare LF 0, bare CR 0
server: ok
--- mail.cr_lf_mode=lf
string(2) "lf"
bool(true)
bare LF 0, bare CR 0
server: ok
--- mail.cr_lf_mode=mixed
string(5) "mixed"
bool(true)
bare LF 0, bare CR 0
server: ok
--- mail.cr_lf_mode=os
string(2) "os"
bool(true)
bare LF 0, bare CR 0
server: ok
--- mail.mixed_lf_and_crlf=1
string(4) "crlf"
bool(true)
bare LF 0, bare CR 0
server: ok
--- mail.cr_lf_mode=bogus
%AInvalid value "bogus" for mail.cr_lf_mode%A
string(4) "crlf"
bool(true)
bare LF 0, bare CR 0
server: ok
--- the same bytes for every setting: true
To: rcpt@example.org<CRLF>
Subject: Line ends<CRLF>
Date: Mon, 02 Mar 2026 10:00:00 +0000<CRLF>
Message-ID: <modes@example.org><CRLF>
X-Two: after a bare LF<CRLF>
From: sender@example.org<CRLF>
<CRLF>
Line 1<CRLF>
Line 2<CRLF>
Line 3<CRLF>
