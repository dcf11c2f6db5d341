/* test_limit.c: connection slots and the message window (smtp_core/smtp_limit.c),
 * the pure window functions, and the files in a mkdtemp directory; a child
 * killed with SIGKILL frees its slot. */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "smtp_buf.h"
#include "smtp_limit.h"

static char dir[256];
static const char *KEY = "0123abcd";

/* The one decimal reader of the rate log and the spool's records. */
static void test_parse_u64(void)
{
	uint64_t v = 7;

	CHECK(smtp_buf_parse_u64("0", 1, &v));
	CHECK(v == 0);
	CHECK(smtp_buf_parse_u64("1234567890123", 13, &v));
	CHECK(v == 1234567890123ull);
	/* Only len bytes are read: "42" of "42x". */
	CHECK(smtp_buf_parse_u64("42x", 2, &v));
	CHECK(v == 42);
	CHECK(smtp_buf_parse_u64("00000000000000000009", 20, &v));
	CHECK(v == 9);
	CHECK(smtp_buf_parse_u64("18446744073709551615", 20, &v));
	CHECK(v == UINT64_MAX);
	/* Refused, and v left as it was. */
	v = 7;
	CHECK(!smtp_buf_parse_u64("18446744073709551616", 20, &v));
	CHECK(!smtp_buf_parse_u64("99999999999999999999", 20, &v));
	CHECK(!smtp_buf_parse_u64("000000000000000000001", 21, &v));
	CHECK(!smtp_buf_parse_u64("", 0, &v));
	CHECK(!smtp_buf_parse_u64("-5", 2, &v));
	CHECK(!smtp_buf_parse_u64("+5", 2, &v));
	CHECK(!smtp_buf_parse_u64(" 5", 2, &v));
	CHECK(!smtp_buf_parse_u64("5 ", 2, &v));
	CHECK(!smtp_buf_parse_u64("1a", 2, &v));
	CHECK(!smtp_buf_parse_u64("/", 1, &v));
	CHECK(!smtp_buf_parse_u64(":", 1, &v));
	CHECK(!smtp_buf_parse_u64("1\0002", 3, &v));
	CHECK(v == 7);
}

static void test_window_parse(void)
{
	uint64_t st[8];
	const char *log = "1000\n59000\nbogus\n-5\n60500\n70000\n999999999999999999999\n61000";
	/* now 70000: window is (10000, 70000]; 1000 left; 61000 has no LF (cut short). */
	size_t n = smtp_limit_window_parse(log, strlen(log), 70000, st, 8);

	CHECK_INT(n, 3);
	CHECK_INT(st[0], 59000);
	CHECK_INT(st[1], 60500);
	CHECK_INT(st[2], 70000);
	/* A stamp from the future (the clock stepped back) is dropped. */
	n = smtp_limit_window_parse("80000\n65000\n", 12, 70000, st, 8);
	CHECK_INT(n, 1);
	CHECK_INT(st[0], 65000);
	/* Exactly a window old no longer counts. */
	n = smtp_limit_window_parse("10000\n10001\n", 12, 70000, st, 8);
	CHECK_INT(n, 1);
	CHECK_INT(st[0], 10001);
	/* More than fit: the newest are kept, sorted. */
	n = smtp_limit_window_parse("50\n40\n30\n20\n10\n", 15, 100, st, 2);
	CHECK_INT(n, 2);
	CHECK_INT(st[0], 40);
	CHECK_INT(st[1], 50);
	CHECK_INT(smtp_limit_window_parse("", 0, 100, st, 2), 0);
}

static void test_window_admit(void)
{
	uint64_t st[3] = {1000, 2000, 3000};
	uint64_t wait = 99;

	CHECK(smtp_limit_window_admit(st, 2, 4000, 3, &wait));
	CHECK_INT(wait, 0);
	CHECK(!smtp_limit_window_admit(st, 3, 4000, 3, &wait));
	/* The oldest leaves the window at 61000. */
	CHECK_INT(wait, 57000);
	/* Limit 2 with 3 stamps: stamps[1] must leave. */
	CHECK(!smtp_limit_window_admit(st, 3, 4000, 2, &wait));
	CHECK_INT(wait, 58000);
	CHECK(!smtp_limit_window_admit(st, 0, 4000, 0, &wait));
}

static void test_window_format(void)
{
	uint64_t st[2] = {5, 1234567890123ull};
	char out[64];
	size_t n = smtp_limit_window_format(st, 2, out, sizeof(out));

	CHECK_MEM(out, n, "5\n1234567890123\n", 16);
	CHECK_INT(smtp_limit_window_format(st, 2, out, 20), 0);
}

static void test_slots(void)
{
	smtp_limit_slot_t a, b, c, d;
	smtp_error_t err;
	uint64_t t0;

	smtp_limit_slot_init(&a);
	smtp_limit_slot_init(&b);
	smtp_limit_slot_init(&c);
	smtp_limit_slot_init(&d);
	CHECK(!smtp_limit_slot_is_held(&a));
	CHECK_INT(smtp_limit_slot_try(dir, KEY, 2, 0, NULL, &a, &err), SMTP_OK);
	CHECK(smtp_limit_slot_is_held(&a));
	/* A second open in the same process is excluded too (a lock per open file). */
	CHECK_INT(smtp_limit_slot_try(dir, KEY, 2, 0, NULL, &b, &err), SMTP_OK);
	CHECK(a.index != b.index);
	CHECK_INT(smtp_limit_slot_try(dir, KEY, 2, 1, NULL, &c, &err), SMTP_E_BUSY);
	CHECK(strstr(err.message, "max_connections") != NULL);
	CHECK(smtp_error_is_transient(&err));
	/* Another key has its own slots. */
	CHECK_INT(smtp_limit_slot_try(dir, "ff", 1, 0, NULL, &d, &err), SMTP_OK);
	smtp_limit_slot_release(&d);
	/* A wait ends at the deadline. */
	t0 = smtp_clock_ms();
	CHECK_INT(smtp_limit_slot_take(dir, KEY, 2, 0, NULL, t0 + 150, &c, &err), SMTP_E_BUSY);
	CHECK(smtp_clock_ms() - t0 >= 150);
	CHECK(smtp_clock_ms() - t0 < 1000);
	/* A released slot is taken again. */
	smtp_limit_slot_release(&a);
	CHECK(!smtp_limit_slot_is_held(&a));
	CHECK_INT(smtp_limit_slot_take(dir, KEY, 2, 0, NULL, smtp_clock_ms() + 1000, &c, &err), SMTP_OK);
	smtp_limit_slot_release(&b);
	smtp_limit_slot_release(&c);
	smtp_limit_slot_release(&c);
	/* Bad input. */
	CHECK_INT(smtp_limit_slot_try(dir, "../x", 1, 0, NULL, &a, &err), SMTP_E_ARG);
	CHECK_INT(smtp_limit_slot_try(dir, "ABC", 1, 0, NULL, &a, &err), SMTP_E_ARG);
	CHECK_INT(smtp_limit_slot_try(dir, KEY, 0, 0, NULL, &a, &err), SMTP_E_ARG);
	CHECK_INT(smtp_limit_slot_try(dir, KEY, SMTP_LIMIT_SLOTS_MAX + 1, 0, NULL, &a, &err), SMTP_E_ARG);
	CHECK_INT(smtp_limit_slot_try("/nonexistent-dir-smtp", KEY, 1, 0, NULL, &a, &err), SMTP_E_IO);
}

/* A process killed while it holds a slot frees it: the system drops the lock. */
static void test_slot_freed_by_sigkill(void)
{
	smtp_limit_slot_t a;
	smtp_error_t err;
	int fds[2], status;
	char ok;
	pid_t pid;

	smtp_limit_slot_init(&a);
	if (pipe(fds) != 0) {
		CHECK(0);
		return;
	}
	pid = fork();
	if (pid == 0) {
		smtp_limit_slot_t s;
		smtp_limit_slot_init(&s);
		ok = smtp_limit_slot_try(dir, KEY, 1, 0, NULL, &s, &err) == SMTP_OK ? 'y' : 'n';
		if (write(fds[1], &ok, 1) != 1) {
			_exit(1);
		}
		pause();
		_exit(0);
	}
	CHECK(read(fds[0], &ok, 1) == 1 && ok == 'y');
	CHECK_INT(smtp_limit_slot_try(dir, KEY, 1, 0, NULL, &a, &err), SMTP_E_BUSY);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	CHECK_INT(smtp_limit_slot_take(dir, KEY, 1, 0, NULL, smtp_clock_ms() + 2000, &a, &err), SMTP_OK);
	smtp_limit_slot_release(&a);
	close(fds[0]);
	close(fds[1]);
}

static void test_rate(void)
{
	smtp_error_t err;
	uint64_t wait = 0, t = 1700000000000ull, dl = smtp_clock_ms() + 1000;
	char path[400];
	FILE *f;
	int i;

	for (i = 0; i < 3; i++) {
		CHECK_INT(smtp_limit_rate_take(dir, KEY, 3, t + (uint64_t)i * 1000, NULL, dl, &wait, &err), SMTP_OK);
	}
	CHECK_INT(smtp_limit_rate_take(dir, KEY, 3, t + 10000, NULL, dl, &wait, &err), SMTP_E_BUSY);
	CHECK_INT(wait, 50000);
	CHECK(strstr(err.message, "max_per_minute") != NULL);
	/* A refused send is not recorded: the window still opens at t + 60000. */
	CHECK_INT(smtp_limit_rate_take(dir, KEY, 3, t + 59999, NULL, dl, &wait, &err), SMTP_E_BUSY);
	CHECK_INT(wait, 1);
	CHECK_INT(smtp_limit_rate_take(dir, KEY, 3, t + 60000, NULL, dl, &wait, &err), SMTP_OK);
	/* The log keeps only what counts: the last 3. */
	snprintf(path, sizeof(path), "%s/%s.rate", dir, KEY);
	f = fopen(path, "r");
	if (f != NULL) {
		char buf[200];
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		CHECK_MEM(buf, n, "1700000001000\n1700000002000\n1700000060000\n", 42);
	} else {
		CHECK(0);
	}
	/* A garbled log (a crash mid-rewrite) only forgets sends. */
	f = fopen(path, "w");
	if (f != NULL) {
		fputs("xx\n17000000", f);
		fclose(f);
	}
	CHECK_INT(smtp_limit_rate_take(dir, KEY, 1, t + 61000, NULL, dl, &wait, &err), SMTP_OK);
	CHECK_INT(smtp_limit_rate_take(dir, KEY, 1, t + 62000, NULL, dl, &wait, &err), SMTP_E_BUSY);
	CHECK_INT(smtp_limit_rate_take(dir, KEY, 0, t, NULL, dl, &wait, &err), SMTP_E_ARG);
	CHECK_INT(smtp_limit_rate_take(dir, "x/y", 1, t, NULL, dl, &wait, &err), SMTP_E_ARG);
	/* A symlink where the log should be is refused, not followed. */
	snprintf(path, sizeof(path), "%s/ee.rate", dir);
	CHECK(symlink("/etc/passwd", path) == 0);
	CHECK_INT(smtp_limit_rate_take(dir, "ee", 1, t, NULL, dl, &wait, &err), SMTP_E_IO);
}

int main(void)
{
	char tmpl[] = "/tmp/smtp_limit_test.XXXXXX";
	char cmd[300];

	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s", tmpl);
	test_parse_u64();
	test_window_parse();
	test_window_admit();
	test_window_format();
	test_slots();
	test_slot_freed_by_sigkill();
	test_rate();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "could not remove %s\n", dir);
	}
	return check_report("test_limit");
}
