--TEST--
smtp_send(): Date, Message-ID and From (from smtpmail.from) are added when missing, kept when given
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.from=default-headers-from@smtpmail.test
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('default-headers');

$before = time();
smtp_send('default-headers@smtpmail.test', 'added', "body\n", [], relay_submission_options());
smtp_send('default-headers@smtpmail.test', 'given', "body\n", [
    'From' => 'Given <given-from@smtpmail.test>',
    'Date' => 'Mon, 2 Jan 2023 03:04:05 +0100',
    'Message-ID' => '<fixed.id.1@given.example>',
], relay_submission_options());
$after = time();

$got = [];
foreach (relay_wait_exactly('default-headers', 2) as $raw) {
    [$headers] = relay_split($raw);
    $got[relay_header($headers, 'Subject')[0]] = $headers;
}

echo "-- added\n";
$h = $got['added'];
echo 'Return-Path: ', implode(' | ', relay_header($h, 'Return-Path')), "\n";
echo 'From: ', implode(' | ', relay_header($h, 'From')), "\n";
$dates = relay_header($h, 'Date');
var_dump(count($dates));
/* RFC 5322 3.3 date-time, in UTC, from the moment of sending. */
var_dump((bool) preg_match('/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$/D', $dates[0]));
$t = strtotime($dates[0]);
var_dump($t >= $before && $t <= $after);
$ids = relay_header($h, 'Message-ID');
var_dump(count($ids));
/* RFC 5322 3.6.4 msg-id, naming the sender's domain. */
var_dump((bool) preg_match('/^<[0-9A-Za-z.]+@smtpmail\.test>$/D', $ids[0]));

echo "-- given\n";
$h = $got['given'];
echo 'Return-Path: ', implode(' | ', relay_header($h, 'Return-Path')), "\n";
foreach (['From', 'Date', 'Message-ID'] as $name) {
    echo "$name: ", implode(' | ', relay_header($h, $name)), "\n";
}
?>
--EXPECT--
-- added
Return-Path: <default-headers-from@smtpmail.test>
From: default-headers-from@smtpmail.test
int(1)
bool(true)
bool(true)
int(1)
bool(true)
-- given
Return-Path: <default-headers-from@smtpmail.test>
From: Given <given-from@smtpmail.test>
Date: Mon, 2 Jan 2023 03:04:05 +0100
Message-ID: <fixed.id.1@given.example>
