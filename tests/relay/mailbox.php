<?php
/*
 * Helpers for the .phpt tests that talk to the throwaway relay started by
 * tests/relay/start. Include with
 *     require __DIR__ . '/relay/mailbox.php';      (from a test in tests/)
 *
 * Messages are stored by tests/relay/deliver as Postfix hands them over:
 * Return-Path, X-Original-To and Delivered-To first, then Postfix's Received
 * line, then what the client sent. Line endings are LF: Postfix stores lines,
 * not the CRLF of the wire, and dot-stuffing has been undone.
 *
 * Local parts are folded to lower case by the relay. Tests that run in
 * parallel must each use their own local part and clear only that mailbox.
 */

declare(strict_types=1);

/* The relay's local parts become directory names; same rule as the relay. */
const RELAY_LOCALPART_RE = '/^[a-z0-9][a-z0-9._+=-]*$/D';

/**
 * The relay's settings, as written by tests/relay/start to env.php: host,
 * ports (ints), user, password, CA file, Maildir root. Keys are those of
 * tests/relay/env (SMTPMAIL_TEST_HOST, SMTPMAIL_TEST_PORT_STARTTLS, ...).
 * Throws RuntimeException when the relay has never been started.
 */
function relay_env(): array
{
    static $env = null;
    if ($env !== null) {
        return $env;
    }
    $dir = getenv('SMTPMAIL_RELAY_DIR') ?: dirname(__DIR__) . '/.relay';
    $file = $dir . '/env.php';
    if (!is_file($file)) {
        throw new RuntimeException("relay not started: no $file (run tests/relay/start)");
    }
    $loaded = require $file;
    foreach ($loaded as $key => $value) {
        if (str_starts_with($key, 'SMTPMAIL_TEST_PORT_')) {
            $loaded[$key] = (int) $value;
        }
    }
    return $env = $loaded;
}

/**
 * Why the relay cannot be used, or null when its plain port answers.
 * For --SKIPIF-- sections:  if ($r = relay_skip_reason()) die("skip $r");
 */
function relay_skip_reason(): ?string
{
    try {
        $env = relay_env();
    } catch (RuntimeException $e) {
        return $e->getMessage();
    }
    $s = @fsockopen($env['SMTPMAIL_TEST_HOST'], $env['SMTPMAIL_TEST_PORT_PLAIN'], $errno, $errstr, 2.0);
    if ($s === false) {
        return "relay not running: $errstr";
    }
    fclose($s);
    return null;
}

function relay_mailbox_dir(string $localpart): string
{
    $localpart = strtolower($localpart);
    if (!preg_match(RELAY_LOCALPART_RE, $localpart)) {
        throw new InvalidArgumentException("not a relay local part: '$localpart'");
    }
    return relay_env()['SMTPMAIL_TEST_MAILDIR'] . '/' . $localpart;
}

/**
 * Deletes the delivered messages of one mailbox, or of every mailbox when
 * $localpart is null (only safe when no other test is running).
 */
function relay_clear_mailbox(?string $localpart = null): void
{
    if ($localpart === null) {
        $boxes = glob(relay_env()['SMTPMAIL_TEST_MAILDIR'] . '/*', GLOB_ONLYDIR) ?: [];
    } else {
        $boxes = [relay_mailbox_dir($localpart)];
    }
    foreach ($boxes as $box) {
        foreach (['new', 'cur', 'tmp'] as $sub) {
            foreach (glob("$box/$sub/*") ?: [] as $file) {
                if (!unlink($file)) {
                    throw new RuntimeException("cannot delete $file");
                }
            }
        }
    }
}

/**
 * Waits until at least $count messages are in $localpart's mailbox and
 * returns all of them, raw, in delivery order. Throws RuntimeException after
 * $timeout seconds, saying how many arrived.
 */
function relay_wait_for(string $localpart, int $count = 1, float $timeout = 20.0): array
{
    $new = relay_mailbox_dir($localpart) . '/new';
    $deadline = microtime(true) + $timeout;
    do {
        /* File names start with the delivery time in nanoseconds (deliver). */
        $files = glob("$new/*") ?: [];
        if (count($files) >= $count) {
            sort($files, SORT_STRING);
            $messages = [];
            foreach ($files as $file) {
                $raw = file_get_contents($file);
                if ($raw === false) {
                    throw new RuntimeException("cannot read $file");
                }
                $messages[] = $raw;
            }
            return $messages;
        }
        usleep(50000);
    } while (microtime(true) < $deadline);
    throw new RuntimeException(sprintf(
        "relay: %d of %d message(s) for '%s' after %.1f s; see %s/log/postfix.log",
        count($files), $count, $localpart, $timeout, relay_env()['SMTPMAIL_RELAY_DIR']));
}

/**
 * Splits a stored message at the first empty line. Headers come back in
 * order as [name, value] pairs; values are unfolded (RFC 5322 section
 * 2.2.3: a line break followed by white space is removed) and the white
 * space after the colon is dropped. The body is returned byte for byte.
 * Throws RuntimeException on a header line without a colon.
 */
function relay_split(string $raw): array
{
    if (preg_match('/\r?\n\r?\n/', $raw, $m, PREG_OFFSET_CAPTURE)) {
        $head = substr($raw, 0, $m[0][1]);
        $body = substr($raw, $m[0][1] + strlen($m[0][0]));
    } else {
        [$head, $body] = [rtrim($raw, "\r\n"), ''];
    }
    $headers = [];
    foreach (preg_split('/\r?\n(?![ \t])/', $head) as $field) {
        if ($field === '') {
            continue;
        }
        $colon = strpos($field, ':');
        if ($colon === false || $colon === 0) {
            throw new RuntimeException("malformed header line: " . substr($field, 0, 80));
        }
        $value = preg_replace('/\r?\n(?=[ \t])/', '', substr($field, $colon + 1));
        $headers[] = [substr($field, 0, $colon), ltrim($value, " \t")];
    }
    return [$headers, $body];
}

/** Values of every header named $name (case-insensitive), in order. */
function relay_header(array $headers, string $name): array
{
    $values = [];
    foreach ($headers as [$n, $v]) {
        if (strcasecmp($n, $name) === 0) {
            $values[] = $v;
        }
    }
    return $values;
}
