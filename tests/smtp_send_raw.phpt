--TEST--
smtp_send_raw(): a message built by the caller goes to the given envelope as it is (only line ends and dots canonicalised)
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
/* The envelope sender is smtp_send_raw()'s first argument, never an option. */
function raw_options(array $f): array
{
    $o = fault_options($f);
    unset($o['from']);
    return $o;
}

$f = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok', 2], ['data_ok'],
    ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
$message = "From: Framework <app@example.org>\r\nTo: a@example.org\r\nSubject: Raw\r\n"
    . "Message-ID: <raw@example.org>\r\n\r\n.dot line\nbare LF\r\n";
$r = smtp_send_raw('app@example.org', ['a@example.org', 'Bee <b@example.net>'], $message, raw_options($f));
echo $r['reply'], ' ', implode(',', $r['accepted']), "\n";
/* The null sender "<>", for a bounce. */
$r = smtp_send_raw('', ['a@example.org'], "Subject: bounce\r\n\r\nsorry\r\n", raw_options($f));
echo $r['reply'], "\n";
smtp_close();
$t = fault_transcript($f);
echo str_replace("\r\n", "\\r\\n\n", $t);
fault_server_ok($f);

foreach ([
    'bad sender' => fn() => smtp_send_raw("a@b\r\nRCPT TO:<x@y>", ['a@example.org'], "x\r\n", raw_options($f)),
    'no recipients' => fn() => smtp_send_raw('a@example.org', [], "x\r\n", raw_options($f)),
    'not a string' => fn() => smtp_send_raw('a@example.org', [1], "x\r\n", raw_options($f)),
    'bad recipient' => fn() => smtp_send_raw('a@example.org', ['nobody'], "x\r\n", raw_options($f)),
    'long line' => fn() => smtp_send_raw('a@example.org', ['a@example.org'], str_repeat('x', 1000), raw_options($f)),
    'from option' => fn() => smtp_send_raw('a@example.org', ['a@example.org'], "x\r\n", fault_options($f)),
] as $name => $call) {
    try {
        $call();
        echo "$name: no error\n";
    } catch (Throwable $e) {
        echo "$name: ", get_class($e), "\n";
    }
}
?>
--EXPECT--
250 2.0.0 Ok: queued as FAULT1 a@example.org,b@example.net
250 2.0.0 Ok: queued as FAULT1
EHLO client.test\r\n
MAIL FROM:<app@example.org>\r\n
RCPT TO:<a@example.org>\r\n
RCPT TO:<b@example.net>\r\n
DATA\r\n
From: Framework <app@example.org>\r\n
To: a@example.org\r\n
Subject: Raw\r\n
Message-ID: <raw@example.org>\r\n
\r\n
..dot line\r\n
bare LF\r\n
.\r\n
MAIL FROM:<>\r\n
RCPT TO:<a@example.org>\r\n
DATA\r\n
Subject: bounce\r\n
\r\n
sorry\r\n
.\r\n
QUIT\r\n
server: ok
bad sender: ValueError
no recipients: ValueError
not a string: TypeError
bad recipient: ValueError
long line: ValueError
from option: ValueError
