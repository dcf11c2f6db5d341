/*
 * fuzz_mime.c: libFuzzer target for the MIME re-encoder (smtp_mime.c).
 *
 * Input: 4 bytes seed the chunk sizes and output capacities, 1 byte of flags
 * (raw or structured message, relay with 8BITMIME or not, smtp_send()'s
 * declare mode, where the message is cut into two pieces), the rest is text.
 * Raw: the text is the whole message. Structured: it becomes the bodies of a
 * single-part message or of a two-part multipart (boundary "zz").
 * Invariants checked on every input:
 *   - the scan fails only with SMTP_E_LIMIT or SMTP_E_NOMEM; a plan it makes
 *     streams through feed/finish without error, every call making progress;
 *   - no line of the output is over 998 octets (any line end counted);
 *   - without 8BITMIME, when the plan says the data is 7-bit, no octet of the
 *     output is over 127;
 *   - structured: each part's content, decoded with the test-only
 *     quoted-printable decoder of tests/c/qp_decode.h (strict: an encoding
 *     fault traps) when the part says quoted-printable, is the input
 *     with every line end made CRLF (what the canonicaliser sends anyway).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_mime.h"

#include "fuzz_check.h"
#include "../c/qp_decode.h"

/* A part (header, empty line, content) decodes to the CRLF form of want. */
static void check_part(const char *part, size_t n, const char *want, size_t wlen, char *tmp, char *tmp2)
{
	const char *sep = find(part, n, "\r\n\r\n");
	long d;
	size_t w;
	size_t h;

	if (n >= 2 && part[0] == '\r' && part[1] == '\n') {
		h = 2;
	} else {
		REQUIRE(sep != NULL);
		h = (size_t)(sep - part) + 4;
	}
	if (find(part, h, "Content-Transfer-Encoding: quoted-printable\r\n") != NULL) {
		d = qp_decode(part + h, n - h, tmp);
	} else {
		d = (long)crlf(part + h, n - h, tmp);
	}
	w = crlf(want, wlen, tmp2);
	REQUIRE(d >= 0 && (size_t)d == w && memcmp(tmp, tmp2, w) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t seed = 0x9e3779b9u;
	unsigned flags = 0;
	bool raw, relay8, declare, multi;
	char *msg, *out, *tmp, *tmp2, *body;
	size_t len = 0, cap_out, o = 0, pos = 0, i, split = 0;
	smtp_mime_plan_t plan;
	smtp_mime_piece_t pieces[2];
	smtp_mime_enc_t e;
	smtp_error_t err;
	smtp_rc_t rc;

	if (size >= 5) {
		memcpy(&seed, data, 4);
		seed |= 1;
		flags = data[4];
		data += 5;
		size -= 5;
	}
	raw = flags & 1;
	relay8 = flags & 2;
	declare = flags & 4;
	multi = flags & 8;
	msg = malloc(size + 200);
	body = malloc(size + 1);
	REQUIRE(msg != NULL && body != NULL);
	memcpy(body, data, size);
	if (raw) {
		memcpy(msg, body, size);
		len = size;
	} else {
		static const char h1[] = "Subject: f\r\n\r\n";
		static const char m1[] = "Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n\r\n";
		static const char m2[] = "\r\n--zz\r\nContent-Type: text/plain\r\n\r\n";
		static const char m3[] = "\r\n--zz--\r\n";
		/* Content that is a delimiter line would end the part: not content. */
		for (i = 0; i + 4 <= size; i++) {
			if (memcmp(body + i, "--zz", 4) == 0) {
				body[i] = 'x';
			}
		}
		if (!multi) {
			memcpy(msg, h1, sizeof(h1) - 1);
			len = sizeof(h1) - 1;
			memcpy(msg + len, body, size);
			len += size;
		} else {
			split = size / 2;
			memcpy(msg, m1, sizeof(m1) - 1);
			len = sizeof(m1) - 1;
			memcpy(msg + len, body, split);
			len += split;
			memcpy(msg + len, m2, sizeof(m2) - 1);
			len += sizeof(m2) - 1;
			memcpy(msg + len, body + split, size - split);
			len += size - split;
			memcpy(msg + len, m3, sizeof(m3) - 1);
			len += sizeof(m3) - 1;
		}
	}
	pieces[0].data = msg;
	pieces[0].len = (flags >> 4) * len / 16;
	pieces[1].data = msg + pieces[0].len;
	pieces[1].len = len - pieces[0].len;
	smtp_mime_plan_init(&plan);
	rc = smtp_mime_scan(&plan, pieces, 2, declare, &err);
	if (rc != SMTP_OK) {
		REQUIRE(rc == SMTP_E_LIMIT || rc == SMTP_E_NOMEM);
		REQUIRE(raw || rc == SMTP_E_NOMEM);
		free(msg);
		free(body);
		return 0;
	}
	/* Quoted-printable at most triples an octet, plus soft breaks and header lines. */
	cap_out = 4 * len + 400;
	out = malloc(cap_out);
	tmp = malloc(cap_out);
	tmp2 = malloc(2 * len + 2);
	REQUIRE(out != NULL && tmp != NULL && tmp2 != NULL);
	smtp_mime_enc_init(&e, &plan, relay8);
	for (;;) {
		uint32_t r = rng_next(&seed);
		size_t chunk = r % 8 == 0 ? len - pos : (r >> 3) % 64, cap, used, made;
		if (chunk > len - pos) {
			chunk = len - pos;
		}
		r = rng_next(&seed);
		cap = r % 5 == 0 ? 1 + (r >> 3) % 4096 : 1 + (r >> 3) % 8;
		if (cap > cap_out - o) {
			cap = cap_out - o;
		}
		REQUIRE(cap > 0);
		if (pos < len) {
			rc = smtp_mime_feed(&e, msg + pos, chunk, &used, out + o, cap, &made, &err);
			REQUIRE(rc == SMTP_OK && used <= chunk && made <= cap);
			REQUIRE(used > 0 || made > 0 || chunk == 0);
			pos += used;
		} else {
			rc = smtp_mime_finish(&e, out + o, cap, &made, &err);
			REQUIRE(rc == SMTP_OK && made <= cap);
			if (made == 0) {
				break;
			}
		}
		o += made;
	}
	/* No line over the limit, whatever the line ends. */
	{
		size_t cur = 0;
		for (i = 0; i < o; i++) {
			cur = out[i] == '\r' || out[i] == '\n' ? 0 : cur + 1;
			REQUIRE(cur <= TEXT_LINE_LIMIT);
		}
	}
	if (!relay8 && !smtp_mime_sends_8bit(&plan, false)) {
		for (i = 0; i < o; i++) {
			REQUIRE((unsigned char)out[i] < 0x80);
		}
	}
	if (!raw && !multi) {
		check_part(out, o, body, size, tmp, tmp2);
	} else if (!raw) {
		const char *a = find(out, o, "--zz\r\n");
		const char *b = a != NULL ? find(a + 6, (size_t)(out + o - a - 6), "\r\n--zz\r\n") : NULL;
		const char *c = b != NULL ? find(b + 8, (size_t)(out + o - b - 8), "\r\n--zz--\r\n") : NULL;
		REQUIRE(c != NULL);
		check_part(a + 6, (size_t)(b - a - 6), body, split, tmp, tmp2);
		check_part(b + 8, (size_t)(c - b - 8), body + split, size - split, tmp, tmp2);
	}
	smtp_mime_plan_destroy(&plan);
	free(msg);
	free(body);
	free(out);
	free(tmp);
	free(tmp2);
	return 0;
}
