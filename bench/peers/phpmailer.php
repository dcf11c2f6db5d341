<?php
/*
 * PHPMailer 6.6 (Debian's libphp-phpmailer) over SMTP with SMTPKeepAlive, so
 * one connection serves every send() until close() (smtpClose(): QUIT).
 * TCP_NODELAY: PHPMailer passes SMTPOptions to stream_context_create() for
 * its stream_socket_client() call (SMTP::getSMTPConnection), so
 * SMTPOptions = ['socket' => ['tcp_nodelay' => true]] turns Nagle off.
 */
declare(strict_types=1);

use PHPMailer\PHPMailer\PHPMailer;

require_once '/usr/share/php/libphp-phpmailer/autoload.php';

final class PhpMailerPeer implements Peer
{
    private PHPMailer $mailer;

    public function __construct(Target $target, bool $nodelay)
    {
        $m = new PHPMailer(true);
        $m->isSMTP();
        $m->Host = $target->host;
        $m->Port = $target->port;
        $m->SMTPKeepAlive = true;
        if ($target->tls) {
            $m->SMTPSecure = $target->implicit ? PHPMailer::ENCRYPTION_SMTPS : PHPMailer::ENCRYPTION_STARTTLS;
            $m->SMTPAuth = true;
            $m->Username = $target->user;
            $m->Password = $target->password;
        } else {
            $m->SMTPAutoTLS = false;
        }
        $m->SMTPOptions = bench_stream_options($target, $nodelay);
        $m->setFrom($target->from);
        $this->mailer = $m;
    }

    public function send(array $to, string $subject, string $body): void
    {
        $m = $this->mailer;
        $m->clearAddresses();
        foreach ($to as $address) {
            $m->addAddress($address);
        }
        $m->Subject = $subject;
        $m->Body = $body;
        $m->send();
    }

    public function close(): void
    {
        $this->mailer->smtpClose();
    }
}
