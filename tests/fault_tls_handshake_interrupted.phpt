--TEST--
fault: the connection drops after STARTTLS's 220, drops mid-handshake, or the server goes silent mid-handshake: a transient TlsException (try again later), no credentials sent
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* A network failure during the handshake is not a verdict on the server's
 * certificate: like any dropped connection or timeout it is transient, so
 * failover and the spool treat it as "try again later". A close after the
 * 220 is an EOF, not bytes: it must not be reported as plaintext injection. */
$creds = ['username' => 'user@example.org', 'password' => 's3cret-PW'];
$before = [['greet'], ['ehlo', ['STARTTLS', 'AUTH PLAIN']], ['expect', '/^STARTTLS\r\n$/']];
$cases = [
    "dropped after the 220, before the handshake" => [...$before, ['send', "220 2.0.0 Ready to start TLS\r\n"], ['sleep', 100], ['close']],
    /* The FIN right behind the 220: the client sees the socket readable. */
    'dropped together with the 220' => [...$before, ['send', "220 2.0.0 Ready to start TLS\r\n"], ['close']],
    'dropped mid-handshake (ClientHello read, no ServerHello)' => [...$before, ['send', "220 2.0.0 Ready to start TLS\r\n"], ['silent', 300], ['close']],
    'silent mid-handshake' => [...$before, ['send', "220 2.0.0 Ready to start TLS\r\n"], ['silent', 8000]],
];
$servers = [];
foreach ($cases as $what => $script) {
    $servers[$what] = fault_start($script);
}
foreach ($servers as $what => $f) {
    echo "--- $what\n";
    $r = fault_send($f, ['tls' => 'starttls', 'cafile' => $f['cafile'], 'timeout' => 1] + $creds);
    fault_show($r['e']);
    echo 'says injection: ', var_export(str_contains($r['e']?->getMessage() ?? '', 'injection'), true), "\n";
    fault_within($r, 1 + 3);
    $t = fault_transcript($f);
    echo 'plaintext: ', json_encode(substr($t, 0, strpos($t, "STARTTLS\r\n") + 10)), "\n";
    echo 'password sent: ', var_export(str_contains($t, 's3cret') || str_contains($t, base64_encode("\0user@example.org\0s3cret-PW")), true), "\n";
    fault_server_ok($f);
}
?>
--EXPECTF--
--- dropped after the 220, before the handshake
SmtpMail\TlsException code=0 stage=tls transient=true permanent=false enhanced=-
[tls] 127.0.0.1:%d: %s
says injection: false
within 4 s: yes
plaintext: "EHLO client.test\r\nSTARTTLS\r\n"
password sent: false
server: ok
--- dropped together with the 220
SmtpMail\TlsException code=0 stage=tls transient=true permanent=false enhanced=-
[tls] 127.0.0.1:%d: %s
says injection: false
within 4 s: yes
plaintext: "EHLO client.test\r\nSTARTTLS\r\n"
password sent: false
server: ok
--- dropped mid-handshake (ClientHello read, no ServerHello)
SmtpMail\TlsException code=0 stage=tls transient=true permanent=false enhanced=-
[tls] 127.0.0.1:%d: %s
says injection: false
within 4 s: yes
plaintext: "EHLO client.test\r\nSTARTTLS\r\n"
password sent: false
server: ok
--- silent mid-handshake
SmtpMail\TlsException code=0 stage=tls transient=true permanent=false enhanced=-
[tls] 127.0.0.1:%d: %s
says injection: false
within 4 s: yes
plaintext: "EHLO client.test\r\nSTARTTLS\r\n"
password sent: false
server: ok
