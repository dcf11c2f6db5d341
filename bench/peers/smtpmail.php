<?php
/*
 * smtpmail's smtp_send(). Consecutive calls to the same relay reuse the open
 * session (the extension keeps it for the rest of the request); smtp_close()
 * ends it with QUIT. TCP_NODELAY is always on in the extension, so $nodelay
 * changes nothing.
 */
declare(strict_types=1);

final class SmtpMailPeer implements Peer
{
    private array $options;

    public function __construct(Target $target, bool $nodelay)
    {
        $this->options = ['host' => $target->host, 'port' => $target->port, 'from' => $target->from];
        if ($target->tls) {
            $this->options += [
                'tls' => $target->implicit ? 'implicit' : 'starttls',
                'username' => $target->user,
                'password' => $target->password,
                'cafile' => $target->cafile,
            ];
        } else {
            $this->options['tls'] = 'none';
        }
    }

    public function send(array $to, string $subject, string $body): void
    {
        smtp_send($to, $subject, $body, [], $this->options);
    }

    public function close(): void
    {
        smtp_close();
    }
}
