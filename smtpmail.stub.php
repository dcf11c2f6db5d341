<?php

/** @generate-class-entries */

namespace {
    /**
     * Sends one message through the configured relay (smtpmail.* settings, or $options).
     * @return array{queue_id: ?string, accepted: list<string>, rejected: array<string, string>, reply: string}
     */
    function smtp_send(string|array $to, string $subject, string $message, array|string $additional_headers = [], #[\SensitiveParameter] array $options = []): array {}

    /**
     * Sends a message the caller built whole (headers and body, as frameworks
     * do) to the given envelope, with the same result, exceptions and session
     * reuse as smtp_send(). The message is sent as it is: only line ends and
     * dot-stuffing are canonicalised. An empty $from is the null sender "<>".
     * @param array $recipients list of addresses
     * @return array{queue_id: ?string, accepted: list<string>, rejected: array<string, string>, reply: string}
     */
    function smtp_send_raw(string $from, array $recipients, string $message, #[\SensitiveParameter] array $options = []): array {}

    /**
     * Sends what smtpmail.spool_dir holds, over one reused session: a message is
     * deleted only after a relay's 250 to its final dot, deferred with exponential
     * backoff on a transient failure, moved to the failed/ folder with the reason
     * when refused for good or older than smtpmail.spool_max_age. Safe with several
     * flushers at once. Each message goes only to the php.ini relay and account it
     * was spooled for, with the php.ini credentials; one spooled for another is
     * left alone and counted as "skipped". "deferred" counts messages tried now
     * and not sent; "waiting" those not tried because their backoff has not run
     * out (or past "limit"). Options: "force" (ignore backoff),
     * "limit" (messages to try), "retarget" (command line only: send the skipped
     * ones through today's php.ini relay), "watch" (command line only: stay N
     * seconds, 0 until SIGTERM/SIGINT, sending what arrives), "timeout", "helo";
     * destination and credential options are refused.
     * @return array{sent: int, deferred: int, failed: int, skipped: int, waiting: int}
     */
    function smtp_spool_flush(#[\SensitiveParameter] array $options = []): array {}

    /**
     * What smtpmail.spool_dir holds, for monitoring: "queued" (messages waiting),
     * "deferred" (of those, the ones a try failed for), "failed" (in failed/),
     * "oldest_age" (seconds since the oldest waiting one was spooled, 0 when none),
     * "next_attempt" (unix time of the next due try, or null), "last_error" (the
     * newest failure reason, or null) and "backoff_until" (unix time a relay that
     * throttled us is left alone until, or null). Only the php.ini spool.
     * @return array{queued: int, deferred: int, failed: int, oldest_age: int, next_attempt: ?int, last_error: ?string, backoff_until: ?int}
     */
    function smtp_spool_status(): array {}

    /**
     * Ends every session that smtp_send() and mail() keep open for the next
     * message (persistent ones too), with QUIT. Returns how many were open.
     */
    function smtp_close(): int {}
}

namespace SmtpMail {
    /** A message the relay did not accept. getCode() is the SMTP reply code, or 0 without a reply. */
    class Exception extends \RuntimeException
    {
        /** connect, greeting, ehlo, tls, auth, mail, rcpt, data */
        protected string $stage = "";
        protected bool $transient = false;
        /** RFC 3463 enhanced status code such as "5.7.8", or "" */
        protected string $enhancedStatus = "";
        /** The SMTP dialogue, when the call asked for it with options["transcript"] */
        protected string $transcript = "";

        public function getStage(): string {}

        /** True when trying again later may succeed (4xx reply, timeout, dropped connection). */
        public function isTransient(): bool {}

        /** True when the relay refused for good (5xx reply) or the configuration is wrong. */
        public function isPermanent(): bool {}

        public function getEnhancedStatus(): string {}

        /**
         * The dialogue up to the failure ("C: " and "S: " lines, AUTH payloads
         * redacted, the message as a byte count) when options["transcript"] was
         * true, else "".
         */
        public function getTranscript(): string {}
    }

    /** Connecting, the greeting or EHLO failed. */
    class ConnectException extends Exception {}

    /** STARTTLS was not offered or refused, or the TLS handshake or certificate check failed. */
    class TlsException extends Exception {}

    /** Authentication was refused or impossible. */
    class AuthException extends Exception {}

    /** The relay refused the envelope sender (MAIL FROM). */
    class SenderException extends Exception {}

    /** The relay refused every recipient (RCPT TO). */
    class RecipientException extends Exception {}

    /** The relay refused DATA or the message itself. */
    class DataException extends Exception {}

    /**
     * The whole message was sent but the reply to its final dot never came
     * (connection lost or timed out): the relay may or may not have it (RFC 1047).
     */
    class UnknownOutcomeException extends DataException {}
}
