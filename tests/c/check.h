/*
 * check.h: the assertions of the C unit tests. Each test program includes it,
 * runs its cases with CHECK_*, and ends main() with `return check_report(name);`,
 * which prints "<name>: N passed, N failed" and returns the exit status.
 */
#ifndef SMTP_CHECK_H
#define SMTP_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed;
static int check_failed;

#define CHECK(cond) do { \
	if (cond) { check_passed++; } else { check_failed++; \
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_INT(got, want) do { \
	long long check_g_ = (long long)(got), check_w_ = (long long)(want); \
	if (check_g_ == check_w_) { check_passed++; } else { check_failed++; \
		fprintf(stderr, "%s:%d: %s is %lld, want %lld\n", __FILE__, __LINE__, #got, check_g_, check_w_); } \
} while (0)

/* Compares byte strings with explicit lengths; prints both escaped on mismatch. */
#define CHECK_MEM(got, glen, want, wlen) check_mem_(__FILE__, __LINE__, #got, (const char *)(got), (size_t)(glen), (const char *)(want), (size_t)(wlen))
/* A NULL `got` never equals a string, not even "": a function that should have
 * produced text and returned nothing is a failure. */
#define CHECK_STR(got, want) do { const char *check_s_ = (got); \
	if (check_s_ == NULL) { check_failed++; \
		fprintf(stderr, "%s:%d: %s is NULL, want \"%s\"\n", __FILE__, __LINE__, #got, (want)); } \
	else CHECK_MEM(check_s_, strlen(check_s_), (want), strlen(want)); } while (0)

static void check_escaped_(FILE *f, const char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n && i < 400; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\r') fputs("\\r", f);
		else if (c == '\n') fputs("\\n", f);
		else if (c < 0x20 || c >= 0x7f) fprintf(f, "\\x%02x", c);
		else fputc(c, f);
	}
	if (n > 400) fputs("...", f);
}

static void check_mem_(const char *file, int line, const char *expr, const char *got, size_t glen,
                       const char *want, size_t wlen)
{
	if (glen == wlen && (glen == 0 || memcmp(got, want, glen) == 0)) {
		check_passed++;
		return;
	}
	check_failed++;
	fprintf(stderr, "%s:%d: %s differs\n  got:  \"", file, line, expr);
	check_escaped_(stderr, got ? got : "", got ? glen : 0);
	fputs("\"\n  want: \"", stderr);
	check_escaped_(stderr, want, wlen);
	fputs("\"\n", stderr);
}

static int check_report(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
	return check_failed == 0 ? 0 : 1;
}

#endif
