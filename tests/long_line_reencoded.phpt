--TEST--
Long lines (issue 11): HTML on one 5,000-octet line through smtp_send(), mail() and smtp_send_raw() arrives quoted-printable and decodes to exactly what was sent
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
$box = 'long-line-html';
relay_clear_mailbox($box);

/* One line of 5,000 octets, with what quoted-printable must escape: "=",
 * a space before the line end, a "-" run and dots where a soft break may fall. */
$html = '<html><body>';
while (strlen($html) < 4990) {
    $html .= '<p class="a=b">Caf&eacute; -- ... x</p> ';
}
$html = substr($html, 0, 4990) . '</body> ';
$html .= "\n<!-- second line -->\n";
printf("input: %d octets, longest line %d\n", strlen($html), mime_longest_line($html));

$to = "$box@smtpmail.test";
$hdr = ['From' => "$box-from@smtpmail.test", 'Content-Type' => 'text/html; charset=us-ascii'];
smtp_send($to, 'via smtp_send', $html, $hdr + ['X-Via' => 'smtp_send'], relay_submission_options());
var_dump(mail($to, 'via mail', $html, "From: $box-from@smtpmail.test\r\nContent-Type: text/html; charset=us-ascii\r\nX-Via: mail"));
$raw = "From: $box-from@smtpmail.test\r\nTo: $to\r\nSubject: via raw\r\nX-Via: raw\r\n"
    . "MIME-Version: 1.0\r\nContent-Type: text/html; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" . $html;
smtp_send_raw("$box-from@smtpmail.test", [$to], $raw, relay_submission_options());

$got = [];
foreach (relay_wait_exactly($box, 3) as $msg) {
    [$headers] = relay_split($msg);
    $via = relay_header($headers, 'X-Via')[0];
    [$leaf] = mime_leaves($msg);
    $got[$via] = sprintf("%s: longest body line %d, MIME-Version %s, Content-Type %s, CTE %s x%d, body %s",
        $via, mime_longest_line(relay_split($msg)[1]), relay_header($headers, 'MIME-Version')[0] ?? '-',
        $leaf['type'], $leaf['cte'], count(relay_header($headers, 'Content-Transfer-Encoding')),
        mime_same($leaf['body'], $html));
}
ksort($got);
echo implode("\n", $got), "\n";

/* A DKIM-signed message is never altered: the old refusal, naming the line and why. */
try {
    smtp_send_raw("$box-from@smtpmail.test", [$to], "DKIM-Signature: v=1; d=smtpmail.test; s=x; b=y\r\n" . $raw,
        relay_submission_options());
    echo "DKIM: sent\n";
} catch (ValueError $e) {
    echo "DKIM: ", $e->getMessage(), "\n";
}
var_dump(@mail($to, 'dkim', $html, "DKIM-Signature: v=1; d=smtpmail.test; s=x; b=y"));
echo error_get_last()['message'], "\n";
relay_wait_exactly($box, 3);
?>
--EXPECTF--
input: 5020 octets, longest line 4998
bool(true)
mail: longest body line 76, MIME-Version 1.0, Content-Type text/html; charset=us-ascii, CTE quoted-printable x1, body same
raw: longest body line 76, MIME-Version 1.0, Content-Type text/html; charset=us-ascii, CTE quoted-printable x1, body same
smtp_send: longest body line 76, MIME-Version 1.0, Content-Type text/html; charset=us-ascii, CTE quoted-printable x1, body same
DKIM: line 10 of the message is 4998 octets long, but RFC 5321 4.5.3.1.6 allows at most 998 plus CRLF, and the message carries a DKIM-Signature, which re-encoding would break: encode the body as quoted-printable or base64 before signing
bool(false)
mail(): line 8 of the message is 4998 octets long, but RFC 5321 4.5.3.1.6 allows at most 998 plus CRLF, and the message carries a DKIM-Signature, which re-encoding would break: encode the body as quoted-printable or base64 before signing
