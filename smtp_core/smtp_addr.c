/* smtp_addr.c: see smtp_addr.h.
 *
 * A small lexer turns the text into RFC 5322 tokens (atoms, quoted strings,
 * domain literals and the specials of 3.2.3), skipping CFWS between them, and
 * a recursive-descent parser over those tokens follows the grammar of 3.4 with
 * the obsolete forms of 4.4 (CFWS around '.' and '@', empty list elements,
 * source routes). Recursion is bounded: groups cannot nest and comments are
 * skipped with a counter, so no input can exhaust the stack.
 */
#include "smtp_addr.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_buf.h"
#include "smtp_idna.h"

/* Room for an excerpt of the input quoted in an error message (sanitised). */
#define SMTP_ADDR_QUOTE_MAX 64
/* Bytes of context shown on each side of a bad byte. */
#define SMTP_ADDR_CONTEXT 24
/* First allocation of a list's item array. */
#define SMTP_ADDR_LIST_INITIAL 8

typedef enum { TOK_END, TOK_ATOM, TOK_QSTRING, TOK_DLIT, TOK_SPECIAL } tok_kind_t;

/* A token is a span [start, end) of the input; quotes and brackets included. */
typedef struct {
	tok_kind_t kind;
	size_t start;
	size_t end;
	char c; /* the special character, for TOK_SPECIAL */
} tok_t;

typedef enum { ADDR_MODE_LIST, ADDR_MODE_GROUP, ADDR_MODE_MAILBOX } addr_mode_t;

typedef struct {
	const char *p;
	size_t len;
	size_t pos;
	size_t last_end;         /* end of the last token taken, for excerpts */
	size_t elem;             /* where the current list element began, for excerpts */
	const char *what;        /* "address list" or "address", for messages */
	smtp_addr_list_t *list;  /* list mode: where addresses go */
	char *single;            /* mailbox mode: the one address found */
	smtp_error_t *err;
} parser_t;

/* A canonical addr-spec being built; over is set instead of overflowing. */
typedef struct {
	char s[SMTP_ADDR_MAX + 1];
	size_t len;
	bool over;
} addr_buf_t;

static bool is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5322 3.2.3 atext, plus octets >= 0x80 (RFC 6532 3.2: UTF8-non-ascii) for
 * UTF-8 display names and addresses; an addr-spec checks them later. */
static bool is_atext(unsigned char c)
{
	if (c >= 0x80 || is_alnum(c)) {
		return true;
	}
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* RFC 5234 B.1 CTL, except HTAB, which is white space here. */
static bool is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* RFC 5322 3.2.1 quoted-pair: a backslash then VCHAR or WSP (8-bit text allowed per RFC 6532). */
static bool is_qp_char(unsigned char c)
{
	return !is_ctl(c);
}

/* RFC 5322 3.2.2: a line break may only be the CRLF of folding white space,
 * so it must be followed by SP or HTAB. A bare LF counts as CRLF because PHP
 * users write it. Returns the length of the break, 0 when it is no fold. */
static size_t fold_len(const char *p, size_t len, size_t at)
{
	if (p[at] == '\r') {
		return at + 2 < len && p[at + 1] == '\n' && is_wsp((unsigned char)p[at + 2]) ? 2 : 0;
	}
	return at + 1 < len && is_wsp((unsigned char)p[at + 1]) ? 1 : 0;
}

static void excerpt(char *dst, const parser_t *ps, size_t from, size_t to)
{
	if (to > ps->len) {
		to = ps->len;
	}
	if (from > to) {
		from = to;
	}
	smtp_text_sanitize(dst, SMTP_ADDR_QUOTE_MAX, ps->p + from, to - from);
}

static smtp_rc_t fail_byte(parser_t *ps, size_t at)
{
	char q[SMTP_ADDR_QUOTE_MAX];
	unsigned char c = (unsigned char)ps->p[at];

	excerpt(q, ps, at > SMTP_ADDR_CONTEXT ? at - SMTP_ADDR_CONTEXT : 0, at + SMTP_ADDR_CONTEXT);
	if (c == '\0') {
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "%s contains a NUL byte near '%s'", ps->what, q);
	}
	if (c == '\r' || c == '\n') {
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "%s contains a line break that is not part of a fold "
		                      "(header injection?) near '%s'", ps->what, q);
	}
	return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
	                      "%s contains control byte 0x%02X near '%s'", ps->what, c, q);
}

static smtp_rc_t fail_unbalanced(parser_t *ps, char c, size_t from)
{
	char q[SMTP_ADDR_QUOTE_MAX];

	excerpt(q, ps, from, ps->len);
	return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
	                      "%s has an unbalanced '%c' in '%s'", ps->what, c, q);
}

/* RFC 5322 3.2.2 FWS at ps->pos (a CR or LF): a line break (fold_len) and white space. */
static smtp_rc_t skip_fold(parser_t *ps)
{
	size_t n = fold_len(ps->p, ps->len, ps->pos);

	if (n == 0) {
		return fail_byte(ps, ps->pos);
	}
	ps->pos += n;
	return SMTP_OK;
}

/* One step inside a comment or a quoted string, at anything but its
 * delimiters: a quoted-pair, a fold or one byte of text. A backslash that
 * ends the input is taken, so the caller's loop ends and reports the
 * missing close. */
static smtp_rc_t skip_quoted_text(parser_t *ps)
{
	unsigned char c = (unsigned char)ps->p[ps->pos];

	if (c == '\\') {
		if (ps->pos + 1 >= ps->len) {
			ps->pos = ps->len;
		} else if (!is_qp_char((unsigned char)ps->p[ps->pos + 1])) {
			return fail_byte(ps, ps->pos + 1);
		} else {
			ps->pos += 2;
		}
	} else if (c == '\r' || c == '\n') {
		return skip_fold(ps);
	} else if (is_ctl(c)) {
		return fail_byte(ps, ps->pos);
	} else {
		ps->pos++;
	}
	return SMTP_OK;
}

/* RFC 5322 3.2.2 comment: nested parentheses, quoted-pairs and folds. Iterative,
 * so deep nesting costs no stack. ps->pos is at the '('. */
static smtp_rc_t skip_comment(parser_t *ps)
{
	size_t open = ps->pos, depth = 0;

	while (ps->pos < ps->len) {
		unsigned char c = (unsigned char)ps->p[ps->pos];
		if (c == '(') {
			depth++;
			ps->pos++;
		} else if (c == ')') {
			ps->pos++;
			if (--depth == 0) {
				return SMTP_OK;
			}
		} else {
			smtp_rc_t rc = skip_quoted_text(ps);
			if (rc != SMTP_OK) {
				return rc;
			}
		}
	}
	return fail_unbalanced(ps, '(', open);
}

/* RFC 5322 3.2.2 CFWS: white space, folds and comments. */
static smtp_rc_t skip_cfws(parser_t *ps)
{
	while (ps->pos < ps->len) {
		unsigned char c = (unsigned char)ps->p[ps->pos];
		if (is_wsp(c)) {
			ps->pos++;
		} else if (c == '\r' || c == '\n') {
			smtp_rc_t rc = skip_fold(ps);
			if (rc != SMTP_OK) {
				return rc;
			}
		} else if (c == '(') {
			smtp_rc_t rc = skip_comment(ps);
			if (rc != SMTP_OK) {
				return rc;
			}
		} else {
			break;
		}
	}
	return SMTP_OK;
}

/* RFC 5322 3.2.4 quoted-string; ps->pos is at the opening quote. */
static smtp_rc_t scan_qstring(parser_t *ps)
{
	size_t open = ps->pos++;
	smtp_rc_t rc;

	while (ps->pos < ps->len) {
		unsigned char c = (unsigned char)ps->p[ps->pos];
		if (c == '"') {
			ps->pos++;
			return SMTP_OK;
		}
		rc = skip_quoted_text(ps);
		if (rc != SMTP_OK) {
			return rc;
		}
	}
	return fail_unbalanced(ps, '"', open);
}

/* RFC 5322 3.4.1 domain-literal, without the obsolete quoted-pairs and without
 * inner white space, which RFC 5321 4.1.3 address literals cannot hold anyway.
 * The contents are checked later. ps->pos is at the '['. */
static smtp_rc_t scan_dlit(parser_t *ps)
{
	size_t open = ps->pos++;

	while (ps->pos < ps->len) {
		unsigned char c = (unsigned char)ps->p[ps->pos];
		if (c == ']') {
			ps->pos++;
			return SMTP_OK;
		}
		if (c == '\r' || c == '\n' || is_ctl(c)) {
			return fail_byte(ps, ps->pos);
		}
		if (c == '[' || c == '\\' || is_wsp(c)) {
			char q[SMTP_ADDR_QUOTE_MAX];
			excerpt(q, ps, open, ps->pos + 1);
			return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "%s has an invalid domain literal '%s'", ps->what, q);
		}
		ps->pos++;
	}
	return fail_unbalanced(ps, '[', open);
}

static smtp_rc_t next_tok(parser_t *ps, tok_t *t)
{
	smtp_rc_t rc = skip_cfws(ps);
	unsigned char c;

	if (rc != SMTP_OK) {
		return rc;
	}
	t->start = ps->pos;
	t->c = '\0';
	if (ps->pos >= ps->len) {
		t->kind = TOK_END;
		t->end = ps->pos;
		return SMTP_OK;
	}
	c = (unsigned char)ps->p[ps->pos];
	if (is_atext(c)) {
		while (ps->pos < ps->len && is_atext((unsigned char)ps->p[ps->pos])) {
			ps->pos++;
		}
		t->kind = TOK_ATOM;
	} else if (c == '"') {
		rc = scan_qstring(ps);
		t->kind = TOK_QSTRING;
	} else if (c == '[') {
		rc = scan_dlit(ps);
		t->kind = TOK_DLIT;
	} else if (c != '\0' && strchr("<>@,:;.", c) != NULL) {
		ps->pos++;
		t->kind = TOK_SPECIAL;
		t->c = (char)c;
	} else if (c == ')' || c == ']') {
		char q[SMTP_ADDR_QUOTE_MAX];
		excerpt(q, ps, ps->elem, ps->pos + 1);
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "%s has an unbalanced '%c' in '%s'", ps->what, c, q);
	} else if (c == '\\') {
		char q[SMTP_ADDR_QUOTE_MAX];
		excerpt(q, ps, ps->elem, ps->pos + 1);
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "%s has a '\\' outside a quoted string in '%s'", ps->what, q);
	} else {
		return fail_byte(ps, ps->pos);
	}
	if (rc != SMTP_OK) {
		return rc;
	}
	t->end = ps->pos;
	ps->last_end = ps->pos;
	return SMTP_OK;
}

static smtp_rc_t peek_tok(parser_t *ps, tok_t *t)
{
	size_t pos = ps->pos, last_end = ps->last_end;
	smtp_rc_t rc = next_tok(ps, t);

	ps->pos = pos;
	ps->last_end = last_end;
	return rc;
}

static bool is_special(const tok_t *t, char c)
{
	return t->kind == TOK_SPECIAL && t->c == c;
}

static bool is_word(const tok_t *t)
{
	return t->kind == TOK_ATOM || t->kind == TOK_QSTRING;
}

/* A '.' where a word must be: at the start of the local part or of the
 * domain (RFC 5322 3.2.3: a dot-atom has dots only between its atoms). The
 * message quotes the whole element, not only what was read before the dot. */
static smtp_rc_t fail_dot(parser_t *ps, const tok_t *t)
{
	char q[SMTP_ADDR_QUOTE_MAX];
	size_t end = t->end, before = t->start;

	while (end < ps->len && ps->p[end] != ',' && ps->p[end] != ';' && ps->p[end] != '\r' && ps->p[end] != '\n') {
		end++;
	}
	while (before > ps->elem && (ps->p[before - 1] == ' ' || ps->p[before - 1] == '\t')) {
		before--;
	}
	excerpt(q, ps, ps->elem, end);
	if (before > ps->elem && ps->p[before - 1] == '@') {
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "address '%s': the domain starts with '.'", q);
	}
	if (before == ps->elem || ps->p[before - 1] == '<') {
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "address '%s': the local part starts with '.' (dots may only separate words, "
		                      "RFC 5322 3.2.3)", q);
	}
	return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0, "address '%s' has a misplaced '.'", q);
}

/* The element so far, and the token that does not fit, named in one message. */
static smtp_rc_t fail_unexpected(parser_t *ps, const tok_t *t)
{
	char q[SMTP_ADDR_QUOTE_MAX], tq[SMTP_ADDR_QUOTE_MAX];

	if (t->kind == TOK_END) {
		excerpt(q, ps, ps->elem, ps->len);
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "%s ends too early in '%s'", ps->what, q);
	}
	if (is_special(t, '>')) {
		return fail_unbalanced(ps, '>', ps->elem);
	}
	if (is_special(t, '.')) {
		return fail_dot(ps, t);
	}
	excerpt(q, ps, ps->elem, t->end);
	excerpt(tq, ps, t->start, t->end);
	return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
	                      "unexpected '%s' in '%s'", tq, q);
}

/* What follows a complete address must be ',' or the end (or ';' in a group).
 * '<' there means the user wrote an unquoted display name that read as an
 * addr-spec ("a@b.example <c@d.example>", "J. Doe <j@x.example>" is fine). */
static smtp_rc_t fail_after_address(parser_t *ps, const tok_t *t)
{
	char q[SMTP_ADDR_QUOTE_MAX];

	if (!is_special(t, '<')) {
		return fail_unexpected(ps, t);
	}
	excerpt(q, ps, ps->elem, t->end);
	return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
	                      "unexpected '<' in '%s': a display name with '@' must be quoted", q);
}

static void buf_put(addr_buf_t *b, const char *s, size_t n)
{
	if (b->over || n > sizeof(b->s) - 1 - b->len) {
		b->over = true;
		return;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_putc(addr_buf_t *b, char c)
{
	buf_put(b, &c, 1);
}

/* The text a word stands for: an atom as is; a quoted string without its
 * quotes, with the CRLF of folds removed (RFC 5322 3.2.2 unfolding) and each
 * quoted-pair replaced by its second octet (3.2.1). */
static void word_decode(const parser_t *ps, const tok_t *t, addr_buf_t *b)
{
	size_t i;

	if (t->kind == TOK_ATOM) {
		buf_put(b, ps->p + t->start, t->end - t->start);
		return;
	}
	for (i = t->start + 1; i + 1 < t->end; i++) {
		char c = ps->p[i];
		if (c == '\r' || c == '\n') {
			continue;
		}
		if (c == '\\') {
			c = ps->p[++i];
		}
		buf_putc(b, c);
	}
}

/* RFC 5321 4.1.2 Dot-string: atoms of ASCII atext separated by single dots. */
static bool is_dot_string(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.') {
		return false;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (s[i - 1] == '.') {
				return false;
			}
		} else if (!is_atext(c)) {
			return false;
		}
	}
	return true;
}

/* Writes the local part raw (decoded) in its RFC 5321 4.1.2 form into out:
 * a Dot-string when it is one, else a Quoted-string escaping only '"' and
 * '\', so that equal mailboxes get equal strings. */
static smtp_rc_t local_canon(parser_t *ps, const addr_buf_t *raw, size_t from, size_t to,
                             addr_buf_t *out)
{
	char q[SMTP_ADDR_QUOTE_MAX];
	size_t i, start = out->len;

	excerpt(q, ps, from, to);
	for (i = 0; i < raw->len && !raw->over; i++) {
		unsigned char c = (unsigned char)raw->s[i];
		if (c >= 0x80) {
			/* RFC 6531 3.3: a UTF-8 local part (sent with SMTPUTF8); well-formed
			 * UTF-8 only, and no C1 control. */
			uint32_t cp;
			size_t k = smtp_utf8_next(raw->s + i, raw->len - i, &cp);
			if (k == 0) {
				return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
				                      "address '%s' has a local part that is neither ASCII nor valid UTF-8", q);
			}
			if (cp <= 0x9f) {
				return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
				                      "address '%s' has a control character in its local part", q);
			}
			i += k - 1;
			continue;
		}
		if (is_ctl(c) || c == '\t') {
			/* RFC 5321 4.1.2 qtextSMTP and quoted-pairSMTP allow no HTAB or CTL. */
			return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "address '%s' has a tab or control character in its local part",
			                      q);
		}
	}
	if (!raw->over && is_dot_string(raw->s, raw->len)) {
		buf_put(out, raw->s, raw->len);
	} else if (!raw->over) {
		buf_putc(out, '"');
		for (i = 0; i < raw->len; i++) {
			if (raw->s[i] == '"' || raw->s[i] == '\\') {
				buf_putc(out, '\\');
			}
			buf_putc(out, raw->s[i]);
		}
		buf_putc(out, '"');
	}
	if (raw->over || out->over || out->len - start > SMTP_ADDR_LOCAL_MAX) {
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "address '%s' has a local part longer than %d octets "
		                      "(RFC 5321 4.5.3.1.1)", q, SMTP_ADDR_LOCAL_MAX);
	}
	return SMTP_OK;
}

/* RFC 5321 4.1.2 sub-domain = Let-dig [Ldh-str]; RFC 1035 2.3.4 length. */
static bool is_label(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > SMTP_ADDR_LABEL_MAX) {
		return false;
	}
	if (!is_alnum((unsigned char)s[0]) || !is_alnum((unsigned char)s[n - 1])) {
		return false;
	}
	for (i = 1; i + 1 < n; i++) {
		if (!is_alnum((unsigned char)s[i]) && s[i] != '-') {
			return false;
		}
	}
	return true;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 5321 4.1.3 IPv4-address-literal: Snum 3("." Snum), Snum = 1*3DIGIT <= 255. */
static bool is_ipv4(const char *s, size_t n)
{
	size_t i = 0, parts = 0;

	for (;;) {
		size_t digits = 0;
		unsigned v = 0;
		while (i < n && is_digit((unsigned char)s[i]) && digits < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255) {
			return false;
		}
		if (++parts == 4) {
			return i == n;
		}
		if (i >= n || s[i] != '.') {
			return false;
		}
		i++;
	}
}

/* RFC 5321 4.1.3 IPv6-addr: eight groups of 1-4 hex digits, or fewer around
 * one "::" (which stands for at least two groups, so at most six remain);
 * the last two groups may be written as an IPv4 address. */
static bool is_ipv6(const char *s, size_t n)
{
	size_t i = 0, groups = 0;
	bool dcolon = false;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		dcolon = true;
		i = 2;
	} else if (n == 0 || s[0] == ':') {
		return false;
	}
	while (i < n) {
		size_t j = i, hex = 0;
		bool dot = false;
		while (j < n && (is_hex((unsigned char)s[j]) || s[j] == '.')) {
			if (s[j] == '.') {
				dot = true;
			}
			j++;
		}
		if (dot) {
			/* The IPv4 form must end the address and counts as two groups. */
			if (j != n || !is_ipv4(s + i, n - i)) {
				return false;
			}
			groups += 2;
			break;
		}
		hex = j - i;
		if (hex == 0 || hex > 4) {
			return false;
		}
		groups++;
		i = j;
		if (i == n) {
			break;
		}
		if (s[i] != ':' || ++i == n) {
			return false;
		}
		if (s[i] == ':') {
			if (dcolon) {
				return false;
			}
			dcolon = true;
			i++;
		}
	}
	return dcolon ? groups <= 6 : groups == 8;
}

/* RFC 5321 4.1.3 address-literal, s/n being the text between the brackets. */
static bool is_address_literal(const char *s, size_t n)
{
	size_t colon, i;

	if (is_ipv4(s, n)) {
		return true;
	}
	for (colon = 0; colon < n && s[colon] != ':'; colon++) {
	}
	if (colon == 0 || colon >= n - 1) {
		return false;
	}
	if (colon == 4 && (s[0] == 'I' || s[0] == 'i') && (s[1] == 'P' || s[1] == 'p') &&
	    (s[2] == 'v' || s[2] == 'V') && s[3] == '6') {
		return is_ipv6(s + 5, n - 5);
	}
	/* General-address-literal = Standardized-tag ":" 1*dcontent; Ldh-str ends in
	 * Let-dig. IANA registers no tag but IPv6, so dcontent is narrowed to
	 * letters, digits, '-', '.' and ':': a '@', '"' or '>' in it would only
	 * confuse whoever splits the address at its last '@'. */
	if (!is_alnum((unsigned char)s[colon - 1])) {
		return false;
	}
	for (i = 0; i < colon; i++) {
		if (!is_alnum((unsigned char)s[i]) && s[i] != '-') {
			return false;
		}
	}
	for (i = colon + 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!is_alnum(c) && c != '-' && c != '.' && c != ':') {
			return false;
		}
	}
	return true;
}

/* A domain label in UTF-8 (RFC 6531 3.3, RFC 5890): its A-label when
 * smtp_idna can check it, so that no SMTPUTF8 is needed; as written when it
 * holds a code point outside that subset (only an SMTPUTF8 relay takes it,
 * the session says so); refused when it can never be a label. */
static smtp_rc_t put_idna_label(parser_t *ps, size_t from, const tok_t *t, addr_buf_t *out)
{
	char q[SMTP_ADDR_QUOTE_MAX];
	char alabel[SMTP_IDNA_LABEL_MAX];
	const char *s = ps->p + t->start;
	size_t n = t->end - t->start, alen;
	uint32_t cp;
	smtp_idna_result_t r = smtp_idna_to_alabel(s, n, alabel, sizeof(alabel), &alen, &cp);

	excerpt(q, ps, from, t->end);
	if (r == SMTP_IDNA_OK) {
		buf_put(out, alabel, alen);
		return SMTP_OK;
	}
	if (r == SMTP_IDNA_UNCHECKED) {
		buf_put(out, s, n);
		return SMTP_OK;
	}
	switch (r) {
	case SMTP_IDNA_DISALLOWED:
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "address '%s' has U+%04X in its domain, which no domain name may contain "
		                      "(IDNA 2008, RFC 5892)%s", q, (unsigned)cp,
		                      cp >= 0x300 && cp <= 0x36f ? "; write the accented letter precomposed (NFC)"
		                      : cp == 0x3002 || cp == 0xff0e || cp == 0xff61 ? "; separate labels with '.'" : "");
	case SMTP_IDNA_BAD_UTF8:
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "address '%s' has a domain that is neither ASCII nor valid UTF-8", q);
	case SMTP_IDNA_BAD_HYPHEN:
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "address '%s' has a domain label that starts or ends with '-' or has \"--\" "
		                      "in its 3rd and 4th position (RFC 5891 4.2.3.1)", q);
	default:
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "address '%s' has a domain label longer than %d octets in its A-label "
		                      "(xn--) form (RFC 5890 2.3.2.1)", q, SMTP_IDNA_LABEL_MAX);
	}
}

/* The domain after '@': a host name (RFC 5321 4.1.2 Domain, CFWS around the
 * dots allowed as in RFC 5322 4.4) or an address literal. */
static smtp_rc_t parse_domain(parser_t *ps, size_t from, addr_buf_t *out)
{
	char q[SMTP_ADDR_QUOTE_MAX];
	tok_t t;
	smtp_rc_t rc = next_tok(ps, &t);

	if (rc != SMTP_OK) {
		return rc;
	}
	if (t.kind == TOK_DLIT) {
		if (!is_address_literal(ps->p + t.start + 1, t.end - t.start - 2)) {
			excerpt(q, ps, from, t.end);
			return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "address '%s' has an invalid address literal "
			                      "(RFC 5321 4.1.3)", q);
		}
		buf_put(out, ps->p + t.start, t.end - t.start);
		return SMTP_OK;
	}
	if (t.kind != TOK_ATOM) {
		if (t.kind == TOK_END || is_special(&t, ',') || is_special(&t, ';') ||
		    is_special(&t, '>')) {
			excerpt(q, ps, from, t.start);
			return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "address '%s' is missing the domain after '@'", q);
		}
		return fail_unexpected(ps, &t);
	}
	for (;;) {
		size_t i;
		for (i = t.start; i < t.end && (unsigned char)ps->p[i] < 0x80; i++) {
		}
		if (i < t.end) {
			if ((rc = put_idna_label(ps, from, &t, out)) != SMTP_OK) {
				return rc;
			}
		} else if (!is_label(ps->p + t.start, t.end - t.start)) {
			excerpt(q, ps, from, t.end);
			return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "address '%s' has an invalid domain: labels are letters, "
			                      "digits and inner hyphens, at most %d octets (RFC 5321 4.1.2)",
			                      q, SMTP_ADDR_LABEL_MAX);
		} else {
			buf_put(out, ps->p + t.start, t.end - t.start);
		}
		if ((rc = peek_tok(ps, &t)) != SMTP_OK) {
			return rc;
		}
		if (!is_special(&t, '.')) {
			return SMTP_OK;
		}
		buf_putc(out, '.');
		if ((rc = next_tok(ps, &t)) != SMTP_OK || (rc = next_tok(ps, &t)) != SMTP_OK) {
			return rc;
		}
		if (t.kind != TOK_ATOM) {
			excerpt(q, ps, from, t.end);
			return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "address '%s' has an empty label in its domain", q);
		}
	}
}

/* RFC 5322 3.4.1 addr-spec = local-part "@" domain, with the obsolete
 * local-part of 4.4 (words, quoted or not, joined by dots). */
static smtp_rc_t parse_addr_spec(parser_t *ps, addr_buf_t *out)
{
	char q[SMTP_ADDR_QUOTE_MAX];
	addr_buf_t raw;
	size_t start, local_end;
	tok_t t;
	smtp_rc_t rc;

	raw.len = 0;
	raw.over = false;
	raw.s[0] = '\0';
	if ((rc = next_tok(ps, &t)) != SMTP_OK) {
		return rc;
	}
	start = t.start;
	if (is_special(&t, '@')) {
		excerpt(q, ps, start, start + SMTP_ADDR_CONTEXT);
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "address '%s' has no local part before '@'", q);
	}
	if (!is_word(&t)) {
		return fail_unexpected(ps, &t);
	}
	word_decode(ps, &t, &raw);
	for (;;) {
		if ((rc = peek_tok(ps, &t)) != SMTP_OK) {
			return rc;
		}
		if (!is_special(&t, '.')) {
			break;
		}
		if ((rc = next_tok(ps, &t)) != SMTP_OK || (rc = next_tok(ps, &t)) != SMTP_OK) {
			return rc;
		}
		if (!is_word(&t)) {
			excerpt(q, ps, start, t.end);
			return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "address '%s' has a misplaced '.'", q);
		}
		buf_putc(&raw, '.');
		word_decode(ps, &t, &raw);
	}
	local_end = ps->last_end;
	if (t.kind == TOK_END || is_special(&t, ',') || is_special(&t, ';') || is_special(&t, '>')) {
		excerpt(q, ps, start, local_end);
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "address '%s' has no domain; a relay needs user@domain", q);
	}
	if (is_word(&t)) {
		excerpt(q, ps, start, t.end + SMTP_ADDR_CONTEXT);
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "'%s' is not an address: a display name must be followed by "
		                      "the address in angle brackets", q);
	}
	if (!is_special(&t, '@')) {
		return fail_unexpected(ps, &t);
	}
	if ((rc = next_tok(ps, &t)) != SMTP_OK) {
		return rc;
	}
	if ((rc = local_canon(ps, &raw, start, local_end, out)) != SMTP_OK) {
		return rc;
	}
	buf_putc(out, '@');
	if ((rc = parse_domain(ps, start, out)) != SMTP_OK) {
		return rc;
	}
	if (out->over) {
		excerpt(q, ps, start, ps->last_end);
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "address '%s' is longer than %d octets (RFC 5321 4.5.3.1.3)",
		                      q, SMTP_ADDR_MAX);
	}
	return SMTP_OK;
}

/* RFC 5322 4.4 obs-route: "@a.example,@b.example:" before the addr-spec in
 * angle brackets. RFC 5321 C says to ignore source routes, so it is skipped. */
static smtp_rc_t skip_route(parser_t *ps)
{
	tok_t t;
	smtp_rc_t rc;

	for (;;) {
		if ((rc = next_tok(ps, &t)) != SMTP_OK) {
			return rc;
		}
		if (is_special(&t, ':')) {
			return SMTP_OK;
		}
		if (is_special(&t, ',')) {
			continue;
		}
		if (!is_special(&t, '@')) {
			return fail_unexpected(ps, &t);
		}
		if ((rc = next_tok(ps, &t)) != SMTP_OK) {
			return rc;
		}
		if (t.kind == TOK_DLIT) {
			continue;
		}
		if (t.kind != TOK_ATOM) {
			return fail_unexpected(ps, &t);
		}
		for (;;) {
			if ((rc = peek_tok(ps, &t)) != SMTP_OK) {
				return rc;
			}
			if (!is_special(&t, '.')) {
				break;
			}
			if ((rc = next_tok(ps, &t)) != SMTP_OK || (rc = next_tok(ps, &t)) != SMTP_OK) {
				return rc;
			}
			if (t.kind != TOK_ATOM) {
				return fail_unexpected(ps, &t);
			}
		}
	}
}

static smtp_rc_t emit(parser_t *ps, const addr_buf_t *a)
{
	if (ps->list != NULL) {
		return smtp_addr_list_add(ps->list, a->s, a->len, ps->err);
	}
	free(ps->single);
	ps->single = malloc(a->len + 1);
	if (ps->single == NULL) {
		return smtp_error_set(ps->err, SMTP_E_NOMEM, SMTP_STAGE_MESSAGE, 0, "out of memory");
	}
	memcpy(ps->single, a->s, a->len + 1);
	return SMTP_OK;
}

/* After '<': [obs-route] addr-spec '>' (RFC 5322 3.4 angle-addr). */
static smtp_rc_t parse_angle(parser_t *ps, size_t open)
{
	addr_buf_t a;
	tok_t t;
	smtp_rc_t rc;

	a.len = 0;
	a.over = false;
	if ((rc = peek_tok(ps, &t)) != SMTP_OK) {
		return rc;
	}
	if (is_special(&t, '>')) {
		return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "empty address '<>' is not allowed here");
	}
	if (is_special(&t, '@') && (rc = skip_route(ps)) != SMTP_OK) {
		return rc;
	}
	if ((rc = parse_addr_spec(ps, &a)) != SMTP_OK) {
		return rc;
	}
	if ((rc = next_tok(ps, &t)) != SMTP_OK) {
		return rc;
	}
	if (t.kind == TOK_END) {
		return fail_unbalanced(ps, '<', open);
	}
	if (!is_special(&t, '>')) {
		return fail_unexpected(ps, &t);
	}
	return emit(ps, &a);
}

static smtp_rc_t parse_address(parser_t *ps, addr_mode_t mode);

/* After "display-name:": [group-list] ";" (RFC 5322 3.4, with the empty
 * elements of obs-group-list). */
static smtp_rc_t parse_group(parser_t *ps)
{
	size_t open = ps->elem;
	tok_t t;
	smtp_rc_t rc;

	for (;;) {
		if ((rc = peek_tok(ps, &t)) != SMTP_OK) {
			return rc;
		}
		if (is_special(&t, ';')) {
			ps->elem = open;
			return next_tok(ps, &t);
		}
		if (is_special(&t, ',')) {
			if ((rc = next_tok(ps, &t)) != SMTP_OK) {
				return rc;
			}
			continue;
		}
		if (t.kind == TOK_END) {
			char q[SMTP_ADDR_QUOTE_MAX];
			excerpt(q, ps, open, ps->len);
			return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "group '%s' is missing its closing ';'", q);
		}
		ps->elem = t.start;
		if ((rc = parse_address(ps, ADDR_MODE_GROUP)) != SMTP_OK) {
			return rc;
		}
		if ((rc = peek_tok(ps, &t)) != SMTP_OK) {
			return rc;
		}
		if (t.kind == TOK_END) {
			continue; /* reported above, with the whole group quoted */
		}
		if (!is_special(&t, ',') && !is_special(&t, ';')) {
			return fail_after_address(ps, &t);
		}
	}
}

/* RFC 5322 3.4 address = mailbox / group; mailbox = name-addr / addr-spec.
 * A phrase followed by '<' is a display name, followed by ':' a group name;
 * anything else is read again as an addr-spec. */
static smtp_rc_t parse_address(parser_t *ps, addr_mode_t mode)
{
	size_t pos = ps->pos, last_end = ps->last_end, words = 0;
	addr_buf_t a;
	tok_t t;
	smtp_rc_t rc;

	for (;;) {
		if ((rc = peek_tok(ps, &t)) != SMTP_OK) {
			return rc;
		}
		if (!is_word(&t) && !is_special(&t, '.')) {
			break;
		}
		words += is_word(&t) ? 1 : 0;
		if ((rc = next_tok(ps, &t)) != SMTP_OK) {
			return rc;
		}
	}
	if (is_special(&t, '<')) {
		if ((rc = next_tok(ps, &t)) != SMTP_OK) {
			return rc;
		}
		return parse_angle(ps, t.start);
	}
	if (is_special(&t, ':')) {
		char q[SMTP_ADDR_QUOTE_MAX];
		excerpt(q, ps, ps->elem, t.end);
		if (mode == ADDR_MODE_MAILBOX) {
			return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "'%s' starts a group; one mailbox is expected here", q);
		}
		if (mode == ADDR_MODE_GROUP) {
			return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "group '%s' is inside another group", q);
		}
		if (words == 0) {
			return smtp_error_set(ps->err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "group '%s' has no name before ':'", q);
		}
		if ((rc = next_tok(ps, &t)) != SMTP_OK) {
			return rc;
		}
		return parse_group(ps);
	}
	ps->pos = pos;
	ps->last_end = last_end;
	a.len = 0;
	a.over = false;
	if ((rc = parse_addr_spec(ps, &a)) != SMTP_OK) {
		return rc;
	}
	return emit(ps, &a);
}

static smtp_rc_t parse_list(parser_t *ps)
{
	tok_t t;
	smtp_rc_t rc;

	for (;;) {
		if ((rc = peek_tok(ps, &t)) != SMTP_OK) {
			return rc;
		}
		if (t.kind == TOK_END) {
			return SMTP_OK;
		}
		if (is_special(&t, ',')) {
			/* RFC 5322 4.4 obs-addr-list: empty elements are allowed. */
			if ((rc = next_tok(ps, &t)) != SMTP_OK) {
				return rc;
			}
			continue;
		}
		ps->elem = t.start;
		if ((rc = parse_address(ps, ADDR_MODE_LIST)) != SMTP_OK) {
			return rc;
		}
		if ((rc = peek_tok(ps, &t)) != SMTP_OK) {
			return rc;
		}
		if (t.kind != TOK_END && !is_special(&t, ',')) {
			return fail_after_address(ps, &t);
		}
	}
}

static void parser_init(parser_t *ps, const char *text, size_t len, const char *what,
                        smtp_error_t *err)
{
	memset(ps, 0, sizeof(*ps));
	ps->p = text;
	ps->len = text != NULL ? len : 0;
	ps->what = what;
	ps->err = err;
}

void smtp_addr_list_init(smtp_addr_list_t *l)
{
	l->items = NULL;
	l->count = 0;
	l->cap = 0;
	l->slots_ = NULL;
	l->nslots_ = 0;
}

/* FNV-1a over what makes two mailboxes equal (see same_addr): the local part
 * as it is, the domain folded to lower case. */
static size_t addr_hash(const char *a, size_t len)
{
	uint64_t h = 14695981039346656037u;
	size_t at = len, i;

	while (at > 0 && a[at - 1] != '@') {
		at--;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)a[i];
		if (i >= at && c >= 'A' && c <= 'Z') {
			c = (unsigned char)(c - 'A' + 'a');
		}
		h = (h ^ c) * 1099511628211u;
	}
	return (size_t)h;
}

/* Puts item i into the index (which has room). */
static void index_put(smtp_addr_list_t *l, size_t i)
{
	size_t mask = l->nslots_ - 1, k = addr_hash(l->items[i], strlen(l->items[i])) & mask;

	while (l->slots_[k] != 0) {
		k = (k + 1) & mask;
	}
	l->slots_[k] = i + 1;
}

/* Rebuilds the index with room for at least want items; false when out of memory. */
static bool index_rebuild(smtp_addr_list_t *l, size_t want)
{
	size_t n = 16, i;
	size_t *slots;

	while (n < 2 * want + 2) {
		n *= 2;
	}
	slots = calloc(n, sizeof(*slots));
	if (slots == NULL) {
		return false;
	}
	free(l->slots_);
	l->slots_ = slots;
	l->nslots_ = n;
	for (i = 0; i < l->count; i++) {
		index_put(l, i);
	}
	return true;
}

static void list_truncate(smtp_addr_list_t *l, size_t count)
{
	if (l->count <= count) {
		return;
	}
	while (l->count > count) {
		free(l->items[--l->count]);
	}
	/* Rare (an address list that failed to parse): rebuild the index, in place. */
	if (l->slots_ != NULL) {
		memset(l->slots_, 0, l->nslots_ * sizeof(*l->slots_));
		for (size_t i = 0; i < l->count; i++) {
			index_put(l, i);
		}
	}
}

void smtp_addr_list_destroy(smtp_addr_list_t *l)
{
	list_truncate(l, 0);
	free(l->items);
	free(l->slots_);
	smtp_addr_list_init(l);
}

/* Equal mailboxes: RFC 5321 2.4, the local part may be case-sensitive, the
 * domain is not. The domain follows the last '@' (a quoted local part may hold one). */
static bool same_addr(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t at_a = alen, at_b = blen;

	while (at_a > 0 && a[at_a - 1] != '@') {
		at_a--;
	}
	while (at_b > 0 && b[at_b - 1] != '@') {
		at_b--;
	}
	return at_a == at_b && alen - at_a == blen - at_b && memcmp(a, b, at_a) == 0
	       && smtp_ascii_iequal(a + at_a, b + at_b, alen - at_a);
}

smtp_rc_t smtp_addr_list_add(smtp_addr_list_t *l, const char *addr, size_t len, smtp_error_t *err)
{
	size_t i;
	char *copy;
	char **items;

	if (len == 0 || len > SMTP_ADDR_MAX) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "an address must have 1 to %d octets", SMTP_ADDR_MAX);
	}
	for (i = 0; i < len; i++) {
		if (addr[i] == '\0' || addr[i] == '\r' || addr[i] == '\n') {
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "an address cannot contain CR, LF or NUL");
		}
	}
	if (l->nslots_ != 0) {
		size_t mask = l->nslots_ - 1;
		for (i = addr_hash(addr, len) & mask; l->slots_[i] != 0; i = (i + 1) & mask) {
			const char *have = l->items[l->slots_[i] - 1];
			if (same_addr(have, strlen(have), addr, len)) {
				return SMTP_OK;
			}
		}
	}
	if (l->count >= SMTP_ADDR_LIST_MAX) {
		return smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_MESSAGE, 0,
		                      "more than %d recipients in one message", SMTP_ADDR_LIST_MAX);
	}
	if (2 * (l->count + 1) > l->nslots_ && !index_rebuild(l, l->count + 1)) {
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_MESSAGE, 0, "out of memory");
	}
	items = smtp_buf_grow_items(l->items, l->count, &l->cap, SMTP_ADDR_LIST_INITIAL, sizeof(*items));
	if (items == NULL) {
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_MESSAGE, 0, "out of memory");
	}
	l->items = items;
	copy = malloc(len + 1);
	if (copy == NULL) {
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_MESSAGE, 0, "out of memory");
	}
	memcpy(copy, addr, len);
	copy[len] = '\0';
	l->items[l->count++] = copy;
	index_put(l, l->count - 1);
	return SMTP_OK;
}

smtp_rc_t smtp_addr_list_parse(smtp_addr_list_t *l, const char *text, size_t len, smtp_error_t *err)
{
	parser_t ps;
	size_t before = l->count;
	smtp_rc_t rc;

	parser_init(&ps, text, len, "address list", err);
	ps.list = l;
	rc = parse_list(&ps);
	if (rc != SMTP_OK) {
		list_truncate(l, before);
	}
	return rc;
}

smtp_rc_t smtp_addr_parse_mailbox(const char *text, size_t len, char **out, smtp_error_t *err)
{
	parser_t ps;
	tok_t t;
	smtp_rc_t rc;

	*out = NULL;
	parser_init(&ps, text, len, "address", err);
	if ((rc = peek_tok(&ps, &t)) != SMTP_OK) {
		return rc;
	}
	if (t.kind == TOK_END) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0, "the address is empty");
	}
	ps.elem = t.start;
	rc = parse_address(&ps, ADDR_MODE_MAILBOX);
	if (rc == SMTP_OK) {
		rc = peek_tok(&ps, &t);
	}
	if (rc == SMTP_OK && t.kind != TOK_END) {
		if (is_special(&t, ',')) {
			char q[SMTP_ADDR_QUOTE_MAX];
			excerpt(q, &ps, 0, ps.len);
			rc = smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                    "'%s' holds more than one address; one mailbox is expected here", q);
		} else {
			rc = fail_after_address(&ps, &t);
		}
	}
	if (rc != SMTP_OK) {
		free(ps.single);
		return rc;
	}
	*out = ps.single;
	return SMTP_OK;
}
