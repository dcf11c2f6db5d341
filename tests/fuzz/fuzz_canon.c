/*
 * fuzz_canon.c: libFuzzer target for the DATA canonicaliser (smtp_canon.c).
 *
 * Input: the first 4 bytes seed the choice of chunk sizes (0 included) and of
 * output capacities (mostly 1..8 bytes, sometimes large); the rest is the
 * message. It is fed in those chunks into those buffers, then finished.
 * Invariants checked on every input:
 *   - feed and finish fail only with SMTP_E_LIMIT, and exactly when the
 *     message has a line longer than 998 octets (measured here, with
 *     an independent reading of line ends), naming that line; smtp_canon_check
 *     and smtp_canon_scan over the same chunks agree;
 *   - every call makes progress; consumed and produced stay within bounds and
 *     the byte counters add up;
 *   - the output has no bare CR and no bare LF, and no line of it is a lone
 *     "." except the final one: "\r\n.\r\n" appears only at the very end;
 *   - undoing the dot-stuffing (drop the first '.' of every line that starts
 *     with "..", strip the final ".\r\n") gives back the input with every line
 *     end (CRLF, bare CR, bare LF) as CRLF and a CRLF after an unterminated
 *     last line;
 *   - after a failure, what was produced is a prefix of that expected output.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_canon.h"

#include "fuzz_check.h"

/* The input with line ends normalised to CRLF (an unterminated last line
 * gets one), written to norm; returns its length. Also reports the number of
 * the first line longer than TEXT_LINE_LIMIT (0 when none). */
static size_t normalise(const char *in, size_t len, char *norm, size_t *long_line)
{
	size_t i, o = 0, line = 1, cur = 0;

	*long_line = 0;
	for (i = 0; i < len; i++) {
		if (in[i] == '\r' || in[i] == '\n') {
			if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n') {
				i++;
			}
			norm[o++] = '\r';
			norm[o++] = '\n';
			line++;
			cur = 0;
			continue;
		}
		norm[o++] = in[i];
		if (++cur > TEXT_LINE_LIMIT && *long_line == 0) {
			*long_line = line;
		}
	}
	if (len > 0 && in[len - 1] != '\r' && in[len - 1] != '\n') {
		norm[o++] = '\r';
		norm[o++] = '\n';
	}
	return o;
}

/* Stuffs norm (CRLF lines) as RFC 5321 4.5.2 says and appends ".\r\n". */
static size_t stuff(const char *norm, size_t len, char *out)
{
	size_t i, o = 0;
	int bol = 1;

	for (i = 0; i < len; i++) {
		if (bol && norm[i] == '.') {
			out[o++] = '.';
		}
		out[o++] = norm[i];
		bol = norm[i] == '\n';
	}
	memcpy(out + o, ".\r\n", 3);
	return o + 3;
}

/* Checks the shape of a complete output and undoes the stuffing into plain;
 * returns plain's length. */
static size_t unstuff(const char *out, size_t len, char *plain)
{
	size_t i = 0, o = 0;

	REQUIRE(len >= 3 && memcmp(out + len - 3, ".\r\n", 3) == 0);
	for (i = 0; i < len; i++) {
		if (out[i] == '\r') {
			REQUIRE(i + 1 < len && out[i + 1] == '\n');
		}
		if (out[i] == '\n') {
			REQUIRE(i > 0 && out[i - 1] == '\r');
		}
	}
	/* A line is a lone "." only at the end; every other line starting with
	 * '.' starts with "..". */
	len -= 3;
	REQUIRE(len == 0 || (len >= 2 && out[len - 2] == '\r' && out[len - 1] == '\n'));
	i = 0;
	while (i < len) {
		if (out[i] == '.') {
			REQUIRE(i + 1 < len && out[i + 1] == '.');
			i++;
		}
		while (i < len) {
			plain[o++] = out[i];
			if (out[i++] == '\n') {
				break;
			}
		}
	}
	return o;
}

/* "line N of ..." names line n. */
static int names_line(const char *msg, size_t n)
{
	size_t v = 0;

	if (strncmp(msg, "line ", 5) != 0) {
		return 0;
	}
	msg += 5;
	while (*msg >= '0' && *msg <= '9') {
		v = v * 10 + (size_t)(*msg++ - '0');
	}
	return v == n && strncmp(msg, " of the message is ", 19) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t seed = 0x9e3779b9u, scan_seed;
	const char *in;
	char *out, *norm, *want, *plain;
	size_t len, nlen, wlen, long_line, pos = 0, o = 0, fin, k;
	smtp_canon_t c, s;
	smtp_error_t err, cerr, serr;
	smtp_rc_t rc = SMTP_OK, crc, src = SMTP_OK;

	if (size >= 4) {
		memcpy(&seed, data, 4);
		seed |= 1;
		data += 4;
		size -= 4;
	}
	scan_seed = seed;
	in = (const char *)data;
	len = size;
	/* The output is at most: every byte a line end (2 each) or a stuffed dot
	 * line, plus the end mark. */
	out = malloc(2 * len + SMTP_CANON_FINISH_MAX + 1);
	norm = malloc(2 * len + 3);
	want = malloc(3 * len + 6);
	plain = malloc(2 * len + 6);
	REQUIRE(out != NULL && norm != NULL && want != NULL && plain != NULL);

	nlen = normalise(in, len, norm, &long_line);
	wlen = stuff(norm, nlen, want);

	smtp_canon_init(&c);
	while (pos < len) {
		uint32_t r = rng_next(&seed);
		size_t chunk = r % 8 == 0 ? len - pos : (r >> 3) % 40;
		size_t end = pos + (chunk < len - pos ? chunk : len - pos);

		/* Feed this chunk until it is used up, each time into a fresh cap. */
		do {
			size_t used, made, cap;
			r = rng_next(&seed);
			cap = r % 5 == 0 ? 1 + (r >> 3) % 4096 : 1 + (r >> 3) % 8;
			/* Never past the end of out: the real output can't exceed it. */
			if (cap > 2 * len + SMTP_CANON_FINISH_MAX + 1 - o) {
				cap = 2 * len + SMTP_CANON_FINISH_MAX + 1 - o;
			}
			rc = smtp_canon_feed(&c, in + pos, end - pos, &used, out + o, cap, &made, &err);
			REQUIRE(used <= end - pos && made <= cap);
			pos += used;
			o += made;
			if (rc != SMTP_OK) {
				break;
			}
			/* Progress: with room, a call with work to do does something. */
			REQUIRE(used > 0 || made > 0 || pos == end);
			if (pos == end && made == 0) {
				break;
			}
		} while (1);
		if (rc != SMTP_OK) {
			break;
		}
	}

	crc = smtp_canon_check(in, len, &cerr);
	smtp_canon_init(&s);
	for (k = 0; k < len && src == SMTP_OK;) {
		size_t piece = rng_next(&scan_seed) % 50;
		piece = piece < len - k ? piece : len - k;
		src = smtp_canon_scan(&s, in + k, piece, &serr);
		k += piece;
	}

	if (long_line != 0) {
		REQUIRE(rc == SMTP_E_LIMIT && err.rc == SMTP_E_LIMIT && err.stage == SMTP_STAGE_DATA);
		REQUIRE(names_line(err.message, long_line));
		REQUIRE(crc == SMTP_E_LIMIT && cerr.stage == SMTP_STAGE_MESSAGE);
		REQUIRE(names_line(cerr.message, long_line));
		REQUIRE(src == SMTP_E_LIMIT && names_line(serr.message, long_line));
		/* What went out before the refusal is the beginning of the real thing. */
		REQUIRE(o <= wlen && memcmp(out, want, o) == 0);
		/* Sticky. */
		REQUIRE(smtp_canon_finish(&c, out + o, SMTP_CANON_FINISH_MAX, &fin, &err) == SMTP_E_LIMIT);
		REQUIRE(fin == 0);
	} else {
		size_t plen;

		REQUIRE(rc == SMTP_OK && crc == SMTP_OK && src == SMTP_OK);
		REQUIRE(c.in_bytes == len && c.out_bytes == o);
		rc = smtp_canon_finish(&c, out + o, SMTP_CANON_FINISH_MAX, &fin, &err);
		REQUIRE(rc == SMTP_OK && fin <= SMTP_CANON_FINISH_MAX);
		o += fin;
		REQUIRE(c.out_bytes == o);
		plen = unstuff(out, o, plain);
		REQUIRE(plen == nlen && memcmp(plain, norm, nlen) == 0);
		REQUIRE(o == wlen && memcmp(out, want, wlen) == 0);
		/* Once ended, nothing more goes out. */
		REQUIRE(smtp_canon_feed(&c, "x", 1, &pos, out, 1, &fin, &err) == SMTP_E_STATE);
		REQUIRE(pos == 0 && fin == 0);
	}
	free(out);
	free(norm);
	free(want);
	free(plain);
	return 0;
}
