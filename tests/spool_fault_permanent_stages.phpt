--TEST--
spool: a permanent refusal at each stage (greeting 554, AUTH 535, MAIL 553, every RCPT 550, DATA 554, 552 after the dot, a malformed EHLO reply) throws and is never spooled
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:1
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.spool_dir={PWD}/spool_fault_permanent_stages.d
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
$dir = ini_get('smtpmail.spool_dir');
$creds = ['username' => 'user@example.org', 'password' => 's3cret-PW'];
$env = [['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']]];
$plain = [['greet'], ['ehlo', ['8BITMIME']]];
/* Retrying any of these would get the same answer: the caller must hear it now. */
$cases = [
    'greeting: 554' => [[['send', "554 5.7.1 no service\r\n"], ['quit']], []],
    'EHLO: malformed' => [[['greet'], ['expect', '/^EHLO /'], ['send', "250-a\r\n251 b\r\n"], ['expect_close', 3000]], []],
    'AUTH: 535' => [[['greet'], ['ehlo', ['AUTH PLAIN']], ['expect', '/^AUTH PLAIN /'], ['send', "535 5.7.8 bad credentials\r\n"], ['quit']], $creds],
    'MAIL: 553' => [[...$env, ['send', "553 5.7.1 not owned\r\n554 5.5.1 no valid recipients\r\n554 5.5.1 no valid recipients\r\n"], ['quit']], []],
    'RCPT: 550' => [[...$env, ['send', "250 2.1.0 Ok\r\n550 5.1.1 user unknown\r\n554 5.5.1 no valid recipients\r\n"], ['quit']], []],
    'DATA: 554' => [[...$plain, ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA/'], ['send', "554 5.5.1 no thanks\r\n"], ['quit']], []],
    'after the dot: 552' => [[...$plain, ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA/'], ['send', "354 go\r\n"], ['read_data'],
        ['send', "552 5.3.4 message too big\r\n"], ['quit']], []],
];
$servers = [];
foreach ($cases as $what => [$script]) {
    $servers[$what] = fault_start($script);
}
foreach ($cases as $what => [, $options]) {
    $f = $servers[$what];
    $r = fault_send($f, $options);
    printf("%-20s %s code=%d permanent=%s, queue: %d, tmp: %d\n", "$what:", $r['e'] ? get_class($r['e']) : 'returned',
        $r['e']?->getCode() ?? -1, var_export($r['e']?->isPermanent(), true),
        count(glob("$dir/queue/*") ?: []), count(glob("$dir/tmp/*") ?: []));
    fault_server_ok($f);
}
?>
--CLEAN--
<?php
$dir = __DIR__ . '/spool_fault_permanent_stages.d';
foreach (['queue', 'failed', 'tmp'] as $sub) {
    array_map('unlink', glob("$dir/$sub/*") ?: []);
    @rmdir("$dir/$sub");
}
@rmdir($dir);
?>
--EXPECT--
greeting: 554:       SmtpMail\ConnectException code=554 permanent=true, queue: 0, tmp: 0
server: ok
EHLO: malformed:     SmtpMail\ConnectException code=0 permanent=true, queue: 0, tmp: 0
server: ok
AUTH: 535:           SmtpMail\AuthException code=535 permanent=true, queue: 0, tmp: 0
server: ok
MAIL: 553:           SmtpMail\SenderException code=553 permanent=true, queue: 0, tmp: 0
server: ok
RCPT: 550:           SmtpMail\RecipientException code=550 permanent=true, queue: 0, tmp: 0
server: ok
DATA: 554:           SmtpMail\DataException code=554 permanent=true, queue: 0, tmp: 0
server: ok
after the dot: 552:  SmtpMail\DataException code=552 permanent=true, queue: 0, tmp: 0
server: ok
