<?php
/*
 * W6: a page that sends one mail per request with PHP's mail(). php.ini
 * (set by bench/run) decides how: smtpmail's hook, with or without
 * smtpmail.persistent, or msmtp as sendmail_path. 500 when the send failed.
 */
declare(strict_types=1);

require __DIR__ . '/../lib.php';

$from = Target::fromEnv()->from;
if (mail('w6@bench.test', 'W6 page', bench_body(2048), ['From' => $from])) {
    echo "sent\n";
} else {
    http_response_code(500);
}
