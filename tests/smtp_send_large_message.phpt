--TEST--
smtp_send(): a 5 MB message of 998-octet lines arrives intact
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
relay_clear_mailbox('large-message');

/* Lines of exactly 998 octets (the RFC 5321 4.5.3.1.6 maximum), every 7th one
 * starting with a dot (stuffed on the wire, unstuffed by Postfix), every 11th
 * one a lone dot, and CRLF line ends as a MIME body would have them. */
mt_srand(20240229);
$alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/ .,;:-_=!?';
$lines = [];
for ($size = 0, $i = 0; $size < 5 * 1024 * 1024; $i++) {
    if ($i % 11 === 10) {
        $line = '.';
    } else {
        $line = $i % 7 === 0 ? '.' : '';
        while (strlen($line) < 998) {
            $line .= $alphabet[mt_rand(0, strlen($alphabet) - 1)];
        }
    }
    $lines[] = $line;
    $size += strlen($line) + 2;
}
$body = implode("\r\n", $lines) . "\r\n";
$expected = implode("\n", $lines) . "\n";
printf("sent %d lines, %.1f MB\n", count($lines), strlen($body) / 1048576);

$r = smtp_send('large-message@smtpmail.test', 'Large', $body, [], relay_submission_options(['timeout' => 60]));
var_dump($r['accepted']);

[$msg] = relay_wait_exactly('large-message', 1, 60.0);
[$headers, $got] = relay_split($msg);
[, $id] = relay_received_id($headers);
var_dump($id === $r['queue_id']);
var_dump(strlen($got) === strlen($expected), sha1($got) === sha1($expected));
if ($got !== $expected) {
    $at = strspn($got ^ $expected, "\0");
    echo "first difference at octet $at: ", json_encode(substr($got, $at, 40)), "\n";
}
?>
--EXPECT--
sent 5766 lines, 5.0 MB
array(1) {
  [0]=>
  string(27) "large-message@smtpmail.test"
}
bool(true)
bool(true)
bool(true)
