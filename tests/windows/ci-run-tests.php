<?php
/*
 * The test runner the Windows CI (.github/workflows/windows.yml) gives
 * php/php-windows-builder's extension action as its test-runner input.
 *
 * The action runs the suite with TEST_PHP_EXECUTABLE (the PHP build it
 * downloaded) and TEST_PHP_ARGS="-n -d extension=<the DLL just built>": no
 * php.ini, so ext/openssl, which smtpmail requires, would not be loaded, the
 * DLL would fail to start, and every test would be skipped as "Required
 * extension missing" while the job stayed green. This runner:
 *   1. adds that PHP build's own php_openssl.dll (ext\ beside php.exe);
 *   2. checks the DLL loads: `php -m` with those arguments must list smtpmail
 *      and openssl, else the job fails here;
 *   3. runs run-tests.php (the one phpize put in the build directory) with
 *      the arguments the action passed, and exits with its status.
 * Written for Windows; not run on the Linux machines it was written on.
 */
function ci_fail(string $why): never
{
    fwrite(STDERR, "ci-run-tests: $why\n");
    exit(2);
}

$php = getenv('TEST_PHP_EXECUTABLE');
$args = getenv('TEST_PHP_ARGS');
if (!is_string($php) || !is_file($php) || !is_string($args)) {
    ci_fail('TEST_PHP_EXECUTABLE and TEST_PHP_ARGS must be set (by the extension action)');
}
$ext = dirname($php) . DIRECTORY_SEPARATOR . 'ext';
if (!is_file($ext . DIRECTORY_SEPARATOR . 'php_openssl.dll')) {
    ci_fail("no php_openssl.dll in $ext: smtpmail needs ext/openssl loaded");
}
$args .= ' -d ' . escapeshellarg("extension_dir=$ext") . ' -d extension=openssl';
putenv("TEST_PHP_ARGS=$args");

exec(escapeshellarg($php) . " $args -m 2>&1", $modules, $rc);
$modules = array_map('trim', $modules);
echo "ci-run-tests: $php $args -m\n  ", implode(' ', $modules), "\n";
if ($rc !== 0 || !in_array('smtpmail', $modules, true) || !in_array('openssl', $modules, true)) {
    ci_fail('the DLL does not load (see the output above)');
}
passthru(escapeshellarg($php) . " $args --ri smtpmail");

$runner = null;
foreach ([getcwd(), dirname(__DIR__, 2)] as $dir) {
    if (is_file("$dir/run-tests.php")) {
        $runner = "$dir/run-tests.php";
        break;
    }
}
if ($runner === null) {
    ci_fail('run-tests.php not found in the build directory');
}
/* An array command: no shell, so the action's arguments reach run-tests.php as given. */
$proc = proc_open(array_merge([PHP_BINARY, $runner], array_slice($argv, 1)), [STDIN, STDOUT, STDERR], $pipes);
if ($proc === false) {
    ci_fail("cannot run $runner");
}
exit(proc_close($proc));
