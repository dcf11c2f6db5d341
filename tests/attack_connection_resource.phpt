--TEST--
attack: a kept SMTP session is not a PHP resource: get_resources() cannot reach it, so fclose() and fwrite() cannot break or inject into it
--EXTENSIONS--
smtpmail
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

$f = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['mail_ok'], ['rcpt_ok'], ['data_ok'],
    ['mail_ok'], ['rcpt_ok'], ['data_ok'], ['quit']]);
$opts = fault_options($f);
$contexts = count(get_resources('stream-context'));  /* PHP's default context, made by fault_start() */
smtp_send(FAULT_TO, 'one', FAULT_BODY, FAULT_HEADERS, $opts);

/* The session is open and kept for the next send. A script looks for it. */
$found = 0;
foreach (get_resources() as $res) {
    if (get_resource_type($res) !== 'stream' && get_resource_type($res) !== 'persistent stream') {
        continue;
    }
    $peer = @stream_socket_get_name($res, true);
    if ($peer === "127.0.0.1:{$f['port']}") {
        $found++;
        fwrite($res, "RSET\r\nMAIL FROM:<injected@example.org>\r\n");
        fclose($res);
    }
}
echo "resources reaching the session: $found\n";
echo "stream contexts left by the send: ", count(get_resources('stream-context')) - $contexts, "\n";

/* The kept session still works: the second message goes over it. */
$r = smtp_send(FAULT_TO, 'two', FAULT_BODY, FAULT_HEADERS, $opts);
echo "second: ", $r['queue_id'], "\n";
smtp_close();
echo 'injected: ', var_export(str_contains(fault_transcript($f), 'injected'), true), "\n";
fault_server_ok($f);
?>
--EXPECT--
resources reaching the session: 0
stream contexts left by the send: 0
second: FAULT1
injected: false
server: ok
