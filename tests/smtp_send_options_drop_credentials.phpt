--TEST--
smtp_send(): options that redirect the connection do not take the php.ini credentials along
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.host=127.0.0.1:2587
smtpmail.username=tester@smtpmail.test
smtpmail.password=s3cret-Pass
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('drop-credentials');
$env = relay_env();

/* The plain port offers no AUTH: had the php.ini credentials come along, the
 * client would refuse to send them in clear text, or find no AUTH, and throw.
 * A script's own server would have received the password. */
foreach ([['host' => $env['SMTPMAIL_TEST_HOST'], 'port' => $env['SMTPMAIL_TEST_PORT_PLAIN']],
          ['host' => $env['SMTPMAIL_TEST_HOST'] . ':' . $env['SMTPMAIL_TEST_PORT_PLAIN'], 'tls' => 'none']] as $i => $options) {
    try {
        $r = smtp_send('drop-credentials@smtpmail.test', "redirect $i", "body\n",
            'From: drop-credentials-from@smtpmail.test', $options);
        echo "$i: accepted ", implode(', ', $r['accepted']), "\n";
    } catch (SmtpMail\Exception $e) {
        echo "$i: ", get_class($e), ': ', $e->getMessage(), "\n";
    }
}

$got = [];
foreach (relay_wait_exactly('drop-credentials', 2) as $raw) {
    [$headers] = relay_split($raw);
    [$proto] = relay_received_id($headers);
    $got[] = relay_header($headers, 'Subject')[0] . ": $proto, Return-Path "
        . relay_header($headers, 'Return-Path')[0];
}
sort($got);
echo implode("\n", $got), "\n";
?>
--EXPECT--
0: accepted drop-credentials@smtpmail.test
1: accepted drop-credentials@smtpmail.test
redirect 0: ESMTP, Return-Path <drop-credentials-from@smtpmail.test>
redirect 1: ESMTP, Return-Path <drop-credentials-from@smtpmail.test>
