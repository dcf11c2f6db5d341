/*
 * smtp_message.h: composes the header block that precedes the caller's body,
 * as PHP's mail() followed by `sendmail -t -i` would, but with the envelope
 * made explicit: the recipients come out as a list instead of being re-read
 * from the message by a local MTA.
 *
 * Pure: no I/O and no globals; the only outside input is OpenSSL's RAND_bytes
 * for the Message-ID. It refuses line breaks that are not folds in $to and
 * $subject and anything smtp_headers_parse() refuses in the header block, so
 * no caller text can add a field, end the header early or reach the envelope
 * unchecked. It does not touch the body. A header line over 998 octets, the
 * caller's fields included, is folded at white space (RFC 5322 2.2.3), address
 * lists between addresses, to lines of 78 octets where it can; shorter lines
 * stay as written, and nothing is folded when the block has a DKIM-Signature.
 */
#ifndef SMTP_MESSAGE_H
#define SMTP_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "smtp_addr.h"
#include "smtp_buf.h"
#include "smtp_error.h"

/* RFC 5322 2.1.1: a header line is at most 998 octets without its CRLF. */
#define SMTP_HEADER_LINE_MAX 998
/* The composed header block is capped. Postfix refuses more than 102400 octets
 * of header by default (header_size_limit); ten times that is surely a mistake. */
#define SMTP_MESSAGE_HEAD_MAX (1024 * 1024)
/* RFC 2047 2: an encoded-word is at most 75 characters long ... */
#define SMTP_EWORD_MAX 75
/* ... and a header line holding encoded-words at most 76. */
#define SMTP_EWORD_LINE_MAX 76
/* Random octets in a generated Message-ID (RFC 5322 3.6.4: globally unique). */
#define SMTP_MSGID_RANDOM 16
/* RFC 5321 4.5.3.1.2: a domain is at most 255 octets. */
#define SMTP_DOMAIN_MAX 255

/* The caller's message parts; all borrowed for the duration of the call. */
typedef struct {
	const char *to; size_t to_len;            /* mail()/smtp_send() $to: becomes the To: field; NULL/0 = none */
	const char *subject; size_t subject_len;  /* becomes Subject:; NULL = none */
	const char *headers; size_t headers_len;  /* additional header block (string form), may be empty */
	const char *from;                         /* mailbox used for From: when the block has none; may be NULL */
	const char *msgid_domain;                 /* right side of a generated Message-ID when the From
	                                             address has no domain to lend (e.g. the HELO name) */
	time_t now;                               /* for Date: */
	bool mail_parity;                         /* mail()'s reading of the block: the header ends at a line
	                                             that is no field, which starts the body with the rest
	                                             of the block (see smtp_headers_parse_until_text) */
} smtp_compose_t;

typedef struct {
	smtp_buf_t head;            /* the header block to send: CRLF line ends, ending with the empty line "\r\n" */
	smtp_addr_list_t rcpts;     /* envelope recipients: To ($to, then To fields) + Cc + Bcc, deduplicated, in order */
	char *from_addr;            /* addr-spec of the From field (or of compose.from) or NULL; malloc'd */
} smtp_composed_t;

void smtp_composed_init(smtp_composed_t *c);
/* Frees everything c owns; c may be composed into again afterwards. */
void smtp_composed_destroy(smtp_composed_t *c);

/* Builds out (initialised with smtp_composed_init; its contents are replaced).
 * The head is, in order: "To: $to" (when given), "Subject: $subject" (when
 * given; RFC 2047 B-encoded when not ASCII: as UTF-8, or when it is not
 * UTF-8 in the charset the block's Content-Type declares if that is a
 * single-octet charset, else as written), the header block's fields in
 * their order without Bcc, then "From: in->from" when the block has no From
 * (or an empty one, which is dropped), "Date:" (from now, UTC) and
 * "Message-ID:" when the block has none, and the empty line. With
 * mail_parity, the block's text lines (from its first line that is no field)
 * follow that empty line, then one more empty line, as sendmail's MTA
 * delivers them. Line ends become CRLF. $to and To/Cc/Bcc fields give the
 * recipients, which may be none (the caller may have its own envelope).
 * SMTP_E_ARG (stage message) naming the problem: a line break that is no fold
 * or a NUL in $to or $subject, a bad
 * address or header block, no domain for the Message-ID; SMTP_E_LIMIT when the
 * head exceeds SMTP_MESSAGE_HEAD_MAX or, naming the field, when a line over
 * 998 octets has no white space to fold at; SMTP_E_INTERNAL when RAND_bytes fails;
 * SMTP_E_NOMEM. On failure out is left empty. */
smtp_rc_t smtp_message_compose(const smtp_compose_t *in, smtp_composed_t *out, smtp_error_t *err);

#endif
