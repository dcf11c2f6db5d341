--TEST--
fault: 421 in the middle of a session (to AUTH, to RCPT, after the final dot): transient error with code 421 naming the stage, at once, nothing sent
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* RFC 5321 3.8: 421 means the server is shutting the channel down; it may be
 * the reply to any command. The message was not accepted (a 421 after the
 * final dot is a reply, so the outcome is known: not taken). fault_421_pipelined_mail.phpt
 * has the 421 to a pipelined MAIL; pool_stale_session.phpt has
 * the 421 to the next MAIL of a reused session (a retry on a new connection). */
$env = [['greet'], ['ehlo', ['8BITMIME']]];
$bye = "421 4.3.2 fault.test Service shutting down, closing channel\r\n";
$cases = [
    'to AUTH' => [['greet'], ['ehlo', ['AUTH PLAIN']], ['expect', '/^AUTH PLAIN /'], ['send', $bye], ['expect_close', 3000]],
    'to RCPT' => [...$env, ['mail_ok'], ['expect', '/^RCPT TO:/'], ['send', $bye], ['expect_close', 3000]],
    'after the final dot' => [...$env, ['mail_ok'], ['rcpt_ok'], ['expect', '/^DATA\r\n$/'],
        ['send', "354 End data with <CR><LF>.<CR><LF>\r\n"], ['read_data'], ['send', $bye], ['expect_close', 3000]],
];
$servers = [];
foreach ($cases as $what => $script) {
    $servers[$what] = fault_start($script);
}

foreach ($servers as $what => $f) {
    echo "--- $what\n";
    $r = fault_send($f, $what === 'to AUTH' ? ['username' => 'user@example.org', 'password' => 's3cret-PW'] : []);
    fault_show($r['e']);
    fault_within($r, 3);
    $t = fault_transcript($f);
    echo 'messages sent: ', substr_count($t, "\r\n.\r\n"), "\n";
    fault_server_ok($f);
}

?>
--EXPECTF--
--- to AUTH
SmtpMail\AuthException code=421 stage=auth transient=true permanent=false enhanced=4.3.2
[auth] 127.0.0.1:%d: %s: 421 4.3.2 fault.test Service shutting down, closing channel
within 3 s: yes
messages sent: 0
server: ok
--- to RCPT
SmtpMail\RecipientException code=421 stage=rcpt transient=true permanent=false enhanced=4.3.2
[rcpt] 127.0.0.1:%d: the server refused the recipient <rcpt@example.org>: 421 4.3.2 fault.test Service shutting down, closing channel
within 3 s: yes
messages sent: 0
server: ok
--- after the final dot
SmtpMail\DataException code=421 stage=data transient=true permanent=false enhanced=4.3.2
[data] 127.0.0.1:%d: the server refused the message: 421 4.3.2 fault.test Service shutting down, closing channel
within 3 s: yes
messages sent: 1
server: ok
