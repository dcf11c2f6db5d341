<?php
/*
 * W6: the same page written with PHPMailer (SMTP, STARTTLS + AUTH): a new
 * connection per request, since no PHP library can keep one between
 * requests. BENCH_NODELAY=1 turns TCP_NODELAY on (peers/phpmailer.php).
 * 500 when the send failed.
 */
declare(strict_types=1);

require __DIR__ . '/../lib.php';

try {
    $peer = bench_peer('phpmailer', Target::fromEnv(), getenv('BENCH_NODELAY') === '1');
    $peer->send(['w6@bench.test'], 'W6 page', bench_body(2048));
    $peer->close();
    echo "sent\n";
} catch (Throwable $e) {
    http_response_code(500);
    error_log('W6 phpmailer page: ' . $e->getMessage());
}
