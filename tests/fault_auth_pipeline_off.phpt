--TEST--
fault: smtpmail.pipeline_auth=0: AUTH PLAIN in a round trip of its own even when the relay pipelines; the envelope still pipelined
--EXTENSIONS--
smtpmail
--INI--
smtpmail.pipeline_auth=0
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$f = fault_start([['greet'], ['ehlo', ['PIPELINING', 'AUTH PLAIN']], ['expect', '/^AUTH PLAIN \S+\r\n$/'],
    ['send', "235 2.7.0 Authentication successful\r\n"], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n"], ['read_data'],
    ['send', "250 2.0.0 Ok: queued as FAULT1\r\n"], ['quit']]);
$r = fault_send($f, ['username' => 'user@example.org', 'password' => 's3cret-PW']);
fault_show($r['e']);
/* The AUTH line arrived alone: the client waited for 235 before MAIL. */
$t = fault_transcript($f);
$off = 0;
foreach (fault_reads($f) as $n) {
    $chunk = substr($t, $off, $n);
    $off += $n;
    if (str_contains($chunk, 'AUTH PLAIN')) {
        echo 'MAIL with AUTH: ', var_export(str_contains($chunk, 'MAIL FROM'), true), "\n";
    }
}
echo implode("\n", fault_events($f)), "\n";
fault_server_ok($f);
?>
--EXPECT--
no exception
MAIL with AUTH: false
conn 1 offset 0
pipelined: MAIL RCPT DATA
data received
server: ok
