/* test_canon.c: the DATA canonicaliser, byte for byte. */
#include "check.h"
#include "smtp_canon.h"

#include <stdlib.h>

#define OUT_MAX 8192

/* Canonicalises in[0..len) in one feed and a finish. */
static smtp_rc_t canon_once(const char *in, size_t len, char *out, size_t *olen, smtp_error_t *err)
{
	smtp_canon_t c;
	size_t used, made, fin;
	smtp_rc_t rc;

	smtp_canon_init(&c);
	*olen = 0;
	rc = smtp_canon_feed(&c, in, len, &used, out, OUT_MAX - SMTP_CANON_FINISH_MAX, &made, err);
	*olen = made;
	if (rc != SMTP_OK) {
		return rc;
	}
	if (used != len) {
		return SMTP_E_INTERNAL;
	}
	rc = smtp_canon_finish(&c, out + made, SMTP_CANON_FINISH_MAX, &fin, err);
	*olen += fin;
	return rc;
}

/* Feeds in[0..len) cut at the given positions (ascending), into output
 * buffers of cap bytes, checking that every call makes progress. */
static smtp_rc_t canon_pieces(const char *in, size_t len, const size_t *cuts, size_t ncuts,
                              size_t cap, char *out, size_t *olen, smtp_error_t *err)
{
	smtp_canon_t c;
	size_t k, start = 0, o = 0, fin;
	smtp_rc_t rc;

	smtp_canon_init(&c);
	for (k = 0; k <= ncuts; k++) {
		size_t end = k < ncuts ? cuts[k] : len;
		size_t pos = start;
		/* Also call once with the piece empty: that must be harmless. */
		for (;;) {
			size_t used, made;
			rc = smtp_canon_feed(&c, in + pos, end - pos, &used, out + o, cap, &made, err);
			o += made;
			pos += used;
			if (rc != SMTP_OK) {
				*olen = o;
				return rc;
			}
			if (used == 0 && made == 0) {
				break;
			}
			if (o + cap + SMTP_CANON_FINISH_MAX > OUT_MAX) {
				*olen = o;
				return SMTP_E_INTERNAL;
			}
		}
		if (pos != end) {
			*olen = o;
			return SMTP_E_INTERNAL;   /* stalled */
		}
		start = end;
	}
	rc = smtp_canon_finish(&c, out + o, SMTP_CANON_FINISH_MAX, &fin, err);
	*olen = o + fin;
	return rc;
}

#define GOLD(in, want) check_gold(__LINE__, in, sizeof(in) - 1, want, sizeof(want) - 1)

/* One input, its exact output, in one call, at every split, byte by byte and
 * into output buffers of 1, 2 and 3 bytes. */
static void check_gold(int line, const char *in, size_t len, const char *want, size_t wlen)
{
	char out[OUT_MAX];
	size_t olen, s, t, cap;
	smtp_error_t err;
	smtp_rc_t rc;
	int bad = 0;

	rc = canon_once(in, len, out, &olen, &err);
	if (rc != SMTP_OK || olen != wlen || memcmp(out, want, wlen) != 0) {
		fprintf(stderr, "golden case at line %d:\n", line);
	}
	CHECK_INT(rc, SMTP_OK);
	CHECK_MEM(out, olen, want, wlen);

	for (s = 0; s <= len; s++) {
		rc = canon_pieces(in, len, &s, 1, OUT_MAX / 2, out, &olen, &err);
		bad += rc != SMTP_OK || olen != wlen || memcmp(out, want, wlen) != 0;
		for (t = s; t <= len; t++) {
			size_t cuts[2] = { s, t };
			rc = canon_pieces(in, len, cuts, 2, OUT_MAX / 2, out, &olen, &err);
			bad += rc != SMTP_OK || olen != wlen || memcmp(out, want, wlen) != 0;
		}
	}
	if (bad != 0) {
		fprintf(stderr, "golden case at line %d: %d splits differ\n", line, bad);
	}
	CHECK_INT(bad, 0);

	{
		size_t cuts[64];
		size_t n = len < 64 ? len : 64;
		for (s = 0; s < n; s++) {
			cuts[s] = s + 1;
		}
		if (len <= 64) {
			rc = canon_pieces(in, len, cuts, n, OUT_MAX / 2, out, &olen, &err);
			CHECK_INT(rc, SMTP_OK);
			CHECK_MEM(out, olen, want, wlen);
		}
	}
	for (cap = 1; cap <= 3; cap++) {
		rc = canon_pieces(in, len, NULL, 0, cap, out, &olen, &err);
		CHECK_INT(rc, SMTP_OK);
		CHECK_MEM(out, olen, want, wlen);
	}
}

static void test_line_ends(void)
{
	GOLD("a\r\nb\r\n", "a\r\nb\r\n.\r\n");
	GOLD("a\nb\n", "a\r\nb\r\n.\r\n");
	GOLD("a\rb\r", "a\r\nb\r\n.\r\n");
	GOLD("a\r\r\nb", "a\r\n\r\nb\r\n.\r\n");
	GOLD("a\n\rb", "a\r\n\r\nb\r\n.\r\n");
	GOLD("a\r\n\nb", "a\r\n\r\nb\r\n.\r\n");
	GOLD("a\n\r\nb", "a\r\n\r\nb\r\n.\r\n");
	GOLD("a\r\r\r", "a\r\n\r\n\r\n.\r\n");
	GOLD("\n\n", "\r\n\r\n.\r\n");
	GOLD("\r", "\r\n.\r\n");
	GOLD("\n", "\r\n.\r\n");
	GOLD("\r\n", "\r\n.\r\n");
	GOLD("\r\n\r\n", "\r\n\r\n.\r\n");
	GOLD("x\r\n\r\r\n\n\ry", "x\r\n\r\n\r\n\r\n\r\ny\r\n.\r\n");
}

static void test_smuggling(void)
{
	/* Every end-of-data variant a lenient server might accept comes out as a
	 * stuffed "..", never as a line holding a lone dot. */
	GOLD("a\n.\nb", "a\r\n..\r\nb\r\n.\r\n");
	GOLD("a\r.\rb", "a\r\n..\r\nb\r\n.\r\n");
	GOLD("a\r\n.\r\nb", "a\r\n..\r\nb\r\n.\r\n");
	GOLD("a\n.\r\nb", "a\r\n..\r\nb\r\n.\r\n");
	GOLD("a\r\n.\nb", "a\r\n..\r\nb\r\n.\r\n");
	GOLD("a\r.\nb", "a\r\n..\r\nb\r\n.\r\n");
	GOLD("a\n.\rb", "a\r\n..\r\nb\r\n.\r\n");
	GOLD("a\r\n.\rMAIL FROM:<x>\r\n", "a\r\n..\r\nMAIL FROM:<x>\r\n.\r\n");
	GOLD("\r\n.\r\n", "\r\n..\r\n.\r\n");
	GOLD(".\r\n", "..\r\n.\r\n");
	GOLD(".\n", "..\r\n.\r\n");
	GOLD(".\r", "..\r\n.\r\n");
	GOLD(".", "..\r\n.\r\n");
}

static void test_dots(void)
{
	GOLD(".hello", "..hello\r\n.\r\n");
	GOLD("...", "....\r\n.\r\n");
	GOLD("a.b\n", "a.b\r\n.\r\n");
	GOLD("x\n.a\r.b\r\n.c", "x\r\n..a\r\n..b\r\n..c\r\n.\r\n");
	GOLD("x\r\n\r\n.", "x\r\n\r\n..\r\n.\r\n");
	GOLD(" .x\n", " .x\r\n.\r\n");
}

static void test_ends(void)
{
	GOLD("", ".\r\n");
	GOLD("abc", "abc\r\n.\r\n");
	GOLD("abc\r\n", "abc\r\n.\r\n");
	GOLD("abc\n", "abc\r\n.\r\n");
	GOLD("abc\r", "abc\r\n.\r\n");
	GOLD("a\0b", "a\0b\r\n.\r\n");
	GOLD("\0", "\0\r\n.\r\n");
	GOLD("\xff\xfe.\x7f", "\xff\xfe.\x7f\r\n.\r\n");
}

/* A CR at the end of one chunk, resolved by the first byte of the next. */
static void test_held_cr(void)
{
	static const struct { const char *a, *b, *want; } cases[] = {
		{ "a\r", "\nb", "a\r\nb\r\n.\r\n" },
		{ "a\r", "b", "a\r\nb\r\n.\r\n" },
		{ "a\r", ".", "a\r\n..\r\n.\r\n" },
		{ "a\r", "\r", "a\r\n\r\n.\r\n" },
		{ "a\r", "", "a\r\n.\r\n" },
		{ "a\r", "\n", "a\r\n.\r\n" },
		{ "a\r", "\n\n", "a\r\n\r\n.\r\n" },
	};
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		smtp_canon_t c;
		char out[64];
		size_t used, made, o = 0, fin;
		smtp_error_t err;

		smtp_canon_init(&c);
		CHECK_INT(smtp_canon_feed(&c, cases[k].a, strlen(cases[k].a), &used, out, 32, &made, &err), SMTP_OK);
		CHECK_INT(used, strlen(cases[k].a));
		o += made;
		CHECK_INT(smtp_canon_feed(&c, cases[k].b, strlen(cases[k].b), &used, out + o, 32, &made, &err), SMTP_OK);
		CHECK_INT(used, strlen(cases[k].b));
		o += made;
		CHECK_INT(smtp_canon_finish(&c, out + o, SMTP_CANON_FINISH_MAX, &fin, &err), SMTP_OK);
		o += fin;
		CHECK_MEM(out, o, cases[k].want, strlen(cases[k].want));
	}
}

/* Builds n lines of the given lengths (content 'x', or '.' first when dot),
 * each ended by eol; returns the length. */
static size_t make_lines(char *buf, const size_t *lens, size_t n, const char *eol, int dot)
{
	size_t k, o = 0;
	for (k = 0; k < n; k++) {
		memset(buf + o, 'x', lens[k]);
		if (dot && lens[k] > 0) {
			buf[o] = '.';
		}
		o += lens[k];
		memcpy(buf + o, eol, strlen(eol));
		o += strlen(eol);
	}
	return o;
}

static void test_line_limit(void)
{
	static char in[4096], out[OUT_MAX], want[OUT_MAX];
	size_t lens[3], len, olen, wlen;
	smtp_error_t err;
	smtp_rc_t rc;

	/* Exactly 998 octets: allowed, with each kind of line end and unterminated. */
	lens[0] = 998;
	len = make_lines(in, lens, 1, "\r\n", 0);
	rc = canon_once(in, len, out, &olen, &err);
	CHECK_INT(rc, SMTP_OK);
	wlen = make_lines(want, lens, 1, "\r\n", 0);
	memcpy(want + wlen, ".\r\n", 3);
	CHECK_MEM(out, olen, want, wlen + 3);
	CHECK_INT(smtp_canon_check(in, len, &err), SMTP_OK);
	CHECK_INT(canon_once(in, 998, out, &olen, &err), SMTP_OK);
	CHECK_INT(olen, 998 + 5);
	len = make_lines(in, lens, 1, "\r", 0);
	CHECK_INT(canon_once(in, len, out, &olen, &err), SMTP_OK);

	/* 998 octets starting with a dot: 999 on the wire, but the limit counts the
	 * text the receiver restores (RFC 5321 4.5.2). */
	len = make_lines(in, lens, 1, "\n", 1);
	CHECK_INT(canon_once(in, len, out, &olen, &err), SMTP_OK);
	CHECK_INT(olen, 999 + 2 + 3);
	CHECK_MEM(out, 3, "..x", 3);

	/* 999 octets: refused, naming the line, its length and the fix. */
	lens[0] = 999;
	len = make_lines(in, lens, 1, "\r\n", 0);
	smtp_error_clear(&err);
	rc = canon_once(in, len, out, &olen, &err);
	CHECK_INT(rc, SMTP_E_LIMIT);
	CHECK_INT(err.rc, SMTP_E_LIMIT);
	CHECK_INT(err.stage, SMTP_STAGE_DATA);
	CHECK_INT(err.code, 0);
	CHECK_STR(err.message, "line 1 of the message is 999 octets long, but RFC 5321 4.5.3.1.6 "
		"allows at most 998 plus CRLF; encode the body as quoted-printable or base64");
	/* What went out before the refusal is exactly the first 998 octets. */
	CHECK_INT(olen, 998);

	/* The third line is too long; the first two end in bare CR and bare LF. */
	lens[0] = 5;
	lens[1] = 998;
	lens[2] = 1500;
	len = make_lines(in, lens, 2, "\r", 0);
	len += make_lines(in + len, lens + 2, 1, "\n", 0);
	in[6] = '\n';   /* "xxxxx\r\n": one CRLF line end, not two */
	smtp_error_clear(&err);
	CHECK_INT(canon_once(in, len, out, &olen, &err), SMTP_E_LIMIT);
	CHECK_STR(err.message, "line 3 of the message is 1500 octets long, but RFC 5321 4.5.3.1.6 "
		"allows at most 998 plus CRLF; encode the body as quoted-printable or base64");
	smtp_error_clear(&err);
	CHECK_INT(smtp_canon_check(in, len, &err), SMTP_E_LIMIT);
	CHECK_INT(err.stage, SMTP_STAGE_MESSAGE);
	CHECK_STR(err.message, "line 3 of the message is 1500 octets long, but RFC 5321 4.5.3.1.6 "
		"allows at most 998 plus CRLF; encode the body as quoted-printable or base64");

	/* A long line cut by the end of the chunk is "at least" that long. */
	smtp_error_clear(&err);
	CHECK_INT(smtp_canon_check(in, len - 501, &err), SMTP_E_LIMIT);
	CHECK_STR(err.message, "line 3 of the message is at least 1000 octets long, but RFC 5321 "
		"4.5.3.1.6 allows at most 998 plus CRLF; encode the body as quoted-printable or base64");
	CHECK_INT(smtp_canon_check(in, len - 502, &err), SMTP_E_LIMIT);
	CHECK_INT(smtp_canon_check(in, len - 503, &err), SMTP_OK);
}

/* Errors stay: every later call repeats the first one. */
static void test_sticky(void)
{
	static char in[2000];
	smtp_canon_t c;
	char out[4096];
	size_t used, made;
	smtp_error_t err, again;

	memset(in, 'y', sizeof(in));
	smtp_canon_init(&c);
	CHECK_INT(smtp_canon_feed(&c, in, 500, &used, out, sizeof(out), &made, &err), SMTP_OK);
	CHECK_INT(used, 500);
	CHECK_INT(smtp_canon_feed(&c, in, 600, &used, out, sizeof(out), &made, &err), SMTP_E_LIMIT);
	CHECK_INT(used, 498);
	CHECK_INT(made, 498);
	CHECK_INT(smtp_canon_feed(&c, "\r\nok", 4, &used, out, sizeof(out), &made, &again), SMTP_E_LIMIT);
	CHECK_INT(used, 0);
	CHECK_INT(made, 0);
	CHECK_STR(again.message, err.message);
	CHECK_STR(err.message, "line 1 of the message is at least 1100 octets long, but RFC 5321 "
		"4.5.3.1.6 allows at most 998 plus CRLF; encode the body as quoted-printable or base64");
	CHECK_INT(smtp_canon_finish(&c, out, sizeof(out), &made, &again), SMTP_E_LIMIT);
	CHECK_INT(made, 0);
	CHECK_INT(again.stage, SMTP_STAGE_DATA);

	/* After the end mark nothing more goes out. */
	smtp_canon_init(&c);
	CHECK_INT(smtp_canon_feed(&c, "hi", 2, &used, out, sizeof(out), &made, &err), SMTP_OK);
	CHECK_INT(smtp_canon_finish(&c, out, sizeof(out), &made, &err), SMTP_OK);
	CHECK_MEM(out, made, "\r\n.\r\n", 5);
	CHECK_INT(smtp_canon_feed(&c, "x", 1, &used, out, sizeof(out), &made, &err), SMTP_E_STATE);
	CHECK_INT(used, 0);
	CHECK_INT(made, 0);
	CHECK_INT(smtp_canon_finish(&c, out, sizeof(out), &made, &err), SMTP_E_STATE);
	CHECK_INT(made, 0);

	/* The scanner's errors stick as well. */
	smtp_canon_init(&c);
	CHECK_INT(smtp_canon_scan(&c, in, 1000, &err), SMTP_E_LIMIT);
	CHECK_INT(smtp_canon_scan(&c, "\n", 1, &again), SMTP_E_LIMIT);
	CHECK_STR(again.message, err.message);
	CHECK_INT(again.stage, SMTP_STAGE_MESSAGE);
}

static void test_misuse(void)
{
	smtp_canon_t c;
	char out[16];
	size_t used, made;
	smtp_error_t err;

	/* No room at all: refused without harm to the stream. */
	smtp_canon_init(&c);
	CHECK_INT(smtp_canon_feed(&c, "ab", 2, &used, out, 0, &made, &err), SMTP_E_ARG);
	CHECK_INT(used, 0);
	CHECK_INT(smtp_canon_feed(&c, "", 0, &used, out, 0, &made, &err), SMTP_OK);
	CHECK_INT(smtp_canon_feed(&c, "ab", 2, &used, out, sizeof(out), &made, &err), SMTP_OK);
	CHECK_MEM(out, made, "ab", 2);

	/* finish needs its 5 octets; refusing them is not sticky. */
	CHECK_INT(smtp_canon_finish(&c, out, SMTP_CANON_FINISH_MAX - 1, &made, &err), SMTP_E_ARG);
	CHECK_INT(made, 0);
	CHECK_INT(smtp_canon_finish(&c, out, SMTP_CANON_FINISH_MAX, &made, &err), SMTP_OK);
	CHECK_MEM(out, made, "\r\n.\r\n", 5);

	/* Ending after the added dot but before the dot itself would put ".\r\n"
	 * on the wire early: refused. */
	smtp_canon_init(&c);
	CHECK_INT(smtp_canon_feed(&c, ".", 1, &used, out, 1, &made, &err), SMTP_OK);
	CHECK_INT(used, 0);
	CHECK_MEM(out, made, ".", 1);
	CHECK_INT(smtp_canon_finish(&c, out, sizeof(out), &made, &err), SMTP_E_STATE);
	CHECK_INT(made, 0);

	/* A LF whose CR went out with no room for its LF: finish completes it. */
	smtp_canon_init(&c);
	CHECK_INT(smtp_canon_feed(&c, "a\r", 2, &used, out, 2, &made, &err), SMTP_OK);
	CHECK_INT(used, 2);
	CHECK_MEM(out, made, "a\r", 2);
	CHECK_INT(smtp_canon_finish(&c, out, SMTP_CANON_FINISH_MAX, &made, &err), SMTP_OK);
	CHECK_MEM(out, made, "\n.\r\n", 4);
}

static void test_counters(void)
{
	smtp_canon_t c;
	char out[64];
	size_t used, made;
	smtp_error_t err;

	smtp_canon_init(&c);
	CHECK_INT(smtp_canon_feed(&c, ".a\nb", 4, &used, out, sizeof(out), &made, &err), SMTP_OK);
	CHECK_INT(c.in_bytes, 4);
	CHECK_INT(c.out_bytes, 6);
	CHECK_INT(smtp_canon_finish(&c, out, sizeof(out), &made, &err), SMTP_OK);
	CHECK_INT(c.out_bytes, 11);
}

/* An independent, byte-at-a-time model of the rules, for random inputs. */
static size_t model(const char *in, size_t len, char *out)
{
	size_t i, o = 0;
	int bol = 1;

	for (i = 0; i < len; i++) {
		if (in[i] == '\r' || in[i] == '\n') {
			if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n') {
				i++;
			}
			out[o++] = '\r';
			out[o++] = '\n';
			bol = 1;
			continue;
		}
		if (bol && in[i] == '.') {
			out[o++] = '.';
		}
		bol = 0;
		out[o++] = in[i];
	}
	if (!bol) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	memcpy(out + o, ".\r\n", 3);
	return o + 3;
}

static unsigned long rng_state = 12345;
static unsigned rng(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)((rng_state >> 33) % n);
}

static void test_random(void)
{
	static const char alpha[] = { 'a', '.', '\r', '\n', '\0', ' ' };
	char in[40], out[OUT_MAX], want[OUT_MAX];
	int round, bad = 0;

	for (round = 0; round < 3000; round++) {
		size_t len = rng(sizeof(in) + 1), k, olen, wlen, cuts[3];
		smtp_error_t err;
		smtp_rc_t rc;

		for (k = 0; k < len; k++) {
			in[k] = alpha[rng(sizeof(alpha))];
		}
		for (k = 0; k < 3; k++) {
			cuts[k] = rng((unsigned)len + 1);
		}
		if (cuts[0] > cuts[1]) { size_t t = cuts[0]; cuts[0] = cuts[1]; cuts[1] = t; }
		if (cuts[1] > cuts[2]) { size_t t = cuts[1]; cuts[1] = cuts[2]; cuts[2] = t; }
		if (cuts[0] > cuts[1]) { size_t t = cuts[0]; cuts[0] = cuts[1]; cuts[1] = t; }
		wlen = model(in, len, want);
		rc = canon_pieces(in, len, cuts, 3, 1 + rng(4), out, &olen, &err);
		if (rc != SMTP_OK || olen != wlen || memcmp(out, want, wlen) != 0) {
			if (bad++ == 0) {
				CHECK_MEM(out, olen, want, wlen);
			}
		}
	}
	CHECK_INT(bad, 0);
}

/* True when both messages name the same line ("line N of ..."). */
static int same_line(const char *a, const char *b)
{
	const char *ea = strstr(a, " is "), *eb = strstr(b, " is ");
	return ea != NULL && eb != NULL && ea - a == eb - b && memcmp(a, b, (size_t)(ea - a)) == 0;
}

/* check and scan agree with feed on which line is too long and how long. */
static void test_check_agrees(void)
{
	static const char *eols[] = { "\r\n", "\n", "\r", "\n\r" };
	static char in[8192];
	size_t e, a, b;

	for (e = 0; e < 4; e++) {
		for (a = 996; a <= 1000; a++) {
			for (b = 0; b <= 1001; b += (b < 990 ? 330 : 1)) {
				size_t lens[3] = { 10, a, b };
				size_t len = make_lines(in, lens, 3, eols[e], (a & 1) != 0);
				smtp_canon_t c;
				char out[OUT_MAX];
				size_t olen, half = len / 2;
				smtp_error_t fe, ce, se;
				smtp_rc_t frc, crc, src;

				smtp_error_clear(&fe);
				smtp_error_clear(&ce);
				smtp_error_clear(&se);
				frc = canon_once(in, len, out, &olen, &fe);
				crc = smtp_canon_check(in, len, &ce);
				smtp_canon_init(&c);
				src = smtp_canon_scan(&c, in, half, &se);
				if (src == SMTP_OK) {
					src = smtp_canon_scan(&c, in + half, len - half, &se);
				}
				CHECK_INT(crc, frc);
				CHECK_INT(src, frc);
				CHECK_INT(frc, (a > 998 || b > 998) ? SMTP_E_LIMIT : SMTP_OK);
				if (frc != SMTP_OK) {
					CHECK_STR(ce.message, fe.message);
					CHECK_INT(ce.stage, SMTP_STAGE_MESSAGE);
					CHECK_INT(fe.stage, SMTP_STAGE_DATA);
				}
				if (src != SMTP_OK) {
					/* Cut in two, the line may measure "at least" less: same line. */
					CHECK(same_line(se.message, ce.message));
				}
			}
		}
	}
}

/* Not a timed assertion: canonicalises 30 MB to show the streaming use. */
static void test_large(void)
{
	size_t len = 30u * 1024 * 1024, k, o, total = 0, pos = 0;
	char *in = malloc(len), *out = malloc(65536);
	smtp_canon_t c;
	smtp_error_t err;

	if (in == NULL || out == NULL) {
		free(in);
		free(out);
		CHECK(0);
		return;
	}
	for (k = 0; k < len; k++) {
		in[k] = (k % 78 == 76) ? '\r' : (k % 78 == 77) ? '\n' : (k % 78 == 0) ? '.' : 'm';
	}
	smtp_canon_init(&c);
	while (pos < len) {
		size_t used;
		if (smtp_canon_feed(&c, in + pos, len - pos, &used, out, 65536, &o, &err) != SMTP_OK) {
			break;
		}
		pos += used;
		total += o;
	}
	CHECK_INT(pos, len);
	CHECK_INT(smtp_canon_finish(&c, out, 65536, &o, &err), SMTP_OK);
	total += o;
	/* One added dot per line; an unterminated last line gets CRLF, one ended
	 * by a bare CR gets its LF; then ".\r\n". */
	k = len % 78;
	CHECK_INT(total, len + (len + 77) / 78 + (k == 0 ? 0 : k == 77 ? 1 : 2) + 3);
	CHECK_INT(smtp_canon_check(in, len, &err), SMTP_OK);
	free(in);
	free(out);
}

/* scanned(text) gives the size RFC 1870 counts and the 8-bit flag, scanned whole and in two pieces. */
static void size_case(int line, const char *text, size_t len, uint64_t want_size, bool want_8bit)
{
	size_t cut;

	for (cut = 0; cut <= len; cut++) {
		smtp_canon_t c;
		smtp_canon_init(&c);
		CHECK_INT(smtp_canon_scan(&c, text, cut, NULL), SMTP_OK);
		CHECK_INT(smtp_canon_scan(&c, text + cut, len - cut, NULL), SMTP_OK);
		if (smtp_canon_size(&c) != want_size || smtp_canon_has_8bit(&c) != want_8bit) {
			CHECK_INT(smtp_canon_size(&c), want_size);
			CHECK_INT(smtp_canon_has_8bit(&c), want_8bit);
			fprintf(stderr, "  line %d, cut at %zu\n", line, cut);
			return;
		}
	}
	check_passed++;
}

#define SIZE_CASE(text, size, eight) size_case(__LINE__, text, sizeof(text) - 1, size, eight)

/* RFC 1870 3: SIZE counts CRLF line ends, not the dot-stuffing or the end mark. */
static void test_scan_size(void)
{
	SIZE_CASE("", 0, false);
	SIZE_CASE("a", 3, false);
	SIZE_CASE("a\nb", 6, false);
	SIZE_CASE("a\r\nb\r\n", 6, false);
	SIZE_CASE("a\rb\r", 6, false);
	SIZE_CASE("\n\n", 4, false);
	SIZE_CASE(".x\n..\n", 8, false);
	SIZE_CASE("Subject: x\r\n\r\nJ\xc3\xb6rg", 21, true);
	SIZE_CASE("caf\xe9\n", 6, true);
	SIZE_CASE("\x7f\n", 3, false);
}

int main(void)
{
	test_line_ends();
	test_scan_size();
	test_smuggling();
	test_dots();
	test_ends();
	test_held_cr();
	test_line_limit();
	test_sticky();
	test_misuse();
	test_counters();
	test_random();
	test_check_agrees();
	test_large();
	return check_report("canon");
}
