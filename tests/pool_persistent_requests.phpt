--TEST--
pool: smtpmail.persistent keeps the session across requests of one worker, within persistent_max_messages and persistent_idle
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
if (getenv('TEST_PHP_EXTRA_ARGS') === false) die('skip needs run-tests (TEST_PHP_EXTRA_ARGS)');
?>
--FILE--
<?php
require __DIR__ . '/fault_common.inc';

/* A php -S worker (one process, requests one after another) with the extension. */
function worker_start(array $ini): array
{
    $dir = sys_get_temp_dir() . '/smtpmail-worker-' . getmypid() . '-' . mt_rand();
    mkdir($dir);
    file_put_contents("$dir/send.php", <<<'PHP'
<?php
if (isset($_GET['close'])) { echo 'closed ', smtp_close(); return; }
$o = json_decode($_GET['o'], true);
$r = smtp_send('rcpt@example.org', 'Request ' . $_GET['n'], "Request body {$_GET['n']}\r\n",
    ['From' => 'sender@example.org'], $o);
echo $r['reply'];
PHP);
    $probe = stream_socket_server('tcp://127.0.0.1:0');
    $port = (int)substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
    fclose($probe);
    /* run-tests' own arguments (they load the extension), shell-quoted. */
    preg_match_all('/\'([^\']*)\'|"([^"]*)"|(\S+)/', getenv('TEST_PHP_EXTRA_ARGS'), $m, PREG_SET_ORDER);
    $args = array_map(fn($x) => $x[count($x) - 1], $m);
    foreach ($ini as $k => $v) {
        $args[] = '-d';
        $args[] = "$k=$v";
    }
    $env = getenv();
    $env['VALGRIND_OPTS'] = trim(($env['VALGRIND_OPTS'] ?? '') . ' --trace-children-skip=*');
    unset($env['PHP_CLI_SERVER_WORKERS']);
    $cmd = array_merge(is_executable('/usr/bin/env') ? ['/usr/bin/env'] : [], [fault_php()], $args,
        ['-S', "127.0.0.1:$port", '-t', $dir]);
    $null = fault_null_device();
    $proc = proc_open($cmd, [0 => ['file', $null, 'r'], 1 => ['file', $null, 'w'], 2 => ['file', $null, 'w']],
        $pipes, null, $env);
    for ($i = 0; $i < 100 && !@fsockopen('127.0.0.1', $port); $i++) {
        usleep(50000);
    }
    return ['proc' => $proc, 'port' => $port, 'dir' => $dir];
}

function worker_get(array $w, string $query): string
{
    return (string)file_get_contents("http://127.0.0.1:{$w['port']}/send.php?$query");
}

function worker_stop(array $w): void
{
    proc_terminate($w['proc']);
    proc_close($w['proc']);
    unlink("{$w['dir']}/send.php");
    rmdir($w['dir']);
}

function send_request(array $w, array $f, int $n): void
{
    echo "request $n: ", worker_get($w, "n=$n&o=" . urlencode(json_encode(fault_options($f)))), "\n";
}

function report(array $f): void
{
    $t = fault_transcript($f);
    echo 'EHLO ', substr_count($t, 'EHLO '), ', messages ', preg_match_all('/^Request body \d\r\n\.\r\n/m', $t),
        ', QUIT ', substr_count($t, "QUIT\r\n"), "\n";
    echo implode("\n", preg_grep('/^conn /', fault_events($f))), "\n";
    fault_server_ok($f);
}

$txn = [['mail_ok'], ['rcpt_ok'], ['data_ok']];
$hello = [['greet'], ['ehlo', ['PIPELINING']]];

echo "--- three requests, at most two messages per session\n";
$f = fault_start([array_merge($hello, $txn, $txn, [['quit']]), array_merge($hello, $txn, [['quit']])]);
$w = worker_start(['smtpmail.persistent' => 1, 'smtpmail.persistent_max_messages' => 2]);
for ($n = 1; $n <= 3; $n++) {
    send_request($w, $f, $n);
}
echo worker_get($w, 'close=1'), "\n";
worker_stop($w);
report($f);

echo "--- idle longer than persistent_idle\n";
$f = fault_start([array_merge($hello, $txn, [['quit']]), array_merge($hello, $txn, [['quit']])]);
$w = worker_start(['smtpmail.persistent' => 1, 'smtpmail.persistent_idle' => 1]);
send_request($w, $f, 1);
sleep(2);
send_request($w, $f, 2);
echo worker_get($w, 'close=1'), "\n";
worker_stop($w);
report($f);

echo "--- without smtpmail.persistent the session ends with its request\n";
$f = fault_start([array_merge($hello, $txn, [['quit']]), array_merge($hello, $txn, [['quit']])]);
$w = worker_start([]);
send_request($w, $f, 1);
send_request($w, $f, 2);
echo worker_get($w, 'close=1'), "\n";
worker_stop($w);
report($f);
?>
--EXPECTF--
--- three requests, at most two messages per session
request 1: 250 2.0.0 Ok: queued as FAULT1
request 2: 250 2.0.0 Ok: queued as FAULT1
request 3: 250 2.0.0 Ok: queued as FAULT1
closed 1
EHLO 2, messages 3, QUIT 2
conn 1 offset 0
conn 2 offset %d
server: ok
--- idle longer than persistent_idle
request 1: 250 2.0.0 Ok: queued as FAULT1
request 2: 250 2.0.0 Ok: queued as FAULT1
closed 1
EHLO 2, messages 2, QUIT 2
conn 1 offset 0
conn 2 offset %d
server: ok
--- without smtpmail.persistent the session ends with its request
request 1: 250 2.0.0 Ok: queued as FAULT1
request 2: 250 2.0.0 Ok: queued as FAULT1
closed 0
EHLO 2, messages 2, QUIT 2
conn 1 offset 0
conn 2 offset %d
server: ok
