/* smtp_idna.c: see smtp_idna.h. */
#include "smtp_idna.h"

#include <string.h>

/* RFC 3492 5: the Bootstring parameters of Punycode. */
#define PUNY_BASE 36u
#define PUNY_TMIN 1u
#define PUNY_TMAX 26u
#define PUNY_SKEW 38u
#define PUNY_DAMP 700u
#define PUNY_INITIAL_BIAS 72u
#define PUNY_INITIAL_N 0x80u
#define PUNY_MAXINT 0xffffffffu
/* RFC 5890 2.3.2.1: the ACE prefix. */
#define IDNA_ACE_PREFIX "xn--"
#define IDNA_ACE_PREFIX_LEN 4

size_t smtp_utf8_next(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len, i;
	unsigned lo = 0x80, hi = 0xbf;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		v = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		v = s[0] & 0x0fu;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80;   /* no overlong forms */
		hi = s[0] == 0xed ? 0x9f : 0xbf;   /* no surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		v = s[0] & 0x07u;
		lo = s[0] == 0xf0 ? 0x90 : 0x80;
		hi = s[0] == 0xf4 ? 0x8f : 0xbf;   /* at most U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi) {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf) {
			return 0;
		}
		v = (v << 6) | (s[i] & 0x3fu);
	}
	*cp = v;
	return len;
}

/* RFC 3492 6.1. */
static uint32_t adapt(uint32_t delta, uint32_t numpoints, bool firsttime)
{
	uint32_t k = 0;

	delta = firsttime ? delta / PUNY_DAMP : delta / 2;
	delta += delta / numpoints;
	while (delta > ((PUNY_BASE - PUNY_TMIN) * PUNY_TMAX) / 2) {
		delta /= PUNY_BASE - PUNY_TMIN;
		k += PUNY_BASE;
	}
	return k + (PUNY_BASE - PUNY_TMIN + 1) * delta / (delta + PUNY_SKEW);
}

/* RFC 3492 6.1: the threshold t for position k. */
static uint32_t threshold(uint32_t k, uint32_t bias)
{
	return k <= bias ? PUNY_TMIN : k >= bias + PUNY_TMAX ? PUNY_TMAX : k - bias;
}

/* RFC 3492 5: digit values 0-25 are a-z, 26-35 are 0-9. */
static char encode_digit(uint32_t d)
{
	return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

static uint32_t decode_digit(unsigned char c)
{
	if (c >= 'a' && c <= 'z') {
		return c - 'a';
	}
	if (c >= 'A' && c <= 'Z') {
		return c - 'A';
	}
	if (c >= '0' && c <= '9') {
		return c - '0' + 26u;
	}
	return PUNY_BASE;
}

bool smtp_punycode_encode(const uint32_t *cps, size_t n, char *out, size_t cap, size_t *out_len)
{
	uint32_t cur = PUNY_INITIAL_N, delta = 0, bias = PUNY_INITIAL_BIAS, h, b = 0;
	size_t o = 0, j;

	*out_len = 0;
	if (n >= PUNY_MAXINT) {
		return false;
	}
	for (j = 0; j < n; j++) {
		if (cps[j] < 0x80) {
			if (o >= cap) {
				return false;
			}
			out[o++] = (char)cps[j];
			b++;
		}
	}
	h = b;
	if (b > 0) {
		if (o >= cap) {
			return false;
		}
		out[o++] = '-';
	}
	while (h < n) {
		uint32_t m = PUNY_MAXINT;
		for (j = 0; j < n; j++) {
			if (cps[j] >= cur && cps[j] < m) {
				m = cps[j];
			}
		}
		if (m - cur > (PUNY_MAXINT - delta) / (h + 1)) {
			return false;
		}
		delta += (m - cur) * (h + 1);
		cur = m;
		for (j = 0; j < n; j++) {
			if (cps[j] < cur && ++delta == 0) {
				return false;
			}
			if (cps[j] == cur) {
				uint32_t q = delta, k;
				for (k = PUNY_BASE;; k += PUNY_BASE) {
					uint32_t t = threshold(k, bias);
					if (q < t) {
						break;
					}
					if (o >= cap) {
						return false;
					}
					out[o++] = encode_digit(t + (q - t) % (PUNY_BASE - t));
					q = (q - t) / (PUNY_BASE - t);
				}
				if (o >= cap) {
					return false;
				}
				out[o++] = encode_digit(q);
				bias = adapt(delta, h + 1, h == b);
				delta = 0;
				h++;
			}
		}
		delta++;
		cur++;
	}
	*out_len = o;
	return true;
}

bool smtp_punycode_decode(const char *in, size_t len, uint32_t *out, size_t cap, size_t *n)
{
	uint32_t cur = PUNY_INITIAL_N, i = 0, bias = PUNY_INITIAL_BIAS;
	size_t b = 0, j, pos, count = 0;

	*n = 0;
	for (j = 0; j < len; j++) {
		if (in[j] == '-') {
			b = j;
		}
	}
	for (j = 0; j < b; j++) {
		if ((unsigned char)in[j] >= 0x80 || count >= cap) {
			return false;
		}
		out[count++] = (unsigned char)in[j];
	}
	pos = b > 0 ? b + 1 : 0;
	while (pos < len) {
		uint32_t oldi = i, w = 1, k;
		for (k = PUNY_BASE;; k += PUNY_BASE) {
			uint32_t digit, t;
			if (pos >= len) {
				return false;
			}
			digit = decode_digit((unsigned char)in[pos++]);
			if (digit >= PUNY_BASE || digit > (PUNY_MAXINT - i) / w) {
				return false;
			}
			i += digit * w;
			t = threshold(k, bias);
			if (digit < t) {
				break;
			}
			if (w > PUNY_MAXINT / (PUNY_BASE - t)) {
				return false;
			}
			w *= PUNY_BASE - t;
		}
		bias = adapt(i - oldi, (uint32_t)count + 1, oldi == 0);
		if (i / (count + 1) > PUNY_MAXINT - cur) {
			return false;
		}
		cur += i / (uint32_t)(count + 1);
		i %= (uint32_t)(count + 1);
		if (cur < 0x80 || cur > 0x10ffff || (cur >= 0xd800 && cur <= 0xdfff) || count >= cap) {
			return false;
		}
		for (j = count; j > i; j--) {
			out[j] = out[j - 1];
		}
		out[i++] = cur;
		count++;
	}
	*n = count;
	return true;
}

/* Upper case of the checked subset to its lower case (RFC 5895 2, limited to
 * the letters smtp_idna.h lists); every other code point unchanged. */
static uint32_t fold_case(uint32_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7) || (c >= 0x391 && c <= 0x3a9 && c != 0x3a2)
	    || (c >= 0x410 && c <= 0x42f)) {
		return c + 0x20;
	}
	if (c >= 0x400 && c <= 0x40f) {
		return c + 0x50;
	}
	if (c == 0x178) {
		return 0xff;
	}
	/* Latin Extended-A pairs: even upper case in 0100-0137 and 014A-0177, odd
	 * in 0139-0148 and 0179-017E. */
	if (((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177)) && c % 2 == 0 && c != 0x130 && c != 0x132) {
		return c + 1;
	}
	if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) && c % 2 == 1 && c != 0x13f) {
		return c + 1;
	}
	if (c == 0x1a0 || c == 0x1af || (c >= 0x1ea0 && c <= 0x1ef8 && c % 2 == 0)) {
		return c + 1;
	}
	return c;
}

/* The checked subset, lower case (after fold_case). */
static bool is_checked(uint32_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
		return true;
	}
	if ((c >= 0xdf && c <= 0xf6) || (c >= 0xf8 && c <= 0xff)) {
		return true;
	}
	if (c >= 0x101 && c <= 0x17e) {
		/* Lower case after the pairs fold_case maps; ı (0131) and ĸ (0138) have no pair. */
		bool odd_lower = (c <= 0x137 || (c >= 0x14b && c <= 0x177)) && c % 2 == 1;
		bool even_lower = ((c >= 0x13a && c <= 0x148) || (c >= 0x17a && c <= 0x17e)) && c % 2 == 0;
		return (odd_lower || even_lower || c == 0x138) && c != 0x133 && c != 0x140;
	}
	if (c == 0x1a1 || c == 0x1b0 || (c >= 0x1ea1 && c <= 0x1ef9 && c % 2 == 1)) {
		return true;
	}
	return c == 0x390 || (c >= 0x3ac && c <= 0x3ce) || (c >= 0x430 && c <= 0x45f) || (c >= 0x3041 && c <= 0x3096)
	       || c == 0x309d || c == 0x309e || (c >= 0x30a1 && c <= 0x30fa) || (c >= 0x30fc && c <= 0x30fe)
	       || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7a3);
}

/* Never valid in a label, whatever the tables say (smtp_idna.h lists them). */
static bool is_disallowed(uint32_t c)
{
	return c < 0x80 || (c >= 0x80 && c <= 0xbf) || c == 0xd7 || c == 0xf7 || c == 0x130 || c == 0x132
	       || c == 0x133 || c == 0x13f || c == 0x140 || c == 0x149 || c == 0x17f || (c >= 0x300 && c <= 0x36f)
	       || (c >= 0x2000 && c <= 0x2bff) || (c >= 0x3000 && c <= 0x303f) || (c >= 0xe000 && c <= 0xf8ff)
	       || (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0xfdd0 && c <= 0xfdef) || (c >= 0xff00 && c <= 0xffff)
	       || (c & 0xfffe) == 0xfffe || (c >= 0xe0000 && c <= 0xe0fff) || c >= 0xf0000;
}

smtp_idna_result_t smtp_idna_to_alabel(const char *label, size_t len, char *out, size_t cap, size_t *out_len,
                                       uint32_t *cp)
{
	uint32_t cps[SMTP_IDNA_CP_MAX + 1];
	size_t n = 0, i = 0, enc;
	bool unchecked = false;

	*out_len = 0;
	*cp = 0;
	/* The whole label is read: a code point never valid, or bad UTF-8, anywhere
	 * in it decides before one that is merely unchecked. */
	while (i < len) {
		uint32_t c;
		size_t k = smtp_utf8_next(label + i, len - i, &c);
		if (k == 0) {
			return SMTP_IDNA_BAD_UTF8;
		}
		i += k;
		c = fold_case(c);
		if (!is_checked(c)) {
			/* ASCII other than letters, digits and '-' is never part of a label. */
			if (is_disallowed(c)) {
				*cp = c;
				return SMTP_IDNA_DISALLOWED;
			}
			if (!unchecked) {
				*cp = c;
				unchecked = true;
			}
		} else if (n < SMTP_IDNA_CP_MAX + 1) {
			cps[n++] = c;
		}
	}
	if (unchecked) {
		return SMTP_IDNA_UNCHECKED;
	}
	if (n > SMTP_IDNA_CP_MAX) {
		return SMTP_IDNA_TOO_LONG;
	}
	/* RFC 5891 4.2.3.1: no hyphen first or last, none in both the 3rd and 4th position. */
	if (n == 0 || cps[0] == '-' || cps[n - 1] == '-' || (n >= 4 && cps[2] == '-' && cps[3] == '-')) {
		return SMTP_IDNA_BAD_HYPHEN;
	}
	if (cap < IDNA_ACE_PREFIX_LEN) {
		return SMTP_IDNA_TOO_LONG;
	}
	memcpy(out, IDNA_ACE_PREFIX, IDNA_ACE_PREFIX_LEN);
	if (!smtp_punycode_encode(cps, n, out + IDNA_ACE_PREFIX_LEN, cap - IDNA_ACE_PREFIX_LEN, &enc)
	    || IDNA_ACE_PREFIX_LEN + enc > SMTP_IDNA_LABEL_MAX) {
		return SMTP_IDNA_TOO_LONG;
	}
	*out_len = IDNA_ACE_PREFIX_LEN + enc;
	return SMTP_IDNA_OK;
}
