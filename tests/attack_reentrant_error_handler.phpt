--TEST--
attack: an error handler that sends mail cannot re-enter a send in progress: a forged TLS record mid-read, an unwritable smtpmail.log
--EXTENSIONS--
smtpmail
--INI--
smtpmail.log=/nonexistent-smtpmail-dir/smtpmail.log
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
/* The common pattern: report every PHP warning by mail. Before the fix, a
 * warning raised inside a send ran this handler, whose smtp_send() freed the
 * outer send's state: the worker crashed. */
$calls = [];
set_error_handler(function (int $no, string $msg) use (&$calls) {
    global $side;
    $calls[] = $msg;
    try {
        smtp_send('admin@example.org', 'PHP warning', $msg, FAULT_HEADERS, fault_options($side));
        $calls[] = 'handler sent its report';
    } catch (Throwable $e) {
        $calls[] = 'handler: ' . get_class($e);
    }
    return true;
});
/* 1. A record the client cannot authenticate arrives in the middle of a TLS
 *    read: ext/openssl warns (bad record MAC) inside the send. */
$side = fault_start([['greet'], ['ehlo'], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['read_data'], ['quit']]);
$forged = "\x17\x03\x03\x00\x40" . str_repeat("\xA5", 64);
$f = fault_start([['greet'], ['ehlo', ['STARTTLS']], ['expect', '/^STARTTLS\r\n$/'],
    ['send', "220 2.0.0 Ready to start TLS\r\n"], ['starttls'], ['expect', '/^EHLO /'], ['send_raw', $forged],
    ['silent', 2000]]);
$r = fault_send($f, ['tls' => 'starttls', 'cafile' => $f['cafile'], 'timeout' => 3]);
echo "forged record: ", $r['e'] ? get_class($r['e']) . ' at ' . $r['e']->getStage() : 'no exception', "\n";
echo "handler ran during the send: ", $calls ? 'yes: ' . implode(' | ', $calls) : 'no', "\n";
/* 2. smtpmail.log cannot be written: told once, in the result, not as a
 *    warning in the middle of the send. */
$calls = [];
$f = fault_start([['greet'], ['ehlo'], ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['read_data'], ['quit']]);
$r = fault_send($f);
echo "log trouble: queue_id ", $r['result']['queue_id'] ?? '-', ", log_error ", $r['result']['log_error'] ?? '-', "\n";
echo "handler ran: ", $calls ? 'yes' : 'no', "\n";
/* 3. A certificate nobody vouches for: ext/openssl warns during the
 *    handshake; the warning is folded into the TlsException, the handler
 *    never sees it. */
$calls = [];
$f = fault_start([['greet'], ['ehlo', ['STARTTLS']], ['expect', '/^STARTTLS\r\n$/'],
    ['send', "220 2.0.0 Ready to start TLS\r\n"], ['starttls']]);
$r = fault_send($f, ['tls' => 'starttls', 'cafile' => __DIR__ . '/fault/fault_server.php', 'timeout' => 3]);
echo "untrusted certificate: ", $r['e'] ? get_class($r['e']) : 'no exception', ", handler ran: ", $calls ? 'yes: ' . implode(' | ', $calls) : 'no', "\n";

/* The handler's own mail never went out: it was never called. */
fault_server_ok($side);
?>
--EXPECTF--
forged record: SmtpMail\%sException at %s
handler ran during the send: no
log trouble: queue_id FAULT1, log_error cannot write smtpmail.log /nonexistent-smtpmail-dir/smtpmail.log: No such file or directory
handler ran: no
untrusted certificate: SmtpMail\TlsException, handler ran: no
server: %s

