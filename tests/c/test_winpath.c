/*
 * test_winpath.c: Windows path text (smtp_winpath.c), tested on every
 * platform: UTF-8 to UTF-16 and back, and the \\?\ form of long paths that
 * smtp_compat.c's Windows branch hands to the ...W functions.
 */
#include "check.h"

#include <stdlib.h>

#include "smtp_winpath.h"

/* The ASCII/UTF-8 rendering of a UTF-16 path, for comparisons. */
static const char *narrow(const smtp_wchar_t *w)
{
	static char buf[4096];
	size_t n = 0;

	while (w[n] != 0) {
		n++;
	}
	smtp_utf16_to_utf8(w, n, buf, sizeof(buf));
	return buf;
}

/* smtp_wpath_make(path) rendered back, or "E<rc>" on failure. */
static const char *wpath(const char *path)
{
	static char buf[4096];
	smtp_wchar_t *w = NULL;
	smtp_wpath_rc_t rc = smtp_wpath_make(path, &w);

	if (rc != SMTP_WPATH_OK) {
		snprintf(buf, sizeof(buf), "E%d", (int)rc);
		CHECK(w == NULL);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%s", narrow(w));
	free(w);
	return buf;
}

static void test_utf8_to_utf16(void)
{
	smtp_wchar_t out[16];
	size_t n;

	/* "Aé€😀": 1, 2, 3 and 4 UTF-8 bytes; the last a surrogate pair. */
	CHECK_INT(smtp_utf8_to_utf16("A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 10, out, 16, &n), SMTP_WPATH_OK);
	CHECK_INT(n, 5);
	CHECK_INT(out[0], 0x41);
	CHECK_INT(out[1], 0xE9);
	CHECK_INT(out[2], 0x20AC);
	CHECK_INT(out[3], 0xD83D);
	CHECK_INT(out[4], 0xDE00);
	/* Counting only, and a buffer too small: the full length is reported. */
	CHECK_INT(smtp_utf8_to_utf16("\xF0\x9F\x98\x80xyz", 7, NULL, 0, &n), SMTP_WPATH_OK);
	CHECK_INT(n, 5);
	out[1] = 0x7777;
	CHECK_INT(smtp_utf8_to_utf16("abc", 3, out, 1, &n), SMTP_WPATH_OK);
	CHECK_INT(n, 3);
	CHECK_INT(out[1], 0x7777);
	/* The edges of each length class. */
	CHECK_INT(smtp_utf8_to_utf16("\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF", 19,
	                             out, 16, &n), SMTP_WPATH_OK);
	CHECK_INT(n, 9);
	CHECK_INT(out[1], 0x80);
	CHECK_INT(out[2], 0x7FF);
	CHECK_INT(out[3], 0x800);
	CHECK_INT(out[4], 0xFFFF);
	CHECK_INT(out[5], 0xD800);
	CHECK_INT(out[6], 0xDC00);
	CHECK_INT(out[7], 0xDBFF);
	CHECK_INT(out[8], 0xDFFF);
	/* Not UTF-8: each must be refused, never passed on as some other name. */
	CHECK_INT(smtp_utf8_to_utf16("\xE9t\xE9", 3, out, 16, &n), SMTP_WPATH_E_UTF8);       /* Latin-1 */
	CHECK_INT(smtp_utf8_to_utf16("\xC0\xAF", 2, out, 16, &n), SMTP_WPATH_E_UTF8);        /* overlong '/' */
	CHECK_INT(smtp_utf8_to_utf16("\xE0\x80\xAF", 3, out, 16, &n), SMTP_WPATH_E_UTF8);    /* overlong '/' */
	CHECK_INT(smtp_utf8_to_utf16("\xF0\x80\x80\xAF", 4, out, 16, &n), SMTP_WPATH_E_UTF8); /* overlong '/' */
	CHECK_INT(smtp_utf8_to_utf16("\xED\xA0\x80", 3, out, 16, &n), SMTP_WPATH_E_UTF8);    /* U+D800 */
	CHECK_INT(smtp_utf8_to_utf16("\xF4\x90\x80\x80", 4, out, 16, &n), SMTP_WPATH_E_UTF8); /* U+110000 */
	CHECK_INT(smtp_utf8_to_utf16("\xE2\x82", 2, out, 16, &n), SMTP_WPATH_E_UTF8);        /* cut short */
	CHECK_INT(smtp_utf8_to_utf16("\x80", 1, out, 16, &n), SMTP_WPATH_E_UTF8);            /* lone continuation */
	CHECK_INT(smtp_utf8_to_utf16("\xC3(", 2, out, 16, &n), SMTP_WPATH_E_UTF8);           /* bad continuation */
	CHECK_INT(smtp_utf8_to_utf16("\xFF", 1, out, 16, &n), SMTP_WPATH_E_UTF8);
	CHECK_INT(n, 0);
}

static void test_utf16_to_utf8(void)
{
	static const smtp_wchar_t text[] = {'A', 0xE9, 0x20AC, 0xD83D, 0xDE00};
	static const smtp_wchar_t lone[] = {'a', 0xD800, 'b', 0xDC00, 0xD800};
	char out[32];

	CHECK_INT(smtp_utf16_to_utf8(text, 5, out, sizeof(out)), 10);
	CHECK_STR(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
	/* Unpaired surrogates (possible in NTFS names) become U+FFFD. */
	CHECK_INT(smtp_utf16_to_utf8(lone, 5, out, sizeof(out)), 11);
	CHECK_STR(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD");
	/* Cut between characters only, and nothing after a cut: room for
	 * "A" + "é" (3 bytes) but not the 3-byte euro sign. */
	CHECK_INT(smtp_utf16_to_utf8(text, 5, out, 5), 10);
	CHECK_STR(out, "A\xC3\xA9");
	CHECK_INT(smtp_utf16_to_utf8(text, 5, out, 2), 10);
	CHECK_STR(out, "A");
	CHECK_INT(smtp_utf16_to_utf8(text, 5, out, 1), 10);
	CHECK_STR(out, "");
	/* A 1-byte character after a cut is not squeezed in. */
	{
		static const smtp_wchar_t t2[] = {0x20AC, 'x'};
		CHECK_INT(smtp_utf16_to_utf8(t2, 2, out, 3), 4);
		CHECK_STR(out, "");
	}
}

/* A path of exactly n characters: prefix, then 'a' names of 9 separated by sep. */
static char *long_path(const char *prefix, size_t n, char sep)
{
	char *p = malloc(n + 1);
	size_t i, k = strlen(prefix);

	memcpy(p, prefix, k);
	for (i = k; i < n; i++) {
		p[i] = (i - k) % 10 == 9 ? sep : 'a';
	}
	p[n] = '\0';
	return p;
}

static void test_wpath(void)
{
	char want[4096];
	char *p, *q;

	/* Short paths: only the separators change; Windows resolves the rest. */
	CHECK_STR(wpath("C:/spool/queue/1.msg"), "C:\\spool\\queue\\1.msg");
	CHECK_STR(wpath("relative/dir"), "relative\\dir");
	CHECK_STR(wpath("C:\\a\\..\\b"), "C:\\a\\..\\b");
	CHECK_STR(wpath("C:/Users/J\xC3\xBCrgen/spool"), "C:\\Users\\J\xC3\xBCrgen\\spool");
	CHECK_STR(wpath("C:/bad\xC3"), "E1");

	/* At the limit, plain; one past it, the \\?\ form. */
	p = long_path("C:/", 247, '/');
	CHECK_INT(strlen(wpath(p)), 247);
	CHECK(wpath(p)[0] == 'C');
	free(p);
	p = long_path("C:/", 248, '/');
	snprintf(want, sizeof(want), "\\\\?\\%s", p);
	for (q = want; *q != '\0'; q++) {
		if (*q == '/') {
			*q = '\\';
		}
	}
	CHECK_STR(wpath(p), want);
	free(p);

	/* UNC: \\server\share becomes \\?\UNC\server\share. */
	p = long_path("//srv/share/", 300, '/');
	snprintf(want, sizeof(want), "\\\\?\\UNC\\srv\\share\\%s", p + 12);
	for (q = want; *q != '\0'; q++) {
		if (*q == '/') {
			*q = '\\';
		}
	}
	CHECK_STR(wpath(p), want);
	free(p);

	/* What Win32 does to a plain path is done before \\?\ turns it off:
	 * doubled separators, "." and "..", never above the root. */
	p = long_path("C:/x//./y/../", 300, '/');
	snprintf(want, sizeof(want), "\\\\?\\C:\\x\\%s", p + 13);
	for (q = want; *q != '\0'; q++) {
		if (*q == '/') {
			*q = '\\';
		}
	}
	CHECK_STR(wpath(p), want);
	free(p);
	p = long_path("C:/../../", 300, '/');
	snprintf(want, sizeof(want), "\\\\?\\C:\\%s", p + 9);
	for (q = want; *q != '\0'; q++) {
		if (*q == '/') {
			*q = '\\';
		}
	}
	CHECK_STR(wpath(p), want);
	free(p);
	p = long_path("//srv/share/../", 300, '/');
	CHECK(strncmp(wpath(p), "\\\\?\\UNC\\srv\\share\\aaaaaaaaa\\", 28) == 0);
	free(p);

	/* Long and relative (or drive-relative, or rooted without a drive): no
	 * \\?\ form exists, so an error instead of a path Windows would cut. */
	p = long_path("dir/", 300, '/');
	CHECK_STR(wpath(p), "E2");
	free(p);
	p = long_path("C:dir/", 300, '/');
	CHECK_STR(wpath(p), "E2");
	free(p);
	p = long_path("/dir/", 300, '/');
	CHECK_STR(wpath(p), "E2");
	free(p);
	p = long_path("//srv", 300, 'a');
	CHECK_STR(wpath(p), "E2");
	free(p);

	/* A name ending in '.' or ' ' would be another file under \\?\ . */
	p = long_path("C:/", 300, '/');
	p[151] = '.';
	CHECK_STR(wpath(p), "E3");
	p[151] = ' ';
	CHECK_STR(wpath(p), "E3");
	free(p);

	/* Given in \\?\ or \\.\ form: kept exactly, '/' included. */
	p = long_path("\\\\?\\C:\\", 300, '/');
	CHECK_STR(wpath(p), p);
	free(p);
	CHECK_STR(wpath("\\\\.\\pipe\\x/y"), "\\\\.\\pipe\\x/y");
}

int main(void)
{
	test_utf8_to_utf16();
	test_utf16_to_utf8();
	test_wpath();
	return check_report("winpath");
}
