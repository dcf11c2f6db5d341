--TEST--
fault: 421 to a pipelined MAIL, the server then waits: the client hangs up at once with SenderException 421 instead of sitting out its timeout for RCPT and DATA replies that will not come
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* RFC 5321 3.8 and 4.2.3: 421 is "closing transmission channel"; after it the
 * server answers nothing more, whatever was pipelined behind MAIL (RFC 2920
 * 3.1). Waiting for the RCPT and DATA replies only holds the request for the
 * whole timeout (here 5 s) before the same error. */
$f = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', "421 4.3.2 fault.test Service shutting down, closing channel\r\n"], ['expect_close', 3000]]);
$r = fault_send($f, ['timeout' => 5]);
fault_show($r['e']);
fault_within($r, 2);
echo 'messages sent: ', substr_count(fault_transcript($f), "\r\n.\r\n"), "\n";
fault_server_ok($f);
?>
--EXPECTF--
SmtpMail\SenderException code=421 stage=mail transient=true permanent=false enhanced=4.3.2
[mail] 127.0.0.1:%d: the server refused the sender: 421 4.3.2 fault.test Service shutting down, closing channel
within 2 s: yes
messages sent: 0
server: ok
