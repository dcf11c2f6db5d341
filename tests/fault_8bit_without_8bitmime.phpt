--TEST--
8-bit (issue 11): a Latin-1 body goes quoted-printable to a relay without 8BITMIME and decodes to the same octets; with 8BITMIME it goes as it is (smtp_send() says 8bit)
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
require __DIR__ . '/mime_common.inc';

$latin1 = "Gr\xfc\xdfe aus K\xf6ln, \xe0 bient\xf4t.\nZweite Zeile = gleich \n" . str_repeat("\xe9t\xe9 ", 40) . "\n";
$raw = "From: sender@example.org\r\nTo: rcpt@example.org\r\nSubject: latin1\r\nMIME-Version: 1.0\r\n"
    . "Content-Type: text/plain; charset=ISO-8859-1\r\n\r\n" . $latin1;
$hdr = ['From' => 'sender@example.org', 'Content-Type' => 'text/plain; charset=ISO-8859-1'];

/* The messages of one transaction each, as the server read them. */
function data_blocks(string $t): array
{
    preg_match_all('/\r\nDATA\r\n(.*?)\r\n\.\r\n/s', $t, $m);
    return array_map(fn($d) => preg_replace('/^\./m', '', $d) . "\r\n", $m[1]);
}

foreach (['without 8BITMIME' => ['PIPELINING'], 'with 8BITMIME' => ['PIPELINING', '8BITMIME']] as $name => $ext) {
    $f = fault_start([['greet'], ['ehlo', $ext], ['mail_ok'], ['rcpt_ok'], ['data_ok'],
        ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
    $o = fault_options($f);
    unset($o['from']);
    smtp_send_raw('sender@example.org', ['rcpt@example.org'], $raw, $o);
    smtp_send('rcpt@example.org', 'latin1', $latin1, $hdr, $o);
    smtp_close();
    echo "$name:\n";
    foreach (data_blocks(fault_transcript($f)) as $i => $data) {
        [$h] = relay_split($data);
        [$leaf] = mime_leaves($data);
        printf("  %s: 8-bit octets on the wire: %s, CTE %s, charset kept: %s, body %s\n",
            $i === 0 ? 'smtp_send_raw' : 'smtp_send', preg_match('/[\x80-\xff]/', $data) ? 'yes' : 'no',
            implode(',', relay_header($h, 'Content-Transfer-Encoding')) ?: '-',
            var_export(relay_header($h, 'Content-Type') === [$hdr['Content-Type']], true), mime_same($leaf['body'], $latin1));
    }
    fault_server_ok($f);
}
?>
--EXPECT--
without 8BITMIME:
  smtp_send_raw: 8-bit octets on the wire: no, CTE quoted-printable, charset kept: true, body same
  smtp_send: 8-bit octets on the wire: no, CTE quoted-printable, charset kept: true, body same
server: ok
with 8BITMIME:
  smtp_send_raw: 8-bit octets on the wire: yes, CTE -, charset kept: true, body same
  smtp_send: 8-bit octets on the wire: yes, CTE 8bit, charset kept: true, body same
server: ok
