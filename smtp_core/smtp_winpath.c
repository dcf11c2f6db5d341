/* smtp_winpath.c: see smtp_winpath.h. */
#include "smtp_winpath.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT_CHAR 0xFFFDu

/* One code point from s (n >= 1 bytes) by RFC 3629's table: returns the
 * bytes it takes, 0 when they are not well-formed UTF-8. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	uint32_t v, min;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1Fu;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0Fu;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07u;
		min = 0x10000;
	} else {
		return 0; /* a continuation byte, C0/C1 (always overlong) or F5..FF */
	}
	if (len > n) {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			return 0;
		}
		v = (v << 6) | (uint32_t)(s[i] & 0x3Fu);
	}
	if (v < min || v > 0x10FFFFu || (v >= 0xD800u && v <= 0xDFFFu)) {
		return 0;
	}
	*cp = v;
	return len;
}

smtp_wpath_rc_t smtp_utf8_to_utf16(const char *s, size_t n, smtp_wchar_t *out, size_t cap, size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k = 0, used;
	uint32_t cp;

	*outlen = 0;
	while (i < n) {
		if ((used = utf8_next(u + i, n - i, &cp)) == 0) {
			return SMTP_WPATH_E_UTF8;
		}
		i += used;
		if (cp >= 0x10000u) {
			/* RFC 2781 2.1: a surrogate pair. */
			cp -= 0x10000u;
			if (k < cap) {
				out[k] = (smtp_wchar_t)(0xD800u + (cp >> 10));
			}
			k++;
			if (k < cap) {
				out[k] = (smtp_wchar_t)(0xDC00u + (cp & 0x3FFu));
			}
			k++;
		} else {
			if (k < cap) {
				out[k] = (smtp_wchar_t)cp;
			}
			k++;
		}
	}
	*outlen = k;
	return SMTP_WPATH_OK;
}

size_t smtp_utf16_to_utf8(const smtp_wchar_t *s, size_t n, char *out, size_t cap)
{
	size_t i = 0, need = 0, w = 0, len, j;
	bool cut = false;
	unsigned char enc[4];
	uint32_t cp;

	while (i < n) {
		cp = s[i++];
		if (cp >= 0xD800u && cp <= 0xDBFFu && i < n && s[i] >= 0xDC00u && s[i] <= 0xDFFFu) {
			cp = 0x10000u + ((cp - 0xD800u) << 10) + (uint32_t)(s[i++] - 0xDC00u);
		} else if (cp >= 0xD800u && cp <= 0xDFFFu) {
			cp = REPLACEMENT_CHAR;
		}
		if (cp < 0x80u) {
			enc[0] = (unsigned char)cp;
			len = 1;
		} else if (cp < 0x800u) {
			enc[0] = (unsigned char)(0xC0u | (cp >> 6));
			enc[1] = (unsigned char)(0x80u | (cp & 0x3Fu));
			len = 2;
		} else if (cp < 0x10000u) {
			enc[0] = (unsigned char)(0xE0u | (cp >> 12));
			enc[1] = (unsigned char)(0x80u | ((cp >> 6) & 0x3Fu));
			enc[2] = (unsigned char)(0x80u | (cp & 0x3Fu));
			len = 3;
		} else {
			enc[0] = (unsigned char)(0xF0u | (cp >> 18));
			enc[1] = (unsigned char)(0x80u | ((cp >> 12) & 0x3Fu));
			enc[2] = (unsigned char)(0x80u | ((cp >> 6) & 0x3Fu));
			enc[3] = (unsigned char)(0x80u | (cp & 0x3Fu));
			len = 4;
		}
		need += len;
		/* Once a character did not fit, none after it is written either:
		 * the text is cut, not holed. */
		if (!cut && cap > 0 && len <= cap - 1 - w) {
			for (j = 0; j < len; j++) {
				out[w++] = (char)enc[j];
			}
		} else {
			cut = true;
		}
	}
	if (cap > 0) {
		out[w] = '\0';
	}
	return need;
}

static bool is_sep(smtp_wchar_t c)
{
	return c == '\\';
}

static bool is_ascii_letter(smtp_wchar_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static void put(smtp_wchar_t *out, size_t *k, const char *ascii)
{
	while (*ascii != '\0') {
		out[(*k)++] = (smtp_wchar_t)(unsigned char)*ascii++;
	}
}

/* The \\?\ form of the absolute path w (len units, '\' separators) into out
 * (room for len + 9 units); see smtp_wpath_make(). */
static smtp_wpath_rc_t long_form(const smtp_wchar_t *w, size_t len, smtp_wchar_t *out)
{
	size_t i, k = 0, root, start;

	if (len >= 3 && is_ascii_letter(w[0]) && w[1] == ':' && is_sep(w[2])) {
		put(out, &k, "\\\\?\\");
		out[k++] = w[0];
		out[k++] = ':';
		i = 3;
	} else if (len >= 2 && is_sep(w[0]) && is_sep(w[1])) {
		/* \\server\share: both names must be there. */
		put(out, &k, "\\\\?\\UNC");
		i = 2;
		for (start = 0; start < 2; start++) {
			size_t from = i;
			while (i < len && !is_sep(w[i])) {
				i++;
			}
			if (i == from) {
				return SMTP_WPATH_E_RELATIVE;
			}
			out[k++] = '\\';
			memcpy(out + k, w + from, (i - from) * sizeof(*w));
			k += i - from;
			if (i < len) {
				i++;
			}
		}
	} else {
		/* "dir\x", "\dir" (the current drive's root) and "C:dir" (the drive's
		 * current directory) depend on state this module does not see. */
		return SMTP_WPATH_E_RELATIVE;
	}
	root = k;
	while (i < len) {
		while (i < len && is_sep(w[i])) {
			i++;
		}
		start = i;
		while (i < len && !is_sep(w[i])) {
			i++;
		}
		if (i == start || (i - start == 1 && w[start] == '.')) {
			continue;
		}
		if (i - start == 2 && w[start] == '.' && w[start + 1] == '.') {
			while (k > root && out[k - 1] != '\\') {
				k--;
			}
			if (k > root) {
				k--;
			}
			continue;
		}
		if (w[i - 1] == '.' || w[i - 1] == ' ') {
			return SMTP_WPATH_E_NAME;
		}
		out[k++] = '\\';
		memcpy(out + k, w + start, (i - start) * sizeof(*w));
		k += i - start;
	}
	if (k == root) {
		out[k++] = '\\';
	}
	out[k] = 0;
	return SMTP_WPATH_OK;
}

smtp_wpath_rc_t smtp_wpath_make(const char *path, smtp_wchar_t **out)
{
	size_t n = strlen(path), len, i;
	smtp_wchar_t *w, *l;
	smtp_wpath_rc_t rc;
	bool verbatim;

	*out = NULL;
	if ((rc = smtp_utf8_to_utf16(path, n, NULL, 0, &len)) != SMTP_WPATH_OK) {
		return rc;
	}
	/* len + 9: room for the NUL and, below, for "\\?\UNC" in place of "\\". */
	if (len > (SIZE_MAX / sizeof(*w)) - 9 || (w = malloc((len + 9) * sizeof(*w))) == NULL) {
		return SMTP_WPATH_E_NOMEM;
	}
	smtp_utf8_to_utf16(path, n, w, len, &len);
	w[len] = 0;
	verbatim = len >= 4 && w[0] == '\\' && w[1] == '\\' && (w[2] == '?' || w[2] == '.') && w[3] == '\\';
	if (verbatim) {
		*out = w;
		return SMTP_WPATH_OK;
	}
	for (i = 0; i < len; i++) {
		if (w[i] == '/') {
			w[i] = '\\';
		}
	}
	if (len <= SMTP_WPATH_PLAIN_MAX) {
		*out = w;
		return SMTP_WPATH_OK;
	}
	if ((l = malloc((len + 9) * sizeof(*l))) == NULL) {
		free(w);
		return SMTP_WPATH_E_NOMEM;
	}
	rc = long_form(w, len, l);
	free(w);
	if (rc != SMTP_WPATH_OK) {
		free(l);
		return rc;
	}
	*out = l;
	return SMTP_WPATH_OK;
}
