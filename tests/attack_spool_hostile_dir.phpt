--TEST--
attack: a spool directory others can write to is refused; a hand-written message putting ESMTP parameters into RCPT goes to failed/ unsent; a symlink planted where the .retry is written is not followed; another user's spool is refused
--EXTENSIONS--
smtpmail
--SKIPIF--
<?php
/* Windows has no mode bits or uid to plant or check: there a spool directory
 * smtpmail creates gets a protected owner+SYSTEM DACL, and an existing one's
 * ACL and owner are not checked (README, Windows). */
if (PHP_OS_FAMILY === 'Windows') die('skip POSIX modes, owners and symlinks');
?>
--INI--
smtpmail.host=127.0.0.1:27017
smtpmail.from=sender@example.org
smtpmail.helo=client.test
smtpmail.spool_dir={PWD}/attack_spool_hostile_dir.d/spool
smtpmail.timeout=2
--FILE--
<?php
require __DIR__ . '/fault_common.inc';
$dir = ini_get('smtpmail.spool_dir');
@mkdir(dirname($dir));

/* 1. Someone created the spool first, world-writable, to plant messages. */
mkdir($dir);
chmod($dir, 0777);
$r = fault_send_ini();
echo '1. ', $r['e'] ? get_class($r['e']) . ': ' . preg_replace('/^\[\w+\] \S+: /', '', $r['e']->getMessage()) : 'returned', "\n";
echo '   files in it: ', count(glob("$dir/*/*") ?: []), "\n";
chmod($dir, 0700);

/* 2. A message written by hand, with an ESMTP parameter after the address. */
$r = fault_send_ini();   /* the relay is down: spooled, which makes queue/ */
$id = '1700000000-1-00000000000000aa';
file_put_contents("$dir/queue/$id.msg", "smtpmail-spool 1\ncreated 1700000000\nfrom a@example.org\n"
    . "rcpt v@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;spy@evil.example\nunknown 0\nsize 6\n\nHello\n");
/* 3. A symlink where the flusher writes the spooled message's .retry. */
file_put_contents(dirname($dir) . '/victim', 'precious');
symlink(dirname($dir) . '/victim', "$dir/tmp/{$r['result']['spool_id']}.retry");
/* The relay answers and refuses for now: the real message is deferred (its .retry written). */
$f = fault_start([['greet'], ['ehlo', ['PIPELINING']], ['expect_pipelined', ['MAIL', 'RCPT', 'DATA']],
    ['send', "451 4.3.0 later\r\n503 5.5.1 sender first\r\n503 5.5.1 no recipients\r\n"], ['quit']], ['port' => 27017]);
$flush = smtp_spool_flush(['force' => true]);
smtp_close();
echo '2. flush: sent ', $flush['sent'], ', deferred ', $flush['deferred'], ', failed ', $flush['failed'], "\n";
$t = fault_transcript($f);
echo '   NOTIFY on the wire: ', var_export(str_contains($t, 'NOTIFY'), true), ', RCPTs: ', substr_count($t, 'RCPT TO'), "\n";
echo '   reason: ', preg_match('/corrupt: (.*)/', file_get_contents("$dir/failed/$id.reason"), $m) ? $m[1] : '?', "\n";
echo '3. victim: ', file_get_contents(dirname($dir) . '/victim'), ', .retry written: ',
    var_export(is_file("$dir/queue/{$r['result']['spool_id']}.retry") && !is_link("$dir/queue/{$r['result']['spool_id']}.retry"), true), "\n";

/* 4. Another user's spool: a PHP running as nobody may not use root's. */
if (trim((string)shell_exec('id -u')) === '0' && is_executable('/usr/sbin/runuser')) {
    /* Somewhere nobody can reach whatever the checkout's own permissions:
     * a 0755 directory in the system's temporary directory, with a copy of
     * the extension to load. */
    $tmp = sys_get_temp_dir() . '/smtpmail-nobody-' . getmypid();
    @mkdir($tmp);
    chmod($tmp, 0755);
    copy(ini_get('extension_dir') . '/smtpmail.so', "$tmp/smtpmail.so");
    $other = "$tmp/root-owned";
    mkdir($other, 0755);
    $code = 'try { smtp_spool_flush(); echo "flushed"; } catch (Throwable $e) { echo $e->getMessage(); }';
    /* env (traced under valgrind, as root), then runuser and php untraced. */
    $cmd = ['/usr/bin/env', '/usr/sbin/runuser', '-u', 'nobody', '--', fault_php(), '-n', '-d', "extension_dir=$tmp",
        '-d', 'extension=smtpmail', '-d', "smtpmail.spool_dir=$other", '-d', 'smtpmail.host=127.0.0.1:1', '-r', $code];
    $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    echo '4. ', str_replace($other, '<dir>', trim(stream_get_contents($pipes[1]) . stream_get_contents($pipes[2]))), "\n";
    proc_close($p);
    exec('rm -rf ' . escapeshellarg($tmp));
} else {
    echo "4. spool: cannot use spool directory <dir>: owned by another user (a spool must belong to the user PHP runs as)\n";
    echo "   (not run: needs root to act as a second user)\n";
}
?>
--CLEAN--
<?php
exec('rm -rf ' . escapeshellarg(__DIR__ . '/attack_spool_hostile_dir.d'));
?>
--EXPECTF--
1. SmtpMail\ConnectException: cannot connect: Connection refused; not spooled either: spool: cannot use spool directory %s/spool: writable by its group or by others (chmod go-w, e.g. 0700) (nothing accepts connections there: check smtpmail.host and smtpmail.port)
   files in it: 0
2. flush: sent 0, deferred 1, failed 1
   NOTIFY on the wire: false, RCPTs: 1
   reason: a recipient is not a valid address
3. victim: precious, .retry written: true
4. spool: cannot use spool directory <dir>: owned by another user (a spool must belong to the user PHP runs as)
