--TEST--
Long lines (issue 11): multipart/alternative with a long HTML part, nested in multipart/mixed: only that part is re-encoded, every part decodes to what was sent
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
if (realpath(relay_env()['SMTPMAIL_TEST_CA']) !== realpath(__DIR__ . '/.relay/ca.pem')) die('skip relay is not in tests/.relay');
?>
--INI--
smtpmail.host=127.0.0.1:2587
smtpmail.tls=starttls
smtpmail.cafile={PWD}/.relay/ca.pem
smtpmail.username=tester@smtpmail.test
smtpmail.password=s3cret-Pass
--FILE--
<?php
require __DIR__ . '/mime_common.inc';
$box = 'multipart-long-html';
relay_clear_mailbox($box);

$text = "Hello,\n.a line with a leading dot\nplain text, short lines\n";
/* The long line holds the boundaries too: a soft break must not make a delimiter of them. */
$html = '<html><body>' . str_repeat('<td>--outer-b --alt-b 1&lt;2 = true</td>', 180) . "</body></html>\n";
$pdf = base64_encode(random_bytes(3000));
$parts = ['text' => $text, 'html' => $html, 'pdf' => $pdf];
$body = "This is a multi-part message in MIME format.\n"
    . "--outer-b\nContent-Type: multipart/alternative; boundary=\"alt-b\"\n\n"
    . "--alt-b\nContent-Type: text/plain; charset=us-ascii\n\n$text\n"
    . "--alt-b\nContent-Type: text/html; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n$html\n"
    . "--alt-b--\n"
    . "--outer-b\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n"
    . chunk_split($pdf, 76, "\n") . "\n"
    . "--outer-b--\n";
$headers = "From: $box-from@smtpmail.test\r\nMIME-Version: 1.0\r\n"
    . "Content-Type: multipart/mixed; boundary=\"outer-b\"";
var_dump(mail("$box@smtpmail.test", 'multipart', $body, $headers));
smtp_send_raw("$box-from@smtpmail.test", ["$box@smtpmail.test"],
    "From: $box-from@smtpmail.test\nSubject: raw multipart\n$headers\n\n$body", relay_submission_options());

foreach (relay_wait_exactly($box, 2) as $msg) {
    [$h, $b] = relay_split($msg);
    echo relay_header($h, 'Subject')[0], ": longest body line ", mime_longest_line($b), "\n";
    $leaves = mime_leaves($msg);
    echo "  ", count($leaves), " leaves\n";
    foreach ($leaves as $i => $leaf) {
        $want = array_values($parts)[$i];
        if ($leaf['cte'] === 'base64') {
            $leaf['body'] = base64_encode($leaf['body']);
        }
        printf("  %s: %s, %s\n", strtok($leaf['type'], ';'), $leaf['cte'], mime_same($leaf['body'], $want));
    }
}
?>
--EXPECT--
bool(true)
multipart: longest body line 76
  3 leaves
  text/plain: 7bit, same
  text/html: quoted-printable, same
  application/pdf: base64, same
raw multipart: longest body line 76
  3 leaves
  text/plain: 7bit, same
  text/html: quoted-printable, same
  application/pdf: base64, same
