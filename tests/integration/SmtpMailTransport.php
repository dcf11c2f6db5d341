<?php
/*
 * A Symfony Mailer transport that hands each message to the smtpmail
 * extension: Symfony builds the MIME message and the envelope, smtpmail
 * submits it (TLS, AUTH, pipelining, failover, spool, kept sessions).
 *
 *     $mailer = new Symfony\Component\Mailer\Mailer(new SmtpMailTransport());
 *     $mailer->send($email);
 *
 * Without options it uses the relay, credentials and TLS settings of
 * php.ini (smtpmail.*). $options are smtp_send_raw()'s: a "host", "port",
 * "tls", "verify_peer", "cafile" or "context" there means the php.ini
 * credentials are not sent, so pass "username" and "password" with them.
 *
 * Recipients: when the relay refuses every recipient, send() throws. When it
 * takes some and refuses others, the message has gone to those it took, so
 * send() returns (throwing would make a retry send it to them twice); the
 * refused ones are logged as a warning and appended to the debug text.
 * With smtpmail.spool_dir set, what a later try may still deliver (the whole
 * message after a transient failure, or every message with smtpmail.deferred)
 * is spooled instead, and send() returns.
 */

declare(strict_types=1);

use Symfony\Component\Mailer\Exception\TransportException;
use Symfony\Component\Mailer\SentMessage;
use Symfony\Component\Mailer\Transport\AbstractTransport;
use Symfony\Component\Mime\Address;

final class SmtpMailTransport extends AbstractTransport
{
    public function __construct(
        #[\SensitiveParameter] private array $options = [],
        ?\Psr\EventDispatcher\EventDispatcherInterface $dispatcher = null,
        ?\Psr\Log\LoggerInterface $logger = null,
    ) {
        parent::__construct($dispatcher, $logger);
    }

    protected function doSend(SentMessage $message): void
    {
        $envelope = $message->getEnvelope();
        $recipients = array_map(fn (Address $a) => $a->getEncodedAddress(), $envelope->getRecipients());

        try {
            $result = smtp_send_raw($envelope->getSender()->getEncodedAddress(), $recipients,
                $message->toString(), $this->options);
        } catch (\SmtpMail\Exception $e) {
            /* The stage, the reply and the likely fix are in the message;
             * the original stays reachable through getPrevious(). */
            throw new TransportException($e->getMessage(), $e->getCode(), $e);
        }

        $message->appendDebug($result['reply'] !== '' ? $result['reply'] . "\n" : '');
        if ($result['spooled']) {
            /* In smtpmail.spool_dir, for smtp_spool_flush() to send. */
            $message->appendDebug("spooled as {$result['spool_id']}\n");
        }
        foreach ($result['rejected'] as $address => $reply) {
            $message->appendDebug("refused <$address>: $reply\n");
            $this->getLogger()->warning('The relay refused a recipient: {reply}', ['address' => $address, 'reply' => $reply]);
        }
    }

    public function __toString(): string
    {
        return 'smtpmail://' . ($this->options['host'] ?? (ini_get('smtpmail.host') ?: 'default'));
    }
}
