--TEST--
smtp_send(): a generated Message-ID names the From field's domain, not this host's name
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('message-id-domain');
$env = relay_env();

/* No smtpmail.from and no username: the sender is the From field's address.
 * The host name may be internal ("web-03.corp.lan") and must not leak. */
$r = smtp_send('message-id-domain@smtpmail.test', 'Message-ID', "body\n",
    'From: Header Only <header-only@mid.example>',
    ['host' => $env['SMTPMAIL_TEST_HOST'], 'port' => $env['SMTPMAIL_TEST_PORT_PLAIN']]);
var_dump($r['accepted']);

[$msg] = relay_wait_exactly('message-id-domain', 1);
[$headers] = relay_split($msg);
echo 'Return-Path: ', relay_header($headers, 'Return-Path')[0], "\n";
$ids = relay_header($headers, 'Message-ID');
var_dump(count($ids));
echo 'Message-ID domain: ', substr($ids[0], strrpos($ids[0], '@')), "\n";
var_dump(str_contains($ids[0], php_uname('n')));
?>
--EXPECT--
array(1) {
  [0]=>
  string(31) "message-id-domain@smtpmail.test"
}
Return-Path: <header-only@mid.example>
int(1)
Message-ID domain: @mid.example>
bool(false)
