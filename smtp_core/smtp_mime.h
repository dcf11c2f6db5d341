/*
 * smtp_mime.h: re-encodes the MIME leaf parts that cannot go out as written.
 *
 * A text line may be at most 998 octets (RFC 5321 4.5.3.1.6) and 8-bit octets
 * need a relay that offers 8BITMIME (RFC 6152). Legacy code writes HTML on one
 * line, so instead of refusing such a message, every leaf part that needs it
 * is re-encoded to quoted-printable (RFC 2045 6.7), nested multiparts
 * (RFC 2046 5.1) included, so that what a mail client decodes is what the
 * caller wrote (line ends canonical: CRLF, as the DATA canonicaliser makes
 * them for any part).
 *
 * Two steps, neither holding a second copy of the message:
 *  1. smtp_mime_scan() reads the message once (in pieces, as the session
 *     sends it) and records a plan: for each leaf part that may need work,
 *     the offsets of its Content-Transfer-Encoding field, of the end of its
 *     header and of its content. It refuses, naming the line and why, what
 *     cannot be fixed: a long line in a message carrying a DKIM-Signature
 *     (re-encoding would break it), in a part declared quoted-printable,
 *     base64 or another encoding (left alone), in a message part (message/rfc822 ...)
 *     (RFC 2046 5.2.1 forbids encoding it), in a multipart preamble or
 *     epilogue, or in a header field (which the composer folds when it can).
 *  2. smtp_mime_feed()/smtp_mime_finish() stream the message through the plan,
 *     with the canonicaliser's contract (consume, produce, state kept across
 *     calls), once the relay's 8BITMIME is known.
 * Pure: no I/O, no globals; the plan's part list is the only allocation.
 */
#ifndef SMTP_MIME_H
#define SMTP_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_error.h"

/* RFC 2046 5.1.1: a boundary is 1 to 70 characters. Longer ones are taken
 * too, up to this, since readers accept them. */
#define SMTP_MIME_BOUNDARY_MAX 200
/* Nesting of multiparts followed; a deeper multipart is one opaque leaf. */
#define SMTP_MIME_DEPTH_MAX 32
/* A Content-Type or Content-Transfer-Encoding field is read up to this many
 * octets (unfolded); the parameters that matter come long before. */
#define SMTP_MIME_FIELD_MAX 4096
/* Parts the plan records at most (48 octets each): a message of many tiny
 * 8-bit parts must not cost memory in proportion to its size. Past it, 8-bit
 * parts go out as they are; a part with a long line is an error. */
#define SMTP_MIME_PARTS_MAX 10000
/* RFC 2045 6.7 (5): an encoded line is at most 76 characters. */
#define SMTP_QP_LINE_MAX 76

/* Flags of a part in the plan. */
#define SMTP_MIME_LONG     0x01u  /* a line over SMTP_TEXT_LINE_MAX */
#define SMTP_MIME_8BIT     0x02u  /* an octet over 127 */
#define SMTP_MIME_TOP      0x04u  /* the message itself is the leaf (no multipart) */
#define SMTP_MIME_HAS_VERSION 0x08u  /* its header has MIME-Version */
#define SMTP_MIME_HAS_TYPE 0x10u  /* its header has Content-Type */
#define SMTP_MIME_UTF8     0x20u  /* its content is valid UTF-8 */
#define SMTP_MIME_DECLARE  0x40u  /* say 7bit/8bit even when not re-encoding (smtp_send) */

typedef struct {
	uint64_t drop_from, drop_to;  /* its Content-Transfer-Encoding field (all lines), or empty */
	uint64_t insert_at;           /* the empty line that ends its header */
	uint64_t body_from, body_to;  /* its content, without the line end before a boundary */
	unsigned flags;
} smtp_mime_part_t;

typedef struct {
	smtp_mime_part_t *parts;  /* owned; candidates in message order */
	size_t count, cap;
	uint64_t total;           /* octets scanned */
	bool frozen;              /* a DKIM-Signature: nothing is changed */
	bool other_8bit;          /* 8-bit octets outside the candidates (headers, encoded parts) */
	bool long_lines;          /* some candidate has a line too long to send as is */
} smtp_mime_plan_t;

/* One piece of the scanned message; the pieces are read as if concatenated. */
typedef struct {
	const char *data;
	size_t len;
} smtp_mime_piece_t;

void smtp_mime_plan_init(smtp_mime_plan_t *p);
/* Frees the part list; the plan may be scanned into again. */
void smtp_mime_plan_destroy(smtp_mime_plan_t *p);

/* Reads the message pieces[0..n) into plan (initialised; replaced). declare:
 * the caller composed the message (smtp_send()), so a top-level leaf with no
 * Content-Transfer-Encoding of its own gets one (7bit, 8bit or
 * quoted-printable) and MIME-Version. SMTP_E_LIMIT (stage message) naming the
 * line, its length and why it cannot be re-encoded; SMTP_E_NOMEM. */
smtp_rc_t smtp_mime_scan(smtp_mime_plan_t *plan, const smtp_mime_piece_t *pieces, size_t n, bool declare,
                         smtp_error_t *err);

/* True when the message as sent holds 8-bit octets: the relay must be told
 * BODY=8BITMIME (RFC 6152 2) when it offers it. relay_8bitmime is what its
 * EHLO said; without it the 8-bit candidates are re-encoded, so only octets
 * outside them remain (headers, parts declared encoded, a frozen message). */
bool smtp_mime_sends_8bit(const smtp_mime_plan_t *plan, bool relay_8bitmime);

/* True when streaming the message through the plan changes anything. */
bool smtp_mime_changes(const smtp_mime_plan_t *plan, bool relay_8bitmime);

/* Streaming state of one pass. Private to smtp_mime.c. */
typedef struct {
	const smtp_mime_plan_t *plan;  /* borrowed */
	bool relay_8bitmime;
	size_t part;          /* next part of the plan not yet passed */
	bool encode;          /* the current part is re-encoded */
	bool inserted;        /* its header lines were written */
	uint64_t pos;         /* input octets consumed */
	char pend[192];       /* output owed before more input is read */
	size_t pend_len, pend_off;
	size_t col;           /* encoded characters on the current output line */
	char wsp;             /* a SP or HTAB held back: literal unless a line end follows */
	bool eat_lf;          /* a CR ended an encoded line: a LF right after it belongs to it */
	smtp_rc_t rc;
} smtp_mime_enc_t;

/* Prepares e to send the scanned message through plan (borrowed; it must
 * outlive e), for a relay that offers 8BITMIME or not. */
void smtp_mime_enc_init(smtp_mime_enc_t *e, const smtp_mime_plan_t *plan, bool relay_8bitmime);

/* Like smtp_canon_feed(): consumes what fits of in[0..len) (the next octets of
 * the very message that was scanned), writes out[0..cap), sets *consumed and
 * *produced. Every call with work to do and cap > 0 makes progress.
 * SMTP_E_ARG when cap is 0; SMTP_E_STATE when more input arrives than was
 * scanned (sticky). */
smtp_rc_t smtp_mime_feed(smtp_mime_enc_t *e, const char *in, size_t len, size_t *consumed, char *out, size_t cap,
                         size_t *produced, smtp_error_t *err);

/* After the last input octet: writes what is still owed (a held-back space
 * as "=20"). Returns SMTP_OK with *produced == 0 once nothing is left; call
 * it until then. */
smtp_rc_t smtp_mime_finish(smtp_mime_enc_t *e, char *out, size_t cap, size_t *produced, smtp_error_t *err);

#endif
