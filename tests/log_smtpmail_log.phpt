--TEST--
smtpmail.log: one logfmt line per message, sent or failed, with relay, sender, counts, queue id, TLS version and no secret
--EXTENSIONS--
smtpmail
--INI--
smtpmail.log={PWD}/log_smtpmail_log.txt
mail.log={PWD}/log_smtpmail_log_mail.txt
smtpmail.host=127.0.0.1:1
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
@unlink(__DIR__ . '/log_smtpmail_log.txt');
@unlink(__DIR__ . '/log_smtpmail_log_mail.txt');

$f = fault_start([['greet'], ['ehlo', ['PIPELINING', 'STARTTLS']], ['expect', '/^STARTTLS\r\n$/D'],
    ['send', "220 go ahead\r\n"], ['starttls'], ['ehlo', ['PIPELINING', 'AUTH PLAIN']], ['auth_ok'],
    ['mail_ok'], ['rcpt_ok', 2], ['data_ok'], ['quit']]);
smtp_send('a@example.org, b@example.org', 'Logged', FAULT_BODY, FAULT_HEADERS,
    fault_options($f, ['tls' => 'starttls', 'cafile' => $f['cafile'], 'username' => 'u@example.org',
        'password' => 'Log-S3cret']));
smtp_close();
fault_server_ok($f);
try {
    smtp_send(FAULT_TO, 'Refused', FAULT_BODY, FAULT_HEADERS, ['host' => '127.0.0.1', 'port' => 1, 'tls' => 'none',
        'from' => FAULT_FROM]);
} catch (SmtpMail\ConnectException $e) {
}
$log = file_get_contents(__DIR__ . '/log_smtpmail_log.txt');
echo $log;
var_dump(str_contains($log, 'Log-S3cret'));
/* mail() through a dead relay still writes PHP's mail.log line, as PHP's mail() does. */
var_dump(@mail('m@example.org', 'Via mail', 'x', 'From: sender@example.org'));
echo substr(file_get_contents(__DIR__ . '/log_smtpmail_log.txt'), strlen($log));
echo file_get_contents(__DIR__ . '/log_smtpmail_log_mail.txt');
?>
--CLEAN--
<?php
@unlink(__DIR__ . '/log_smtpmail_log.txt');
@unlink(__DIR__ . '/log_smtpmail_log_mail.txt');
?>
--EXPECTF--
server: ok
%d-%d-%dT%d:%d:%dZ smtpmail level=info relay=127.0.0.1:%d from=<sender@example.org> rcpts=2 size=%d outcome=sent queue_id=FAULT1 duration_ms=%d tls=TLSv1.%d
%d-%d-%dT%d:%d:%dZ smtpmail level=err relay=127.0.0.1:1 from=<sender@example.org> rcpts=1 size=%d outcome=failed duration_ms=%d tls=none stage=connect code=0 error="cannot connect: Connection refused"
bool(false)
bool(false)
%d-%d-%dT%d:%d:%dZ smtpmail level=err relay=127.0.0.1:1 from=<sender@example.org> rcpts=1 size=%d outcome=failed duration_ms=%d tls=none stage=connect code=0 error="cannot connect: Connection refused"
[%s] mail() on [%slog_smtpmail_log.php:%d]: To: m@example.org -- Headers: From: sender@example.org -- Subject: Via mail
