/*
 * smtp_headers.h: splits a block of RFC 5322 header fields into fields.
 *
 * The block is PHP mail()'s $additional_headers: fields one per line, with
 * CRLF or LF line ends and folded continuation lines (RFC 5322 2.2.3). The
 * parser refuses what would let the block escape its role: an empty line
 * (which would end the header and start the body), bare CR, NUL, lines that
 * are no field. It copies nothing and decodes nothing: the fields point into
 * the caller's block. It does not check line lengths (the canonicaliser does)
 * nor the syntax of field bodies (the address parser does, where it matters).
 */
#ifndef SMTP_HEADERS_H
#define SMTP_HEADERS_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp_error.h"

/* Borrowed pointers into the parsed block, valid while the block is. value is
 * raw (folds kept as written, CRLF or LF), without the one SP or HTAB that
 * follows the ':' and without the field's final line break. */
typedef struct {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
} smtp_header_t;

typedef struct {
	smtp_header_t *items; /* owned array; the strings are borrowed */
	size_t count;
	size_t cap;
} smtp_header_list_t;

void smtp_header_list_init(smtp_header_list_t *l);
/* Frees the array (not the block); the list may be used again afterwards. */
void smtp_header_list_destroy(smtp_header_list_t *l);

/* Appends the fields of block[0..len) to l, in order. Lines end in CRLF or LF;
 * the block may end with one line break or none; an empty block, or one that
 * is a single line break, holds no field. SMTP_E_ARG (stage message), naming
 * the problem and quoting the line: an empty line inside the block, a line of
 * only white space, a line without ':', a field name outside RFC 5322 3.6.8
 * ftext (33-126 except ':'), a bare CR, NUL, a continuation line first.
 * SMTP_E_NOMEM. On error l is as it was before the call. */
smtp_rc_t smtp_headers_parse(smtp_header_list_t *l, const char *block, size_t len, smtp_error_t *err);

/* mail()'s reading of the block, as sendmail -t and every MTA read a header
 * (Postfix cleanup, RFC 5322 2.2): the header ends at the first line that is
 * no field (no ':', or a field name outside ftext); that line and the rest of
 * the block are text, not fields. *text is the offset where that text starts
 * (len when every line is a field). The text is checked as the fields are
 * (no NUL, bare CR, empty line or line of only white space), so it cannot end
 * the block early either. The same errors otherwise as smtp_headers_parse(). */
smtp_rc_t smtp_headers_parse_until_text(smtp_header_list_t *l, const char *block, size_t len, size_t *text,
                                        smtp_error_t *err);

/* The first field named name (ASCII case-insensitive), or NULL. */
const smtp_header_t *smtp_headers_find(const smtp_header_list_t *l, const char *name);

/* True when field h is named name (ASCII case-insensitive). */
bool smtp_header_is(const smtp_header_t *h, const char *name);

#endif
