<?php
/*
 * Symfony Mailer 5.4 (Debian's php-symfony-mailer): an EsmtpTransport, which
 * keeps its connection from the first send() until it is destroyed (QUIT in
 * its destructor). SmtpTransport::stop() is private in 5.4, so close() drops
 * the transport and the next send() builds a new one, as a new request would.
 * STARTTLS is automatic when the server offers it (tls=false, port != 465).
 * TCP_NODELAY: the transport's SocketStream passes setStreamOptions() to
 * stream_context_create() for its stream_socket_client() call, so
 * getStream()->setStreamOptions(['socket' => ['tcp_nodelay' => true]]) works.
 */
declare(strict_types=1);

use Symfony\Component\Mailer\Transport\Smtp\EsmtpTransport;
use Symfony\Component\Mime\Email;

require_once '/usr/share/php/Symfony/Component/Mailer/autoload.php';

final class SymfonyPeer implements Peer
{
    private ?EsmtpTransport $transport = null;

    public function __construct(private Target $target, private bool $nodelay)
    {
    }

    public function send(array $to, string $subject, string $body): void
    {
        $email = (new Email())
            ->from($this->target->from)
            ->to(...$to)
            ->subject($subject)
            ->text($body);
        $this->transport()->send($email);
    }

    public function close(): void
    {
        $this->transport = null;
    }

    private function transport(): EsmtpTransport
    {
        if ($this->transport === null) {
            $t = new EsmtpTransport($this->target->host, $this->target->port, false);
            if ($this->target->tls) {
                $t->setUsername($this->target->user);
                $t->setPassword($this->target->password);
            }
            $t->getStream()->setStreamOptions(bench_stream_options($this->target, $this->nodelay));
            $this->transport = $t;
        }
        return $this->transport;
    }
}
