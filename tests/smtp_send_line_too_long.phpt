--TEST--
smtp_send(): a line over 998 octets is refused before connecting, naming the line and its length
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:1
smtpmail.from=long-line@smtpmail.test
--FILE--
<?php
/* Port 1 is closed: a message that got as far as connecting would throw a
 * ConnectException instead (see the last case). */
$cases = [
    '1200-octet body line' => ["short\n" . str_repeat('x', 1200) . "\nshort\n", []],
    '999-octet last line, no newline' => [str_repeat('y', 999), []],
    '1200-octet header line' => ["b\n", ['X-Long' => str_repeat('h', 1200)]],
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
1200-octet body line: ValueError: line 2 of the message is 1200 octets long%S998%S
999-octet last line, no newline: ValueError: line 1 of the message is %S999 octets long%S998%S
1200-octet header line: ValueError: line 3 of the message is 1208 octets long%S998%S
998-octet lines reach the network: SmtpMail\ConnectException: [connect] 127.0.0.1:1: %SConnection refused%S
