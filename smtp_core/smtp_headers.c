/* smtp_headers.c: see smtp_headers.h. */
#include "smtp_headers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_buf.h"

/* Room for an excerpt of the offending line in an error message (sanitised). */
#define SMTP_HEADERS_QUOTE_MAX 48
/* First allocation of a list's field array. */
#define SMTP_HEADERS_INITIAL 16

void smtp_header_list_init(smtp_header_list_t *l)
{
	l->items = NULL;
	l->count = 0;
	l->cap = 0;
}

void smtp_header_list_destroy(smtp_header_list_t *l)
{
	free(l->items);
	smtp_header_list_init(l);
}

static smtp_rc_t fail_line(smtp_error_t *err, const char *problem, const char *line, size_t n)
{
	char q[SMTP_HEADERS_QUOTE_MAX];

	smtp_text_sanitize(q, sizeof(q), line, n);
	return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0, "%s: '%s'", problem, q);
}

static smtp_rc_t push(smtp_header_list_t *l, const smtp_header_t *h, smtp_error_t *err)
{
	smtp_header_t *items = smtp_buf_grow_items(l->items, l->count, &l->cap, SMTP_HEADERS_INITIAL, sizeof(*items));

	if (items == NULL) {
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_MESSAGE, 0, "out of memory");
	}
	l->items = items;
	l->items[l->count++] = *h;
	return SMTP_OK;
}

/* One line of the block: [start, end) without its break; *next is where the
 * following line starts. NUL and a CR not followed by LF are refused here. */
static smtp_rc_t next_line(const char *p, size_t len, size_t start, size_t *end, size_t *next,
                           smtp_error_t *err)
{
	size_t i;

	for (i = start; i < len; i++) {
		if (p[i] == '\0') {
			return fail_line(err, "NUL byte in the header block, in line", p + start, i - start + 1);
		}
		if (p[i] == '\r') {
			if (i + 1 >= len || p[i + 1] != '\n') {
				/* RFC 5322 2.2: CR only as part of CRLF; some readers end a line at a bare CR. */
				return fail_line(err, "bare CR in the header block, in line", p + start, i - start + 1);
			}
			*end = i;
			*next = i + 2;
			return SMTP_OK;
		}
		if (p[i] == '\n') {
			*end = i;
			*next = i + 1;
			return SMTP_OK;
		}
	}
	*end = len;
	*next = len;
	return SMTP_OK;
}

/* True when line [start, end) (not a continuation line) is a field:
 * an ftext name (RFC 5322 3.6.8) then ':'. */
static bool is_field_line(const char *p, size_t start, size_t end)
{
	size_t i;

	for (i = start; i < end && p[i] != ':'; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 33 || c > 126) {
			return false;
		}
	}
	return i < end && i > start;
}

/* text: NULL to refuse a line that is no field; else where such a line starts
 * the text (see smtp_headers_parse_until_text). */
static smtp_rc_t parse(smtp_header_list_t *l, const char *p, size_t len, size_t *text, smtp_error_t *err)
{
	size_t pos = 0;
	bool in_text = false;
	smtp_header_t *cur = NULL;

	while (pos < len) {
		size_t start = pos, end = pos, i;
		smtp_header_t h;
		smtp_rc_t rc = next_line(p, len, start, &end, &pos, err);

		if (rc != SMTP_OK) {
			return rc;
		}
		if (end == start) {
			if (start == 0 && pos == len) {
				break; /* the whole block is one line break: no field */
			}
			for (i = pos; i < len && (p[i] == '\r' || p[i] == '\n'); i++) {
			}
			if (i == len) {
				return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
				                      "the header block ends with an empty line: it would start "
				                      "the body");
			}
			return fail_line(err, "empty line in the header block: it would end the header and "
			                 "start the body (header injection?), before", p + pos, len - pos);
		}
		if (p[start] == ' ' || p[start] == '\t') {
			/* RFC 5322 2.2.3: a line starting with WSP continues the field above. */
			if (cur == NULL && !in_text) {
				return fail_line(err, "the header block starts with a continuation line",
				                 p + start, end - start);
			}
			for (i = start; i < end && (p[i] == ' ' || p[i] == '\t'); i++) {
			}
			if (i == end) {
				/* RFC 5322 3.2.2 forbids generating such lines: some readers take
				 * them for the empty line that ends the header. */
				if (in_text) {
					return fail_line(err, "line of only white space in the header block, before",
					                 p + pos, len - pos);
				}
				return fail_line(err, "line of only white space in the header block, after field",
				                 cur->name, cur->name_len);
			}
			if (!in_text) {
				cur->value_len = (size_t)(p + end - cur->value);
			}
			continue;
		}
		if (in_text) {
			continue;
		}
		if (text != NULL && !is_field_line(p, start, end)) {
			/* The header ends here for every reader; this and what follows is text. */
			*text = start;
			in_text = true;
			continue;
		}
		for (i = start; i < end && p[i] != ':'; i++) {
		}
		if (i == end) {
			return fail_line(err, "header line without ':'", p + start, end - start);
		}
		if (i == start) {
			return fail_line(err, "header line with an empty field name", p + start, end - start);
		}
		h.name = p + start;
		h.name_len = i - start;
		for (i = start; i < start + h.name_len; i++) {
			unsigned char c = (unsigned char)p[i];
			if (c < 33 || c > 126) {
				/* RFC 5322 3.6.8 ftext; WSP before ':' is obsolete syntax (4.5). */
				return fail_line(err, "header field name with a space, control or 8-bit byte",
				                 p + start, end - start);
			}
		}
		i++;
		if (i < end && (p[i] == ' ' || p[i] == '\t')) {
			i++;
		}
		h.value = p + i;
		h.value_len = end - i;
		if ((rc = push(l, &h, err)) != SMTP_OK) {
			return rc;
		}
		cur = &l->items[l->count - 1];
	}
	return SMTP_OK;
}

smtp_rc_t smtp_headers_parse(smtp_header_list_t *l, const char *block, size_t len, smtp_error_t *err)
{
	size_t before = l->count;
	smtp_rc_t rc;

	if (block == NULL || len == 0) {
		return SMTP_OK;
	}
	rc = parse(l, block, len, NULL, err);
	if (rc != SMTP_OK) {
		l->count = before;
	}
	return rc;
}

smtp_rc_t smtp_headers_parse_until_text(smtp_header_list_t *l, const char *block, size_t len, size_t *text,
                                        smtp_error_t *err)
{
	size_t before = l->count;
	smtp_rc_t rc;

	*text = len;
	if (block == NULL || len == 0) {
		return SMTP_OK;
	}
	rc = parse(l, block, len, text, err);
	if (rc != SMTP_OK) {
		l->count = before;
		*text = len;
	}
	return rc;
}

bool smtp_header_is(const smtp_header_t *h, const char *name)
{
	size_t n = strlen(name);

	return h->name_len == n && smtp_ascii_iequal(h->name, name, n);
}

const smtp_header_t *smtp_headers_find(const smtp_header_list_t *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		if (smtp_header_is(&l->items[i], name)) {
			return &l->items[i];
		}
	}
	return NULL;
}
