--TEST--
mb_send_mail(): not seen by the mail() hook (it calls php_mail() in C), it reaches the relay through bin/smtpmail-sendmail as sendmail_path; the delivered message equals stock mb_send_mail()'s for Japanese, Korean and neutral (UTF-8)
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
if (!is_executable('/bin/sh')) die('skip needs /bin/sh');
require_once __DIR__ . '/fault/fault.inc';
$php = escapeshellarg(fault_php());
if (trim((string)shell_exec("$php -r 'echo extension_loaded(\"mbstring\") ? 1 : 0;'")) !== '1') die('skip the php under test has no mbstring');
?>
--INI--
mail.add_x_header=0
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
require_once __DIR__ . '/fault/fault.inc';

$dir = __DIR__;
$php = fault_php();
/* The php under test with its own php.ini (mbstring as installed), plus this build of smtpmail. */
$smtpmail = '-d ' . escapeshellarg('extension=' . ini_get('extension_dir') . '/smtpmail.so');
$base = escapeshellarg($php) . ' -d mail.add_x_header=0 -d display_errors=stderr';
file_put_contents("$dir/mb_send_mail_relay.capture.sh", "#!/bin/sh\ncat > '$dir/mb_send_mail_relay.eml'\n");
file_put_contents("$dir/mb_send_mail_relay.relay.sh", "#!/bin/sh\nexec $base $smtpmail -d smtpmail.host=127.0.0.1:2525"
    . " -d smtpmail.from=parity-mb-default@smtpmail.test " . escapeshellarg(dirname(__DIR__) . '/bin/smtpmail-sendmail') . ' "$@"' . "\n");
chmod("$dir/mb_send_mail_relay.capture.sh", 0755);
chmod("$dir/mb_send_mail_relay.relay.sh", 0755);

function child(string $cmd, string $lang, string $subject, string $body): string
{
    $code = sprintf('mb_language(%s); mb_internal_encoding("UTF-8"); var_dump(mb_send_mail("Parity MB <parity-mb@smtpmail.test>", %s, %s, "From: parity-mb-from@smtpmail.test\r\nX-Lang: %s"));',
        var_export($lang, true), var_export($subject, true), var_export($body, true), $lang);
    return trim((string)shell_exec("$cmd -r " . escapeshellarg($code) . ' 2>&1'));
}

$cases = [
    'ja' => ["日本語の件名です、長めのテストの件名", "本文です。\nこんにちは、世界。\n"],
    'ko' => ["한국어 제목 테스트", "본문입니다.\n안녕하세요.\n"],
    'uni' => ["Ünïcödé subject ✓ テスト", "Body ✓ with UTF-8: ÄÖÜ ß\n"],
];
relay_clear_mailbox('parity-mb');

/* Today's hook: with smtpmail.host set, mb_send_mail() still runs sendmail_path. */
@unlink("$dir/mb_send_mail_relay.eml");
echo 'hook only: ', child("$base $smtpmail -d smtpmail.host=127.0.0.1:2525 -d sendmail_path="
    . escapeshellarg("$dir/mb_send_mail_relay.capture.sh"), 'uni', 'x', "y\n"),
    ', went to sendmail_path: ', var_export(file_exists("$dir/mb_send_mail_relay.eml"), true), "\n";

$stock = [];
foreach ($cases as $lang => [$subject, $body]) {
    @unlink("$dir/mb_send_mail_relay.eml");
    $out = child("$base -d sendmail_path=" . escapeshellarg("$dir/mb_send_mail_relay.capture.sh"), $lang, $subject, $body);
    $stock[$lang] = file_get_contents("$dir/mb_send_mail_relay.eml");
    echo "stock $lang: $out\n";
    $out = child("$base -d sendmail_path=" . escapeshellarg("$dir/mb_send_mail_relay.relay.sh -t -i"), $lang, $subject, $body);
    echo "relay $lang: $out\n";
}

$fields = ['To', 'Subject', 'From', 'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding', 'X-Lang'];
$delivered = [];
foreach (relay_wait_exactly('parity-mb', 3) as $raw) {
    [$headers] = relay_split($raw);
    $delivered[relay_header($headers, 'X-Lang')[0]] = $raw;
}
foreach ($cases as $lang => $_) {
    [$sh, $sbody] = relay_split(str_replace("\r\n", "\n", $stock[$lang]));
    [$dh, $dbody] = relay_split(str_replace("\r\n", "\n", $delivered[$lang]));
    $same = [];
    foreach ($fields as $f) {
        $same[] = $f . (relay_header($sh, $f) === relay_header($dh, $f) ? ' same' : ' DIFFERS');
    }
    echo "$lang: ", implode(', ', $same), ', body ', $sbody === $dbody ? 'same' : 'DIFFERS', "\n";
    echo "  Content-Type: ", relay_header($dh, 'Content-Type')[0], '; Content-Transfer-Encoding: ',
        relay_header($dh, 'Content-Transfer-Encoding')[0], '; Subject: ', substr(relay_header($dh, 'Subject')[0], 0, 16), "...\n";
    echo '  Date, Message-ID added: ', count(relay_header($dh, 'Date')), ', ', count(relay_header($dh, 'Message-ID')), "\n";
}

/* A relay that cannot be reached: mb_send_mail() returns false, the reason is on stderr. */
file_put_contents("$dir/mb_send_mail_relay.relay.sh", str_replace('127.0.0.1:2525', '127.0.0.1:1',
    file_get_contents("$dir/mb_send_mail_relay.relay.sh")));
$out = child("$base -d sendmail_path=" . escapeshellarg("$dir/mb_send_mail_relay.relay.sh -t -i"), 'uni', 'unreachable', "x\n");
/* PHP 8.5 and later also warn with the helper's exit status: it must be 69 (EX_UNAVAILABLE). */
echo preg_replace('/^(PHP )?Warning: +mb_send_mail\(\): Sendmail exited with non-zero exit code 69 in .*\R?/m', '', $out), "\n";
?>
--CLEAN--
<?php
foreach (['capture.sh', 'relay.sh', 'eml'] as $ext) {
    @unlink(__DIR__ . "/mb_send_mail_relay.$ext");
}
?>
--EXPECTF--
hook only: bool(true), went to sendmail_path: true
stock ja: bool(true)
relay ja: bool(true)
stock ko: bool(true)
relay ko: bool(true)
stock uni: bool(true)
relay uni: bool(true)
ja: To same, Subject same, From same, MIME-Version same, Content-Type same, Content-Transfer-Encoding same, X-Lang same, body same
  Content-Type: text/plain; charset=ISO-2022-JP; Content-Transfer-Encoding: 7bit; Subject: =?ISO-2022-JP?B?...
  Date, Message-ID added: 1, 1
ko: To same, Subject same, From same, MIME-Version same, Content-Type same, Content-Transfer-Encoding same, X-Lang same, body same
  Content-Type: text/plain; charset=ISO-2022-KR; Content-Transfer-Encoding: 7bit; Subject: =?ISO-2022-KR?B?...
  Date, Message-ID added: 1, 1
uni: To same, Subject same, From same, MIME-Version same, Content-Type same, Content-Transfer-Encoding same, X-Lang same, body same
  Content-Type: text/plain; charset=UTF-8; Content-Transfer-Encoding: BASE64; Subject: =?UTF-8?B?w5xuw6...
  Date, Message-ID added: 1, 1
smtpmail-sendmail: [connect] 127.0.0.1:1: %s
bool(false)
