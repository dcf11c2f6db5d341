/* smtp_ehlo.c: see smtp_ehlo.h. */
#include "smtp_ehlo.h"
#include "smtp_sasl.h"

#include <string.h>

/* A word of an EHLO line: s[0..n), not NUL-terminated. */
typedef struct {
	const char *s;
	size_t n;
} word_t;

static char ascii_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* RFC 5321 2.4: keywords are not case sensitive. ASCII only, whatever the locale. */
static bool word_is(word_t w, const char *upper)
{
	size_t i;

	for (i = 0; i < w.n; i++) {
		if (upper[i] == '\0' || ascii_upper(w.s[i]) != upper[i]) {
			return false;
		}
	}
	return upper[i] == '\0';
}

/* Cuts the next word off [*pos, end): words are separated by SP (RFC 5321
 * 4.1.1.1) and, leniently, by tabs. Returns false at the end of the line. */
static bool next_word(const char *line, size_t end, size_t *pos, word_t *w)
{
	size_t i = *pos;

	while (i < end && (line[i] == ' ' || line[i] == '\t')) {
		i++;
	}
	if (i == end) {
		*pos = i;
		return false;
	}
	w->s = line + i;
	while (i < end && line[i] != ' ' && line[i] != '\t') {
		i++;
	}
	w->n = (size_t)(line + i - w->s);
	*pos = i;
	return true;
}

/* The mechanisms smtpmail speaks are the rows of smtp_sasl.c's table. */
static unsigned auth_mechanism(word_t w)
{
	const smtp_sasl_mech_t *m = smtp_sasl_mech_named(w.s, w.n);
	return m != NULL ? m->bit : 0;
}

/* RFC 1870 3: size-param = [1*DIGIT]. Anything unreadable (a non-digit, a
 * number past uint64_t) is taken as "no limit stated": the server still
 * enforces its limit with a 552 at MAIL or DATA, so nothing is lost. */
static uint64_t size_param(const char *line, size_t end, size_t pos)
{
	word_t w;
	uint64_t v = 0;
	size_t i;

	if (!next_word(line, end, &pos, &w)) {
		return 0;
	}
	for (i = 0; i < w.n; i++) {
		unsigned d;
		if (w.s[i] < '0' || w.s[i] > '9') {
			return 0;
		}
		d = (unsigned)(w.s[i] - '0');
		if (v > (UINT64_MAX - d) / 10) {
			return 0;
		}
		v = v * 10 + d;
	}
	return v;
}

/* Remembers a mechanism name for messages, known to us or not; duplicates and overflow are dropped. */
static void note_mechanism(smtp_caps_t *caps, word_t w)
{
	size_t used = strlen(caps->auth_offered);
	char name[SMTP_CAPS_AUTH_TEXT_MAX];
	size_t n;

	caps->auth_announced = true;
	if (w.n == 0) {
		return;
	}
	n = smtp_text_sanitize(name, sizeof(name), w.s, w.n);
	for (const char *p = caps->auth_offered; (p = strstr(p, name)) != NULL; p += n) {
		if ((p == caps->auth_offered || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ')) {
			return;
		}
	}
	if (used + (used > 0) + n + 1 > sizeof(caps->auth_offered)) {
		return;
	}
	if (used > 0) {
		caps->auth_offered[used++] = ' ';
	}
	memcpy(caps->auth_offered + used, name, n + 1);
}

static void parse_line(smtp_caps_t *caps, const char *line, size_t end)
{
	size_t pos = 0;
	word_t kw, w;

	if (!next_word(line, end, &pos, &kw)) {
		return;
	}
	/* Before RFC 2554 was final, servers announced "AUTH=LOGIN PLAIN", and
	 * some still add it beside "AUTH ..." for old clients: take the union. */
	if (kw.n >= 5 && word_is((word_t){ kw.s, 5 }, "AUTH=")) {
		caps->auth |= auth_mechanism((word_t){ kw.s + 5, kw.n - 5 });
		note_mechanism(caps, (word_t){ kw.s + 5, kw.n - 5 });
		kw.n = 4;
	}
	if (word_is(kw, "AUTH")) {
		caps->auth_announced = true;
		while (next_word(line, end, &pos, &w)) {
			caps->auth |= auth_mechanism(w);
			note_mechanism(caps, w);
		}
	} else if (word_is(kw, "SIZE")) {
		/* A repeated SIZE line overrides the earlier one. */
		caps->size_announced = true;
		caps->size = size_param(line, end, pos);
	} else if (word_is(kw, "PIPELINING")) {
		caps->pipelining = true;
	} else if (word_is(kw, "STARTTLS")) {
		caps->starttls = true;
	} else if (word_is(kw, "8BITMIME")) {
		caps->eightbitmime = true;
	} else if (word_is(kw, "SMTPUTF8")) {
		caps->smtputf8 = true;
	} else if (word_is(kw, "ENHANCEDSTATUSCODES")) {
		caps->enhancedstatuscodes = true;
	} else if (word_is(kw, "CHUNKING")) {
		caps->chunking = true;
	} else if (word_is(kw, "DSN")) {
		caps->dsn = true;
	}
}

void smtp_caps_parse(smtp_caps_t *caps, const smtp_reply_t *ehlo_reply)
{
	const char *text, *nl;
	size_t len, start, end;

	memset(caps, 0, sizeof(*caps));
	if (ehlo_reply == NULL || ehlo_reply->text.data == NULL) {
		return;
	}
	text = ehlo_reply->text.data;
	len = ehlo_reply->text.len;
	/* RFC 5321 4.1.1.1: the first line is "domain [SP ehlo-greet]", not a keyword. */
	nl = memchr(text, '\n', len);
	if (nl == NULL) {
		return;
	}
	for (start = (size_t)(nl - text) + 1; start <= len; start = end + 1) {
		nl = memchr(text + start, '\n', len - start);
		end = nl != NULL ? (size_t)(nl - text) : len;
		parse_line(caps, text + start, end - start);
	}
}
