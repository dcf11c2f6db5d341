--TEST--
fault: the DATA bytes on the wire, byte for byte: smtp_send_raw() stuffs a dot on the very first line and on every later one, sends a bare LF or CR as CRLF, and ends an unterminated last line with CRLF before "." CRLF
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* RFC 5321 4.5.2 (transparency: every line, the first included, that starts
 * with "." gets another), 2.3.8 (only CRLF ends a line: a bare LF passed on is
 * what SMTP smuggling exploits) and 4.1.1.4 (the data ends with CRLF "." CRLF). */
$f = fault_start([['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
$message = ".Starts-With-A-Dot: the first line\r\n"
    . "Subject: wire format\r\n"
    . "\r\n"
    . "bare LF\n"
    . "bare CR\r"
    . ".\r\n"
    . "..two dots\r\n"
    . "the last line has no line break";
$options = fault_options($f);
unset($options['from']);
$r = smtp_send_raw('sender@example.org', ['rcpt@example.org'], $message, $options);
smtp_close();
echo 'reply: ', $r['reply'], "\n";

$t = fault_transcript($f);
$data = substr($t, strpos($t, "DATA\r\n") + 6);
$data = substr($data, 0, strrpos($data, "QUIT\r\n"));
$expected = "..Starts-With-A-Dot: the first line\r\n"
    . "Subject: wire format\r\n"
    . "\r\n"
    . "bare LF\r\n"
    . "bare CR\r\n"
    . "..\r\n"
    . "...two dots\r\n"
    . "the last line has no line break\r\n"
    . ".\r\n";
echo 'DATA as expected: ', var_export($data === $expected, true), "\n";
if ($data !== $expected) {
    echo fault_lines($data);
}
fault_server_ok($f);
?>
--EXPECTF--
reply: 250 %s
DATA as expected: true
server: ok
