--TEST--
fault: a server that goes silent after EHLO, STARTTLS, AUTH, MAIL, RCPT or DATA: the call gives up within the timeout, naming the stage
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* fault_silent_server.phpt covers the greeting and the reply after the body;
 * these are the stages in between. Each server reads and discards, never
 * answering; the client must give up after its 1 s timeout and hang up. */
$creds = ['username' => 'user@example.org', 'password' => 's3cret-PW'];
$cases = [
    'EHLO' => [[['greet'], ['silent', 8000]], []],
    'STARTTLS' => [[['greet'], ['ehlo', ['STARTTLS']], ['expect', '/^STARTTLS\r\n$/'], ['silent', 8000]], ['tls' => 'starttls']],
    'AUTH' => [[['greet'], ['ehlo', ['AUTH PLAIN']], ['silent', 8000]], $creds],
    'MAIL' => [[['greet'], ['ehlo', ['8BITMIME']], ['silent', 8000]], []],
    'RCPT' => [[['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['silent', 8000]], []],
    'DATA' => [[['greet'], ['ehlo', ['8BITMIME']], ['mail_ok'], ['rcpt_ok'], ['silent', 8000]], []],
];
$servers = [];
foreach ($cases as $what => [$script]) {
    $servers[$what] = fault_start($script);
}
foreach ($cases as $what => [, $options]) {
    echo "--- silent after $what\n";
    $f = $servers[$what];
    $r = fault_send($f, $options + ['timeout' => 1, 'cafile' => $f['cafile']]);
    fault_show($r['e']);
    fault_within($r, 1 + 3);
    $t = fault_transcript($f);
    $lines = explode("\r\n", rtrim($t, "\r\n"));
    echo 'last line sent: ', end($lines), "\n";
    echo 'QUIT sent: ', var_export(str_contains($t, 'QUIT'), true), "\n";
    $events = fault_events($f);
    echo end($events), "\n";
    fault_server_ok($f);
}
?>
--EXPECTF--
--- silent after EHLO
SmtpMail\ConnectException code=0 stage=ehlo transient=true permanent=false enhanced=-
[ehlo] 127.0.0.1:%d: no reply from the server within 1000 ms
within 4 s: yes
last line sent: EHLO client.test
QUIT sent: false
closed by client at step 2 (silent)
server: ok
--- silent after STARTTLS
SmtpMail\TlsException code=0 stage=tls transient=true permanent=false enhanced=-
[tls] 127.0.0.1:%d: no reply from the server within 1000 ms
within 4 s: yes
last line sent: STARTTLS
QUIT sent: false
closed by client at step 4 (silent)
server: ok
--- silent after AUTH
SmtpMail\AuthException code=0 stage=auth transient=true permanent=false enhanced=-
[auth] 127.0.0.1:%d: no reply from the server within 1000 ms
within 4 s: yes
last line sent: AUTH PLAIN AHVzZXJAZXhhbXBsZS5vcmcAczNjcmV0LVBX
QUIT sent: false
closed by client at step 3 (silent)
server: ok
--- silent after MAIL
SmtpMail\SenderException code=0 stage=mail transient=true permanent=false enhanced=-
[mail] 127.0.0.1:%d: no reply from the server within 1000 ms
within 4 s: yes
last line sent: MAIL FROM:<sender@example.org>
QUIT sent: false
closed by client at step 3 (silent)
server: ok
--- silent after RCPT
SmtpMail\RecipientException code=0 stage=rcpt transient=true permanent=false enhanced=-
[rcpt] 127.0.0.1:%d: no reply from the server within 1000 ms
within 4 s: yes
last line sent: RCPT TO:<rcpt@example.org>
QUIT sent: false
closed by client at step 4 (silent)
server: ok
--- silent after DATA
SmtpMail\DataException code=0 stage=data transient=true permanent=false enhanced=-
[data] 127.0.0.1:%d: no reply from the server within 1000 ms
within 4 s: yes
last line sent: DATA
QUIT sent: false
closed by client at step 5 (silent)
server: ok
