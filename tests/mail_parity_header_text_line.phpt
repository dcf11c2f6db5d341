--TEST--
mail() parity: a header line without a colon passes through as PHP's mail() and sendmail deliver it (the header ends there); it adds no field
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--INI--
smtpmail.host=127.0.0.1:2525
smtpmail.from=parity-text-default@smtpmail.test
mail.add_x_header=0
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('parity-text');
relay_clear_mailbox('parity-text-bcc');

/* php-src's mail tests pass 'KHeaders'. What follows such a line is body text
 * for every MTA: a Bcc there neither adds a recipient nor disappears. */
var_dump(mail('parity-text@smtpmail.test', 'text line', "Body\n",
    "Reply-To: parity-text-reply@smtpmail.test\r\nKHeaders\r\nBcc: parity-text-bcc@smtpmail.test\r\nX-After: yes"));
var_dump(mail('parity-text@smtpmail.test', 'only text', "Body 2\n", 'KHeaders'));
/* Still refused: what would end the header or add a field. */
var_dump(mail('parity-text@smtpmail.test', 'empty line', "Body\n", "KHeaders\r\n\r\nX-Injected: 1"));
var_dump(mail('parity-text@smtpmail.test', 'bare CR', "Body\n", "KHeaders\rX-Injected: 1"));

$got = [];
foreach (relay_wait_exactly('parity-text', 2) as $raw) {
    [$headers, $body] = relay_split($raw);
    $subject = relay_header($headers, 'Subject')[0];
    $got[$subject] = [
        'From' => relay_header($headers, 'From'),
        'Reply-To' => relay_header($headers, 'Reply-To'),
        'X-After' => relay_header($headers, 'X-After'),
        'Bcc' => relay_header($headers, 'Bcc'),
        'Date' => count(relay_header($headers, 'Date')),
        'Message-ID' => count(relay_header($headers, 'Message-ID')),
        'body' => $body,
    ];
}
ksort($got);
echo json_encode($got, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
relay_wait_exactly('parity-text-bcc', 0);
echo "no Bcc copy\n";
?>
--EXPECTF--
bool(true)
bool(true)

Warning: mail(): Multiple or malformed newlines found in additional_header in %s on line %d
bool(false)

Warning: mail(): additional headers: bare CR in the header block, in line: 'KHeaders?' in %s on line %d
bool(false)
{
    "only text": {
        "From": [
            "parity-text-default@smtpmail.test"
        ],
        "Reply-To": [],
        "X-After": [],
        "Bcc": [],
        "Date": 1,
        "Message-ID": 1,
        "body": "KHeaders\n\nBody 2\n"
    },
    "text line": {
        "From": [
            "parity-text-default@smtpmail.test"
        ],
        "Reply-To": [
            "parity-text-reply@smtpmail.test"
        ],
        "X-After": [],
        "Bcc": [],
        "Date": 1,
        "Message-ID": 1,
        "body": "KHeaders\nBcc: parity-text-bcc@smtpmail.test\nX-After: yes\n\nBody\n"
    }
}
no Bcc copy
