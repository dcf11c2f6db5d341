--TEST--
fault: a greeting of 421 is a transient ConnectException, 554 a permanent one; no EHLO follows
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* RFC 5321 3.1: a server refusing service greets with 554 and waits for QUIT;
 * 421 (4.2.2) means it is closing the channel, so it hangs up. */
$f421 = fault_start([['send', "421 4.3.2 fault.test Service not available, try later\r\n"], ['close']]);
$f554 = fault_start([['send', "554 5.7.1 fault.test No SMTP service for you\r\n"], ['quit']]);

foreach (['421' => $f421, '554' => $f554] as $what => $f) {
    echo "--- $what\n";
    $r = fault_send($f);
    fault_show($r['e']);
    fault_within($r, 3);
    echo 'sent: ', json_encode(fault_transcript($f)), "\n";
    fault_server_ok($f);
}
?>
--EXPECTF--
--- 421
SmtpMail\ConnectException code=421 stage=greeting transient=true permanent=false enhanced=4.3.2
[greeting] 127.0.0.1:%d: the server refused the connection: 421 4.3.2 fault.test Service not available, try later (the relay is busy or limits connections (too many at once from this address, or a rate limit): try again later, send fewer at once, or keep sessions (smtpmail.persistent))
within 3 s: yes
sent: ""
server: ok
--- 554
SmtpMail\ConnectException code=554 stage=greeting transient=false permanent=true enhanced=5.7.1
[greeting] 127.0.0.1:%d: the server refused the connection: 554 5.7.1 fault.test No SMTP service for you
within 3 s: yes
sent: "QUIT\r\n"
server: ok
