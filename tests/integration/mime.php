<?php
/*
 * Just enough MIME (RFC 2045, 2046) for the framework tests to read back what
 * the relay delivered: the leaf parts of a message, each with its headers and
 * its body decoded from base64 or quoted-printable. Written here rather than
 * taken from a library so that the library under test does not also check
 * its own output. Include after tests/relay/mailbox.php (it uses relay_split).
 */

declare(strict_types=1);

/** A parameter of a structured header value ("boundary", "charset", "filename"), or null. */
function mime_param(string $value, string $name): ?string
{
    if (preg_match('/;\s*' . preg_quote($name, '/') . '\s*=\s*(?:"([^"]*)"|([^\s;]+))/i', $value, $m)) {
        return $m[1] !== '' ? $m[1] : $m[2];
    }
    return null;
}

/**
 * The leaf parts of a stored message, depth first, in order. Each is
 * ['type' => 'text/plain', 'headers' => [[name, value], ...], 'body' => decoded bytes].
 * Line ends in text bodies are LF, as the relay stores them.
 * Throws RuntimeException on a multipart without its boundary or close delimiter.
 */
function mime_leaves(string $raw): array
{
    [$headers, $body] = relay_split($raw);
    $type = relay_header($headers, 'Content-Type')[0] ?? 'text/plain';
    $mediatype = strtolower(trim(explode(';', $type)[0]));

    if (str_starts_with($mediatype, 'multipart/')) {
        $boundary = mime_param($type, 'boundary');
        if ($boundary === null) {
            throw new RuntimeException("multipart without a boundary: $type");
        }
        /* RFC 2046 5.1.1: the line break before a delimiter belongs to the delimiter. */
        $b = preg_quote($boundary, '/');
        if (!preg_match("/^--$b--[ \t]*$/m", $body)) {
            throw new RuntimeException("multipart without its close delimiter --$boundary--");
        }
        $chunks = preg_split("/(?:^|\r?\n)--$b(?:--)?[ \t]*(?:\r?\n|$)/", $body);
        /* First the preamble, last the epilogue: neither is a part. */
        $leaves = [];
        foreach (array_slice($chunks, 1, -1) as $chunk) {
            array_push($leaves, ...mime_leaves($chunk));
        }
        return $leaves;
    }

    $encoding = strtolower(trim(relay_header($headers, 'Content-Transfer-Encoding')[0] ?? '7bit'));
    $decoded = match ($encoding) {
        'base64' => base64_decode($body, true),
        'quoted-printable' => quoted_printable_decode($body),
        default => $body,
    };
    if ($decoded === false) {
        throw new RuntimeException("invalid base64 in a $mediatype part");
    }
    return [['type' => $mediatype, 'headers' => $headers, 'body' => $decoded]];
}
