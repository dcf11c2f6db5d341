--TEST--
smtp_send(): the body arrives byte for byte (line ends, dot-stuffing, end-of-data look-alikes)
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
require __DIR__ . '/relay/submission.php';
if ($r = relay_skip_reason()) die("skip $r");
?>
--FILE--
<?php
require __DIR__ . '/relay/submission.php';
relay_clear_mailbox('body-canon');

/* Postfix stores lines with LF ends and undoes dot-stuffing, so every line end
 * the client sent (CRLF on the wire) comes back as "\n". */
$cases = [
    'mixed' => [
        "bare LF\nCRLF\r\nbare CR\rnext\n.leading dot\n.\n..two dots\n"
            . "before\r\n.\r\nafter a lone dot in CRLFs\n \ttrailing white space \t\n\nno final newline",
        "bare LF\nCRLF\nbare CR\nnext\n.leading dot\n.\n..two dots\n"
            . "before\n.\nafter a lone dot in CRLFs\n \ttrailing white space \t\n\nno final newline\n",
    ],
    'lone-dot' => [".", ".\n"],
    'dot-first' => [".\r\n.\r\n", ".\n.\n"],
    'smuggle' => ["a\n.\rb\r.\nc\r\n.\nd", "a\n.\nb\n.\nc\n.\nd\n"],
    'empty' => ["", ""],
    'blank-tail' => ["x\r\n\r\n\r\n", "x\n\n\n"],
    'cr-lf-split' => ["one\r\r\ntwo\n\rthree", "one\n\ntwo\n\nthree\n"],
];
foreach ($cases as $name => [$in, $_]) {
    $r = smtp_send('body-canon@smtpmail.test', $name, $in, [], relay_submission_options());
    echo "$name: ", $r['accepted'] === ['body-canon@smtpmail.test'] ? 'sent' : 'NOT SENT', "\n";
}

$got = [];
foreach (relay_wait_exactly('body-canon', count($cases)) as $raw) {
    [$headers, $body] = relay_split($raw);
    $got[relay_header($headers, 'Subject')[0]] = $body;
}
foreach ($cases as $name => [$_, $expected]) {
    if (!array_key_exists($name, $got)) {
        echo "$name: missing\n";
    } elseif ($got[$name] === $expected) {
        echo "$name: identical\n";
    } else {
        echo "$name: differs: ", json_encode($got[$name]), "\n";
    }
}
?>
--EXPECT--
mixed: sent
lone-dot: sent
dot-first: sent
smuggle: sent
empty: sent
blank-tail: sent
cr-lf-split: sent
mixed: identical
lone-dot: identical
dot-first: identical
smuggle: identical
empty: identical
blank-tail: identical
cr-lf-split: identical
