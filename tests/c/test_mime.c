/* test_mime.c: the MIME re-encoder: what is re-encoded, what is refused, and
 * decode(encode(x)) == x with no output line over 998 octets, checked with a
 * quoted-printable decoder written apart from the module (qp_decode.h, shared
 * with tests/fuzz/fuzz_mime.c). */
#include "check.h"
#include "qp_decode.h"
#include "smtp_canon.h"
#include "smtp_mime.h"

#include <stdbool.h>
#include <stdlib.h>

#define BIG (1 << 20)

static char out[BIG], dec[BIG], want[BIG];

#define CHECK_OUT(lit) CHECK_MEM(out, olen, lit, sizeof(lit) - 1)

/* Scans msg cut in two pieces at cut, then streams it in chunks of `chunk`
 * octets into output buffers of `cap`. Returns the scan's or the feed's code. */
static smtp_rc_t run(const char *msg, size_t len, size_t cut, bool declare, bool relay8, size_t chunk,
                     size_t cap, size_t *olen, smtp_mime_plan_t *plan, smtp_error_t *err)
{
	smtp_mime_piece_t pieces[2];
	smtp_mime_enc_t e;
	size_t pos = 0, o = 0, made;
	smtp_rc_t rc;

	if (cut > len) {
		cut = len;
	}
	pieces[0].data = msg;
	pieces[0].len = cut;
	pieces[1].data = msg + cut;
	pieces[1].len = len - cut;
	smtp_mime_plan_init(plan);
	rc = smtp_mime_scan(plan, pieces, 2, declare, err);
	*olen = 0;
	if (rc != SMTP_OK) {
		return rc;
	}
	smtp_mime_enc_init(&e, plan, relay8);
	while (pos < len) {
		size_t n = len - pos < chunk ? len - pos : chunk, used;
		if (o + cap > BIG) {
			return SMTP_E_INTERNAL;
		}
		rc = smtp_mime_feed(&e, msg + pos, n, &used, out + o, cap, &made, err);
		if (rc != SMTP_OK) {
			return rc;
		}
		if (used == 0 && made == 0) {
			return SMTP_E_INTERNAL; /* no progress */
		}
		pos += used;
		o += made;
	}
	do {
		if (o + cap > BIG) {
			return SMTP_E_INTERNAL;
		}
		rc = smtp_mime_finish(&e, out + o, cap, &made, err);
		o += made;
	} while (rc == SMTP_OK && made > 0);
	*olen = o;
	return rc;
}

/* Longest line of p[0..n) (any line end). */
static size_t longest(const char *p, size_t n)
{
	size_t i, cur = 0, max = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\r' || p[i] == '\n') {
			cur = 0;
		} else if (++cur > max) {
			max = cur;
		}
	}
	return max;
}

/* The part content of a (head, body) split output: decoded when the head says
 * quoted-printable. Returns the decoded length or -1. */
static long part_content(const char *part, size_t n, char *d, bool *was_qp)
{
	const char *sep = find(part, n, "\r\n\r\n");
	size_t h;

	if (n >= 2 && part[0] == '\r' && part[1] == '\n') {
		h = 2; /* an empty header */
	} else if (sep == NULL) {
		return -1;
	} else {
		h = (size_t)(sep - part) + 4;
	}
	*was_qp = find(part, h, "Content-Transfer-Encoding: quoted-printable\r\n") != NULL;
	if (*was_qp) {
		return qp_decode(part + h, n - h, d);
	}
	memcpy(d, part + h, n - h);
	return (long)(n - h);
}

static void test_single_long_line(void)
{
	static char msg[8000];
	smtp_mime_plan_t plan;
	smtp_error_t err;
	size_t n, olen, w;
	long d;
	bool qp;

	n = (size_t)snprintf(msg, sizeof(msg), "Subject: x\r\nFrom: a@b.example\r\n\r\n<html>");
	memset(msg + n, 'a', 5000);
	n += 5000;
	memcpy(msg + n, " = end.\r\nsecond line \r\n", 23);
	n += 23;
	CHECK_INT(run(msg, n, 10, false, true, 7, 5, &olen, &plan, &err), SMTP_OK);
	CHECK(plan.long_lines);
	CHECK(smtp_mime_changes(&plan, true));
	CHECK(!smtp_mime_sends_8bit(&plan, false));
	CHECK(find(out, olen, "From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n") != NULL);
	/* No charset is named for ASCII: RFC 2045's default is right. */
	CHECK(find(out, olen, "Content-Type") == NULL);
	CHECK(longest(out, olen) <= SMTP_QP_LINE_MAX);
	d = part_content(out, olen, dec, &qp);
	w = crlf(msg + 33, n - 33, want);
	CHECK(qp);
	CHECK_MEM(dec, d < 0 ? 0 : (size_t)d, want, w);
	/* Trailing white space is encoded, "=" too. */
	CHECK(find(out, olen, "=3D end.\r\nsecond line=20\r\n") != NULL);
	smtp_mime_plan_destroy(&plan);
}

static void test_8bit(void)
{
	static const char utf8[] = "Subject: x\r\n\r\nGr\xc3\xbc\xc3\x9f" "e\r\n";
	static const char latin1[] = "Subject: x\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n"
	                             "Content-Transfer-Encoding: 8bit\r\n\r\nGr\xfc\xdf" "e \xe0 vous\r\n";
	smtp_mime_plan_t plan;
	smtp_error_t err;
	size_t olen;

	/* A relay with 8BITMIME takes it as it is, and must be told (BODY=8BITMIME). */
	CHECK_INT(run(utf8, sizeof(utf8) - 1, 3, false, true, 4096, 4096, &olen, &plan, &err), SMTP_OK);
	CHECK(!smtp_mime_changes(&plan, true));
	CHECK(smtp_mime_sends_8bit(&plan, true));
	CHECK_MEM(out, olen, utf8, sizeof(utf8) - 1);
	smtp_mime_plan_destroy(&plan);
	/* Without it: quoted-printable, and UTF-8 is named since it is known. */
	CHECK_INT(run(utf8, sizeof(utf8) - 1, 3, false, false, 1, 1, &olen, &plan, &err), SMTP_OK);
	CHECK(smtp_mime_changes(&plan, false));
	CHECK(!smtp_mime_sends_8bit(&plan, false));
	CHECK_OUT("Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
	          "Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n");
	smtp_mime_plan_destroy(&plan);
	/* Latin-1 declared 8bit: the field is replaced, the charset kept. */
	CHECK_INT(run(latin1, sizeof(latin1) - 1, 50, false, false, 3, 2, &olen, &plan, &err), SMTP_OK);
	CHECK_OUT("Subject: x\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n"
	          "MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe =E0 vous\r\n");
	smtp_mime_plan_destroy(&plan);
}

static void test_declare(void)
{
	static const char ascii[] = "To: a@b.example\r\n\r\nhello\r\n";
	static const char eight[] = "To: a@b.example\r\n\r\nh\xc3\xa9llo\r\n";
	smtp_mime_plan_t plan;
	smtp_error_t err;
	size_t olen;

	CHECK_INT(run(ascii, sizeof(ascii) - 1, 0, true, false, 4096, 4096, &olen, &plan, &err), SMTP_OK);
	CHECK_OUT("To: a@b.example\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: 7bit\r\n\r\nhello\r\n");
	smtp_mime_plan_destroy(&plan);
	CHECK_INT(run(eight, sizeof(eight) - 1, 0, true, true, 4096, 4096, &olen, &plan, &err), SMTP_OK);
	CHECK(smtp_mime_sends_8bit(&plan, true));
	CHECK_OUT("To: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
	          "Content-Transfer-Encoding: 8bit\r\n\r\nh\xc3\xa9llo\r\n");
	smtp_mime_plan_destroy(&plan);
	/* mail() does not declare what it does not change. */
	CHECK_INT(run(ascii, sizeof(ascii) - 1, 0, false, false, 4096, 4096, &olen, &plan, &err), SMTP_OK);
	CHECK(!smtp_mime_changes(&plan, false));
	CHECK_INT(plan.count, 0);
	smtp_mime_plan_destroy(&plan);
}

/* A nested multipart: only the long HTML part is re-encoded, the rest is
 * passed byte for byte, and a boundary inside the long line stays harmless. */
static void test_multipart(void)
{
	static char msg[20000];
	static const char *bodies[3];
	smtp_mime_plan_t plan;
	smtp_error_t err;
	size_t n = 0, olen, k;
	char html[6000];
	const char *p, *end;
	int parts = 0;

	memcpy(html, "<p>", 3);
	for (k = 3; k < 5000; k++) {
		html[k] = (char)('a' + k % 26);
	}
	/* "--inner" and "--outer" inside the long line, where soft breaks may fall. */
	for (k = 60; k < 4900; k += 73) {
		memcpy(html + k, "--outer--", 9);
	}
	html[5000] = '\0';
	bodies[0] = "plain text\r\n.with a dot\r\n";
	bodies[1] = html;
	bodies[2] = "attachment";
	n += (size_t)snprintf(msg + n, sizeof(msg) - n,
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed;\r\n boundary=\"outer\"\r\n\r\npreamble\r\n"
		"--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
		"--inner\r\nContent-Type: text/plain\r\n\r\n%s\r\n"
		"--inner\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: 7bit\r\n\r\n%s\r\n"
		"--inner--\r\n"
		"--outer\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n"
		"--outer--\r\nepilogue\r\n", bodies[0], bodies[1], bodies[2]);
	CHECK_INT(run(msg, n, 100, false, true, 33, 17, &olen, &plan, &err), SMTP_OK);
	CHECK_INT(plan.count, 1);
	CHECK(longest(out, olen) <= 76);
	CHECK(find(out, olen, "Content-Transfer-Encoding: 7bit") == NULL);
	/* Each delimiter line is still there once, and nothing else looks like one. */
	for (p = out, end = out + olen; (p = find(p, (size_t)(end - p), "\r\n--")) != NULL; p += 4) {
		const char *eol = find(p + 2, (size_t)(end - p - 2), "\r\n");
		parts++;
		CHECK(eol != NULL && (eol - p - 2 == 7 || eol - p - 2 == 9));
	}
	CHECK_INT(parts, 6);
	/* The parts decode to what was written. */
	for (k = 0; k < 3; k++) {
		static const char *const delim[3] = { "--inner\r\nContent-Type: text/plain", "--inner\r\nContent-Type: text/html",
		                                      "--outer\r\nContent-Type: application" };
		const char *start = find(out, olen, delim[k]);
		const char *stop;
		long d;
		bool qp;
		CHECK(start != NULL);
		if (start == NULL) {
			continue;
		}
		stop = find(start + 5, (size_t)(out + olen - start - 5), "\r\n--");
		d = part_content(start, (size_t)(stop - start), dec, &qp);
		CHECK(qp == (k == 1));
		CHECK_MEM(dec, d < 0 ? 0 : (size_t)d, bodies[k], strlen(bodies[k]));
	}
	smtp_mime_plan_destroy(&plan);
}

static void test_refused(void)
{
	static char msg[4000];
	smtp_mime_plan_t plan;
	smtp_error_t err;
	size_t n, olen;

	/* DKIM: never altered, the old error names the line and why. */
	n = (size_t)snprintf(msg, sizeof(msg), "DKIM-Signature: v=1; a=rsa-sha256\r\nSubject: x\r\n\r\nline 4\r\n");
	memset(msg + n, 'x', 1500);
	n += 1500;
	CHECK_INT(run(msg, n, 5, false, true, 99, 99, &olen, &plan, &err), SMTP_E_LIMIT);
	CHECK(strstr(err.message, "line 5 of the message is 1500 octets long") != NULL);
	CHECK(strstr(err.message, "DKIM-Signature") != NULL);
	/* ... nor for 8-bit content to a relay without 8BITMIME. */
	memcpy(msg + n - 1500, "caf\xc3\xa9\r\n", 7);
	CHECK_INT(run(msg, n - 1493, 5, false, false, 99, 99, &olen, &plan, &err), SMTP_OK);
	CHECK(!smtp_mime_changes(&plan, false));
	CHECK(smtp_mime_sends_8bit(&plan, false));
	CHECK_MEM(out, olen, msg, n - 1493);
	smtp_mime_plan_destroy(&plan);
	/* A part that declares its own encoding is left alone. */
	n = (size_t)snprintf(msg, sizeof(msg), "Content-Transfer-Encoding: base64\r\n\r\n");
	memset(msg + n, 'Q', 1000);
	n += 1000;
	CHECK_INT(run(msg, n, 5, false, true, 99, 99, &olen, &plan, &err), SMTP_E_LIMIT);
	CHECK(strstr(err.message, "line 3 of the message is 1000 octets long") != NULL);
	CHECK(strstr(err.message, "declares a Content-Transfer-Encoding of its own") != NULL);
	/* A message/rfc822 part may not be encoded (RFC 2046 5.2.1). */
	n = (size_t)snprintf(msg, sizeof(msg), "Content-Type: message/rfc822\r\n\r\nSubject: y\r\n\r\n");
	memset(msg + n, 'Q', 1000);
	n += 1000;
	CHECK_INT(run(msg, n, 5, false, true, 99, 99, &olen, &plan, &err), SMTP_E_LIMIT);
	CHECK(strstr(err.message, "RFC 2046 5.2.1") != NULL);
	/* A header line: the error names the field, not "the message" or the body. */
	n = (size_t)snprintf(msg, sizeof(msg), "Subject: x\r\nX-Long: ");
	memset(msg + n, 'h', 1000);
	n += 1000;
	memcpy(msg + n, "\r\n\r\nbody\r\n", 10);
	n += 10;
	CHECK_INT(run(msg, n, 5, false, true, 99, 99, &olen, &plan, &err), SMTP_E_LIMIT);
	CHECK(strstr(err.message, "header field 'X-Long' has a line of 1008 octets (line 2 of the message)") != NULL);
	CHECK(strstr(err.message, "encode the body") == NULL);
	/* The preamble of a multipart cannot be re-encoded. */
	n = (size_t)snprintf(msg, sizeof(msg), "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
	memset(msg + n, 'p', 1000);
	n += 1000;
	CHECK_INT(run(msg, n, 5, false, true, 99, 99, &olen, &plan, &err), SMTP_E_LIMIT);
	CHECK(strstr(err.message, "preamble") != NULL);
	smtp_mime_plan_destroy(&plan);
}

static void test_misuse(void)
{
	static const char msg[] = "Subject: x\r\n\r\nhello\r\n";
	smtp_mime_piece_t piece = { msg, 10 };
	smtp_mime_plan_t plan;
	smtp_mime_enc_t e;
	smtp_error_t err;
	size_t used, made;
	char buf[64];

	smtp_mime_plan_init(&plan);
	CHECK_INT(smtp_mime_scan(&plan, &piece, 1, false, &err), SMTP_OK);
	smtp_mime_enc_init(&e, &plan, true);
	CHECK_INT(smtp_mime_feed(&e, msg, 10, &used, buf, 0, &made, &err), SMTP_E_ARG);
	/* More than was scanned: refused, and the refusal sticks. */
	CHECK_INT(smtp_mime_feed(&e, msg, sizeof(msg) - 1, &used, buf, sizeof(buf), &made, &err), SMTP_E_STATE);
	CHECK_INT(smtp_mime_feed(&e, msg, 1, &used, buf, sizeof(buf), &made, &err), SMTP_E_STATE);
	smtp_mime_enc_init(&e, &plan, true);
	CHECK_INT(smtp_mime_finish(&e, buf, sizeof(buf), &made, &err), SMTP_E_STATE);
	smtp_mime_plan_destroy(&plan);
	smtp_mime_plan_destroy(&plan);
}

static unsigned long rnd_state = 12345;
static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((rnd_state >> 33) % n);
}

/* Random text: long runs, spaces before line ends, "=", 8-bit, controls,
 * every kind of line end, "-" and "." where lines start. */
static size_t random_text(char *p, size_t max)
{
	static const char pick[] = " \t=-.aZ\r\n\x80\xff\x01";
	size_t n = rnd(2) ? rnd(3000) : rnd(60), i;

	if (n > max) {
		n = max;
	}
	for (i = 0; i < n; i++) {
		unsigned r = rnd(10);
		if (r < 6) {
			p[i] = (char)('a' + rnd(26));
		} else if (r < 9) {
			p[i] = pick[rnd(sizeof(pick) - 1)];
		} else {
			p[i] = (char)rnd(256);
		}
		if (rnd(300) == 0) {
			size_t run = rnd(2000);
			memset(p + i, 'L', run < n - i ? run : n - i);
			i += (run < n - i ? run : n - i);
			i--;
		}
	}
	return n;
}

static void test_random(void)
{
	static char msg[40000], body[2][12000];
	int round;

	for (round = 0; round < 1500; round++) {
		smtp_mime_plan_t plan;
		smtp_error_t err;
		size_t n, olen, blen[2], k, w;
		bool relay8 = rnd(2), multi = rnd(2), declare = rnd(2);
		smtp_rc_t rc;

		for (k = 0; k < 2; k++) {
			blen[k] = random_text(body[k], sizeof(body[k]) - 1);
			/* A line that is the boundary would end the part: not content. */
			for (size_t i = 0; i + 4 <= blen[k]; i++) {
				if (memcmp(body[k] + i, "--zz", 4) == 0) {
					body[k][i] = 'x';
				}
			}
		}
		if (multi) {
			n = (size_t)snprintf(msg, sizeof(msg), "Subject: r\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
			                     "--zz\r\nContent-Type: text/plain\r\n\r\n");
			memcpy(msg + n, body[0], blen[0]);
			n += blen[0];
			memcpy(msg + n, "\r\n--zz\r\n\r\n", 10);
			n += 10;
			memcpy(msg + n, body[1], blen[1]);
			n += blen[1];
			memcpy(msg + n, "\r\n--zz--\r\n", 10);
			n += 10;
		} else {
			n = (size_t)snprintf(msg, sizeof(msg), "Subject: r\r\n\r\n");
			memcpy(msg + n, body[0], blen[0]);
			n += blen[0];
		}
		rc = run(msg, n, rnd((unsigned)n + 1), declare, relay8, 1 + rnd(200), 1 + rnd(100), &olen, &plan, &err);
		CHECK_INT(rc, SMTP_OK);
		if (rc != SMTP_OK) {
			fprintf(stderr, "  round %d: %s\n", round, err.message);
			continue;
		}
		/* Nothing the canonicaliser would refuse. */
		CHECK(longest(out, olen) <= SMTP_TEXT_LINE_MAX);
		if (!relay8 && !smtp_mime_sends_8bit(&plan, false)) {
			for (k = 0; k < olen; k++) {
				if ((unsigned char)out[k] >= 0x80) {
					break;
				}
			}
			CHECK(k == olen);
		}
		if (!multi) {
			bool qp;
			long d = part_content(out, olen, dec, &qp);
			w = crlf(body[0], blen[0], want);
			if (!qp) {
				/* Sent as is: the canonicaliser makes its line ends CRLF. */
				d = (long)crlf(dec, d < 0 ? 0 : (size_t)d, dec + BIG / 2);
				memmove(dec, dec + BIG / 2, (size_t)d);
			}
			CHECK_MEM(dec, d < 0 ? 0 : (size_t)d, want, w);
		} else {
			const char *a = find(out, olen, "--zz\r\n");
			const char *b = a != NULL ? find(a + 6, (size_t)(out + olen - a - 6), "\r\n--zz\r\n") : NULL;
			const char *c = b != NULL ? find(b + 8, (size_t)(out + olen - b - 8), "\r\n--zz--\r\n") : NULL;
			CHECK(c != NULL);
			if (c != NULL) {
				for (k = 0; k < 2; k++) {
					const char *from = k == 0 ? a + 6 : b + 8, *to = k == 0 ? b : c;
					bool qp;
					long d = part_content(from, (size_t)(to - from), dec, &qp);
					w = crlf(body[k], blen[k], want);
					if (!qp) {
						d = (long)crlf(dec, d < 0 ? 0 : (size_t)d, dec + BIG / 2);
						memmove(dec, dec + BIG / 2, (size_t)d);
					}
					CHECK_MEM(dec, d < 0 ? 0 : (size_t)d, want, w);
					if (d < 0) {
						fprintf(stderr, "  part %zu: ", k);
						check_escaped_(stderr, from, (size_t)(to - from));
						fputs("\n", stderr);
					}
				}
			}
		}
		smtp_mime_plan_destroy(&plan);
	}
}

/* Many tiny 8-bit parts: the plan stops growing at SMTP_MIME_PARTS_MAX, the
 * rest go out as they are; past it a long line is an error, not memory. */
static void test_many_parts(void)
{
	size_t cap = 32 * (SMTP_MIME_PARTS_MAX + 10) + 4000, n = 0, i, olen;
	char *msg = malloc(cap);
	smtp_mime_plan_t plan;
	smtp_error_t err;

	n += (size_t)snprintf(msg, cap, "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
	for (i = 0; i < SMTP_MIME_PARTS_MAX + 5; i++) {
		memcpy(msg + n, "--b\r\n\r\n\xe9\r\n", 10);
		n += 10;
	}
	memcpy(msg + n, "--b--\r\n", 7);
	CHECK_INT(run(msg, n + 7, 0, false, false, 1 << 20, 4096, &olen, &plan, &err), SMTP_OK);
	CHECK_INT(plan.count, SMTP_MIME_PARTS_MAX);
	CHECK(smtp_mime_sends_8bit(&plan, false));
	smtp_mime_plan_destroy(&plan);
	memcpy(msg + n, "--b\r\n\r\n", 7);
	memset(msg + n + 7, 'x', 1000);
	CHECK_INT(run(msg, n + 1007, 0, false, false, 1 << 20, 4096, &olen, &plan, &err), SMTP_E_LIMIT);
	CHECK(strstr(err.message, "more than 10000 MIME parts") != NULL);
	free(msg);
}

int main(void)
{
	test_single_long_line();
	test_8bit();
	test_declare();
	test_multipart();
	test_refused();
	test_misuse();
	test_many_parts();
	test_random();
	return check_report("mime");
}
