/*
 * smtp_addr.h: RFC 5322 address lists and mailboxes, reduced to the addr-specs
 * an SMTP envelope needs (RFC 5321 4.1.2 Mailbox).
 *
 * The parser reads what users write in To/Cc/Bcc fields and in PHP mail()'s
 * $to: display names, angle brackets, groups, comments, folds and the
 * obsolete forms of RFC 5322 4.4. It returns each address in the one form an
 * SMTP command may carry, so nothing it returns can smuggle CR, LF, NUL,
 * spaces or a second '@' into "RCPT TO:<...>". It does no I/O and keeps no
 * state; it never decodes RFC 2047 display names (it does not need them).
 * UTF-8 addresses (RFC 6531 3.3, RFC 6532): a local part may be any valid
 * UTF-8 (no C1 controls), and is then sent as is, which needs SMTPUTF8; a
 * UTF-8 domain label becomes its A-label ("xn--...", smtp_idna.h) when its
 * code points lie in the subset smtp_idna checks, stays as written (again
 * needing SMTPUTF8) when they do not, and is refused when it holds one that
 * no label may. So an address with a non-ASCII octet left needs SMTPUTF8.
 */
#ifndef SMTP_ADDR_H
#define SMTP_ADDR_H

#include <stddef.h>

#include "smtp_error.h"

/* RFC 5321 4.5.3.1.3: a path is at most 256 octets including the angle brackets. */
#define SMTP_ADDR_MAX 254
/* RFC 5321 4.5.3.1.1: a local part is at most 64 octets. */
#define SMTP_ADDR_LOCAL_MAX 64
/* RFC 1035 2.3.4: a domain label is at most 63 octets. */
#define SMTP_ADDR_LABEL_MAX 63

/* Most addresses one list holds: recipients of one message. RFC 5321
 * 4.5.3.1.8 asks servers to take at least 100; Microsoft 365 takes 1000
 * (500 by default), Gmail 100 from SMTP clients. Past this, SMTP_E_LIMIT. */
#define SMTP_ADDR_LIST_MAX 10000

/* Owned, NUL-terminated addr-specs in canonical SMTP form, in the order added,
 * with a hash index for de-duplication (the fields ending in '_' are private). */
typedef struct {
	char **items;
	size_t count;
	size_t cap;
	size_t *slots_;     /* open addressing: index + 1 into items, 0 = free */
	size_t nslots_;     /* a power of two, at least twice count; 0 before the first add */
} smtp_addr_list_t;

void smtp_addr_list_init(smtp_addr_list_t *l);
/* Frees every address; the list may be used again afterwards. */
void smtp_addr_list_destroy(smtp_addr_list_t *l);

/* Appends a copy of addr (len bytes) unless an equal address is already there
 * (local part compared exactly, domain case-insensitively), in constant time
 * on average. The caller is trusted to pass a canonical addr-spec; CR, LF, NUL,
 * an empty address or one over SMTP_ADDR_MAX octets are still refused with
 * SMTP_E_ARG; a list already holding SMTP_ADDR_LIST_MAX addresses refuses a
 * new one with SMTP_E_LIMIT. SMTP_E_NOMEM. */
smtp_rc_t smtp_addr_list_add(smtp_addr_list_t *l, const char *addr, size_t len, smtp_error_t *err);

/* Parses an RFC 5322 3.4 address-list (the value of a To/Cc/Bcc field, or
 * mail()'s $to) and appends every addr-spec in it, deduplicated, to l.
 * Mailboxes, groups, comments (nested, with quoted-pairs), folds (CRLF or LF
 * followed by SP/HTAB) and empty elements are accepted; an empty text is an
 * empty list. Each address is stored in canonical SMTP form: local part as
 * written, unquoted when the quoted form is a valid dot-atom, '@', domain (a
 * host name or an RFC 5321 4.1.3 address literal). On error nothing is
 * appended and err (stage SMTP_STAGE_MESSAGE) names the problem and quotes the
 * bad part, sanitised: SMTP_E_ARG; SMTP_E_NOMEM. */
smtp_rc_t smtp_addr_list_parse(smtp_addr_list_t *l, const char *text, size_t len, smtp_error_t *err);

/* Parses exactly one mailbox ("Name <a@b>", "a@b" or "<a@b>", with CFWS) into
 * its canonical addr-spec: *out is malloc'd and NUL-terminated, and owned by
 * the caller. Groups, lists and the empty path "<>" are SMTP_E_ARG here. */
smtp_rc_t smtp_addr_parse_mailbox(const char *text, size_t len, char **out, smtp_error_t *err);

#endif
