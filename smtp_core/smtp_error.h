/*
 * smtp_error.h: the one error type of smtp_core.
 *
 * Every function that can fail returns an smtp_rc_t (SMTP_OK == 0) and, when it
 * fails, fills a caller-owned smtp_error_t: what went wrong (rc), where in the
 * SMTP dialogue (stage), the server's reply code and enhanced status when a
 * reply caused it, and a printable, length-capped message. Server text is
 * untrusted: it is sanitised before it is stored here. Credentials never are.
 */
#ifndef SMTP_ERROR_H
#define SMTP_ERROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h> /* __MINGW_PRINTF_FORMAT */

typedef enum {
	SMTP_OK = 0,
	SMTP_E_ARG,      /* the caller's input is invalid (address, CR/LF in a command) */
	SMTP_E_CONNECT,  /* name resolution or TCP connect failed */
	SMTP_E_TIMEOUT,  /* the server did not answer before the deadline */
	SMTP_E_CLOSED,   /* the server closed the connection */
	SMTP_E_IO,       /* read or write failed */
	SMTP_E_TLS,      /* TLS unavailable, refused, handshake or certificate failure */
	SMTP_E_PROTOCOL, /* malformed reply, reply out of place, injected bytes */
	SMTP_E_REPLY,    /* the server answered with a 4xx or 5xx code */
	SMTP_E_AUTH,     /* authentication impossible (no mechanism, no TLS) */
	SMTP_E_LIMIT,    /* a protocol limit was exceeded (line length, size) */
	SMTP_E_NOMEM,
	SMTP_E_STATE,    /* the session already failed or is in the wrong state */
	SMTP_E_INTERNAL,
	SMTP_E_BUSY      /* a local limit says "not now" (smtpmail.max_connections or
	                  * max_per_minute): nothing was sent, the message is not at fault */
} smtp_rc_t;

typedef enum {
	SMTP_STAGE_NONE = 0,
	SMTP_STAGE_MESSAGE,  /* checking the caller's message and envelope */
	SMTP_STAGE_CONNECT,
	SMTP_STAGE_GREETING,
	SMTP_STAGE_EHLO,
	SMTP_STAGE_TLS,
	SMTP_STAGE_AUTH,
	SMTP_STAGE_MAIL,
	SMTP_STAGE_RCPT,
	SMTP_STAGE_DATA,
	SMTP_STAGE_RSET,
	SMTP_STAGE_QUIT
} smtp_stage_t;

/* Room for the message; longer text is cut (server text is capped well below). */
#define SMTP_ERROR_MESSAGE_MAX 512
/* RFC 3463 2: class.subject.detail, each subject/detail at most 3 digits. */
#define SMTP_ENHANCED_MAX 12

typedef struct {
	smtp_rc_t rc;
	smtp_stage_t stage;
	int code;                           /* SMTP reply code, 0 when there was no reply */
	char enhanced[SMTP_ENHANCED_MAX];   /* "5.7.8", or "" */
	char message[SMTP_ERROR_MESSAGE_MAX];
} smtp_error_t;

/* Fills err (may be NULL) and returns rc, so a failure is `return smtp_error_set(...)`.
 * The message is formatted with printf rules and cut to fit. */
smtp_rc_t smtp_error_set(smtp_error_t *err, smtp_rc_t rc, smtp_stage_t stage, int code,
                         const char *fmt, ...)
#if defined(__MINGW32__)
	/* mingw's "printf" archetype is msvcrt's dialect, which has no %zu; the
	 * vsnprintf that smtp_error.c calls is C99's there (UCRT, or mingw's own
	 * under -std=c99), and stdio.h names its dialect. MSVC checks no formats. */
	__attribute__((format(__MINGW_PRINTF_FORMAT, 5, 6)))
#elif defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;

void smtp_error_clear(smtp_error_t *err);

/* True when retrying later may succeed: 4xx replies, timeouts, dropped or
 * refused connections. False for 5xx replies and for the caller's own mistakes. */
bool smtp_error_is_transient(const smtp_error_t *err);

/* "connect", "greeting", "tls", "auth", "mail", "rcpt", "data", ... */
const char *smtp_stage_name(smtp_stage_t stage);

/* A short English name of rc ("timeout", "protocol error", ...). */
const char *smtp_rc_name(smtp_rc_t rc);

/* True when a[0..n) and b[0..n) are equal, ASCII letters compared without
 * case (RFC 5321 2.4: commands, extensions and domains are case-insensitive). */
bool smtp_ascii_iequal(const char *a, const char *b, size_t n);

/* Copies untrusted text into dst (capacity cap, always NUL-terminated): every
 * byte outside printable ASCII becomes '?', and a cut is marked with "...".
 * Returns the number of bytes written, without the NUL. */
size_t smtp_text_sanitize(char *dst, size_t cap, const char *src, size_t len);

#endif
