<?php
/*
 * PHP's mail(). What it sends through depends on php.ini, which bench/run
 * sets per peer: smtpmail.host (the extension's hook: an SMTP session kept
 * for the rest of the request, like smtp_send()) or sendmail_path (msmtp: a
 * new process and a new connection for every call). The envelope sender comes
 * from smtpmail.from or msmtp's configuration; From is written here for both.
 */
declare(strict_types=1);

final class MailFunctionPeer implements Peer
{
    public function __construct(private Target $target, bool $nodelay)
    {
    }

    public function send(array $to, string $subject, string $body): void
    {
        if (!mail(implode(', ', $to), $subject, $body, ['From' => $this->target->from])) {
            throw new RuntimeException('mail() returned false: ' . (error_get_last()['message'] ?? ''));
        }
    }

    public function close(): void
    {
        // Only the extension's hook keeps a session; msmtp exits after each message.
        if (function_exists('smtp_close')) {
            smtp_close();
        }
    }
}
