--TEST--
mail() hook and smtp_send(): smtpmail.from with a display name is the From field as written (ASCII), or rebuilt with RFC 2047 words and an A-label domain (UTF-8), the address alone when the name is in another charset; the envelope sender is its address
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.host=127.0.0.1:2525
smtpmail.from="Shop Robot <shop-robot@smtpmail.test>"
--FILE--
<?php
require __DIR__ . '/relay/submission.php';

function show(string $box): void
{
    [$msg] = relay_wait_exactly($box, 1);
    [$headers] = relay_split($msg);
    $from = relay_header($headers, 'From')[0];
    printf("%s: From %s | decoded %s | Return-Path %s\n", $box, $from, preg_replace_callback('/=\?UTF-8\?B\?([^?]*)\?=/', fn ($m) => base64_decode($m[1]), $from),
        relay_header($headers, 'Return-Path')[0]);
}

relay_clear_mailbox('from-name-ascii');
var_dump(mail('from-name-ascii@smtpmail.test', 'ASCII name', "x\n"));
show('from-name-ascii');

/* A From header of the caller's still wins. */
relay_clear_mailbox('from-name-given');
var_dump(mail('from-name-given@smtpmail.test', 'Given', "x\n", 'From: Own <from-name-own@smtpmail.test>'));
show('from-name-given');

relay_clear_mailbox('from-name-utf8');
ini_set('smtpmail.from', 'Jörg Müller <from-name-sender@smtpmail.test>');
var_dump(is_array(smtp_send('from-name-utf8@smtpmail.test', 'UTF-8 name', "x\r\n")));
show('from-name-utf8');

/* A display name in another 8-bit charset is left out: the mail still goes. */
relay_clear_mailbox('from-name-latin1');
ini_set('smtpmail.from', "J\xf6rg <from-name-sender@smtpmail.test>");
var_dump(is_array(smtp_send('from-name-latin1@smtpmail.test', 'Latin-1 name', "x\r\n")));
show('from-name-latin1');
?>
--EXPECT--
bool(true)
from-name-ascii: From Shop Robot <shop-robot@smtpmail.test> | decoded Shop Robot <shop-robot@smtpmail.test> | Return-Path <shop-robot@smtpmail.test>
bool(true)
from-name-given: From Own <from-name-own@smtpmail.test> | decoded Own <from-name-own@smtpmail.test> | Return-Path <shop-robot@smtpmail.test>
bool(true)
from-name-utf8: From =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <from-name-sender@smtpmail.test> | decoded Jörg Müller <from-name-sender@smtpmail.test> | Return-Path <from-name-sender@smtpmail.test>
bool(true)
from-name-latin1: From from-name-sender@smtpmail.test | decoded from-name-sender@smtpmail.test | Return-Path <from-name-sender@smtpmail.test>
