/*
 * test_check.c: the assertions themselves must be able to fail. Each case runs
 * one CHECK_* that has to fail, with stderr sent to /dev/null, and counts as a
 * pass only when it raised check_failed by exactly one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "check.h"

static int saved_stderr_ = -1;

static void quiet_(void)
{
	int null = open("/dev/null", O_WRONLY);
	fflush(stderr);
	saved_stderr_ = dup(2);
	if (null >= 0) {
		dup2(null, 2);
		close(null);
	}
}

static void loud_(void)
{
	fflush(stderr);
	if (saved_stderr_ >= 0) {
		dup2(saved_stderr_, 2);
		close(saved_stderr_);
		saved_stderr_ = -1;
	}
}

#define EXPECT_FAILURE(stmt) do { \
	int check_before_ = check_failed; \
	quiet_(); \
	stmt; \
	loud_(); \
	if (check_failed == check_before_ + 1) { \
		check_failed = check_before_; \
		check_passed++; \
	} else { \
		check_failed = check_before_ + 1; \
		fprintf(stderr, "%s:%d: %s did not fail\n", __FILE__, __LINE__, #stmt); \
	} \
} while (0)

int main(void)
{
	EXPECT_FAILURE(CHECK_STR(NULL, ""));
	EXPECT_FAILURE(CHECK_STR(NULL, "x"));
	EXPECT_FAILURE(CHECK_STR("", "x"));
	EXPECT_FAILURE(CHECK_STR("ab", "a"));
	EXPECT_FAILURE(CHECK_MEM("a\0b", 3, "a\0c", 3));
	EXPECT_FAILURE(CHECK_INT(512, 511));
	EXPECT_FAILURE(CHECK(0));
	CHECK_STR("", "");
	CHECK_STR("abc", "abc");
	return check_report("check");
}
