--TEST--
smtp_send(): line breaks in $to, $subject or header names cannot add fields or SMTP commands
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:1
smtpmail.from=injection@smtpmail.test
--FILE--
<?php
/* Port 1 is closed: a call that got as far as connecting would throw a
 * ConnectException instead (see the last case). */
$cases = [
    'To in the headers array' => fn() => smtp_send('inj@smtpmail.test', 's', "b\n", ['To' => 'other@smtpmail.test']),
    'Subject in the headers array' => fn() => smtp_send('inj@smtpmail.test', 's', "b\n", ['Subject' => 'again']),
    'CRLF in a header value' => fn() => smtp_send('inj@smtpmail.test', 's', "b\n", ['X-A' => "v\r\nBcc: evil@x.example"]),
    'CRLF in a header name' => fn() => smtp_send('inj@smtpmail.test', 's', "b\n", ["X-A\r\nBcc" => 'evil@x.example']),
    'CRLF Bcc in the subject' => fn() => smtp_send('inj@smtpmail.test', "Hi\r\nBcc: evil@x.example", "b\n"),
    'bare LF in the subject' => fn() => smtp_send('inj@smtpmail.test', "Hi\nBcc: evil@x.example", "b\n"),
    'RCPT TO in $to' => fn() => smtp_send("inj@smtpmail.test\r\nRCPT TO:<evil@x.example>", 's', "b\n"),
    'RCPT TO in a $to element' => fn() => smtp_send(["inj@smtpmail.test\r\nRCPT TO:<evil@x.example>"], 's', "b\n"),
    'empty line in the header string' => fn() => smtp_send('inj@smtpmail.test', 's', "b\n", "X-A: 1\r\n\r\nBcc: evil@x.example"),
    'reaches the network' => fn() => smtp_send('inj@smtpmail.test', "Hi\r\n there", "b\n", ['X-A' => "folded\r\n value"]),
];
foreach ($cases as $name => $call) {
    try {
        $call();
        echo "$name: no exception\n";
    } catch (Throwable $e) {
        echo "$name: ", get_class($e), ': ', $e->getMessage(), "\n";
    }
}
?>
--EXPECTF--
To in the headers array: ValueError: The additional headers cannot contain the "To" header
Subject in the headers array: ValueError: The additional headers cannot contain the "Subject" header
CRLF in a header value: ValueError: Header "X-A" contains CRLF characters that are used as a line separator and are not allowed in the header
CRLF in a header name: ValueError: Header name "X-A
Bcc" contains invalid characters
CRLF Bcc in the subject: ValueError: %Sline break%S
bare LF in the subject: ValueError: %Sline break%S
RCPT TO in $to: ValueError: %Sline break%S
RCPT TO in a $to element: ValueError: %Sline break%S
empty line in the header string: ValueError: %Sempty line%S
reaches the network: SmtpMail\ConnectException: [connect] 127.0.0.1:1: %SConnection refused%S
