/*
 * smtp_sasl.h: base64 and the SASL client responses of SMTP AUTH (RFC 4954).
 *
 * Pure encoders: they build the base64 text the session sends after "AUTH" or
 * in answer to a 334 challenge, and do no I/O. They see passwords and tokens:
 * no error message ever contains one, and every temporary copy is wiped
 * (OPENSSL_cleanse) before it is freed. The output buffer is the caller's to
 * wipe once the response is sent; appending to a buffer that already holds a
 * secret may let realloc leave a copy behind, so start with an empty one.
 * Choosing a mechanism is policy, but a pure one, so it lives here too;
 * whether AUTH may happen at all (TLS first) is the session's decision.
 */
#ifndef SMTP_SASL_H
#define SMTP_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "smtp_buf.h"
#include "smtp_error.h"
/* The SMTP_AUTH_* mechanism bits: the EHLO parser defines them for the AUTH
 * keyword it reads, and they are the same values here. */
#include "smtp_ehlo.h"

/* Appends the RFC 4648 4 base64 encoding of in[0..len) to out, padded, with no
 * line breaks. SMTP_E_LIMIT or SMTP_E_NOMEM leave out unchanged. */
smtp_rc_t smtp_base64_encode(smtp_buf_t *out, const void *in, size_t len);

/* Appends the decoding of in[0..len) to out. Strict (RFC 4648 3.1, 3.3, 3.5):
 * the length is a multiple of 4, padding is present and only at the end, every
 * other octet is in the alphabet (no whitespace, no line breaks, no "-_"), and
 * the unused bits of the last group are zero. SMTP_E_ARG (stage none) names the
 * offending offset, never the data; out is unchanged on any failure. */
smtp_rc_t smtp_base64_decode(smtp_buf_t *out, const char *in, size_t len, smtp_error_t *err);

/* What a mechanism needs to answer the server. Borrowed; secrets. */
typedef struct {
	const char *user;
	const char *secret;   /* the password, or the OAuth token for a token mechanism */
	const char *host;     /* the server's name, for OAUTHBEARER's "host"; may be NULL */
	unsigned port;        /* the server's port, for OAUTHBEARER's "port"; 0: not sent */
} smtp_sasl_cred_t;

/* One SMTP AUTH mechanism: everything smtpmail knows of it is this row of one
 * table (the EHLO parser, the choice, the names in settings and messages, and
 * the dialogue all read it). */
typedef struct smtp_sasl_mech {
	const char *name;          /* as in EHLO and the AUTH command */
	unsigned bit;              /* SMTP_AUTH_* */
	bool token;                /* authenticates with an OAuth bearer token instead of a password */
	unsigned char rank_tls;    /* preference inside TLS, 1 first; 0: never */
	unsigned char rank_clear;  /* preference without TLS (tls=none only); 0: never */
	bool initial;              /* response 0 is an initial response (RFC 4954 4) */
	unsigned char responses;   /* client responses in a successful exchange */
	/* A 334 after the last response is the server's error report (RFC 7628
	 * 3.2.3, and XOAUTH2 alike): this line answers it so the final reply
	 * comes; NULL when the mechanism has none. */
	const char *error_ack;
	/* Appends response number step (0-based) to out; challenge is the text
	 * after "334 " (base64), empty for an initial response. */
	smtp_rc_t (*respond)(smtp_buf_t *out, unsigned step, const char *challenge, size_t clen,
	                     const smtp_sasl_cred_t *c, smtp_error_t *err);
} smtp_sasl_mech_t;

/* The row for one SMTP_AUTH_* bit, or NULL (0, several bits, unknown bits). */
const smtp_sasl_mech_t *smtp_sasl_mech(unsigned bit);
/* The row for a name (ASCII case-insensitive, name[0..len)), or NULL. */
const smtp_sasl_mech_t *smtp_sasl_mech_named(const char *name, size_t len);

/* The mechanism to use among the SMTP_AUTH_* bits in offered, or 0 when none
 * fits: with an OAuth token only a token mechanism (XOAUTH2, then
 * OAUTHBEARER); with a password, inside TLS: PLAIN (one round trip with its
 * initial response; TLS protects the password), then LOGIN, then CRAM-MD5;
 * without TLS (only when the user chose it): CRAM-MD5 first, the one that
 * keeps the password off the wire, then PLAIN, then LOGIN. */
unsigned smtp_sasl_choose(unsigned offered, bool have_token, bool tls);

/* "PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER" for one SMTP_AUTH_*
 * bit; NULL for anything else (0, several bits, unknown bits). Static storage. */
const char *smtp_sasl_name(unsigned mech);

/* The known names, for messages, into buf: "PLAIN, LOGIN, CRAM-MD5, XOAUTH2,
 * OAUTHBEARER" (cut at cap - 1). Returns buf. */
const char *smtp_sasl_known_names(char *buf, size_t cap);

/* Parses a list of mechanism names ("PLAIN LOGIN", "cram-md5,xoauth2"; case
 * and separators of space, comma or tab free) into SMTP_AUTH_* bits. An
 * unknown name is SMTP_E_ARG naming it. */
smtp_rc_t smtp_sasl_parse_list(const char *text, unsigned *mechs, smtp_error_t *err);

/* RFC 4616 2: appends base64("" NUL user NUL pass), the initial response of
 * AUTH PLAIN with an empty authorization identity. SMTP_E_ARG (stage auth) for
 * an empty user or password or a NUL in either; SMTP_E_LIMIT, SMTP_E_NOMEM.
 * out is unchanged on failure. */
smtp_rc_t smtp_sasl_plain(smtp_buf_t *out, const char *user, size_t ulen, const char *pass,
                          size_t plen, smtp_error_t *err);

/* One AUTH LOGIN response (the user name, or the password): appends the
 * base64 of text[0..len). SMTP_E_ARG (stage auth) when it is empty or holds
 * CR, LF or NUL; SMTP_E_LIMIT, SMTP_E_NOMEM. out is unchanged on failure. */
smtp_rc_t smtp_sasl_login_item(smtp_buf_t *out, const char *text, size_t len, smtp_error_t *err);

/* RFC 2195: challenge_b64[0..clen) is the text after "334 ". Appends
 * base64(user SP hex(HMAC-MD5(pass, decoded challenge))), hex in lower case.
 * SMTP_E_PROTOCOL (stage auth) when the challenge is not strict base64 or is
 * empty; SMTP_E_ARG for an empty user or one holding CR, LF or NUL;
 * SMTP_E_AUTH when libcrypto refuses MD5 (FIPS mode); SMTP_E_LIMIT,
 * SMTP_E_NOMEM. out is unchanged on failure. */
smtp_rc_t smtp_sasl_cram_md5(smtp_buf_t *out, const char *challenge_b64, size_t clen,
                             const char *user, size_t ulen, const char *pass, size_t plen,
                             smtp_error_t *err);

/* Google/Microsoft XOAUTH2: appends
 * base64("user=" user "\x01auth=Bearer " token "\x01\x01"). SMTP_E_ARG (stage
 * auth) for an empty user or token, or one holding \x01, CR, LF or NUL;
 * SMTP_E_LIMIT, SMTP_E_NOMEM. out is unchanged on failure. */
smtp_rc_t smtp_sasl_xoauth2(smtp_buf_t *out, const char *user, size_t ulen, const char *token,
                            size_t tlen, smtp_error_t *err);

/* RFC 7628 3.1 OAUTHBEARER: appends base64("n,a=" user "," 0x01 ["host=" host
 * 0x01] ["port=" port 0x01] "auth=Bearer " token 0x01 0x01). The user goes in
 * the GS2 header with ',' as "=2C" and '=' as "=3D" (RFC 5801 5.1). SMTP_E_ARG
 * (stage auth) for an empty user or token, or \x01, CR, LF or NUL in any
 * field; SMTP_E_LIMIT, SMTP_E_NOMEM. out is unchanged on failure. */
smtp_rc_t smtp_sasl_oauthbearer(smtp_buf_t *out, const char *user, size_t ulen, const char *host, unsigned port,
                                const char *token, size_t tlen, smtp_error_t *err);

#endif
