--TEST--
smtp_send(): a long body line is re-encoded, a header line folded; only what cannot be fixed is refused before connecting, naming the line or the header
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:1
smtpmail.from=long-line@smtpmail.test
--FILE--
<?php
/* Port 1 is closed: a message that got as far as connecting throws a
 * ConnectException; one refused before that a ValueError. */
$cases = [
    '1200-octet body line' => ["short\n" . str_repeat('x', 1200) . "\nshort\n", []],
    '999-octet last line, no newline' => [str_repeat('y', 999), []],
    '1200-octet header line with spaces' => ["b\n", ['X-Long' => str_repeat('h ', 600)]],
    '1200-octet header word' => ["b\n", ['X-Long' => str_repeat('h', 1200)]],
    'DKIM-signed, long body line' => ["short\n" . str_repeat('x', 1200) . "\n",
        ['DKIM-Signature' => 'v=1; a=rsa-sha256; d=smtpmail.test; s=s; h=from; bh=x; b=y']],
    'base64 part with a long line' => [str_repeat('QUJD', 300) . "\n", ['Content-Transfer-Encoding' => 'base64']],
    '998-octet lines reach the network' => [str_repeat('z', 998) . "\r\n" . str_repeat('.', 998), ['X-Long' => str_repeat('h', 990)]],
];
foreach ($cases as $name => [$body, $headers]) {
    try {
        smtp_send('long-line@smtpmail.test', 's', $body, $headers);
        echo "$name: no exception\n";
    } catch (Throwable $e) {
        echo "$name: ", get_class($e), ': ', $e->getMessage(), "\n";
    }
}
?>
--EXPECTF--
1200-octet body line: SmtpMail\ConnectException: [connect] 127.0.0.1:1: %SConnection refused%S
999-octet last line, no newline: SmtpMail\ConnectException: [connect] 127.0.0.1:1: %SConnection refused%S
1200-octet header line with spaces: SmtpMail\ConnectException: [connect] 127.0.0.1:1: %SConnection refused%S
1200-octet header word: ValueError: header field 'X-Long' cannot be folded: it has a run of more than 998 octets without white space, and RFC 5322 2.1.1 allows at most 998 a line
DKIM-signed, long body line: ValueError: line 9 of the message is 1200 octets long, but RFC 5321 4.5.3.1.6 allows at most 998 plus CRLF, and the message carries a DKIM-Signature, which re-encoding would break: encode the body as quoted-printable or base64 before signing
base64 part with a long line: ValueError: line 8 of the message is 1200 octets long, but RFC 5321 4.5.3.1.6 allows at most 998 plus CRLF, and the part declares a Content-Transfer-Encoding of its own, so it is left as it is: its encoder must keep lines short
998-octet lines reach the network: SmtpMail\ConnectException: [connect] 127.0.0.1:1: %SConnection refused%S
