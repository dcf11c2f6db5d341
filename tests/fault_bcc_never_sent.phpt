--TEST--
fault: Bcc recipients get the message but the Bcc header never goes on the wire, from smtp_send() (header string or array) and mail(); smtp_send_raw() sends its message unchanged and its envelope decides who gets it
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
if (getenv('TEST_PHP_EXTRA_ARGS') === false) die('skip needs run-tests (TEST_PHP_EXTRA_ARGS)');
?>
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* Checked on the client's own transcript, not on a delivered copy: a relay
 * may strip Bcc itself (Postfix's message_drop_headers does by default) and
 * would hide a client that sends it. RFC 5322 3.6.3. */
function show(string $what, array $f): void
{
    $t = fault_transcript($f);
    preg_match_all('/^RCPT TO:<([^>]*)>/m', $t, $m);
    $data = (string)substr($t, (int)strpos($t, "DATA\r\n") + 6);
    echo "$what: envelope ", implode(' ', $m[1]), '; Bcc field on the wire: ',
        preg_match('/^Bcc:/mi', $data) ? 'YES' : 'no', '; blind addresses in the data: ',
        preg_match('/hidden/i', $data) ? 'YES' : 'no', "\n";
    fault_server_ok($f);
}
function server(int $rcpts): array
{
    return fault_start([['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok', $rcpts], ['data_ok'], ['quit']]);
}

$f = server(4);
smtp_send('to@example.org', 'Bcc string', "Body\r\n",
    "Cc: cc@example.org\r\nBcc: hidden1@example.org,\r\n Hidden Two <hidden2@example.org>", fault_options($f));
smtp_close();
show('smtp_send, header string', $f);

$f = server(2);
smtp_send('to@example.org', 'Bcc array', "Body\r\n", ['Bcc' => 'Hidden Three <hidden3@example.org>'], fault_options($f));
smtp_close();
show('smtp_send, header array', $f);

/* mail(): smtpmail.host is PHP_INI_SYSTEM and the port is known only now, so
 * a child php with the same extension settings sends it. */
$f = server(3);
$args = getenv('TEST_PHP_EXTRA_ARGS') . ' -d display_errors=stdout -d error_reporting=-1'
    . ' -d smtpmail.host=' . escapeshellarg("127.0.0.1:{$f['port']}")
    . ' -d smtpmail.from=sender@example.org -d smtpmail.helo=client.test -d smtpmail.timeout=5 -d mail.add_x_header=0';
$code = 'var_dump(mail("to@example.org", "Bcc mail()", "Body\r\n", "Bcc: hidden4@example.org, hidden5@example.org"));';
echo 'mail(): ', fault_shell_php($args, $code), "\n";
show('mail()', $f);

/* smtp_send_raw(): README, "nothing is added or removed": a hidden recipient
 * is in the envelope only, and the message goes out as given. */
$f = server(2);
$options = fault_options($f);
unset($options['from']);
smtp_send_raw('sender@example.org', ['to@example.org', 'hidden6@example.org'],
    "To: to@example.org\r\nSubject: raw\r\n\r\nBody\r\n", $options);
smtp_close();
show('smtp_send_raw', $f);
?>
--EXPECT--
smtp_send, header string: envelope to@example.org cc@example.org hidden1@example.org hidden2@example.org; Bcc field on the wire: no; blind addresses in the data: no
server: ok
smtp_send, header array: envelope to@example.org hidden3@example.org; Bcc field on the wire: no; blind addresses in the data: no
server: ok
mail(): bool(true)
mail(): envelope to@example.org hidden4@example.org hidden5@example.org; Bcc field on the wire: no; blind addresses in the data: no
server: ok
smtp_send_raw: envelope to@example.org hidden6@example.org; Bcc field on the wire: no; blind addresses in the data: no
server: ok
