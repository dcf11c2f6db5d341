<?php
/*
 * Shared by the benchmark's client (client.php) and its W6 pages (w6/):
 * where to send (from BENCH_* environment variables, set by bench/run), the
 * message bodies every peer sends, and the small interface each peer's
 * adapter implements (peers/*.php), so that a workload is written once and
 * runs unchanged against smtpmail, PHPMailer, Symfony Mailer and mail().
 */
declare(strict_types=1);

/** The relay or sink to talk to. Plain SMTP, or TLS + AUTH when $tls: STARTTLS,
 * or TLS from the first byte when $implicit (BENCH_TLS_MODE=implicit, port 465). */
final class Target
{
    public function __construct(
        public readonly string $host,
        public readonly int $port,
        public readonly bool $tls,
        public readonly string $user,
        public readonly string $password,
        public readonly string $cafile,
        public readonly string $from,
        public readonly bool $implicit = false,
    ) {
    }

    public static function fromEnv(): self
    {
        $tls = getenv('BENCH_TLS') === '1';
        return new self(
            getenv('BENCH_HOST') ?: '127.0.0.1',
            (int) getenv('BENCH_PORT'),
            $tls,
            $tls ? (string) getenv('BENCH_USER') : '',
            $tls ? (string) getenv('BENCH_PASSWORD') : '',
            $tls ? (string) getenv('BENCH_CAFILE') : '',
            getenv('BENCH_FROM') ?: 'bench@bench.test',
            $tls && getenv('BENCH_TLS_MODE') === 'implicit',
        );
    }
}

/**
 * One way of sending mail. The connection is opened by the first send() and
 * kept for the next ones where the peer can keep it; close() ends it (QUIT),
 * so the next send() opens a new one.
 */
interface Peer
{
    /** @param list<string> $to every address is an envelope recipient and appears in To. */
    public function send(array $to, string $subject, string $body): void;

    public function close(): void;
}

/**
 * A text body of exactly $bytes octets (a multiple of 64): lines of 63
 * printable characters and LF, well under RFC 5321's 998-octet line limit, so
 * no peer needs to re-encode it.
 */
function bench_body(int $bytes): string
{
    $line = substr(str_repeat('The quick brown fox jumps over the lazy dog. 0123456789 ', 2), 0, 63) . "\n";
    return str_repeat($line, intdiv($bytes, 64));
}

/** Loads peers/<name>.php and builds its adapter. */
function bench_peer(string $name, Target $target, bool $nodelay): Peer
{
    $classes = [
        'smtpmail' => 'SmtpMailPeer',
        'mail' => 'MailFunctionPeer',
        'phpmailer' => 'PhpMailerPeer',
        'symfony' => 'SymfonyPeer',
    ];
    if (!isset($classes[$name])) {
        throw new InvalidArgumentException("unknown peer '$name' (one of: " . implode(', ', array_keys($classes)) . ')');
    }
    require_once __DIR__ . "/peers/$name.php";
    return new $classes[$name]($target, $nodelay);
}

/**
 * Stream context options for the PHP peers that open their own sockets
 * (PHPMailer, Symfony): the CA for STARTTLS, and TCP_NODELAY when asked for.
 * PHP's socket transport reads the "socket" => "tcp_nodelay" context option
 * at connect time (main/streams/xp_socket.c) for tcp:// and, since the TLS
 * transport connects through the same code, for ssl:// and STARTTLS too.
 */
function bench_stream_options(Target $target, bool $nodelay): array
{
    $options = [];
    if ($nodelay) {
        $options['socket'] = ['tcp_nodelay' => true];
    }
    if ($target->tls) {
        $options['ssl'] = ['cafile' => $target->cafile, 'verify_peer' => true, 'verify_peer_name' => true];
    }
    return $options;
}
