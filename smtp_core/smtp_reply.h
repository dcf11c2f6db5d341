/*
 * smtp_reply.h: the SMTP reply parser (RFC 5321 4.2).
 *
 * A pure, incremental machine: the caller feeds whatever bytes it read, in
 * chunks of any size, and gets back one complete reply at a time. It does no
 * I/O and keeps no globals. Everything it stores is bounded by the limits
 * below, whatever the server sends, and it never consumes bytes past the end
 * of a reply, so the session can tell what the server sent after it: bytes
 * queued behind STARTTLS's 220 would otherwise be read as if they had come
 * through TLS (response injection; RFC 3207 4.2 resets the session there).
 * Server text is untrusted: it is stored as received (minus CR LF) and only
 * rendered through smtp_reply_format(), which makes it printable.
 */
#ifndef SMTP_REPLY_H
#define SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp_buf.h"
#include "smtp_error.h"

/* RFC 5321 4.5.3.1.5: a reply line is at most 512 octets including CRLF. Real
 * servers overshoot it (long EHLO AUTH lines, chatty banners), so tolerate four
 * times that, CRLF included; past it the reply is refused with SMTP_E_LIMIT. */
#define SMTP_REPLY_LINE_MAX 2048
/* RFC 5321 4.2.1 puts no bound on multi-line replies; a large EHLO reply has
 * about 20 lines. Lines in one reply. */
#define SMTP_REPLY_LINES_MAX 128
/* Total text of one reply (lines joined by "\n"). */
#define SMTP_REPLY_TEXT_MAX 16384
/* How much of an offending line an error message quotes. */
#define SMTP_REPLY_QUOTE_MAX 64

typedef struct {
	int code;                          /* 200..599, the same on every line */
	char enhanced[SMTP_ENHANCED_MAX];  /* RFC 2034 / RFC 3463 status at the start of the
	                                      first line's text ("2.0.0"), or "" */
	smtp_buf_t text;                   /* text after "250-"/"250 " of every line, the enhanced
	                                      code kept, lines joined by "\n", no CR LF at the end;
	                                      may hold control bytes, never CR, LF (but the joins)
	                                      or NUL. NUL-terminated, data != NULL once complete */
	size_t lines;
} smtp_reply_t;

typedef struct {
	smtp_reply_t reply;                /* the reply being read, or the last complete one */
	char line[SMTP_REPLY_LINE_MAX];    /* the line being read, without its CR LF */
	size_t line_len;
	bool cr;                           /* the previous byte was a CR, an LF must follow */
	bool complete;                     /* reply is complete; the next feed starts afresh */
	smtp_rc_t rc;                      /* sticky error, SMTP_OK while healthy */
	smtp_error_t error;                /* the sticky error, replayed to later callers */
} smtp_reply_parser_t;

/* Prepares p for its first reply. Allocates nothing. */
void smtp_reply_parser_init(smtp_reply_parser_t *p);
/* Frees what p holds; p may be init'ed again. NULL is a no-op. */
void smtp_reply_parser_destroy(smtp_reply_parser_t *p);

/* Consumes bytes of data until one complete reply is parsed or data runs out.
 * *used = bytes consumed (<= len): when *done is false and no error, all of len.
 * *done = true when p->reply holds a complete reply, borrowed: valid until the
 * next call to feed (which starts a new reply). Bytes after the reply's final
 * LF are not consumed. Lines end in CRLF or, leniently, a bare LF.
 * Returns SMTP_OK; SMTP_E_PROTOCOL for a malformed line (code not 3 digits with
 * the first 2-5, separator not '-', ' ' or end of line, a continuation code
 * unlike the first line's, a NUL byte, a CR not followed by LF); SMTP_E_LIMIT
 * past the limits above, as soon as they are passed; SMTP_E_NOMEM. Errors fill
 * err (may be NULL), naming stage and quoting the offending line, and are
 * sticky: every later call consumes nothing and returns the same error. */
smtp_rc_t smtp_reply_feed(smtp_reply_parser_t *p, const char *data, size_t len,
                          size_t *used, bool *done, smtp_stage_t stage, smtp_error_t *err);

/* Renders r printably into out (capacity cap, always NUL-terminated when cap > 0):
 * "250 2.0.0 Ok: queued as 4XyZ", lines joined with " / ", bytes outside printable
 * ASCII as '?', a cut marked with "...". Returns the bytes written, without the NUL. */
size_t smtp_reply_format(const smtp_reply_t *r, char *out, size_t cap);

/* Finds the queue id a server stated in its reply to the final dot: Postfix
 * "queued as 4XyZ12", Exim "id=1abc-0007-XY". Copies the run of [A-Za-z0-9._@+=/-]
 * after the marker into out (cut to cap-1, NUL-terminated) and returns true;
 * false (out = "" when cap > 0) when there is none. */
bool smtp_reply_queue_id(const smtp_reply_t *r, char *out, size_t cap);

#endif
