/* test_spool.c: the durable spool (smtp_core/smtp_spool.c) in a mkdtemp directory. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "check.h"
#include "smtp_spool.h"

#define MB (1024u * 1024u)

static char root[256];   /* the mkdtemp directory */
static char spool[300];  /* root/spool, prepared */

static void path_of(char *out, size_t cap, const char *sub, const char *id, const char *suffix)
{
	snprintf(out, cap, "%s/%s/%s%s", spool, sub, id, suffix);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	*len = 0;
	if (f == NULL) {
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			*len = (size_t)n;
			buf[n] = '\0';
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f != NULL) {
		CHECK_INT(fwrite(data, 1, len, f), len);
		fclose(f);
	}
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Entries in spool/<sub>, without "." and "..". */
static int count_in(const char *sub)
{
	char path[512];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", spool, sub);
	d = opendir(path);
	if (d == NULL) {
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			n++;
		}
	}
	closedir(d);
	return n;
}

static void rm_tree(const char *path)
{
	struct stat st;
	struct dirent *de;
	char sub[1024];
	DIR *d;

	if (lstat(path, &st) != 0) {
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		chmod(path, 0700);
		d = opendir(path);
		if (d != NULL) {
			while ((de = readdir(d)) != NULL) {
				if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
					snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
					rm_tree(sub);
				}
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A hostile 1 MB message: NUL bytes, bare LF and CR, lone dots, CRLF.CRLF. */
static char *big_message(size_t *len)
{
	static const char head[] = "Subject: spool\r\n\r\n.\r\n..\n\r\n.\r\n\0bare\rcr\nbare lf\n";
	char *m = malloc(MB);
	size_t i;
	uint32_t x = 12345;

	memcpy(m, head, sizeof(head));
	for (i = sizeof(head); i < MB; i++) {
		x = x * 1103515245u + 12345u;
		m[i] = (char)(x >> 24);
	}
	m[MB - 1] = '\0';
	*len = MB;
	return m;
}

static void test_backoff(void)
{
	CHECK_INT(smtp_spool_backoff(0), 0);
	CHECK_INT(smtp_spool_backoff(1), 60);
	CHECK_INT(smtp_spool_backoff(2), 120);
	CHECK_INT(smtp_spool_backoff(3), 240);
	CHECK_INT(smtp_spool_backoff(6), 1920);
	CHECK_INT(smtp_spool_backoff(7), 3600);
	CHECK_INT(smtp_spool_backoff(8), 3600);
	CHECK_INT(smtp_spool_backoff(1000), 3600);
	CHECK_INT(smtp_spool_backoff(4294967295u), 3600);
}

static void test_prepare(void)
{
	static const char *const subs[] = {"tmp", "queue", "failed"};
	char path[512], want[700];
	smtp_error_t err;
	struct stat st;
	size_t i;

	smtp_error_clear(&err);
	CHECK_INT(smtp_spool_prepare(spool, &err), SMTP_OK);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", spool, subs[i]);
		CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
		CHECK_INT(st.st_mode & 0777, 0700);
		CHECK_INT(count_in(subs[i]), 0);   /* the probe files are gone */
	}
	/* Again, on an existing spool. */
	CHECK_INT(smtp_spool_prepare(spool, &err), SMTP_OK);

	/* The parent is a regular file. */
	snprintf(path, sizeof(path), "%s/plainfile", root);
	write_file(path, "x", 1);
	snprintf(path, sizeof(path), "%s/plainfile/spool", root);
	CHECK_INT(smtp_spool_prepare(path, &err), SMTP_E_IO);
	snprintf(want, sizeof(want), "spool: cannot create directory %s: Not a directory", path);
	CHECK_STR(err.message, want);

	/* tmp is a regular file. */
	snprintf(path, sizeof(path), "%s/bad", root);
	CHECK_INT(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/bad/tmp", root);
	write_file(path, "x", 1);
	snprintf(path, sizeof(path), "%s/bad", root);
	CHECK_INT(smtp_spool_prepare(path, &err), SMTP_E_IO);
	snprintf(want, sizeof(want), "spool: cannot create directory %s/bad/tmp: Not a directory", root);
	CHECK_STR(err.message, want);

	/* Permissions only bind when we are not root. */
	if (geteuid() != 0) {
		snprintf(path, sizeof(path), "%s/ro", root);
		CHECK_INT(smtp_spool_prepare(path, &err), SMTP_OK);
		snprintf(path, sizeof(path), "%s/ro/queue", root);
		CHECK_INT(chmod(path, 0500), 0);
		snprintf(path, sizeof(path), "%s/ro", root);
		CHECK_INT(smtp_spool_prepare(path, &err), SMTP_E_IO);
		snprintf(want, sizeof(want), "spool: cannot write in %s/ro/queue: Permission denied", root);
		CHECK_STR(err.message, want);
	}

	CHECK_INT(smtp_spool_prepare("", &err), SMTP_E_ARG);
	CHECK_STR(err.message, "spool: no spool directory given");
}

static void test_write_claim_done(void)
{
	const char *rcpts[] = {"a@example.com", "\"b c\"@example.net"};
	char id[SMTP_SPOOL_ID_MAX], id2[SMTP_SPOOL_ID_MAX], path[512], want[256];
	smtp_spool_msg_t msg, other;
	smtp_piece_t pieces[3];
	smtp_error_t err;
	char *data, *file, **ids;
	size_t len, flen, n;
	const char *header;

	data = big_message(&len);
	/* Odd piece boundaries: the pieces are stored as if concatenated. */
	pieces[0].data = data;
	pieces[0].len = 7;
	pieces[1].data = data + 7;
	pieces[1].len = 0;
	pieces[2].data = data + 7;
	pieces[2].len = len - 7;
	smtp_error_clear(&err);
	CHECK_INT(smtp_spool_write(spool, "sender@example.org", rcpts, 2, pieces, 3, 1700000000u, false, id, &err),
	          SMTP_OK);
	snprintf(want, sizeof(want), "1700000000-%lu-", (unsigned long)getpid());
	CHECK(starts_with(id, want));
	CHECK_INT(strlen(id), strlen(want) + 16);
	CHECK(strspn(id + strlen(want), "0123456789abcdef") == 16);
	CHECK_INT(count_in("tmp"), 0);
	CHECK_INT(count_in("queue"), 1);

	/* The file, byte for byte. */
	path_of(path, sizeof(path), "queue", id, ".msg");
	file = read_file(path, &flen);
	header = "smtpmail-spool 1\ncreated 1700000000\nfrom sender@example.org\nrcpt a@example.com\n"
	         "rcpt \"b c\"@example.net\nunknown 0\nsize 1048576\n\n";
	CHECK(file != NULL && flen == strlen(header) + len);
	if (file != NULL && flen >= strlen(header)) {
		CHECK_MEM(file, strlen(header), header, strlen(header));
		CHECK(memcmp(file + strlen(header), data, flen - strlen(header)) == 0);
	}
	free(file);

	CHECK_INT(smtp_spool_list(spool, &ids, &n, &err), SMTP_OK);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(ids[0], id);
	}
	smtp_spool_list_free(ids, n);

	CHECK_INT(smtp_spool_claim(spool, id, &msg, &err), SMTP_OK);
	CHECK_STR(msg.id, id);
	CHECK_INT(msg.created, 1700000000u);
	CHECK_INT(msg.next_attempt, 1700000000u);
	CHECK_INT(msg.attempts, 0);
	CHECK(!msg.outcome_unknown);
	CHECK_STR(msg.last_error, "");
	CHECK_STR(msg.from, "sender@example.org");
	CHECK_INT(msg.rcpts.count, 2);
	if (msg.rcpts.count == 2) {
		CHECK_STR(msg.rcpts.items[0], "a@example.com");
		CHECK_STR(msg.rcpts.items[1], "\"b c\"@example.net");
	}
	CHECK_INT(msg.len, len);
	CHECK(msg.len == len && memcmp(msg.data, data, len) == 0);

	/* A second claim, even from this process, fails: the lock is per open file. */
	CHECK_INT(smtp_spool_claim(spool, id, &other, &err), SMTP_E_STATE);
	snprintf(want, sizeof(want), "spool: message %s is being sent by another process", id);
	CHECK_STR(err.message, want);
	smtp_spool_release(&other);

	CHECK_INT(smtp_spool_done(&msg, &err), SMTP_OK);
	CHECK_INT(count_in("queue"), 0);
	/* Finished: nothing more may happen to it. */
	CHECK_INT(smtp_spool_done(&msg, &err), SMTP_E_STATE);
	CHECK_INT(smtp_spool_fail(&msg, "x", &err), SMTP_E_STATE);
	CHECK_INT(smtp_spool_defer(&msg, rcpts, 1, 1, false, "x", &err), SMTP_E_STATE);
	smtp_spool_release(&msg);
	smtp_spool_release(&msg);   /* twice is harmless */
	smtp_spool_release(NULL);

	/* Another claimer finished it: gone. */
	CHECK_INT(smtp_spool_claim(spool, id, &other, &err), SMTP_E_STATE);
	snprintf(want, sizeof(want), "spool: message %s is gone", id);
	CHECK_STR(err.message, want);
	smtp_spool_release(&other);
	CHECK_INT(smtp_spool_list(spool, &ids, &n, &err), SMTP_OK);
	CHECK_INT(n, 0);
	CHECK(ids == NULL);
	smtp_spool_list_free(ids, n);

	/* Null reverse-path, an unknown outcome, an empty message. */
	CHECK_INT(smtp_spool_write(spool, "", rcpts, 1, NULL, 0, 5, true, id2, &err), SMTP_OK);
	CHECK(starts_with(id2, "0000000005-"));
	path_of(path, sizeof(path), "queue", id2, ".msg");
	file = read_file(path, &flen);
	header = "smtpmail-spool 1\ncreated 5\nfrom \nrcpt a@example.com\nunknown 1\nsize 0\n\n";
	CHECK_MEM(file, flen, header, strlen(header));
	free(file);
	CHECK_INT(smtp_spool_claim(spool, id2, &msg, &err), SMTP_OK);
	CHECK_STR(msg.from, "");
	CHECK(msg.outcome_unknown);
	CHECK_INT(msg.len, 0);
	CHECK_INT(smtp_spool_done(&msg, &err), SMTP_OK);
	smtp_spool_release(&msg);
	CHECK_INT(count_in("queue"), 0);
	CHECK_INT(count_in("tmp"), 0);
	free(data);
}

static void test_write_errors(void)
{
	const char *good[] = {"a@example.com"};
	const char *cr[] = {"a@example.com", "b\r\n@example.com"};
	const char *noat[] = {"nobody"};
	const char *nul[] = {NULL};
	char id[SMTP_SPOOL_ID_MAX], path[512], want[700];
	smtp_piece_t p[2];
	smtp_error_t err;

	memcpy(id, "unchanged", 10);
	p[0].data = "x";
	p[0].len = 1;
	CHECK_INT(smtp_spool_write(spool, "s@x.example", cr, 2, p, 1, 1, false, id, &err), SMTP_E_ARG);
	CHECK_STR(err.message, "spool: recipient 2 is not a valid address");
	CHECK_INT(smtp_spool_write(spool, "s@x.example", noat, 1, p, 1, 1, false, id, &err), SMTP_E_ARG);
	CHECK_INT(smtp_spool_write(spool, "s@x.example", nul, 1, p, 1, 1, false, id, &err), SMTP_E_ARG);
	CHECK_INT(smtp_spool_write(spool, "s@x.example", good, 0, p, 1, 1, false, id, &err), SMTP_E_ARG);
	CHECK_STR(err.message, "spool: a message needs a recipient");
	CHECK_INT(smtp_spool_write(spool, "s\n@x.example", good, 1, p, 1, 1, false, id, &err), SMTP_E_ARG);
	CHECK_STR(err.message, "spool: the envelope sender is not a valid address");
	CHECK_INT(smtp_spool_write(spool, NULL, good, 1, p, 1, 1, false, id, &err), SMTP_E_ARG);
	/* Over the size limit: refused before a byte is read or written. */
	p[0].len = SMTP_SPOOL_FILE_MAX / 2 + 1;
	p[1] = p[0];
	CHECK_INT(smtp_spool_write(spool, "s@x.example", good, 1, p, 2, 1, false, id, &err), SMTP_E_LIMIT);
	CHECK_STR(id, "unchanged");
	CHECK_INT(count_in("tmp"), 0);
	CHECK_INT(count_in("queue"), 0);

	/* A directory that was never prepared. */
	p[0].len = 1;
	snprintf(path, sizeof(path), "%s/never", root);
	CHECK_INT(smtp_spool_write(path, "s@x.example", good, 1, p, 1, 1, false, id, &err), SMTP_E_IO);
	snprintf(want, sizeof(want), "spool: cannot use spool directory %s/never: No such file or directory", root);
	CHECK_STR(err.message, want);

	/* queue/ missing: the rename fails and the temporary file is removed. */
	snprintf(path, sizeof(path), "%s/noqueue", root);
	CHECK_INT(smtp_spool_prepare(path, &err), SMTP_OK);
	snprintf(want, sizeof(want), "%s/noqueue/queue", root);
	CHECK_INT(rmdir(want), 0);
	CHECK_INT(smtp_spool_write(path, "s@x.example", good, 1, p, 1, 1, false, id, &err), SMTP_E_IO);
	snprintf(want, sizeof(want), "spool: cannot rename into %s/noqueue/queue/0000000001-", root);
	CHECK(starts_with(err.message, want));
	snprintf(want, sizeof(want), "%s/noqueue/tmp", root);
	{
		DIR *d = opendir(want);
		struct dirent *de;
		int n = 0;
		while (d != NULL && (de = readdir(d)) != NULL) {
			n += de->d_name[0] != '.';
		}
		if (d != NULL) {
			closedir(d);
		}
		CHECK_INT(n, 0);
	}
	CHECK_STR(id, "unchanged");
}

static void test_list(void)
{
	const char *r[] = {"r@x.example"};
	char a[SMTP_SPOOL_ID_MAX], b[SMTP_SPOOL_ID_MAX], c[SMTP_SPOOL_ID_MAX], path[512];
	smtp_piece_t p = {"body\n", 5};
	smtp_error_t err;
	char **ids;
	size_t n, i;

	CHECK_INT(smtp_spool_write(spool, "s@x.example", r, 1, &p, 1, 2000000000u, false, a, &err), SMTP_OK);
	CHECK_INT(smtp_spool_write(spool, "s@x.example", r, 1, &p, 1, 1000u, false, b, &err), SMTP_OK);
	CHECK_INT(smtp_spool_write(spool, "s@x.example", r, 1, &p, 1, 1700000000u, false, c, &err), SMTP_OK);
	/* Strangers in queue/: ignored, left alone. */
	path_of(path, sizeof(path), "queue", "notes", ".txt");
	write_file(path, "x", 1);
	path_of(path, sizeof(path), "queue", "not-an-id", ".msg");
	write_file(path, "x", 1);
	path_of(path, sizeof(path), "queue", "1700000000-1-ABCDEF0123456789", ".msg");
	write_file(path, "x", 1);
	/* An orphan .retry (its .msg is gone) is removed; a live one stays. */
	path_of(path, sizeof(path), "queue", "1600000000-1-0123456789abcdef", ".retry");
	write_file(path, "x", 1);
	path_of(path, sizeof(path), "queue", c, ".retry");
	write_file(path, "x", 1);

	CHECK_INT(smtp_spool_list(spool, &ids, &n, &err), SMTP_OK);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(ids[0], b);
		CHECK_STR(ids[1], c);
		CHECK_STR(ids[2], a);
	}
	smtp_spool_list_free(ids, n);
	path_of(path, sizeof(path), "queue", "1600000000-1-0123456789abcdef", ".retry");
	CHECK(!exists(path));
	path_of(path, sizeof(path), "queue", c, ".retry");
	CHECK(exists(path));
	CHECK(unlink(path) == 0);
	path_of(path, sizeof(path), "queue", "notes", ".txt");
	CHECK(exists(path));

	/* Clean up for the next test. */
	CHECK_INT(smtp_spool_list(spool, &ids, &n, &err), SMTP_OK);
	for (i = 0; i < n; i++) {
		smtp_spool_msg_t m;
		CHECK_INT(smtp_spool_claim(spool, ids[i], &m, &err), SMTP_OK);
		CHECK_INT(smtp_spool_done(&m, &err), SMTP_OK);
		smtp_spool_release(&m);
	}
	smtp_spool_list_free(ids, n);
	path_of(path, sizeof(path), "queue", "notes", ".txt");
	unlink(path);
	path_of(path, sizeof(path), "queue", "not-an-id", ".msg");
	unlink(path);
	path_of(path, sizeof(path), "queue", "1700000000-1-ABCDEF0123456789", ".msg");
	unlink(path);
	CHECK_INT(count_in("queue"), 0);

	/* A spool that never held a message (no directory, or no queue/ yet):
	 * nothing to send, not an error (a fresh install's cron flush). */
	snprintf(path, sizeof(path), "%s/nothing", root);
	CHECK_INT(smtp_spool_list(path, &ids, &n, &err), SMTP_OK);
	CHECK(ids == NULL && n == 0);
	CHECK_INT(mkdir(path, 0700), 0);
	CHECK_INT(smtp_spool_list(path, &ids, &n, &err), SMTP_OK);
	CHECK(ids == NULL && n == 0);
	rmdir(path);
}

static void test_defer_fail(void)
{
	const char *three[] = {"a@x.example", "b@x.example", "c@x.example"};
	const char *two[] = {"b@x.example", "c@x.example"};
	const char *bad[] = {"b@x.example", "c\r@x.example"};
	char id[SMTP_SPOOL_ID_MAX], path[512];
	smtp_piece_t p = {"Subject: t\r\n\r\nhello\r\n", 21};
	smtp_spool_msg_t m;
	smtp_error_t err;
	char *orig, *file, *want;
	size_t olen, flen;
	time_t before, after;
	unsigned long long t = 0;
	int off = 0;

	CHECK_INT(smtp_spool_write(spool, "s@x.example", three, 3, &p, 1, 1000u, false, id, &err), SMTP_OK);
	path_of(path, sizeof(path), "queue", id, ".msg");
	orig = read_file(path, &olen);

	CHECK_INT(smtp_spool_claim(spool, id, &m, &err), SMTP_OK);
	CHECK_INT(smtp_spool_defer(&m, two, 2, 5000u, false, "451 4.3.0 try\r\nlater\x01", &err), SMTP_OK);
	CHECK_INT(m.attempts, 1);
	CHECK_INT(m.next_attempt, 5000u);
	CHECK_STR(m.last_error, "451 4.3.0 try??later?");
	CHECK_INT(m.rcpts.count, 2);
	path_of(path, sizeof(path), "queue", id, ".retry");
	file = read_file(path, &flen);
	want = "attempts 1\nnext 5000\nunknown 0\nerror 451 4.3.0 try??later?\nrcpt b@x.example\nrcpt c@x.example\n";
	CHECK_MEM(file, flen, want, strlen(want));
	free(file);
	CHECK_INT(count_in("tmp"), 0);
	/* Refused: nothing changes. */
	CHECK_INT(smtp_spool_defer(&m, bad, 2, 1, false, "x", &err), SMTP_E_ARG);
	CHECK_INT(smtp_spool_defer(&m, two, 0, 1, false, "x", &err), SMTP_E_ARG);
	CHECK_INT(m.attempts, 1);
	file = read_file(path, &flen);
	CHECK_MEM(file, flen, want, strlen(want));
	free(file);
	smtp_spool_release(&m);

	/* The .retry overrides recipients and attempts; the .msg is untouched. */
	CHECK_INT(smtp_spool_claim(spool, id, &m, &err), SMTP_OK);
	CHECK_INT(m.attempts, 1);
	CHECK_INT(m.next_attempt, 5000u);
	CHECK_INT(m.created, 1000u);
	CHECK(!m.outcome_unknown);
	CHECK_STR(m.last_error, "451 4.3.0 try??later?");
	CHECK_INT(m.rcpts.count, 2);
	if (m.rcpts.count == 2) {
		CHECK_STR(m.rcpts.items[0], "b@x.example");
		CHECK_STR(m.rcpts.items[1], "c@x.example");
	}
	CHECK_MEM(m.data, m.len, p.data, p.len);
	/* The lost reply is sticky. */
	CHECK_INT(smtp_spool_defer(&m, two + 1, 1, 6000u, true, NULL, &err), SMTP_OK);
	CHECK_INT(smtp_spool_defer(&m, two + 1, 1, 7000u, false, "421 bye", &err), SMTP_OK);
	CHECK_INT(m.attempts, 3);
	CHECK(m.outcome_unknown);
	file = read_file(path, &flen);
	want = "attempts 3\nnext 7000\nunknown 1\nerror 421 bye\nrcpt c@x.example\n";
	CHECK_MEM(file, flen, want, strlen(want));
	free(file);
	smtp_spool_release(&m);

	CHECK_INT(smtp_spool_claim(spool, id, &m, &err), SMTP_OK);
	CHECK(m.outcome_unknown);
	CHECK_INT(m.attempts, 3);
	before = time(NULL);
	CHECK_INT(smtp_spool_fail(&m, "550 5.1.1 no such user\nX", &err), SMTP_OK);
	after = time(NULL);
	CHECK_INT(smtp_spool_defer(&m, two, 1, 1, false, "x", &err), SMTP_E_STATE);
	CHECK_INT(smtp_spool_fail(&m, "again", &err), SMTP_E_STATE);
	smtp_spool_release(&m);
	CHECK_INT(count_in("queue"), 0);
	CHECK_INT(count_in("tmp"), 0);
	CHECK_INT(count_in("failed"), 2);
	path_of(path, sizeof(path), "failed", id, ".msg");
	file = read_file(path, &flen);
	CHECK(file != NULL && orig != NULL);
	CHECK_MEM(file, flen, orig, olen);
	free(file);
	path_of(path, sizeof(path), "failed", id, ".reason");
	file = read_file(path, &flen);
	CHECK(file != NULL && sscanf(file, "failed %llu\n%n", &t, &off) == 1 && off > 0);
	CHECK(t >= (unsigned long long)before && t <= (unsigned long long)after);
	if (file != NULL && off > 0) {
		want = "attempts 3\nreason 550 5.1.1 no such user?X\nrcpt c@x.example\n";
		CHECK_MEM(file + off, flen - (size_t)off, want, strlen(want));
	}
	free(file);
	free(orig);
	CHECK_INT(smtp_spool_claim(spool, id, &m, &err), SMTP_E_STATE);
	smtp_spool_release(&m);
}

/* Puts msg (and retry, when not NULL) under a fresh id in queue/, claims it,
 * expects SMTP_E_PROTOCOL naming the file and the problem, then fails it. */
static void corrupt_case(int line, const char *msg, size_t mlen, const char *retry, const char *why)
{
	static unsigned seq;
	char id[SMTP_SPOOL_ID_MAX], path[512], want[800];
	smtp_spool_msg_t m;
	smtp_error_t err;
	bool ok;

	snprintf(id, sizeof(id), "1500000000-1-%016x", ++seq);
	path_of(path, sizeof(path), "queue", id, ".msg");
	write_file(path, msg, mlen);
	if (retry != NULL) {
		path_of(path, sizeof(path), "queue", id, ".retry");
		write_file(path, retry, strlen(retry));
	}
	snprintf(want, sizeof(want), "spool file %s is corrupt: %s", path, why);
	smtp_error_clear(&err);
	ok = smtp_spool_claim(spool, id, &m, &err) == SMTP_E_PROTOCOL && strcmp(err.message, want) == 0 &&
	     m.from == NULL && m.rcpts.count == 0 && m.data == NULL;
	CHECK(ok);
	if (!ok) {
		fprintf(stderr, "  line %d:\n    got:  %s\n    want: %s\n", line, err.message, want);
	}
	/* Still locked: the flusher moves it to failed/. */
	CHECK_INT(smtp_spool_fail(&m, err.message, &err), SMTP_OK);
	smtp_spool_release(&m);
	path_of(path, sizeof(path), "failed", id, ".msg");
	CHECK(exists(path));
	path_of(path, sizeof(path), "failed", id, ".reason");
	CHECK(exists(path));
	CHECK_INT(count_in("queue"), 0);
}

#define CORRUPT(text, why) corrupt_case(__LINE__, text, sizeof(text) - 1, NULL, why)
#define GOOD "smtpmail-spool 1\ncreated 1\nfrom a@b.example\nrcpt c@d.example\nunknown 0\nsize 4\n\nbody"

static void test_corrupt(void)
{
	char longline[3000];
	size_t n;

	CORRUPT("", "not a version 1 spool file");
	CORRUPT("smtpmail-spool 2\ncreated 1\nfrom a@b.example\nrcpt c@d.example\nunknown 0\nsize 0\n\n",
	        "not a version 1 spool file");
	CORRUPT("From a@b Mon Jan 1\nSubject: x\n\nbody", "not a version 1 spool file");
	CORRUPT("smtpmail-spool 1\ncreated 1\nrcpt c@d.example\nunknown 0\nsize 0\n\n", "bad or missing \"from\"");
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example\nrcpt c\r@d.example\nunknown 0\nsize 0\n\n",
	        "a recipient is not a valid address");
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example\nrcpt nobody\nunknown 0\nsize 0\n\n",
	        "a recipient is not a valid address");
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example\nrcpt c@d.\x01xample\nunknown 0\nsize 0\n\n",
	        "a recipient is not a valid address");
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example\nunknown 0\nsize 0\n\n", "no recipient");
	/* What a file edited by hand must not put on the wire: an ESMTP parameter
	 * after the path, angle brackets, a space outside a quoted local part. */
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example\nrcpt v@x> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;w@y\nunknown 0\nsize 0\n\n",
	        "a recipient is not a valid address");
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example\nrcpt <v@x>\nunknown 0\nsize 0\n\n",
	        "a recipient is not a valid address");
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example> SIZE=1\nrcpt c@d.example\nunknown 0\nsize 0\n\n",
	        "bad or missing \"from\"");
	CORRUPT("smtpmail-spool 1\ncreated 1\ndest ABC\nfrom a@b.example\nrcpt c@d.example\nunknown 0\nsize 0\n\n",
	        "bad \"dest\"");
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example\nrcpt c@d.example\nunkn",
	        "bad or missing \"unknown\"");
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example\nrcpt c@d.example\nunknown 0\nsize 4\n",
	        "no empty line after the header");
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example\nrcpt c@d.example\nunknown 0\nsize 4\n\nbod",
	        "the message is not as long as its \"size\"");
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example\nrcpt c@d.example\nunknown 0\nsize 4\n\nbody!",
	        "the message is not as long as its \"size\"");
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example\nrcpt c@d.example\nunknown 0\n\nbody",
	        "bad or missing \"size\"");
	CORRUPT("smtpmail-spool 1\ncreated 99999999999999999999\nfrom a@b.example\nrcpt c@d.example\nunknown 0\nsize 0\n\n",
	        "bad or missing \"created\"");
	CORRUPT("smtpmail-spool 1\ncreated -1\nfrom a@b.example\nrcpt c@d.example\nunknown 0\nsize 0\n\n",
	        "bad or missing \"created\"");
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example\nrcpt c@d.example\nunknown 2\nsize 0\n\n",
	        "bad or missing \"unknown\"");
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example\nrcpt c@d.example\nsender x\nunknown 0\nsize 0\n\n",
	        "bad or missing \"unknown\"");
	CORRUPT("smtpmail-spool 1\r\ncreated 1\r\nfrom a@b.example\r\n", "not a version 1 spool file");
	CORRUPT("smtpmail-spool 1\ncreated 1\nfrom a@b.example\0\nrcpt c@d.example\nunknown 0\nsize 0\n\n",
	        "bad or missing \"from\"");
	/* A header line longer than any valid one. */
	n = (size_t)snprintf(longline, sizeof(longline), "smtpmail-spool 1\ncreated 1\nfrom ");
	memset(longline + n, 'a', 2000);
	n += 2000;
	memcpy(longline + n, "@b\n", 4);
	corrupt_case(__LINE__, longline, strlen(longline), NULL, "bad or missing \"from\"");

	/* Corrupt .retry files next to a good .msg. */
	corrupt_case(__LINE__, GOOD, sizeof(GOOD) - 1, "attempts x\nnext 1\nunknown 0\nerror \nrcpt c@d.example\n",
	             "bad or missing \"attempts\"");
	corrupt_case(__LINE__, GOOD, sizeof(GOOD) - 1, "attempts 99999999999\nnext 1\nunknown 0\nerror \nrcpt c@d.example\n",
	             "bad or missing \"attempts\"");
	corrupt_case(__LINE__, GOOD, sizeof(GOOD) - 1, "attempts 1\nnext 1\nunknown 0\nrcpt c@d.example\n",
	             "bad or missing \"error\"");
	corrupt_case(__LINE__, GOOD, sizeof(GOOD) - 1, "attempts 1\nnext 1\nunknown 0\nerror \x1b[31m\nrcpt c@d.example\n",
	             "bad or missing \"error\"");
	corrupt_case(__LINE__, GOOD, sizeof(GOOD) - 1, "attempts 1\nnext 1\nunknown 0\nerror x\n", "no recipient");
	corrupt_case(__LINE__, GOOD, sizeof(GOOD) - 1, "attempts 1\nnext 1\nunknown 0\nerror x\nrcpt c@d.example\nrcpt e@f",
	             "unexpected text after the recipients");
	corrupt_case(__LINE__, GOOD, sizeof(GOOD) - 1, "attempts 1\nnext 1\nunknown 0\nerror x\nrcpt c@d.example\nextra 1\n",
	             "unexpected text after the recipients");
	corrupt_case(__LINE__, GOOD, sizeof(GOOD) - 1, "", "bad or missing \"attempts\"");
}

/* The spool trusts no directory it did not make, and no name in it that is
 * not a plain file: what a local attacker could plant beforehand. */
static void test_hostile_tree(void)
{
	const char *one[] = {"c@d.example"};
	char dir[400], path[500], target[500], id[SMTP_SPOOL_ID_MAX], want[900];
	smtp_spool_msg_t m;
	smtp_piece_t p;
	smtp_error_t err;
	char **ids = NULL;
	size_t n = 0, len = 0;
	char *text;
	struct stat st;

	p.data = "body\r\n";
	p.len = 6;
	/* A pre-created spool that others may write to is refused, not repaired. */
	snprintf(dir, sizeof(dir), "%s/loose", root);
	CHECK_INT(mkdir(dir, 0700), 0);
	CHECK_INT(chmod(dir, 0777), 0);
	CHECK_INT(smtp_spool_prepare(dir, &err), SMTP_E_IO);
	snprintf(want, sizeof(want), "spool: cannot use spool directory %s: writable by its group or by others (chmod go-w, e.g. 0700)", dir);
	CHECK_STR(err.message, want);
	CHECK_INT(smtp_spool_write(dir, "a@b.example", one, 1, &p, 1, 1, false, id, &err), SMTP_E_IO);
	CHECK_STR(err.message, want);
	CHECK_INT(smtp_spool_list(dir, &ids, &n, &err), SMTP_E_IO);
	CHECK_INT(chmod(dir, 0770), 0);
	CHECK_INT(smtp_spool_prepare(dir, &err), SMTP_E_IO);
	CHECK_INT(chmod(dir, 0755), 0);
	CHECK_INT(smtp_spool_prepare(dir, &err), SMTP_OK);
	CHECK_INT(stat(dir, &st), 0);
	/* A subdirectory replaced by a symlink to somewhere else is refused. */
	snprintf(path, sizeof(path), "%s/queue", dir);
	snprintf(target, sizeof(target), "%s/elsewhere", root);
	CHECK_INT(mkdir(target, 0700), 0);
	CHECK_INT(rmdir(path), 0);
	CHECK_INT(symlink(target, path), 0);
	CHECK_INT(smtp_spool_prepare(dir, &err), SMTP_E_IO);
	CHECK(strstr(err.message, "not a directory") != NULL);
	CHECK_INT(smtp_spool_list(dir, &ids, &n, &err), SMTP_E_IO);
	unlink(path);
	rmdir(target);
	CHECK_INT(smtp_spool_prepare(dir, &err), SMTP_OK);

	/* A symlink planted where the .retry is written: the flusher removes the
	 * link and writes its own file; the link's target is untouched. */
	CHECK_INT(smtp_spool_write(dir, "a@b.example", one, 1, &p, 1, 1, false, id, &err), SMTP_OK);
	snprintf(target, sizeof(target), "%s/victim", root);
	write_file(target, "precious", 8);
	snprintf(path, sizeof(path), "%s/tmp/%s.retry", dir, id);
	CHECK_INT(symlink(target, path), 0);
	CHECK_INT(smtp_spool_claim(dir, id, &m, &err), SMTP_OK);
	CHECK_INT(smtp_spool_defer(&m, one, 1, 5, false, "later", &err), SMTP_OK);
	smtp_spool_release(&m);
	text = read_file(target, &len);
	CHECK(text != NULL && len == 8 && memcmp(text, "precious", 8) == 0);
	free(text);
	CHECK_INT(lstat(path, &st) != 0 && errno == ENOENT, 1);

	/* A FIFO under a message's name: never waited on, moved out as foreign. */
	snprintf(path, sizeof(path), "%s/queue/1700000000-1-0123456789abcdef.msg", dir);
	CHECK_INT(mkfifo(path, 0600), 0);
	CHECK_INT(smtp_spool_claim(dir, "1700000000-1-0123456789abcdef", &m, &err), SMTP_E_PROTOCOL);
	CHECK(strstr(err.message, "not a regular file") != NULL);
	CHECK_INT(smtp_spool_fail(&m, err.message, &err), SMTP_OK);
	smtp_spool_release(&m);
	CHECK_INT(lstat(path, &st) != 0 && errno == ENOENT, 1);
	/* A symlink to a valid message elsewhere: not followed, moved out too. */
	snprintf(target, sizeof(target), "%s/queue/%s.msg", dir, id);
	snprintf(path, sizeof(path), "%s/queue/1700000000-2-0123456789abcdef.msg", dir);
	CHECK_INT(symlink(target, path), 0);
	CHECK_INT(smtp_spool_claim(dir, "1700000000-2-0123456789abcdef", &m, &err), SMTP_E_PROTOCOL);
	smtp_spool_release(&m);
	unlink(path);

	/* The destination token round-trips; a bad one is refused. */
	CHECK_INT(smtp_spool_write_for(dir, "Bad Token", "a@b.example", one, 1, &p, 1, 2, false, id, &err), SMTP_E_ARG);
	CHECK_INT(smtp_spool_write_for(dir, "0123abcdef", "a@b.example", one, 1, &p, 1, 2, false, id, &err), SMTP_OK);
	CHECK_INT(smtp_spool_claim(dir, id, &m, &err), SMTP_OK);
	CHECK_STR(m.dest, "0123abcdef");
	smtp_spool_release(&m);
	rm_tree(dir);
}

static void test_bad_ids(void)
{
	smtp_spool_msg_t m;
	smtp_error_t err;
	static const char *const bad[] = {
		"../../../etc/passwd", "", "1700000000-1-0123456789abcde", "1700000000-1-0123456789ABCDEF",
		"170000000-1-0123456789abcdef", "1700000000--0123456789abcdef", "1700000000-1-0123456789abcdef0",
		"1700000000-1-0123456789abcdef/", "1700000000-1-../456789abcdef", NULL
	};
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		CHECK_INT(smtp_spool_claim(spool, bad[i], &m, &err), SMTP_E_ARG);
		smtp_spool_release(&m);
	}
	CHECK_STR(err.message, "spool: not a spool message id");
	/* A well-formed id that is not there. */
	CHECK_INT(smtp_spool_claim(spool, "1700000000-1-0123456789abcdef", &m, &err), SMTP_E_STATE);
	smtp_spool_release(&m);
}

/* Another process holds the message: our claim fails until it lets go. */
static void test_two_processes(void)
{
	const char *r[] = {"r@x.example"};
	char id[SMTP_SPOOL_ID_MAX], c = 0;
	smtp_piece_t p = {"two\0processes\n", 14};
	smtp_spool_msg_t m;
	smtp_error_t err;
	int up[2], down[2], status = -1;
	pid_t pid;

	CHECK_INT(smtp_spool_write(spool, "s@x.example", r, 1, &p, 1, 1u, false, id, &err), SMTP_OK);
	CHECK(pipe(up) == 0 && pipe(down) == 0);
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		smtp_spool_msg_t cm;
		char go;
		bool ok;
		close(up[0]);
		close(down[1]);
		ok = smtp_spool_claim(spool, id, &cm, NULL) == SMTP_OK;
		if (write(up[1], ok ? "c" : "e", 1) != 1 || read(down[0], &go, 1) != 1) {
			ok = false;
		}
		smtp_spool_release(&cm);
		_exit(ok ? 0 : 1);
	}
	close(up[1]);
	close(down[0]);
	CHECK_INT(read(up[0], &c, 1), 1);
	CHECK_INT(c, 'c');
	CHECK_INT(smtp_spool_claim(spool, id, &m, &err), SMTP_E_STATE);
	CHECK(strstr(err.message, "being sent by another process") != NULL);
	smtp_spool_release(&m);
	CHECK_INT(write(down[1], "g", 1), 1);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(up[0]);
	close(down[1]);
	/* Released (here by the child's exit as well): ours now. */
	CHECK_INT(smtp_spool_claim(spool, id, &m, &err), SMTP_OK);
	CHECK_MEM(m.data, m.len, p.data, p.len);

	CHECK_INT(smtp_spool_done(&m, &err), SMTP_OK);
	smtp_spool_release(&m);
	CHECK_INT(count_in("queue"), 0);
}

/* The relay back-off record, status and the tmp/ sweep, in a fresh spool. */
static void test_pause_status_sweep(void)
{
	const char *one[] = {"a@x.example"};
	char dir[400], id1[SMTP_SPOOL_ID_MAX], id2[SMTP_SPOOL_ID_MAX], id3[SMTP_SPOOL_ID_MAX], path[600];
	smtp_piece_t p = {"Subject: t\r\n\r\nhello\r\n", 21};
	smtp_spool_pause_t pause, got;
	smtp_spool_status_t st;
	smtp_spool_msg_t m;
	smtp_error_t err;
	struct timespec old[2];

	snprintf(dir, sizeof(dir), "%s/status", root);
	/* A spool that does not exist yet: empty, no error. */
	CHECK_INT(smtp_spool_status(dir, &st, &err), SMTP_OK);
	CHECK_INT(st.queued + st.deferred + st.failed + st.oldest_created + st.next_attempt + st.backoff_until, 0);
	CHECK_STR(st.last_error, "");
	CHECK_INT(smtp_spool_pause_read(dir, "abc", &got, &err), SMTP_OK);
	CHECK_INT(got.until, 0);
	CHECK_INT(smtp_spool_prepare(dir, &err), SMTP_OK);

	CHECK_INT(smtp_spool_write(dir, "s@x.example", one, 1, &p, 1, 1000u, false, id1, &err), SMTP_OK);
	CHECK_INT(smtp_spool_write(dir, "s@x.example", one, 1, &p, 1, 2000u, false, id2, &err), SMTP_OK);
	CHECK_INT(smtp_spool_write(dir, "s@x.example", one, 1, &p, 1, 3000u, false, id3, &err), SMTP_OK);
	CHECK_INT(smtp_spool_claim(dir, id1, &m, &err), SMTP_OK);
	CHECK_INT(smtp_spool_defer(&m, one, 1, 9000u, false, "451 later", &err), SMTP_OK);
	smtp_spool_release(&m);
	CHECK_INT(smtp_spool_claim(dir, id3, &m, &err), SMTP_OK);
	CHECK_INT(smtp_spool_fail(&m, "550 no such user", &err), SMTP_OK);
	smtp_spool_release(&m);
	CHECK_INT(smtp_spool_status(dir, &st, &err), SMTP_OK);
	CHECK_INT(st.queued, 2);
	CHECK_INT(st.deferred, 1);
	CHECK_INT(st.failed, 1);
	CHECK_INT(st.oldest_created, 1000);
	/* id2 was never tried: due at its creation, before id1's retry at 9000. */
	CHECK_INT(st.next_attempt, 2000);
	CHECK(strcmp(st.last_error, "451 later") == 0 || strcmp(st.last_error, "550 no such user") == 0);

	/* The back-off: written whole, read back, counted in the status, cleared. */
	memset(&pause, 0, sizeof(pause));
	pause.until = 4000000000u;
	pause.strikes = 3;
	snprintf(pause.reason, sizeof(pause.reason), "421 4.7.0 slow\r\ndown");
	CHECK_INT(smtp_spool_pause_write(dir, "abc", &pause, &err), SMTP_OK);
	CHECK_INT(smtp_spool_pause_read(dir, "abc", &got, &err), SMTP_OK);
	CHECK_INT(got.until, 4000000000u);
	CHECK_INT(got.strikes, 3);
	CHECK_STR(got.reason, "421 4.7.0 slow??down");
	CHECK(got.written > 0);
	CHECK_INT(smtp_spool_pause_read(dir, NULL, &got, &err), SMTP_OK);
	CHECK_INT(got.until, 0);
	CHECK_INT(smtp_spool_pause_write(dir, "BAD/../x", &pause, &err), SMTP_E_ARG);
	CHECK_INT(smtp_spool_status(dir, &st, &err), SMTP_OK);
	CHECK_INT(st.backoff_until, 4000000000u);
	CHECK_INT(st.next_attempt, 4000000000u);
	CHECK_STR(st.last_error, "421 4.7.0 slow??down");
	smtp_spool_pause_clear(dir, "abc");
	CHECK_INT(smtp_spool_pause_read(dir, "abc", &got, &err), SMTP_OK);
	CHECK_INT(got.until, 0);
	CHECK_INT(count_in("tmp"), 0);

	/* tmp/: a file older than the age goes, a fresh one stays. */
	snprintf(path, sizeof(path), "%s/tmp/%s.msg", dir, id2);
	write_file(path, "half", 4);
	CHECK_INT(smtp_spool_sweep_tmp(dir, (uint64_t)time(NULL), 3600), 0);
	old[0].tv_sec = old[1].tv_sec = time(NULL) - 3700;
	old[0].tv_nsec = old[1].tv_nsec = 0;
	CHECK_INT(utimensat(AT_FDCWD, path, old, AT_SYMLINK_NOFOLLOW), 0);
	CHECK_INT(smtp_spool_sweep_tmp(dir, (uint64_t)time(NULL), 3600), 1);
	CHECK(!exists(path));
}

int main(void)
{
	char tmpl[] = "/tmp/smtp_spool_test.XXXXXX";

	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(root, sizeof(root), "%s", tmpl);
	snprintf(spool, sizeof(spool), "%s/spool", root);

	test_backoff();
	test_prepare();
	test_write_claim_done();
	test_write_errors();
	test_list();
	test_defer_fail();
	test_corrupt();
	test_hostile_tree();
	test_bad_ids();
	test_two_processes();
	test_pause_status_sweep();

	rm_tree(root);
	return check_report("spool");
}
