--TEST--
smtp_send() and smtp_send_raw(): a bad element of a recipient array is named by its key and value, and '.dot@x' says the local part starts with '.'
--EXTENSIONS--
smtpmail
--FILE--
<?php
$opt = ['host' => '127.0.0.1', 'port' => 1, 'tls' => 'none', 'from' => 'me@example.org'];
$calls = [
    fn () => smtp_send(['ok@example.org', '.dot@x.example', 'b@example.org'], 's', 'b', [], $opt),
    fn () => smtp_send(['a' => 'ok@example.org', 'bob' => 'Bob <bob@>'], 's', 'b', [], $opt),
    fn () => smtp_send('ok@example.org, .dot@x.example', 's', 'b', [], $opt),
    fn () => smtp_send('a@.x.example', 's', 'b', [], $opt),
    fn () => smtp_send('ok@example.org', 's', 'b', ['Cc' => 'Jo <.jo@x.example>'], $opt),
    fn () => smtp_send_raw('me@example.org', ['ok@example.org', 'x@y.example', '.dot@x.example'], "Subject: s\r\n\r\nb\r\n", $opt),
    fn () => smtp_send_raw('me@example.org', ['ok@example.org', 'a@x.example, b@x.example'], "Subject: s\r\n\r\nb\r\n", $opt),
];
foreach ($calls as $call) {
    try {
        $call();
        echo "no error\n";
    } catch (ValueError $e) {
        echo $e->getMessage(), "\n";
    }
}
?>
--EXPECT--
smtp_send(): Argument #1 ($to) element [1] ".dot@x.example": address '.dot@x.example': the local part starts with '.' (dots may only separate words, RFC 5322 3.2.3)
smtp_send(): Argument #1 ($to) element ["bob"] "Bob <bob@>": address 'bob@' is missing the domain after '@'
to: address '.dot@x.example': the local part starts with '.' (dots may only separate words, RFC 5322 3.2.3)
to: address 'a@.x.example': the domain starts with '.'
Cc field: address 'Jo <.jo@x.example>': the local part starts with '.' (dots may only separate words, RFC 5322 3.2.3)
smtp_send_raw(): Argument #2 ($recipients) element [2] ".dot@x.example": address '.dot@x.example': the local part starts with '.' (dots may only separate words, RFC 5322 3.2.3)
smtp_send_raw(): Argument #2 ($recipients) element [1] "a@x.example, b@x.example": 'a@x.example, b@x.example' holds more than one address; one mailbox is expected here
