/*
 * smtp_policy.h: what to do after a delivery attempt, in one place.
 *
 * From an attempt's error (or a local reason nothing was tried) and its state
 * (which relay of how many, spool or not, first try or a flusher's retry,
 * attempts so far, age) to one verdict: SENT, NEXT_RELAY, DEFER or FAIL, plus
 * which recipients a later try keeps and when that try may come. The model is
 * Postfix's src/smtp/smtp_trouble.c: one module "implements the policy of how
 * to deal with the error". It is pure: no I/O, no clock (the caller passes
 * now), no globals. The glue executes the verdict; it decides nothing itself.
 */
#ifndef SMTP_POLICY_H
#define SMTP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_error.h"

typedef enum {
	SMTP_VERDICT_SENT = 0,   /* a relay accepted the message (maybe not every recipient: see retry) */
	SMTP_VERDICT_NEXT_RELAY, /* nobody may have it yet: try the next relay of the list */
	SMTP_VERDICT_DEFER,      /* keep it in the spool for a later try (retry says for whom) */
	SMTP_VERDICT_FAIL        /* report the failure; with a spool, retry may still keep some recipients */
} smtp_verdict_t;

/* A local reason the message was not offered to any relay. The limits are
 * inputs of the policy like a relay's reply: the caller that enforces them
 * (connection slots, the per-minute rate, the relay's back-off) only says
 * which one stopped the send, and the policy says what becomes of the message. */
typedef enum {
	SMTP_HOLD_NONE = 0,
	SMTP_HOLD_DEFERRED,      /* smtpmail.deferred: every message goes through the spool */
	SMTP_HOLD_BACKOFF,       /* the relay's shared back-off is running (it throttled us) */
	SMTP_HOLD_NO_SLOT,       /* smtpmail.max_connections: no free connection slot within the timeout */
	SMTP_HOLD_RATE           /* smtpmail.max_per_minute: the relay account's rate is used up */
} smtp_hold_t;

/* Which recipients a later try keeps (smtp_policy_keeps_rcpt). */
typedef enum {
	SMTP_RETRY_NONE = 0,
	SMTP_RETRY_TEMPFAILED,   /* only those the relay refused for now (4xx) */
	SMTP_RETRY_NOT_REFUSED,  /* all but those refused for good (5xx): the message as a whole failed */
	SMTP_RETRY_ALL           /* every recipient still to do */
} smtp_retry_t;

/* The attempt, as the glue saw it. Borrowed pointers, read during the call only. */
typedef struct {
	smtp_hold_t hold;         /* not NONE: nothing was tried, rc/err/data_sent are ignored */
	smtp_rc_t rc;             /* SMTP_OK when the relay accepted the message */
	const smtp_error_t *err;  /* the failure when rc != SMTP_OK */
	bool data_sent;           /* the final dot went out */
	size_t rcpt_tempfailed;   /* recipients refused for now (4xx) in an accepted transaction */
	size_t relay;             /* index of the relay tried, 0-based, of nrelays */
	size_t nrelays;
	bool spool;               /* a spool may keep the message (spool mode, php.ini relay) */
	bool flushing;            /* the message came from the spool (smtp_spool_flush) */
	unsigned attempts;        /* failed tries the spool recorded before this one */
	uint64_t created;         /* when it was spooled (unix seconds), when flushing */
	uint64_t now;             /* unix seconds */
	uint64_t max_age;         /* smtpmail.spool_max_age in seconds; 0: no limit */
} smtp_policy_input_t;

typedef struct {
	smtp_verdict_t verdict;
	smtp_retry_t retry;       /* which recipients the spool keeps; NONE: none */
	uint64_t next_attempt;    /* unix time of the next try of what is kept; 0: at once (a new spool entry) */
	bool unknown_outcome;     /* RFC 1047: the final dot went out and no proper reply came back */
	bool too_old;             /* FAIL because the message outlived max_age */
	bool relays_unreachable;  /* the failure was the relay's, not the message's: the rest of a flush would meet it too */
} smtp_policy_verdict_t;

/* Decides what becomes of the message after the attempt in `in`; fills *out.
 * Never fails; an impossible input (rc != SMTP_OK without err) is a FAIL. */
void smtp_policy_decide(const smtp_policy_input_t *in, smtp_policy_verdict_t *out);

/* True when a recipient whose RCPT got reply code `code` (0: no reply, the
 * transaction never reached it) is kept for a later try under `retry`. */
bool smtp_policy_keeps_rcpt(smtp_retry_t retry, int code);

/* True when a kept session that failed this way is worth one more try on a
 * fresh connection: the server dropped the idle session before the message
 * went out, so the message is neither lost nor sent twice. */
bool smtp_policy_is_stale_session(const smtp_error_t *err, bool reused, bool data_sent);

/* A short name of a verdict ("sent", "next relay", "defer", "fail"). */
const char *smtp_policy_verdict_name(smtp_verdict_t verdict);

#endif
