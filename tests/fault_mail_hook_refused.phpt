--TEST--
fault: mail() through the fault server: false and an E_WARNING quoting the server's refusal; true on success
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
if (getenv('TEST_PHP_EXTRA_ARGS') === false) die('skip needs run-tests (TEST_PHP_EXTRA_ARGS)');
?>
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* smtpmail.host is PHP_INI_SYSTEM and the port is only known now: run mail()
 * in a child php with the same extension settings and -d smtpmail.host. */
function child_mail(array $f): string
{
    $args = getenv('TEST_PHP_EXTRA_ARGS') . ' -d display_errors=stdout -d error_reporting=-1'
        . ' -d smtpmail.host=' . escapeshellarg("127.0.0.1:{$f['port']}")
        . ' -d smtpmail.from=sender@example.org -d smtpmail.helo=client.test -d smtpmail.timeout=5'
        . ' -d mail.add_x_header=0';
    $code = 'var_dump(mail("rcpt@example.org", "Fault test", "Hello\r\n", "Date: Mon, 02 Mar 2026 10:00:00 +0000"));';
    return fault_shell_php($args, $code);
}

$refused = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n550 5.1.1 <rcpt@example.org>: Recipient address rejected: User unknown\r\n"
        . "554 5.5.1 Error: no valid recipients\r\n"], ['quit']]);
$ok = fault_start([['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);

echo "--- refused\n", child_mail($refused), "\n";
fault_server_ok($refused);
echo "--- accepted\n", child_mail($ok), "\n";
echo 'message sent: ', var_export(str_contains(fault_transcript($ok), "\r\nHello\r\n.\r\n"), true), "\n";
fault_server_ok($ok);
?>
--EXPECTF--
--- refused
Warning: mail(): [rcpt] 127.0.0.1:%d: the server refused the recipient <rcpt@example.org>: 550 5.1.1 <rcpt@example.org>: Recipient address rejected: User unknown in %s on line %d
bool(false)
server: ok
--- accepted
bool(true)
message sent: true
server: ok
