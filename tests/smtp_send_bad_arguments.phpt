--TEST--
smtp_send(): bad options, types, recipients and senders are refused before any connection
--EXTENSIONS--
smtpmail
--INI--
smtpmail.host=127.0.0.1:1
--FILE--
<?php
/* Port 1 is closed: a call that got as far as connecting would throw a
 * ConnectException instead of the error under test (see the last case). */
$cases = [
    'unknown option' => fn() => smtp_send('bad-args@smtpmail.test', 's', "b\n", 'From: f@smtpmail.test', ['bogus' => 1]),
    'bad tls mode' => fn() => smtp_send('bad-args@smtpmail.test', 's', "b\n", 'From: f@smtpmail.test', ['tls' => 'sometimes']),
    'port out of range' => fn() => smtp_send('bad-args@smtpmail.test', 's', "b\n", 'From: f@smtpmail.test', ['port' => 70000]),
    'option type' => fn() => smtp_send('bad-args@smtpmail.test', 's', "b\n", 'From: f@smtpmail.test', ['timeout' => 'soon']),
    'non-string in $to' => fn() => smtp_send(['bad-args@smtpmail.test', 42], 's', "b\n", 'From: f@smtpmail.test'),
    'no recipients' => fn() => smtp_send('', 's', "b\n", 'From: f@smtpmail.test'),
    'no recipients (array)' => fn() => smtp_send([], 's', "b\n", 'From: f@smtpmail.test'),
    'no sender' => fn() => smtp_send('bad-args@smtpmail.test', 's', "b\n"),
    'bad address' => fn() => smtp_send('not an address', 's', "b\n", 'From: f@smtpmail.test'),
    'reaches the network' => fn() => smtp_send('bad-args@smtpmail.test', 's', "b\n", 'From: f@smtpmail.test'),
];
foreach ($cases as $name => $call) {
    try {
        $call();
        echo "$name: no exception\n";
    } catch (Throwable $e) {
        echo "$name: ", get_class($e), ': ', $e->getMessage(), "\n";
    }
}
?>
--EXPECTF--
unknown option: ValueError: smtp_send(): Argument #5 ($options) contains unknown option "bogus"
bad tls mode: ValueError: %S"sometimes"%S
port out of range: ValueError: smtp_send(): Argument #5 ($options) option "port" must be between 0 and 65535
option type: TypeError: smtp_send(): Argument #5 ($options) option "timeout" must be of type int|float, string given
non-string in $to: TypeError: smtp_send(): Argument #1 ($to) must contain only strings, int found
no recipients: ValueError: %Sno recipients%S
no recipients (array): ValueError: %Sno recipients%S
no sender: ValueError: %Sno envelope sender%S
bad address: ValueError: %Snot an address%S
reaches the network: SmtpMail\ConnectException: [connect] 127.0.0.1:1: %SConnection refused%S
