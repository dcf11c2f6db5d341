/*
 * smtp_session.h: one SMTP client session over a transport.
 *
 * The session drives the dialogue of RFC 5321 with the extensions a mail
 * submission client needs: EHLO (HELO only when nothing secure is needed),
 * STARTTLS (RFC 3207), AUTH (RFC 4954) and PIPELINING (RFC 2920). It owns the
 * protocol state and nothing else: it neither connects nor decides policy
 * (which relay, whether to retry). A session that saw any error is dead: every
 * later call fails with SMTP_E_STATE, so a broken connection is never reused.
 * Credentials are never put into an error message.
 */
#ifndef SMTP_SESSION_H
#define SMTP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_ehlo.h"
#include "smtp_error.h"
#include "smtp_mime.h"
#include "smtp_transport.h"

/* How TLS is used; the glue resolves the user's "auto" into one of these. */
typedef enum {
	SMTP_TLS_NONE = 0,  /* plain text all the way */
	SMTP_TLS_STARTTLS,  /* required: fail before AUTH or MAIL if not offered or refused */
	SMTP_TLS_IMPLICIT,  /* the transport is TLS from the first byte */
	SMTP_TLS_IF_OFFERED /* STARTTLS when the server offers it (then it must succeed, verified), plain
	                       text otherwise: only for a relay on this machine (the glue decides) */
} smtp_tls_mode_t;

/* RFC 4954 4: an AUTH command line may be 12288 octets (the base64 grows it). */
#define SMTP_AUTH_LINE_MAX 12288
/* RFC 5321 4.5.3.1.4: a command line is at most 512 octets including CRLF. */
#define SMTP_COMMAND_LINE_MAX 512
/* Text kept of a reply for results and error messages. */
#define SMTP_REPLY_TEXT_KEEP 400

typedef struct {
	const char *helo;            /* EHLO/HELO domain; required */
	smtp_tls_mode_t tls;
	const char *user;            /* NULL or "" = no AUTH */
	const char *password;        /* secret */
	const char *oauth_token;     /* secret; when set, only a token mechanism (XOAUTH2, OAUTHBEARER) is used */
	const char *sasl_host;       /* the server's name, sent by OAUTHBEARER; may be NULL */
	unsigned sasl_port;          /* the server's port, sent by OAUTHBEARER; 0: not sent */
	bool allow_cleartext_auth;   /* only when the user explicitly chose tls=none */
	unsigned auth_allowed;       /* SMTP_AUTH_* bits the user allows; 0 = any */
	unsigned timeout_ms;         /* deadline for each reply and each write */
	/* With PIPELINING and a mechanism that completes in its initial response
	 * (PLAIN, XOAUTH2, OAUTHBEARER), AUTH goes out with the first transaction's
	 * MAIL, RCPT and DATA in one write instead of in a round trip of its own. */
	bool pipeline_auth;
} smtp_session_config_t;

typedef struct smtp_session smtp_session_t;

/* Receives the dialogue for a debugging transcript: from_client tells the
 * direction; data is one or more whole lines (CRLF-terminated). AUTH payloads
 * arrive as "<redacted>", the message as a one-line byte count. Borrowed. */
typedef void (*smtp_trace_fn)(void *ctx, bool from_client, const char *data, size_t len);

/* What happened to one recipient of a transaction. */
typedef struct {
	int code;                            /* RCPT reply code */
	char enhanced[SMTP_ENHANCED_MAX];    /* its RFC 3463 status ("5.1.1"), or "" */
	char reply[SMTP_REPLY_TEXT_KEEP];    /* printable reply, for refused recipients */
} smtp_rcpt_status_t;

typedef struct {
	size_t nrcpts;
	smtp_rcpt_status_t *rcpt;   /* nrcpts entries, in envelope order; owned, or the caller's storage */
	/* Optional, the caller's: room for storage_n statuses, used instead of an
	 * allocation when it fits (so a PHP request can count it against its
	 * memory_limit). Kept by smtp_send_result_destroy; never freed here. */
	smtp_rcpt_status_t *storage;
	size_t storage_n;
	size_t accepted;            /* recipients with a 2xx to RCPT */
	int code;                   /* reply to the final dot */
	char reply[SMTP_REPLY_TEXT_KEEP];
	char queue_id[64];          /* "" when the server stated none */
	bool data_sent;             /* the final dot went out: a lost reply now means an unknown outcome */
} smtp_send_result_t;

/* What MAIL FROM declares about the message (RFC 5321 4.1.2 Mail-parameters). */
typedef struct {
	uint64_t size;      /* RFC 1870 3: the octets sent after DATA, CRLF line ends included, without
	                       dot-stuffing or the final dot (smtp_canon_size()); an upper estimate will
	                       do. 0: the pieces' total length is used */
	bool body_8bit;     /* an octet over 127 anywhere in the message (smtp_canon_has_8bit()) */
} smtp_mail_info_t;

/* Room for MAIL FROM's parameters, NUL included: " SIZE=" 20 digits " BODY=8BITMIME SMTPUTF8". */
#define SMTP_MAIL_PARAMS_MAX 64

/* One piece of the message; the pieces are sent as if concatenated. */
typedef struct {
	const char *data;
	size_t len;
} smtp_piece_t;

/* Copies cfg's strings. Returns NULL when out of memory. The transport is borrowed. */
smtp_session_t *smtp_session_new(const smtp_session_config_t *cfg, const smtp_transport_t *t);
/* Frees the session and wipes the secrets it copied; does not close the transport. NULL is a no-op. */
void smtp_session_free(smtp_session_t *s);

/* Reads the greeting, says EHLO, starts TLS as configured, authenticates. */
smtp_rc_t smtp_session_open(smtp_session_t *s, smtp_error_t *err);

/* One transaction: MAIL FROM:<from> with its parameters, RCPT TO for every
 * recipient, DATA and the message (canonicalised on the fly: CRLF line ends,
 * dot-stuffing, final dot). With PIPELINING the envelope goes out in one
 * write. MAIL FROM carries SIZE, BODY=8BITMIME and SMTPUTF8 as
 * smtp_session_mail_params() decides from the server's EHLO and info (NULL:
 * size unknown, 7-bit). An address with a non-ASCII octet needs SMTPUTF8
 * (RFC 6531): without it on the server, SMTP_E_LIMIT (stage mail) before
 * anything is sent, as for a message over the server's SIZE. Succeeds when the
 * server accepted the message for at least one recipient; res tells which
 * ones. res must be initialised with smtp_send_result_init. */
smtp_rc_t smtp_session_send(smtp_session_t *s, const char *from, const char *const *rcpts,
                            size_t nrcpts, const smtp_mail_info_t *info, const smtp_piece_t *pieces,
                            size_t npieces, smtp_send_result_t *res, smtp_error_t *err);

/* MAIL FROM's parameters into out, each with its leading SP ("" for none), in
 * this order: SIZE=size when caps announce SIZE (RFC 1870 3), BODY=8BITMIME
 * when body_8bit and caps offer 8BITMIME (RFC 6152 3), SMTPUTF8 when smtputf8
 * and caps offer it (RFC 6531 3.4). Pure. */
void smtp_session_mail_params(const smtp_caps_t *caps, uint64_t size, bool body_8bit, bool smtputf8,
                              char out[SMTP_MAIL_PARAMS_MAX]);

/* No wait of the session (reply, write, TLS handshake) may end later than
 * until_ms on smtp_clock_ms()'s clock: one deadline for a whole transaction
 * on top of the per-reply timeout. 0 removes it. QUIT ignores it. */
void smtp_session_set_deadline(smtp_session_t *s, uint64_t until_ms);

/* Sets (or with NULL clears) the re-encoding plan of the next messages
 * (borrowed: it must stay valid while it is set). smtp_session_send() then
 * streams the message through it, re-encoding what this relay's 8BITMIME
 * requires; the pieces must be the very message smtp_mime_scan() read.
 * Whether the data is then 8-bit (BODY=8BITMIME, RFC 6152) is
 * smtp_mime_sends_8bit(plan, smtp_session_caps(s)->eightbitmime). */
void smtp_session_set_mime(smtp_session_t *s, const smtp_mime_plan_t *plan);

/* For MAIL FROM: true when the message of the plan set goes out to this relay
 * holding 8-bit octets, so BODY=8BITMIME is due if the relay offers it.
 * False without a plan. */
bool smtp_session_body_8bit(const smtp_session_t *s);

/* Sets (or with NULL clears) where the dialogue is traced from now on. */
void smtp_session_set_trace(smtp_session_t *s, smtp_trace_fn fn, void *ctx);

/* Sends QUIT without waiting for its reply; errors are ignored. The session is dead afterwards. */
void smtp_session_quit(smtp_session_t *s);

/* True while the session may carry another transaction. */
bool smtp_session_is_usable(const smtp_session_t *s);

/* Capabilities from the last EHLO (after TLS, the ones from the EHLO inside TLS). */
const smtp_caps_t *smtp_session_caps(const smtp_session_t *s);
/* True once TLS is active (implicit or STARTTLS). */
bool smtp_session_is_tls(const smtp_session_t *s);
/* True when the server did not take AUTH pipelined with the envelope: it
 * answered with something other than a verdict on the credentials (a sequence
 * or syntax error), garbled, or hung up. Nothing of the message was sent; a
 * new session without pipeline_auth may try again. */
bool smtp_session_auth_pipeline_refused(const smtp_session_t *s);
/* The mechanism used for AUTH (SMTP_AUTH_* bit), 0 when none was. */
unsigned smtp_session_auth_mech(const smtp_session_t *s);

void smtp_send_result_init(smtp_send_result_t *res);
void smtp_send_result_destroy(smtp_send_result_t *res);

#endif
