<?php
/*
 * More helpers for the .phpt tests that send through the throwaway relay:
 * the smtp_send() options for its submission ports, the queue id Postfix
 * wrote into its Received header, an exact count of delivered messages, and
 * lines of its log. Include with
 *     require __DIR__ . '/relay/submission.php';   (it includes mailbox.php)
 */

declare(strict_types=1);

require_once __DIR__ . '/mailbox.php';

/* PCRE's JIT code makes valgrind (run-tests -m) report uninitialised reads that
 * are not the extension's; these helpers do not need its speed. */
ini_set('pcre.jit', '0');

/* How long a test waits after the last expected message before it trusts that
 * no further copy is on its way (Postfix delivers within milliseconds here). */
const RELAY_SETTLE_SECONDS = 1.0;

/**
 * smtp_send() options for the STARTTLS + AUTH submission port, certificate
 * checked against the test CA, with $override merged over them (e.g. another
 * port). Options that redirect the connection drop the php.ini credentials,
 * so these always carry their own.
 */
function relay_submission_options(array $override = []): array
{
    $env = relay_env();
    return $override + [
        'host' => $env['SMTPMAIL_TEST_HOST'],
        'port' => $env['SMTPMAIL_TEST_PORT_STARTTLS'],
        'tls' => 'starttls',
        'cafile' => $env['SMTPMAIL_TEST_CA'],
        'username' => $env['SMTPMAIL_TEST_USER'],
        'password' => $env['SMTPMAIL_TEST_PASSWORD'],
    ];
}

/**
 * Waits for exactly $count messages in $localpart's mailbox: returns them
 * once $count have arrived and no more came within RELAY_SETTLE_SECONDS.
 * Throws RuntimeException when fewer or more arrive.
 */
function relay_wait_exactly(string $localpart, int $count, float $timeout = 20.0): array
{
    $messages = $count > 0 ? relay_wait_for($localpart, $count, $timeout) : [];
    usleep((int) (RELAY_SETTLE_SECONDS * 1e6));
    $files = glob(relay_mailbox_dir($localpart) . '/new/*') ?: [];
    if (count($files) !== $count) {
        throw new RuntimeException(sprintf("relay: %d message(s) for '%s', expected exactly %d",
            count($files), $localpart, $count));
    }
    return $messages;
}

/**
 * The queue id from Postfix's own Received header (the first one) and the
 * protocol it names: ['ESMTPSA', '4F3A...'] for "with ESMTPSA id 4F3A...".
 * Throws RuntimeException when there is no such header.
 */
function relay_received_id(array $headers): array
{
    $received = relay_header($headers, 'Received');
    if ($received === [] || !preg_match('/(?:^|\s)by relay\.smtpmail\.test \(Postfix\) with (\S+) id ([0-9A-Za-z]+)[;\s]/',
            $received[0], $m)) {
        throw new RuntimeException('no Received header from the relay: ' . ($received[0] ?? '(none)'));
    }
    return [$m[1], $m[2]];
}

/**
 * Waits until Postfix's log has a line containing $needle and returns the
 * first such line. Throws RuntimeException after $timeout seconds.
 */
function relay_log_wait(string $needle, float $timeout = 10.0): string
{
    $log = relay_env()['SMTPMAIL_RELAY_DIR'] . '/log/postfix.log';
    $deadline = microtime(true) + $timeout;
    do {
        /* Line by line: the log of a relay that also served bench/run grows to
         * tens of MB, more than a test's memory_limit holds at once. */
        $fh = @fopen($log, 'r');
        while ($fh !== false && ($line = fgets($fh)) !== false) {
            if (str_contains($line, $needle)) {
                fclose($fh);
                return rtrim($line, "\r\n");
            }
        }
        if ($fh !== false) {
            fclose($fh);
        }
        usleep(100000);
    } while (microtime(true) < $deadline);
    throw new RuntimeException("relay log: no line with '$needle' in $log after $timeout s");
}
