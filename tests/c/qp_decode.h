/*
 * qp_decode.h: test-only readers of what the MIME re-encoder writes, shared by
 * tests/c/test_mime.c and tests/fuzz/fuzz_mime.c. Written apart from
 * smtp_core/smtp_mime.c on purpose, so a checker does not move with the code.
 */
#ifndef SMTPMAIL_TEST_QP_DECODE_H
#define SMTPMAIL_TEST_QP_DECODE_H

#include <stddef.h>
#include <string.h>

static inline int qp_hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* RFC 2045 6.7 decoding into d (room for n octets), strict: only uppercase
 * "=XX", "=" CRLF soft breaks, CRLF hard breaks, lines of at most 76
 * characters, no white space before a line end. -1 when the text is no valid
 * quoted-printable of this encoder's kind. */
static inline long qp_decode(const char *p, size_t n, char *d)
{
	size_t i, o = 0, col = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\r') {
			if (i + 1 >= n || p[i + 1] != '\n' || (col > 0 && (p[i - 1] == ' ' || p[i - 1] == '\t'))) {
				return -1;
			}
			d[o++] = '\r';
			d[o++] = '\n';
			i++;
			col = 0;
			continue;
		}
		if (c == '=') {
			if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') {
				if (col + 1 > 76) return -1;
				i += 2;
				col = 0;
				continue;
			}
			if (i + 2 >= n || qp_hexval(p[i + 1]) < 0 || qp_hexval(p[i + 2]) < 0) {
				return -1;
			}
			d[o++] = (char)(qp_hexval(p[i + 1]) * 16 + qp_hexval(p[i + 2]));
			i += 2;
			col += 3;
		} else {
			if (c == '\n' || c >= 0x80 || (c < 32 && c != '\t')) return -1;
			d[o++] = (char)c;
			col++;
		}
		if (col > 76) return -1;
	}
	if (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t')) return -1;
	return (long)o;
}

/* Line ends (CRLF, bare CR, bare LF) made CRLF into d (room for 2n), as the
 * canonicaliser sends any text. */
static inline size_t crlf(const char *p, size_t n, char *d)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\r' || p[i] == '\n') {
			d[o++] = '\r';
			d[o++] = '\n';
			if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
				i++;
			}
		} else {
			d[o++] = p[i];
		}
	}
	return o;
}

/* The first needle in hay[0..n), or NULL. */
static inline const char *find(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++) {
		if (memcmp(hay + i, needle, k) == 0) {
			return hay + i;
		}
	}
	return NULL;
}

#endif
