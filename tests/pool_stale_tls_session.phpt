--TEST--
pool: a kept STARTTLS session the server closed while idle is seen as stale before reuse (no MAIL sent into it)
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$tls = [['greet'], ['ehlo', ['PIPELINING', 'STARTTLS']], ['expect', '/^STARTTLS\r\n$/D'], ['send', "220 go ahead\r\n"],
    ['starttls'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok']];
$f = fault_start([
    array_merge($tls, [['send', "421 4.4.2 idle timeout\r\n"], ['close']]),
    array_merge($tls, [['quit']]),
]);
$o = fault_options($f, ['tls' => 'starttls', 'cafile' => $f['cafile']]);
smtp_send(FAULT_TO, 'First', "First body\r\n", FAULT_HEADERS, $o);
usleep(200000); /* the 421 and the close arrive while the session waits in the pool */
$r = smtp_send(FAULT_TO, 'Second', "Second body\r\n", FAULT_HEADERS, $o + ['transcript' => true]);
smtp_close();
echo $r['reply'], "\n";
/* The client's own view: the second send began with a fresh greeting, not a MAIL into the dead session. */
echo 'second send began with: ', strtok($r['transcript'], "\n"), "\n";
$t = fault_transcript($f);
/* One MAIL per connection: nothing was sent into the dead session. */
echo 'MAIL commands: ', substr_count($t, 'MAIL FROM:'), ', bodies: ', substr_count($t, "body\r\n.\r\n"), "\n";
echo implode("\n", preg_grep('/^conn /', fault_events($f))), "\n";
fault_server_ok($f);
?>
--EXPECTF--
250 2.0.0 Ok: queued as FAULT1
second send began with: S: 220 %s
MAIL commands: 2, bodies: 2
conn 1 offset 0
conn 2 offset %d
server: ok
