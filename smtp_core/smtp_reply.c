/* smtp_reply.c: see smtp_reply.h. */
#include "smtp_reply.h"

#include <string.h>

/* RFC 5321 4.5.3.1.5 counts the CRLF in the line length: keep the same
 * convention, so a line holds at most this many octets before its CR LF. */
#define SMTP_REPLY_LINE_TEXT_MAX (SMTP_REPLY_LINE_MAX - 2)

#define STR_(x) #x
#define STR(x) STR_(x)

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Records a sticky error quoting the line read so far, and returns rc. */
static smtp_rc_t fail(smtp_reply_parser_t *p, smtp_rc_t rc, smtp_stage_t stage,
                      smtp_error_t *err, const char *what)
{
	char quote[SMTP_REPLY_QUOTE_MAX];

	smtp_text_sanitize(quote, sizeof(quote), p->line, p->line_len);
	p->rc = smtp_error_set(&p->error, rc, stage, 0, "bad %s reply: %s: \"%s\"",
	                       smtp_stage_name(stage), what, quote);
	if (err != NULL) {
		*err = p->error;
	}
	return rc;
}

/* Checks the start of the line in p->line: RFC 5321 4.2, Reply-line =
 * *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF.
 * Called once per line, when it ends or when it is long enough to fill an
 * error's quote, whichever comes first: a non-SMTP peer ("SSH-2.0-...") is
 * refused within a few dozen bytes, quoted legibly, and the result does not
 * depend on how the input was cut into chunks. The grammar allows only 0-5 as
 * the second digit; any digit is accepted here, as servers are not that strict. */
static smtp_rc_t check_line_start(smtp_reply_parser_t *p, smtp_stage_t stage, smtp_error_t *err)
{
	const char *l = p->line;

	if (p->line_len < 3 || l[0] < '2' || l[0] > '5' || !is_digit(l[1]) || !is_digit(l[2])) {
		return fail(p, SMTP_E_PROTOCOL, stage, err, "no 3-digit code 200-599");
	}
	if (p->line_len > 3 && l[3] != ' ' && l[3] != '-') {
		return fail(p, SMTP_E_PROTOCOL, stage, err, "code not followed by ' ', '-' or end of line");
	}
	/* RFC 5321 4.2.1: every line of a multi-line reply carries the same code. */
	if (p->reply.lines > 0 && (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0') != p->reply.code) {
		return fail(p, SMTP_E_PROTOCOL, stage, err, "code differs from the first line's");
	}
	return SMTP_OK;
}

/* RFC 3463 2 / RFC 2034 4: status-code = class "." subject "." detail, class
 * 2, 4 or 5, subject and detail 1*3digit, then SP or the end of the text. A
 * class that contradicts the reply code is not trusted, so none is kept. */
static void take_enhanced(smtp_reply_t *r, const char *s, size_t n)
{
	size_t i = 2, part, digits;

	r->enhanced[0] = '\0';
	if (n < 5 || s[0] == '3' || s[0] != r->code / 100 + '0' || s[1] != '.') {
		return;
	}
	for (part = 0; part < 2; part++) {
		digits = 0;
		/* A fourth digit fails the check for '.', SP or the end that follows. */
		while (i < n && is_digit(s[i]) && digits < 3) {
			i++;
			digits++;
		}
		if (digits == 0) {
			return;
		}
		if (part == 0) {
			if (i >= n || s[i] != '.') {
				return;
			}
			i++;
		}
	}
	if (i < n && s[i] != ' ') {
		return;
	}
	/* i <= 1 + 1 + 3 + 1 + 3 = 9 < SMTP_ENHANCED_MAX */
	memcpy(r->enhanced, s, i);
	r->enhanced[i] = '\0';
}

/* A whole line (CR LF stripped) is in p->line. Adds it to the reply; *last
 * tells whether it ends the reply. */
static smtp_rc_t end_line(smtp_reply_parser_t *p, bool *last, smtp_stage_t stage, smtp_error_t *err)
{
	smtp_reply_t *r = &p->reply;
	const char *text;
	size_t text_len;
	smtp_rc_t rc;

	if (p->line_len < SMTP_REPLY_QUOTE_MAX && (rc = check_line_start(p, stage, err)) != SMTP_OK) {
		return rc;
	}
	/* RFC 5321 4.2: a bare "250" CRLF is a valid last line; "250-" an empty continuation. */
	*last = p->line_len == 3 || p->line[3] == ' ';
	text = p->line_len > 4 ? p->line + 4 : "";
	text_len = p->line_len > 4 ? p->line_len - 4 : 0;

	if (r->lines >= SMTP_REPLY_LINES_MAX) {
		return fail(p, SMTP_E_LIMIT, stage, err, "more than " STR(SMTP_REPLY_LINES_MAX) " lines");
	}
	if (r->text.len + (r->lines > 0 ? 1 : 0) + text_len > SMTP_REPLY_TEXT_MAX) {
		return fail(p, SMTP_E_LIMIT, stage, err, "text longer than " STR(SMTP_REPLY_TEXT_MAX) " octets");
	}
	if (r->lines == 0) {
		r->code = (p->line[0] - '0') * 100 + (p->line[1] - '0') * 10 + (p->line[2] - '0');
		take_enhanced(r, text, text_len);
	} else if ((rc = smtp_buf_append_char(&r->text, '\n')) != SMTP_OK) {
		return fail(p, rc, stage, err, "no memory for the reply");
	}
	/* The append of 0 bytes also gives an empty text its NUL-terminated storage. */
	if ((rc = smtp_buf_append(&r->text, text, text_len)) != SMTP_OK) {
		return fail(p, rc, stage, err, "no memory for the reply");
	}
	r->lines++;
	p->line_len = 0;
	return SMTP_OK;
}

static void reply_reset(smtp_reply_t *r)
{
	r->code = 0;
	r->enhanced[0] = '\0';
	smtp_buf_reset(&r->text);
	r->lines = 0;
}

void smtp_reply_parser_init(smtp_reply_parser_t *p)
{
	p->reply.code = 0;
	p->reply.enhanced[0] = '\0';
	smtp_buf_init(&p->reply.text, SMTP_REPLY_TEXT_MAX);
	p->reply.lines = 0;
	p->line_len = 0;
	p->cr = false;
	p->complete = false;
	p->rc = SMTP_OK;
	smtp_error_clear(&p->error);
}

void smtp_reply_parser_destroy(smtp_reply_parser_t *p)
{
	if (p == NULL) {
		return;
	}
	smtp_buf_destroy(&p->reply.text);
	p->reply.lines = 0;
	p->line_len = 0;
}

smtp_rc_t smtp_reply_feed(smtp_reply_parser_t *p, const char *data, size_t len,
                          size_t *used, bool *done, smtp_stage_t stage, smtp_error_t *err)
{
	size_t i;
	smtp_rc_t rc;
	bool last;

	*used = 0;
	*done = false;
	if (p->rc != SMTP_OK) {
		if (err != NULL) {
			*err = p->error;
		}
		return p->rc;
	}
	if (p->complete) {
		reply_reset(&p->reply);
		p->complete = false;
	}
	for (i = 0; i < len; i++) {
		char c = data[i];

		/* On error the offending byte counts as consumed: the session is over anyway. */
		*used = i + 1;
		if (p->cr && c != '\n') {
			return fail(p, SMTP_E_PROTOCOL, stage, err, "CR not followed by LF");
		}
		if (c == '\n') {
			/* RFC 5321 2.3.8 wants CRLF; a bare LF is accepted (lenient), a bare CR is not. */
			p->cr = false;
			if ((rc = end_line(p, &last, stage, err)) != SMTP_OK) {
				return rc;
			}
			if (last) {
				p->complete = true;
				*done = true;
				return SMTP_OK;
			}
		} else if (c == '\r') {
			p->cr = true;
		} else if (c == '\0') {
			return fail(p, SMTP_E_PROTOCOL, stage, err, "NUL byte");
		} else {
			if (p->line_len >= SMTP_REPLY_LINE_TEXT_MAX) {
				return fail(p, SMTP_E_LIMIT, stage, err, "line longer than " STR(SMTP_REPLY_LINE_MAX) " octets");
			}
			p->line[p->line_len++] = c;
			if (p->line_len == SMTP_REPLY_QUOTE_MAX && (rc = check_line_start(p, stage, err)) != SMTP_OK) {
				return rc;
			}
		}
	}
	*used = len;
	return SMTP_OK;
}

/* Output with a hard capacity that marks a cut with "...", as smtp_text_sanitize() does. */
typedef struct {
	char *out;
	size_t cap;
	size_t n;
	bool cut;
} sink_t;

static void sink_put(sink_t *s, char c)
{
	unsigned char u = (unsigned char)c;

	if (s->n + 1 >= s->cap) {
		s->cut = true;
		return;
	}
	s->out[s->n++] = (u >= 0x20 && u < 0x7f) ? c : '?';
}

static size_t sink_end(sink_t *s)
{
	if (s->cap == 0) {
		return 0;
	}
	if (s->cut && s->cap > 4) {
		if (s->n > s->cap - 4) {
			s->n = s->cap - 4;
		}
		memcpy(s->out + s->n, "...", 3);
		s->n += 3;
	}
	s->out[s->n] = '\0';
	return s->n;
}

size_t smtp_reply_format(const smtp_reply_t *r, char *out, size_t cap)
{
	sink_t s;
	size_t i;

	s.out = out;
	s.cap = cap;
	s.n = 0;
	s.cut = false;
	if (r->code >= 100 && r->code <= 999) {
		sink_put(&s, (char)('0' + r->code / 100));
		sink_put(&s, (char)('0' + r->code / 10 % 10));
		sink_put(&s, (char)('0' + r->code % 10));
	} else {
		sink_put(&s, '?');
	}
	/* Only lines 2.. are separated; an empty text (bare "250") gets no blank. */
	if (r->text.data != NULL && r->text.len > 0) {
		sink_put(&s, ' ');
		for (i = 0; i < r->text.len && !s.cut; i++) {
			if (r->text.data[i] == '\n') {
				sink_put(&s, ' ');
				sink_put(&s, '/');
				sink_put(&s, ' ');
			} else {
				sink_put(&s, r->text.data[i]);
			}
		}
	}
	return sink_end(&s);
}

static bool is_id_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c)
	       || c == '.' || c == '_' || c == '@' || c == '-' || c == '+' || c == '=' || c == '/';
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Position just after the first occurrence of marker (lower case) that begins
 * the text, a line or a word, compared without regard to case; 0 if none. */
static size_t find_marker(const char *s, size_t n, const char *marker)
{
	size_t m = strlen(marker), i, j;

	for (i = 0; i + m <= n; i++) {
		if (i > 0 && s[i - 1] != ' ' && s[i - 1] != '\n' && s[i - 1] != '\t') {
			continue;
		}
		for (j = 0; j < m && ascii_lower(s[i + j]) == marker[j]; j++) {
		}
		if (j == m) {
			return i + m;
		}
	}
	return 0;
}

bool smtp_reply_queue_id(const smtp_reply_t *r, char *out, size_t cap)
{
	/* Postfix smtpd: "250 2.0.0 Ok: queued as 4XyZ12"; Exim: "250 OK id=1abc-0007-XY". */
	static const char *const markers[] = { "queued as ", "id=" };
	size_t k, at, end, n;

	if (cap == 0) {
		return false;
	}
	out[0] = '\0';
	if (r->text.data == NULL) {
		return false;
	}
	for (k = 0; k < sizeof(markers) / sizeof(markers[0]); k++) {
		at = find_marker(r->text.data, r->text.len, markers[k]);
		if (at == 0) {
			continue;
		}
		for (end = at; end < r->text.len && is_id_char(r->text.data[end]); end++) {
		}
		if (end == at) {
			continue;
		}
		n = end - at < cap - 1 ? end - at : cap - 1;
		memcpy(out, r->text.data + at, n);
		out[n] = '\0';
		return true;
	}
	return false;
}
