/* smtp_message.c: see smtp_message.h. */
#include "smtp_message.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "smtp_compat.h"
#include "smtp_headers.h"
#include "smtp_sasl.h"

/* Room for an excerpt of the caller's text in an error message (sanitised). */
#define SMTP_MESSAGE_QUOTE_MAX 40
/* Longest charset name taken from a Content-Type (IANA's longest is 45). */
#define SMTP_CHARSET_MAX 64

/* Appends to the head; the first failure sticks and later appends do nothing,
 * so the composer checks once at the end. */
typedef struct {
	smtp_buf_t *b;
	smtp_rc_t rc;
} writer_t;

static void put(writer_t *w, const void *p, size_t n)
{
	if (w->rc == SMTP_OK) {
		w->rc = smtp_buf_append(w->b, p, n);
	}
}

static void puts_(writer_t *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put2(writer_t *w, int v)
{
	char d[2];
	d[0] = (char)('0' + v / 10 % 10);
	d[1] = (char)('0' + v % 10);
	put(w, d, 2);
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Appends p[0..n) with every line end made CRLF. The text was checked: every
 * CR in it is followed by LF. */
static void put_crlf(writer_t *w, const char *p, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		if (p[i] == '\r' || p[i] == '\n') {
			put(w, p + run, i - run);
			if (p[i] == '\n') {
				put(w, "\r\n", 2);
			}
			run = i + 1;
		}
	}
	put(w, p + run, n - run);
}

/* RFC 5321 4.5.3.1.6 / RFC 5322 2.1.1: a line of a field folded here is at
 * most 78 octets when white space allows (the SHOULD), never over 998. */
#define SMTP_HEADER_FOLD_AT 78

/* The fields holding address lists (RFC 5322 3.6.2, 3.6.3, 3.6.6): folded
 * between addresses when possible. */
static bool is_address_field(const char *name, size_t n)
{
	static const char *const names[] = { "To", "Cc", "Bcc", "From", "Sender", "Reply-To", "Resent-To",
	                                     "Resent-Cc", "Resent-Bcc", "Resent-From", "Resent-Sender" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) == n && smtp_ascii_iequal(name, names[i], n)) {
			return true;
		}
	}
	return false;
}

/* Marks in brk the white space that follows a ',' between addresses, i.e.
 * outside quoted strings, comments and angle brackets (RFC 5322 3.4). */
static void mark_address_breaks(const char *s, size_t n, size_t body, bool *brk)
{
	bool quoted = false, after_comma = false;
	int comment = 0, angle = 0;
	size_t i;

	for (i = body; i < n; i++) {
		char c = s[i];
		if (is_wsp(c) || c == '\r' || c == '\n') {
			brk[i] = after_comma && is_wsp(c);
			continue;
		}
		after_comma = false;
		if (c == '\\' && (quoted || comment > 0) && i + 1 < n) {
			i++;
		} else if (quoted) {
			quoted = c != '"';
		} else if (comment > 0) {
			comment += c == '(' ? 1 : c == ')' ? -1 : 0;
		} else if (c == '"') {
			quoted = true;
		} else if (c == '(') {
			comment = 1;
		} else if (c == '<') {
			angle++;
		} else if (c == '>' && angle > 0) {
			angle--;
		} else if (c == ',' && angle == 0) {
			after_comma = true;
		}
	}
}

/* Where the line s[start..last] (last: its final non-WSP octet) may fold: a
 * WSP run's first octet k with text of the field body before it and text
 * after it, so no line is left empty, holding only the name, or only white
 * space (RFC 5322 3.2.2). With brk, only between addresses. 0: nowhere. */
static size_t fold_point(const char *s, size_t start, size_t last, size_t body, const bool *brk,
                         size_t limit, bool last_fit)
{
	size_t lo = (start > body ? start : body) + 1, k;

	if (last_fit) {
		for (k = start + limit < last ? start + limit : last; k >= lo; k--) {
			if (is_wsp(s[k]) && !is_wsp(s[k - 1]) && (brk == NULL || brk[k])) {
				return k;
			}
		}
		return 0;
	}
	for (k = lo; k < last && k <= start + limit; k++) {
		if (is_wsp(s[k]) && !is_wsp(s[k - 1]) && (brk == NULL || brk[k])) {
			return k;
		}
	}
	return 0;
}

/* Appends one field s[0..n) (CRLF line ends, no final CRLF; its body starts
 * at s[body]) and its CRLF. A line over SMTP_HEADER_LINE_MAX (RFC 5322 2.1.1)
 * is folded, at most SMTP_HEADER_FOLD_AT octets a line where white space
 * allows, address lists between addresses: CRLF inserted before white space
 * is exactly what unfolding (RFC 5322 2.2.3) removes. Shorter lines are the
 * caller's and stay as written. SMTP_E_LIMIT naming the field when a run
 * without white space is too long to fold; SMTP_E_NOMEM. */
static smtp_rc_t put_folded(writer_t *w, const char *s, size_t n, size_t body, bool fold, smtp_error_t *err)
{
	size_t name_len = 0, line = 0;
	bool *brk = NULL;

	while (name_len < n && s[name_len] != ':') {
		name_len++;
	}
	for (;;) {
		size_t eol = line, start = line, last;
		while (eol < n && s[eol] != '\r') {
			eol++;
		}
		for (last = eol; last > start && is_wsp(s[last - 1]); last--) {
		}
		last = last > start ? last - 1 : start;
		while (fold && eol - start > SMTP_HEADER_LINE_MAX) {
			size_t k = 0;
			if (brk == NULL && is_address_field(s, name_len)) {
				brk = calloc(n, sizeof(*brk));
				if (brk == NULL) {
					return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_MESSAGE, 0, "out of memory");
				}
				mark_address_breaks(s, n, body, brk);
			}
			if (brk != NULL) {
				k = fold_point(s, start, last, body, brk, SMTP_HEADER_FOLD_AT, true);
				if (k == 0) {
					k = fold_point(s, start, last, body, brk, SMTP_HEADER_LINE_MAX, false);
				}
			}
			if (k == 0) {
				k = fold_point(s, start, last, body, NULL, SMTP_HEADER_FOLD_AT, true);
			}
			if (k == 0) {
				k = fold_point(s, start, last, body, NULL, SMTP_HEADER_LINE_MAX, false);
			}
			if (k == 0) {
				char q[SMTP_MESSAGE_QUOTE_MAX];
				free(brk);
				smtp_text_sanitize(q, sizeof(q), s, name_len);
				return smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_MESSAGE, 0,
				                      "header field '%s' cannot be folded: it has a run of more than %d octets "
				                      "without white space, and RFC 5322 2.1.1 allows at most %d a line",
				                      q, SMTP_HEADER_LINE_MAX, SMTP_HEADER_LINE_MAX);
			}
			put(w, s + start, k - start);
			put(w, "\r\n", 2);
			start = k;
			/* Once folding, the rest goes to lines of the preferred length too. */
			while (eol - start > SMTP_HEADER_FOLD_AT) {
				size_t j = brk != NULL ? fold_point(s, start, last, body, brk, SMTP_HEADER_FOLD_AT, true) : 0;
				if (j == 0) {
					j = fold_point(s, start, last, body, NULL, SMTP_HEADER_FOLD_AT, true);
				}
				if (j == 0) {
					break;
				}
				put(w, s + start, j - start);
				put(w, "\r\n", 2);
				start = j;
			}
		}
		put(w, s + start, eol - start);
		put(w, "\r\n", 2);
		if (eol >= n) {
			free(brk);
			return SMTP_OK;
		}
		line = eol + 2;
	}
}

static smtp_rc_t with_prefix(smtp_error_t *err, smtp_rc_t rc, const char *what)
{
	char msg[SMTP_ERROR_MESSAGE_MAX];

	if (err == NULL) {
		return rc;
	}
	memcpy(msg, err->message, sizeof(msg));
	msg[sizeof(msg) - 1] = '\0';
	return smtp_error_set(err, rc, SMTP_STAGE_MESSAGE, 0, "%s: %s", what, msg);
}

/* $to and $subject become field bodies: a CR or LF is allowed only as the
 * CRLF (or LF) of a fold, followed by SP/HTAB and then by some text, as
 * RFC 5322 2.2.3 folding produces. Anything else could add a field or end the
 * header: header injection. */
static smtp_rc_t check_text(const char *what, const char *p, size_t n, smtp_error_t *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char q[SMTP_MESSAGE_QUOTE_MAX];
		size_t k = 0, j;

		if (p[i] == '\0') {
			smtp_text_sanitize(q, sizeof(q), p, i + 1);
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "%s contains a NUL byte, after '%s'", what, q);
		}
		if (p[i] != '\r' && p[i] != '\n') {
			continue;
		}
		if (p[i] == '\r' && i + 2 < n && p[i + 1] == '\n' && is_wsp(p[i + 2])) {
			k = 2;
		} else if (p[i] == '\n' && i + 1 < n && is_wsp(p[i + 1])) {
			k = 1;
		}
		if (k == 0) {
			smtp_text_sanitize(q, sizeof(q), p + i, n - i);
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "%s contains a line break that is not part of a fold (header "
			                      "injection?) at '%s'", what, q);
		}
		for (j = i + k; j < n && is_wsp(p[j]); j++) {
		}
		if (j == n || p[j] == '\r' || p[j] == '\n') {
			/* RFC 5322 3.2.2: such lines must not be generated; some readers end the header there. */
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "%s contains a folded line of only white space", what);
		}
		i += k - 1;
	}
	return SMTP_OK;
}

/* True when p[0..n) is only white space and folds (an empty field body). */
static bool is_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!is_wsp(p[i]) && p[i] != '\r' && p[i] != '\n') {
			return false;
		}
	}
	return true;
}

static bool is_ascii(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((unsigned char)p[i] >= 0x80) {
			return false;
		}
	}
	return true;
}

/* Length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629 4: shortest
 * form, no surrogates, at most U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80) {
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80;
		hi = s[0] == 0xed ? 0x9f : 0xbf;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		lo = s[0] == 0xf0 ? 0x90 : 0x80;
		hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi) {
		return 0;
	}
	for (i = 2; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf) {
			return 0;
		}
	}
	return len;
}

/* The subject with its folds unfolded (RFC 5322 2.2.3), so the fold's white
 * space is encoded, not lost. */
static smtp_rc_t unfold(smtp_buf_t *text, const char *p, size_t n, smtp_error_t *err)
{
	size_t i;
	smtp_rc_t rc = SMTP_OK;

	smtp_buf_init(text, n);
	for (i = 0; i < n && rc == SMTP_OK; i++) {
		if (p[i] != '\r' && p[i] != '\n') {
			rc = smtp_buf_append_char(text, p[i]);
		}
	}
	if (rc != SMTP_OK) {
		smtp_buf_destroy(text);
		return smtp_error_set(err, rc, SMTP_STAGE_MESSAGE, 0, "out of memory");
	}
	return SMTP_OK;
}

/* Offset of the first octet of text[0..n) that is not well-formed UTF-8, or n. */
static size_t utf8_invalid_at(const unsigned char *u, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t k = utf8_seq(u + i, n - i);
		if (k == 0) {
			return i;
		}
		i += k;
	}
	return n;
}

/* RFC 2047: "Field: " then B-encoded words in charset, each at most
 * SMTP_EWORD_MAX long, each line at most SMTP_EWORD_LINE_MAX; words go on
 * continuation lines; the caller ends the field. UTF-8 words hold whole
 * characters (2047 5); other charsets come here only when single-octet, where
 * every octet is one. */
static void put_encoded_words(writer_t *w, const char *field, const smtp_buf_t *text, const char *charset, bool utf8)
{
	const unsigned char *u = (const unsigned char *)text->data;
	size_t i, prefix = strlen(field) + 2;
	size_t overhead = strlen("=?") + strlen(charset) + strlen("?B?") + strlen("?=");

	puts_(w, field);
	puts_(w, ": ");
	for (i = 0; i < text->len;) {
		size_t word = SMTP_EWORD_LINE_MAX - prefix, take = i;
		if (word > SMTP_EWORD_MAX) {
			word = SMTP_EWORD_MAX;
		}
		/* Base64 turns each 3 octets into 4 characters. */
		while (take < text->len) {
			size_t k = utf8 ? utf8_seq(u + take, text->len - take) : 1;
			if (take + k - i > (word - overhead) / 4 * 3) {
				break;
			}
			take += k;
		}
		puts_(w, "=?");
		puts_(w, charset);
		puts_(w, "?B?");
		if (w->rc == SMTP_OK) {
			w->rc = smtp_base64_encode(w->b, u + i, take - i);
		}
		puts_(w, "?=");
		i = take;
		if (i < text->len) {
			puts_(w, "\r\n ");
			prefix = 1;
		}
	}
}

static void put_encoded_subject(writer_t *w, const smtp_buf_t *text, const char *charset, bool utf8)
{
	put_encoded_words(w, "Subject", text, charset, utf8);
	puts_(w, "\r\n");
}

/*
 * The From field smtpmail writes when the message has none, from a mailbox the
 * settings gave ("Shop <shop@example.org>", or an address alone). ASCII goes
 * as given, display name included. Otherwise the field is rebuilt, since raw
 * UTF-8 in a header needs SMTPUTF8 all the way (RFC 6532): the display name
 * as RFC 2047 encoded words (a phrase may hold them, 2047 5 (3)), the address
 * as parsed (its domain as an A-label). A name that is not UTF-8 is left out.
 */
static smtp_rc_t put_from(writer_t *w, const char *from, const char *addr, smtp_error_t *err)
{
	size_t n = strlen(from), lt, a, b;
	smtp_buf_t name;

	if (is_ascii(from, n) || addr == NULL) {
		puts_(w, "From: ");
		puts_(w, from);
		puts_(w, "\r\n");
		return SMTP_OK;
	}
	/* name-addr: the display name is what stands before the last '<',
	 * without its quotes; a quoted-pair stands for its second character. */
	for (lt = n; lt > 0 && from[lt - 1] != '<'; lt--) {
	}
	a = 0;
	b = lt > 0 ? lt - 1 : 0;
	while (a < b && is_wsp(from[a])) {
		a++;
	}
	while (b > a && is_wsp(from[b - 1])) {
		b--;
	}
	if (b - a >= 2 && from[a] == '"' && from[b - 1] == '"') {
		a++;
		b--;
	}
	smtp_buf_init(&name, n);
	for (; a < b; a++) {
		a += from[a] == '\\' && a + 1 < b;
		if (smtp_buf_append(&name, from + a, 1) != SMTP_OK) {
			smtp_buf_destroy(&name);
			return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_MESSAGE, 0, "out of memory");
		}
	}
	if (name.len == 0 || utf8_invalid_at((const unsigned char *)name.data, name.len) != name.len) {
		/* No name, or one in another 8-bit charset, which no label names:
		 * the address alone, rather than a mail refused. */
		puts_(w, "From: ");
		puts_(w, addr);
		puts_(w, "\r\n");
		smtp_buf_destroy(&name);
		return SMTP_OK;
	}
	if (is_ascii(name.data, name.len)) {
		/* Only the address needed rewriting: the name goes as a quoted string. */
		size_t i;
		puts_(w, "From: \"");
		for (i = 0; i < name.len; i++) {
			if (name.data[i] == '"' || name.data[i] == '\\') {
				put(w, "\\", 1);
			}
			put(w, name.data + i, 1);
		}
		put(w, "\"", 1);
	} else {
		put_encoded_words(w, "From", &name, "UTF-8", true);
	}
	puts_(w, " <");
	puts_(w, addr);
	puts_(w, ">\r\n");
	smtp_buf_destroy(&name);
	return SMTP_OK;
}

/* RFC 2978 2.3 mime-charset characters. */
static bool is_charset_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&+-^_`{}~", c) != NULL);
}

/* The charset parameter of the block's Content-Type (RFC 2045 5.1), copied
 * into out (NUL-terminated); false when there is none or it is malformed. */
static bool declared_charset(const smtp_header_list_t *hl, char *out, size_t cap)
{
	const smtp_header_t *ct = smtp_headers_find(hl, "Content-Type");
	size_t i, n = 0;

	if (ct == NULL) {
		return false;
	}
	for (i = 0; i + 7 <= ct->value_len; i++) {
		size_t j;
		bool quoted;
		if (!smtp_ascii_iequal(ct->value + i, "charset", 7) ||
		    (i > 0 && ct->value[i - 1] != ';' && !is_wsp(ct->value[i - 1]))) {
			continue;
		}
		for (j = i + 7; j < ct->value_len && is_wsp(ct->value[j]); j++) {
		}
		if (j == ct->value_len || ct->value[j] != '=') {
			continue;
		}
		for (j++; j < ct->value_len && is_wsp(ct->value[j]); j++) {
		}
		quoted = j < ct->value_len && ct->value[j] == '"';
		j += quoted ? 1 : 0;
		for (; j < ct->value_len && is_charset_char(ct->value[j]) && n + 1 < cap; j++) {
			out[n++] = ct->value[j];
		}
		if (n == 0 || n + 1 >= cap || (quoted && (j == ct->value_len || ct->value[j] != '"'))) {
			return false;
		}
		out[n] = '\0';
		return true;
	}
	return false;
}

/* Charsets where every octet is one character, so an encoded-word may end
 * after any octet (RFC 2047 5 (3)). Multi-octet ones (Shift_JIS, EUC-*, Big5,
 * GB*) are not listed: cutting them needs their grammar. */
static bool is_single_octet_charset(const char *cs)
{
	static const char *const prefixes[] = { "ISO-8859-", "ISO8859-", "WINDOWS-125", "CP125", "KOI8-", "LATIN" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);
		if (strlen(cs) > n && smtp_ascii_iequal(cs, prefixes[i], n)) {
			return true;
		}
	}
	return false;
}

/* Subject: text that is not ASCII. UTF-8 is encoded as UTF-8; other octets
 * in the charset the block's Content-Type declares when that is a
 * single-octet one (a Latin-1 subject of a Latin-1 message); else, for
 * mail(), as written, as PHP's mail() hands it to sendmail; smtp_send()
 * refuses it rather than mislabel it. */
static smtp_rc_t put_subject_8bit(writer_t *w, const smtp_compose_t *in, const smtp_header_list_t *hl,
                                  smtp_error_t *err)
{
	smtp_buf_t text;
	char charset[SMTP_CHARSET_MAX];
	size_t bad;
	smtp_rc_t rc = unfold(&text, in->subject, in->subject_len, err);

	if (rc != SMTP_OK) {
		return rc;
	}
	bad = utf8_invalid_at((const unsigned char *)text.data, text.len);
	if (bad == text.len) {
		put_encoded_subject(w, &text, "UTF-8", true);
	} else if (declared_charset(hl, charset, sizeof(charset)) && is_single_octet_charset(charset)) {
		put_encoded_subject(w, &text, charset, false);
	} else if (in->mail_parity) {
		puts_(w, "Subject: ");
		put_crlf(w, in->subject, in->subject_len);
		put(w, "\r\n", 2);
	} else {
		char q[SMTP_MESSAGE_QUOTE_MAX];
		smtp_text_sanitize(q, sizeof(q), text.data, bad + 1);
		smtp_buf_destroy(&text);
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "subject is neither ASCII nor valid UTF-8, at '%s'; convert it "
		                      "to UTF-8 first, or declare its single-octet charset in Content-Type", q);
	}
	smtp_buf_destroy(&text);
	return SMTP_OK;
}

/* RFC 5322 3.3 date-time in UTC: "Date: Fri, 21 Nov 1997 09:55:06 +0000". */
static smtp_rc_t put_date(writer_t *w, time_t now, smtp_error_t *err)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	int year;

	if (smtp_gmtime(now, &tm) != 0 || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
	    tm.tm_mon > 11 || tm.tm_year > 9999 - 1900 || tm.tm_year < 0) {
		/* RFC 5322 3.3: year is 4 digits, and never before 1900. */
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "the time for the Date field is out of range");
	}
	year = tm.tm_year + 1900;
	puts_(w, "Date: ");
	put(w, days[tm.tm_wday], 3);
	put(w, ", ", 2);
	put2(w, tm.tm_mday);
	put(w, " ", 1);
	put(w, months[tm.tm_mon], 3);
	put(w, " ", 1);
	put2(w, year / 100);
	put2(w, year % 100);
	put(w, " ", 1);
	put2(w, tm.tm_hour);
	put(w, ":", 1);
	put2(w, tm.tm_min);
	put(w, ":", 1);
	put2(w, tm.tm_sec);
	puts_(w, " +0000\r\n");
	return SMTP_OK;
}

/* RFC 5322 3.6.4 id-right = dot-atom-text / no-fold-literal. */
static bool is_id_right(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > SMTP_DOMAIN_MAX) {
		return false;
	}
	if (s[0] == '[') {
		if (n < 2 || s[n - 1] != ']') {
			return false;
		}
		for (i = 1; i + 1 < n; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c < 33 || c > 126 || c == '[' || c == ']' || c == '\\') {
				return false;
			}
		}
		return true;
	}
	if (s[0] == '.' || s[n - 1] == '.') {
		return false;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (s[i - 1] == '.') {
				return false;
			}
		} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		             (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL))) {
			return false;
		}
	}
	return true;
}

static smtp_rc_t put_message_id(writer_t *w, const smtp_compose_t *in, const char *from_addr,
                                smtp_error_t *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[SMTP_MSGID_RANDOM];
	char id[2 * SMTP_MSGID_RANDOM];
	const char *domain = from_addr != NULL ? strrchr(from_addr, '@') : NULL;
	size_t i, n;

	/* The sender's domain first: it is the author's namespace, and it does not
	 * reveal this host's (possibly internal) name. */
	if (domain != NULL) {
		domain++;
	} else {
		domain = in->msgid_domain;
		if (domain == NULL || domain[0] == '\0') {
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "no domain for the Message-ID: give a HELO name or a From "
			                      "address");
		}
	}
	n = strlen(domain);
	if (!is_id_right(domain, n)) {
		char q[SMTP_MESSAGE_QUOTE_MAX];
		smtp_text_sanitize(q, sizeof(q), domain, n);
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "'%s' cannot be the domain of a Message-ID (RFC 5322 3.6.4)", q);
	}
	if (RAND_bytes(r, (int)sizeof(r)) != 1) {
		return smtp_error_set(err, SMTP_E_INTERNAL, SMTP_STAGE_MESSAGE, 0,
		                      "RAND_bytes failed: no random octets for the Message-ID");
	}
	for (i = 0; i < sizeof(r); i++) {
		id[2 * i] = hex[r[i] >> 4];
		id[2 * i + 1] = hex[r[i] & 0x0f];
	}
	puts_(w, "Message-ID: <");
	put(w, id, sizeof(id));
	put(w, "@", 1);
	put(w, domain, n);
	puts_(w, ">\r\n");
	return SMTP_OK;
}

/* Adds the addresses of every field named name to the recipients (RFC 5322
 * 3.6.3; sendmail -t reads To, Cc and Bcc the same way). */
static smtp_rc_t add_field_rcpts(const smtp_header_list_t *hl, const char *name,
                                 smtp_addr_list_t *rcpts, smtp_error_t *err)
{
	size_t i;

	for (i = 0; i < hl->count; i++) {
		const smtp_header_t *h = &hl->items[i];
		smtp_rc_t rc;
		if (!smtp_header_is(h, name)) {
			continue;
		}
		rc = smtp_addr_list_parse(rcpts, h->value, h->value_len, err);
		if (rc != SMTP_OK) {
			char what[16];
			memcpy(what, name, strlen(name));
			memcpy(what + strlen(name), " field", 7);
			return with_prefix(err, rc, what);
		}
	}
	return SMTP_OK;
}

/* Appends "name: value" (value's line ends made CRLF), folded by put_folded(). */
static smtp_rc_t put_field(writer_t *w, const char *name, size_t name_len, const char *value, size_t value_len,
                           bool fold, smtp_error_t *err)
{
	smtp_buf_t field;
	writer_t fw;
	size_t body;
	smtp_rc_t rc = SMTP_OK;

	if (w->rc != SMTP_OK) {
		return SMTP_OK; /* reported once at the end */
	}
	smtp_buf_init(&field, SMTP_MESSAGE_HEAD_MAX);
	fw.b = &field;
	fw.rc = SMTP_OK;
	put(&fw, name, name_len);
	put(&fw, ":", 1);
	if (value_len > 0 && value[0] != '\r' && value[0] != '\n') {
		put(&fw, " ", 1);
	}
	body = field.len;
	put_crlf(&fw, value, value_len);
	if (fw.rc == SMTP_OK) {
		rc = put_folded(w, field.data, field.len, body, fold, err);
	} else {
		w->rc = fw.rc;
	}
	smtp_buf_destroy(&field);
	return rc;
}

static smtp_rc_t compose(const smtp_compose_t *in, smtp_composed_t *out, smtp_header_list_t *hl,
                         smtp_error_t *err)
{
	writer_t w;
	const smtp_header_t *hfrom;
	bool has_to = in->to != NULL && in->to_len > 0;
	bool fold;
	size_t i, text;
	smtp_rc_t rc;

	if (has_to) {
		if ((rc = check_text("to", in->to, in->to_len, err)) != SMTP_OK) {
			return rc;
		}
		if ((rc = smtp_addr_list_parse(&out->rcpts, in->to, in->to_len, err)) != SMTP_OK) {
			return with_prefix(err, rc, "to");
		}
	}
	if (in->subject != NULL &&
	    (rc = check_text("subject", in->subject, in->subject_len, err)) != SMTP_OK) {
		return rc;
	}
	text = in->headers_len;
	if (in->headers != NULL) {
		rc = in->mail_parity ? smtp_headers_parse_until_text(hl, in->headers, in->headers_len, &text, err)
		                     : smtp_headers_parse(hl, in->headers, in->headers_len, err);
		if (rc != SMTP_OK) {
			return with_prefix(err, rc, "additional headers");
		}
	}
	if ((rc = add_field_rcpts(hl, "To", &out->rcpts, err)) != SMTP_OK ||
	    (rc = add_field_rcpts(hl, "Cc", &out->rcpts, err)) != SMTP_OK ||
	    (rc = add_field_rcpts(hl, "Bcc", &out->rcpts, err)) != SMTP_OK) {
		return rc;
	}
	/* A DKIM-Signature the caller made covers the fields as written: folding
	 * would break it, so then a line too long stays an error (the scan's). */
	fold = smtp_headers_find(hl, "DKIM-Signature") == NULL;
	/* "From: " with nothing (PHPMailer without setFrom()) is as if absent. */
	hfrom = NULL;
	for (i = 0; i < hl->count && hfrom == NULL; i++) {
		if (smtp_header_is(&hl->items[i], "From") && !is_blank(hl->items[i].value, hl->items[i].value_len)) {
			hfrom = &hl->items[i];
		}
	}
	if (hfrom != NULL) {
		rc = smtp_addr_parse_mailbox(hfrom->value, hfrom->value_len, &out->from_addr, err);
		if (rc != SMTP_OK) {
			return with_prefix(err, rc, "From field");
		}
	} else if (in->from != NULL) {
		/* Written into the head as given, so no line break at all, not even a fold. */
		if (strchr(in->from, '\r') != NULL || strchr(in->from, '\n') != NULL) {
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "from contains a line break (header injection?)");
		}
		rc = smtp_addr_parse_mailbox(in->from, strlen(in->from), &out->from_addr, err);
		if (rc != SMTP_OK) {
			return with_prefix(err, rc, "from");
		}
	}

	w.b = &out->head;
	w.rc = SMTP_OK;
	if (has_to) {
		rc = put_field(&w, "To", 2, in->to, in->to_len, fold, err);
		if (rc != SMTP_OK) {
			return rc;
		}
	}
	if (in->subject != NULL && in->subject_len == 0) {
		puts_(&w, "Subject:\r\n");
	} else if (in->subject != NULL && is_ascii(in->subject, in->subject_len)) {
		rc = put_field(&w, "Subject", 7, in->subject, in->subject_len, fold, err);
		if (rc != SMTP_OK) {
			return rc;
		}
	} else if (in->subject != NULL && (rc = put_subject_8bit(&w, in, hl, err)) != SMTP_OK) {
		return rc;
	}
	for (i = 0; i < hl->count; i++) {
		const smtp_header_t *h = &hl->items[i];
		if (smtp_header_is(h, "Bcc")) {
			/* RFC 5322 3.6.3: Bcc recipients must not be revealed to the others. */
			continue;
		}
		if (smtp_header_is(h, "From") && is_blank(h->value, h->value_len)) {
			continue; /* replaced below, as if absent */
		}
		rc = put_field(&w, h->name, h->name_len, h->value, h->value_len, fold, err);
		if (rc != SMTP_OK) {
			return rc;
		}
	}
	if (hfrom == NULL && in->from != NULL && (rc = put_from(&w, in->from, out->from_addr, err)) != SMTP_OK) {
		/* Only one From (RFC 5322 3.6): an empty one was dropped above. */
		return rc;
	}
	if (smtp_headers_find(hl, "Date") == NULL && (rc = put_date(&w, in->now, err)) != SMTP_OK) {
		return rc;
	}
	if (smtp_headers_find(hl, "Message-ID") == NULL &&
	    (rc = put_message_id(&w, in, out->from_addr, err)) != SMTP_OK) {
		return rc;
	}
	put(&w, "\r\n", 2);
	if (text < in->headers_len) {
		/* The block's text lines start the body, followed by the empty line
		 * mail() put after the block: what sendmail's MTA delivers. */
		put_crlf(&w, in->headers + text, in->headers_len - text);
		if (in->headers[in->headers_len - 1] != '\n') {
			put(&w, "\r\n", 2);
		}
		put(&w, "\r\n", 2);
	}
	if (w.rc == SMTP_E_LIMIT) {
		return smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_MESSAGE, 0,
		                      "the message header exceeds %d octets", SMTP_MESSAGE_HEAD_MAX);
	}
	if (w.rc != SMTP_OK) {
		return smtp_error_set(err, w.rc, SMTP_STAGE_MESSAGE, 0, "out of memory");
	}
	return SMTP_OK;
}

void smtp_composed_init(smtp_composed_t *c)
{
	smtp_buf_init(&c->head, SMTP_MESSAGE_HEAD_MAX);
	smtp_addr_list_init(&c->rcpts);
	c->from_addr = NULL;
}

void smtp_composed_destroy(smtp_composed_t *c)
{
	smtp_buf_destroy(&c->head);
	smtp_addr_list_destroy(&c->rcpts);
	free(c->from_addr);
	c->from_addr = NULL;
}

smtp_rc_t smtp_message_compose(const smtp_compose_t *in, smtp_composed_t *out, smtp_error_t *err)
{
	smtp_header_list_t hl;
	smtp_rc_t rc;

	smtp_composed_destroy(out);
	smtp_composed_init(out);
	smtp_header_list_init(&hl);
	rc = compose(in, out, &hl, err);
	smtp_header_list_destroy(&hl);
	if (rc != SMTP_OK) {
		smtp_composed_destroy(out);
		smtp_composed_init(out);
	}
	return rc;
}
