--TEST--
smtp_send(): MAIL FROM parameters (SIZE, BODY=8BITMIME, SMTPUTF8) and UTF-8 addresses, with and without the extensions
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* The envelope lines the server received, and the exact size of the data
 * after DATA (no dot to stuff in these bodies), for comparing with SIZE=. */
function envelope(array $f): void
{
    $t = fault_transcript($f);
    if (!str_contains($t, "MAIL FROM")) {
        echo "  no MAIL command\n";
    }
    foreach (explode("\r\n", $t) as $line) {
        if (preg_match('/^(MAIL|RCPT|DATA$)/', $line)) {
            echo '  ', $line, "\n";
        }
    }
    if (preg_match('/\r\nDATA\r\n(.*\r\n)\.\r\n/s', $t, $m)) {
        echo '  data octets: ', strlen($m[1]), "\n";
    } else {
        echo "  no data\n";
    }
}

function run(string $name, array $ehlo, string $from, string|array $to, string $body, bool $delivers): void
{
    echo "$name:\n";
    $script = [['greet'], ['ehlo', $ehlo]];
    if ($delivers) {
        $n = is_array($to) ? count($to) : 1;
        $script[] = ['expect_pipelined', array_merge(['MAIL'], array_fill(0, $n, 'RCPT'), ['DATA'])];
        $script[] = ['send', "250 2.1.0 Ok\r\n" . str_repeat("250 2.1.5 Ok\r\n", $n) . "354 go ahead\r\n"];
        $script[] = ['read_data'];
        $script[] = ['send', "250 2.0.0 Ok: queued as INTL1\r\n"];
    }
    $script[] = ['quit'];
    $f = fault_start($script);
    $r = fault_send($f, ['from' => $from], $to, $body);
    if ($r['e'] !== null) {
        fault_show($r['e']);
    } else {
        echo '  accepted: ', implode(', ', $r['result']['accepted']), "\n";
    }
    envelope($f);
    fault_server_ok($f);
}

$all = ['PIPELINING', 'SIZE 10240000', '8BITMIME', 'SMTPUTF8'];
$latin1 = "Gr\xfc\xdfe aus K\xf6ln\r\n";
$utf8 = "Gr\u{fc}\u{df}e aus K\u{f6}ln\r\n";

/* RFC 6531: a UTF-8 local part and a CJK domain (its A-label on the wire), an
 * 8-bit Latin-1 body: every parameter. */
run('utf8 address, SMTPUTF8 offered', $all, "j\u{f6}rg@example.org", "\u{7528}\u{6237}@\u{4f8b}\u{5b50}.\u{5e7f}\u{544a}",
    $latin1, true);
/* The same without SMTPUTF8: refused before MAIL, permanently. */
run('utf8 address, no SMTPUTF8', ['PIPELINING', 'SIZE 10240000', '8BITMIME'], "j\u{f6}rg@example.org",
    'rcpt@example.org', $utf8, false);
run('utf8 recipient, no SMTPUTF8', ['PIPELINING', '8BITMIME'], FAULT_FROM,
    ['rcpt@example.org', "\u{7528}\u{6237}@example.org"], FAULT_BODY, false);
/* An IDN domain with an ASCII local part needs no SMTPUTF8: A-label on the wire. */
run('IDN domain, no SMTPUTF8', ['PIPELINING', 'SIZE 10240000', '8BITMIME'], FAULT_FROM,
    "M\u{fc}ller <info@B\u{fc}cher.example>", $utf8, true);
/* Nothing offered: no parameter at all, the 8-bit body goes as before. */
run('no extensions', ['PIPELINING'], FAULT_FROM, 'rcpt@example.org', $latin1, true);
/* A 7-bit body never declares BODY=8BITMIME. */
run('7-bit body', $all, FAULT_FROM, 'rcpt@example.org', FAULT_BODY, true);
?>
--EXPECTF--
utf8 address, SMTPUTF8 offered:
  accepted: 用户@xn--fsqu00a.xn--4rr70v
  MAIL FROM:<jörg@example.org> SIZE=214 BODY=8BITMIME SMTPUTF8
  RCPT TO:<用户@xn--fsqu00a.xn--4rr70v>
  DATA
  data octets: 214
server: ok
utf8 address, no SMTPUTF8:
SmtpMail\SenderException code=0 stage=mail transient=false permanent=true enhanced=-
[mail] 127.0.0.1:%d: the address <jörg@example.org> needs SMTPUTF8 (RFC 6531: a non-ASCII local part, or a domain with no A-label form smtpmail can check), which the server does not offer; nothing was sent
  no MAIL command
  no data
server: ok
utf8 recipient, no SMTPUTF8:
SmtpMail\SenderException code=0 stage=mail transient=false permanent=true enhanced=-
[mail] 127.0.0.1:%d: the address <用户@example.org> needs SMTPUTF8 (RFC 6531: a non-ASCII local part, or a domain with no A-label form smtpmail can check), which the server does not offer; nothing was sent
  no MAIL command
  no data
server: ok
IDN domain, no SMTPUTF8:
  accepted: info@xn--bcher-kva.example
  MAIL FROM:<sender@example.org> SIZE=269 BODY=8BITMIME
  RCPT TO:<info@xn--bcher-kva.example>
  DATA
  data octets: 269
server: ok
no extensions:
  accepted: rcpt@example.org
  MAIL FROM:<sender@example.org>
  RCPT TO:<rcpt@example.org>
  DATA
  data octets: 229
server: ok
7-bit body:
  accepted: rcpt@example.org
  MAIL FROM:<sender@example.org> SIZE=224
  RCPT TO:<rcpt@example.org>
  DATA
  data octets: 224
server: ok
