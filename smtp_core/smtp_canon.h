/*
 * smtp_canon.h: the DATA-phase canonicaliser (RFC 5321 4.5.2, 4.1.1.4, 2.3.8).
 *
 * Turns the caller's message into the exact bytes sent after DATA: every line
 * end (CRLF, bare LF, bare CR) becomes CRLF, a '.' that starts a line is
 * doubled, and the data ends with "<CRLF>.<CRLF>". Because bare CR and bare LF
 * never reach the wire, no end-of-data variant a lenient server might accept
 * ("SMTP smuggling": LF.LF, CR.CR, LF.CRLF ...) can be formed by the body.
 *
 * A pure state machine: no I/O, no allocation, no globals. Its state survives
 * chunk boundaries, so the caller may feed the message in pieces of any size
 * into output buffers of any size (at least one byte).
 */
#ifndef SMTP_CANON_H
#define SMTP_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_error.h"

/* RFC 5321 4.5.3.1.6: a text line is at most 1000 octets including the CRLF.
 * Counted on the caller's text, before dot-stuffing (which RFC 5321 4.5.2 makes
 * transparent: the receiver removes the added dot). */
#define SMTP_TEXT_LINE_MAX 998

/* smtp_canon_finish() writes at most this much: "\r\n" + ".\r\n". */
#define SMTP_CANON_FINISH_MAX 5

/* All fields are private to smtp_canon.c except in_bytes and out_bytes, which
 * the caller may read (e.g. to compare against the server's SIZE limit). */
typedef struct {
	bool bol;            /* the next content byte is the first of a line */
	bool lf_owed;        /* "\r" of a line end was written, its "\n" not yet */
	bool eat_lf;         /* a CR ended the last line: a LF right after it belongs to it */
	size_t line_len;     /* octets of the current line so far, without the line end */
	size_t line;         /* 1-based number of the current line */
	uint64_t in_bytes;   /* input consumed so far */
	uint64_t out_bytes;  /* output produced so far, including the end-of-data mark */
	smtp_rc_t rc;        /* sticky: once not SMTP_OK every call fails with it */
	size_t err_line;     /* for repeating a sticky error */
	size_t err_len;
	bool err_at_least;   /* err_len is a lower bound: the line went on past the input */
	smtp_stage_t err_stage;
	uint64_t scan_size;  /* smtp_canon_scan(): octets of the lines so far, CRLF included */
	bool has_8bit;       /* smtp_canon_scan() met an octet over 127 */
} smtp_canon_t;

/* Prepares c for a new message. Cannot fail. */
void smtp_canon_init(smtp_canon_t *c);

/* Canonicalises in[0..len) into out[0..cap): consumes as much input as fits
 * and sets *consumed (bytes of in used) and *produced (bytes of out written);
 * the caller sends out and calls again with the rest. A CR at the end of a
 * chunk is written as CRLF at once; a LF at the start of the next chunk is then
 * taken as part of it. With cap > 0, every call that has work to do makes
 * progress. Returns SMTP_OK, or SMTP_E_LIMIT (stage data) for a line longer
 * than SMTP_TEXT_LINE_MAX; *consumed and *produced are valid either way, and
 * the error is sticky. NUL bytes pass through: RFC 5321 forbids them in text,
 * but refusing them is the server's call. */
smtp_rc_t smtp_canon_feed(smtp_canon_t *c, const char *in, size_t len, size_t *consumed,
                          char *out, size_t cap, size_t *produced, smtp_error_t *err);

/* Ends the data: completes a pending line end, adds CRLF when the last line is
 * not terminated (nothing for empty data), then ".\r\n". out needs at least
 * SMTP_CANON_FINISH_MAX bytes (SMTP_E_ARG otherwise). Call it only after every
 * byte of the message was consumed. Fails with a sticky error of feed. */
smtp_rc_t smtp_canon_finish(smtp_canon_t *c, char *out, size_t cap, size_t *produced,
                            smtp_error_t *err);

/* Scans in[0..len) without producing output, applying exactly feed's rules for
 * line ends and lengths, with state kept in c: a message held in several pieces
 * is checked by calling it once per piece, line numbers running on. Returns
 * SMTP_OK or a sticky SMTP_E_LIMIT (stage message). A scanned c must not be
 * fed afterwards: init another for sending. */
smtp_rc_t smtp_canon_scan(smtp_canon_t *c, const char *in, size_t len, smtp_error_t *err);

/* After smtp_canon_scan() over a whole message: the octets feed would send for
 * it with every line end CRLF and the last line terminated, without the
 * dot-stuffing and the end mark; exactly what RFC 1870 3 has MAIL FROM's
 * SIZE count. */
uint64_t smtp_canon_size(const smtp_canon_t *c);

/* After smtp_canon_scan(): an octet over 127 was met, so the content is 8-bit
 * (RFC 6152: BODY=8BITMIME). The one place this is decided. */
bool smtp_canon_has_8bit(const smtp_canon_t *c);

/* smtp_canon_scan() over one whole message: SMTP_E_LIMIT (stage message) for
 * its first line longer than SMTP_TEXT_LINE_MAX. Lets the caller refuse a
 * doomed message before opening a transaction. */
smtp_rc_t smtp_canon_check(const char *in, size_t len, smtp_error_t *err);

#endif
