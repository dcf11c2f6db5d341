--TEST--
attack: 40,000 recipients are refused at once with a clear error (the count is bounded; de-duplication is a hash set, not a quadratic scan); nothing is sent
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
$f = fault_start([['silent', 500]]);
$to = array_map(fn($i) => "r$i@example.org", range(1, 40000));
try {
    smtp_send($to, 'Many', "Body\r\n", FAULT_HEADERS, fault_options($f));
    echo "sent\n";
} catch (Throwable $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
try {
    $raw = fault_options($f);
    unset($raw['from']);
    smtp_send_raw(FAULT_FROM, $to, "Subject: many\r\n\r\nBody\r\n", $raw);
    echo "sent\n";
} catch (Throwable $e) {
    echo get_class($e), ': ', $e->getMessage(), "\n";
}
/* 10,000 is the bound: duplicates (the domain in any case) do not count. */
$dups = array_merge(array_map(fn($i) => "r$i@example.org", range(1, 10000)), array_map(fn($i) => "r$i@EXAMPLE.org", range(1, 10000)));
try {
    smtp_send($dups, 'Many', "Body\r\n", FAULT_HEADERS, fault_options($f, ['timeout' => 0.2]));
} catch (Throwable $e) {
    echo get_class($e), ' at ', $e instanceof SmtpMail\Exception ? $e->getStage() : '-', "\n";
}
?>
--EXPECT--
ValueError: to: more than 10000 recipients in one message
ValueError: more than 10000 recipients in one message
SmtpMail\ConnectException at greeting
