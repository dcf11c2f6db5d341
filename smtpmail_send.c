/*
 * smtpmail_send.c: one message from the caller to a relay, and the spool.
 * Builds the envelope and header block (smtp_core/smtp_message), tries the
 * relays in order over kept sessions (smtpmail_pool.c), keeps in the spool
 * what a later try may still deliver, logs, and turns the outcome into a
 * result array, an exception or a warning in exactly one place.
 */
#ifdef HAVE_CONFIG_H
# include "config.h"
#endif

#include "php.h"
#include "zend_exceptions.h"
#include "zend_smart_str.h"
#include "fopen_wrappers.h"

#include "php_smtpmail.h"
#include "smtp_core/smtp_addr.h"
#include "smtp_core/smtp_canon.h"
#include "smtp_core/smtp_compat.h"
#include "smtp_core/smtp_message.h"
#include "smtp_core/smtp_mime.h"
#include "smtp_core/smtp_policy.h"
#include "smtp_core/smtp_spool.h"

typedef php_smtpmail_settings_t smtpmail_settings_t;
typedef php_smtpmail_input_t smtpmail_input_t;

/* One send in progress. Sends in progress form a stack in the module globals
 * (innermost first), so RSHUTDOWN can free them if a fatal error unwinds
 * through a blocking read, and a send never frees another's state. */
typedef struct smtpmail_job {
	struct smtpmail_job *outer;   /* the send this one runs inside of, or NULL */
	php_smtpmail_conn *conn;   /* acquired from the pool, not yet released */
	smtp_composed_t composed;
	smtp_mime_plan_t plan;   /* what the session re-encodes on the way (smtp_core/smtp_mime.h) */
	smtp_send_result_t result;
	char *envelope_from;
	char tls_version[32];   /* of the connection that carried the transaction */
	smtp_rcpt_status_t *rcpt_status;   /* the per-recipient results, on the request's allocator */
	smtp_mail_info_t info;  /* what MAIL FROM declares: size and 8-bit, learnt by scan_message() */
	bool scanned;           /* info covers the whole message */
	smart_str transcript;   /* options["transcript"] */
} smtpmail_job_t;

static void job_free(smtpmail_job_t *job)
{
	if (job == NULL) {
		return;
	}
	/* Only an interrupted send still holds its connection: the dialogue is in
	 * an unknown state, so no QUIT. */
	php_smtpmail_conn_close(job->conn, false);
	smtp_composed_destroy(&job->composed);
	smtp_mime_plan_destroy(&job->plan);
	smtp_send_result_destroy(&job->result);
	free(job->envelope_from);
	smart_str_free(&job->transcript);
	if (job->rcpt_status != NULL) {
		efree(job->rcpt_status);
	}
	efree(job);
}

static smtpmail_job_t *job_new(void)
{
	smtpmail_job_t *job = ecalloc(1, sizeof(*job));
	smtp_composed_init(&job->composed);
	smtp_mime_plan_init(&job->plan);
	smtp_send_result_init(&job->result);
	job->outer = SMTPMAIL_G(active_job);
	SMTPMAIL_G(active_job) = job;
	return job;
}

static void job_done(smtpmail_job_t *job)
{
	smtpmail_job_t **link = &SMTPMAIL_G(active_job);

	while (*link != NULL && *link != job) {
		link = &(*link)->outer;
	}
	if (*link == job) {
		*link = job->outer;
	}
	job_free(job);
}

/* The exception class for a failed stage. */
static zend_class_entry *exception_class(smtp_stage_t stage)
{
	switch (stage) {
	case SMTP_STAGE_CONNECT:
	case SMTP_STAGE_GREETING:
	case SMTP_STAGE_EHLO:
		return php_smtpmail_connect_exception_ce;
	case SMTP_STAGE_TLS:
		return php_smtpmail_tls_exception_ce;
	case SMTP_STAGE_AUTH:
		return php_smtpmail_auth_exception_ce;
	case SMTP_STAGE_MAIL:
		return php_smtpmail_sender_exception_ce;
	case SMTP_STAGE_RCPT:
		return php_smtpmail_recipient_exception_ce;
	case SMTP_STAGE_DATA:
		return php_smtpmail_data_exception_ce;
	default:
		return php_smtpmail_exception_ce;
	}
}

/* The one place a core error becomes PHP's (STYLE 12): an exception for
 * smtp_send(), false plus a warning for mail(). */
/* Whether the server's text (already printable) contains needle, ignoring ASCII case. */
static bool text_has(const char *text, const char *needle)
{
	size_t n = strlen(needle);

	for (; *text != '\0'; text++) {
		if (strncasecmp(text, needle, n) == 0) {
			return true;
		}
	}
	return false;
}

/* The likely fix for the failures people meet most (STYLE 8: the policy of
 * wording lives here, in one place). NULL when there is nothing useful to add. */
static const char *failure_hint(const smtp_error_t *err, const smtpmail_settings_t *relay)
{
	bool has_credentials = relay->username != NULL || relay->oauth_token != NULL || php_smtpmail_oauth_configured(relay);

	const char *meaning;

	/* Microsoft 365's 5.2.25x: say what the provider means, and that it is throttling. */
	if (smtp_policy_throttle(err, &meaning) == SMTP_THROTTLE_PERMANENT) {
		return meaning;
	}
	switch (err->stage) {
	case SMTP_STAGE_CONNECT:
		if (strstr(err->message, "refused") != NULL) {
			return "nothing accepts connections there: check smtpmail.host and smtpmail.port";
		}
		if (strstr(err->message, "timed out") != NULL || strstr(err->message, "Operation now in progress") != NULL) {
			return "a firewall may block the port: many networks block outgoing mail ports (25, 465, 587)";
		}
		if (strstr(err->message, "getaddrinfo") != NULL || strstr(err->message, "resolve") != NULL
		    || strstr(err->message, "not known") != NULL) {
			return "the host name does not resolve: check smtpmail.host";
		}
		return NULL;
	case SMTP_STAGE_GREETING:
		if ((err->rc == SMTP_E_TIMEOUT || err->rc == SMTP_E_TLS) && relay->tls != SMTP_TLS_IMPLICIT) {
			return relay->port == 465 ? "port 465 speaks TLS from the first byte: use tls=implicit"
			                          : "a port that expects TLS from the first byte needs tls=implicit";
		}
		/* RFC 5321 4.2.2: 421, service not available, closing the channel. */
		if (err->code == 421) {
			return "the relay is busy or limits connections (too many at once from this address, or a rate "
			       "limit): try again later, send fewer at once, or keep sessions (smtpmail.persistent)";
		}
		return NULL;
	case SMTP_STAGE_MAIL:
		/* RFC 4954 6: 530 5.7.0, authentication required. */
		if (err->code == 530) {
			if (has_credentials) {
				return "the relay wants AUTH before MAIL, and this session did authenticate: the account may "
				       "not submit here; ask the relay's administrator";
			}
			return relay->redirected
			       ? "the relay wants AUTH before MAIL: pass options[\"username\"] and options[\"password\"] (a "
			         "call that changes the destination does not use the php.ini credentials)"
			       : "the relay wants AUTH before MAIL: set smtpmail.username and smtpmail.password";
		}
		/* Microsoft 365: 5.7.60 SendAsDenied; Postfix and others: 5.7.1 with
		 * 550 or 553 ("not owned by user"). */
		if (strcmp(err->enhanced, "5.7.60") == 0 || text_has(err->message, "SendAsDenied")
		    || ((err->code == 550 || err->code == 553) && strcmp(err->enhanced, "5.7.1") == 0)) {
			return "the envelope sender is not allowed for this account: send as the account's own address, or "
			       "one it may send as (smtpmail.from, options[\"from\"], mail()'s -f)";
		}
		return NULL;
	case SMTP_STAGE_RCPT:
		/* Postfix: 554 5.7.1 Relay access denied; Exim: 550 relay not
		 * permitted; Microsoft 365: 550 5.7.54 Unable to relay. */
		if (err->code >= 550 && (text_has(err->message, "relay access denied") || text_has(err->message, "relay not permitted")
		                         || text_has(err->message, "unable to relay") || strcmp(err->enhanced, "5.7.54") == 0)) {
			return has_credentials
			       ? "the relay does not relay for this account to that domain: check what the account may send to"
			       : "the relay does not relay for this client: authenticate (smtpmail.username and smtpmail.password) "
			         "on its submission port, 587 or 465";
		}
		return NULL;
	case SMTP_STAGE_AUTH:
		if (strcmp(err->enhanced, "5.7.139") == 0 || strstr(err->message, "SmtpClientAuthentication is disabled") != NULL) {
			return "SMTP AUTH is turned off for this Microsoft 365 tenant or mailbox: enable Authenticated SMTP for the "
			       "mailbox (Set-CASMailbox -SmtpClientAuthenticationDisabled $false)";
		}
		if (relay->oauth_token != NULL || php_smtpmail_oauth_configured(relay)) {
			if (err->code == 535 || err->code == 534) {
				return "the relay refused the OAuth token: check that the app may send as this mailbox (Microsoft "
				       "365: SMTP.SendAsApp and the service principal's mailbox permission, or SMTP.Send; Google: the "
				       "https://mail.google.com/ scope) and that smtpmail.username is that mailbox";
			}
			return NULL;
		}
		if (err->code == 534 || strcmp(err->enhanced, "5.7.9") == 0 || strstr(err->message, "pplication-specific") != NULL) {
			return "the provider wants an app password, or OAuth 2 (smtpmail.oauth_client_id and the oauth settings)";
		}
		if (err->code == 535) {
			return "check the username and password; accounts with two-step verification need an app password";
		}
		return NULL;
	default:
		return NULL;
	}
}

static void report_failure(const smtp_error_t *err, const smtpmail_settings_t *relay, const char *peer,
                           const char *earlier, bool unknown_outcome, zend_string *transcript, bool as_exception)
{
	char text[2 * SMTP_ERROR_MESSAGE_MAX + 600];
	const char *hint = failure_hint(err, relay);

	snprintf(text, sizeof(text), "[%s] %s: %s%s%s%s%s%s%s", smtp_stage_name(err->stage), peer, err->message,
	         unknown_outcome ? " after the whole message was sent: the relay may or may not have accepted it" : "",
	         hint != NULL ? " (" : "", hint != NULL ? hint : "", hint != NULL ? ")" : "",
	         earlier[0] != '\0' ? " (after failing over from " : "", earlier);
	if (earlier[0] != '\0') {
		size_t n = strlen(text);
		if (n + 1 < sizeof(text)) {
			text[n] = ')';
			text[n + 1] = '\0';
		}
	}
	if (as_exception) {
		zend_object *ex = zend_throw_exception(
			unknown_outcome ? php_smtpmail_unknown_outcome_exception_ce : exception_class(err->stage), text, err->code);
		zend_update_property_string(php_smtpmail_exception_ce, ex, "stage", sizeof("stage") - 1, smtp_stage_name(err->stage));
		zend_update_property_bool(php_smtpmail_exception_ce, ex, "transient", sizeof("transient") - 1,
		                          unknown_outcome || smtp_error_is_transient(err));
		zend_update_property_string(php_smtpmail_exception_ce, ex, "enhancedStatus", sizeof("enhancedStatus") - 1, err->enhanced);
		if (transcript != NULL) {
			zend_update_property_str(php_smtpmail_exception_ce, ex, "transcript", sizeof("transcript") - 1, transcript);
		}
	} else {
		php_error_docref(NULL, E_WARNING, "%s", text);
	}
}

/* Scans the head and the body once (smtp_canon_scan): a line too long is
 * found before connecting, and MAIL FROM learns the size and whether the
 * content is 8-bit. */
static smtp_rc_t scan_message(smtpmail_job_t *job, const smtpmail_input_t *in, smtp_error_t *err)
{
	smtp_canon_t head, body;
	smtp_rc_t rc;

	/* Apart, so that an error names the line of the body as the caller counts
	 * it; the head ends in CRLF, so the sizes add up. */
	smtp_canon_init(&head);
	smtp_canon_init(&body);
	rc = smtp_canon_scan(&head, job->composed.head.data, job->composed.head.len, err);
	if (rc == SMTP_OK) {
		rc = smtp_canon_scan(&body, in->message, in->message_len, err);
	}
	job->scanned = rc == SMTP_OK;
	job->info.size = job->scanned ? smtp_canon_size(&head) + smtp_canon_size(&body) : 0;
	job->info.body_8bit = job->scanned && (smtp_canon_has_8bit(&head) || smtp_canon_has_8bit(&body));
	return rc;
}

static smtp_rc_t transaction(smtpmail_job_t *job, const smtpmail_input_t *in, smtp_error_t *err)
{
	smtp_piece_t pieces[2];
	smtp_rc_t rc;

	pieces[0].data = job->composed.head.data;
	pieces[0].len = job->composed.head.len;
	/* The body goes out straight from the caller's string: no copy. */
	pieces[1].data = in->message;
	pieces[1].len = in->message_len;
	php_smtpmail_stream_tls_version(job->conn, job->tls_version, sizeof(job->tls_version));
	/* Per-recipient results count against memory_limit like the rest of the request. */
	if (job->rcpt_status == NULL) {
		job->rcpt_status = safe_emalloc(job->composed.rcpts.count, sizeof(*job->rcpt_status), 0);
	}
	job->result.storage = job->rcpt_status;
	job->result.storage_n = job->composed.rcpts.count;
	/* A spooled message being flushed was not scanned by prepare(): MAIL FROM
	 * then just declares less. */
	if (!job->scanned) {
		(void)scan_message(job, in, NULL);
	}
	/* The session re-encodes on the way what this relay's 8BITMIME requires
	 * (and then counts SIZE and BODY from the plan). */
	smtp_session_set_mime(job->conn->session, &job->plan);
	rc = smtp_session_send(job->conn->session, job->envelope_from,
	                       (const char *const *)job->composed.rcpts.items, job->composed.rcpts.count,
	                       &job->info, pieces, 2, &job->result, err);
	smtp_session_set_mime(job->conn->session, NULL);
	return rc;
}

/* Reads the message (head and body, in place) into the job's plan: which
 * parts the session must re-encode, or the error naming the line that cannot
 * go out. declare: smtp_send() states the body's transfer encoding. */
static smtp_rc_t plan_message(smtpmail_job_t *job, const smtpmail_input_t *in, bool declare, smtp_error_t *err)
{
	smtp_mime_piece_t pieces[2];

	pieces[0].data = job->composed.head.data;
	pieces[0].len = job->composed.head.len;
	pieces[1].data = in->message;
	pieces[1].len = in->message_len;
	return smtp_mime_scan(&job->plan, pieces, 2, declare, err);
}

/* The plan decides what can go out; the canonicaliser's scan then measures
 * what MAIL FROM declares (SIZE, BODY). Its own refusal of a long line is no
 * error any more: the plan re-encodes that part, and the session measures it
 * again as re-encoded. */
static smtp_rc_t plan_and_scan(smtpmail_job_t *job, const smtpmail_input_t *in, bool declare, smtp_error_t *err)
{
	smtp_rc_t rc = plan_message(job, in, declare, err);

	if (rc == SMTP_OK) {
		(void)scan_message(job, in, NULL);
		job->scanned = true;
	}
	return rc;
}

/* Sends over a kept session when there is one, else over a new connection.
 * A kept session that turns out dead before the message went out is replaced
 * once: the message is neither lost nor sent twice. */
static smtp_rc_t deliver(smtpmail_job_t *job, const smtpmail_settings_t *settings, const smtpmail_input_t *in,
                         smtp_error_t *err, smtp_hold_t *hold)
{
	bool reused = false;
	smtpmail_settings_t timed = *settings;
	const smtpmail_settings_t *s = &timed;
	uint64_t size = (uint64_t)job->composed.head.len + in->message_len;
	uint64_t rate_wait;
	smtp_rc_t rc;

	/* smtpmail.max_per_minute counts every message tried, before anything is
	 * sent: a provider counts what it was offered. */
	rc = php_smtpmail_rate_take(settings, &rate_wait, err);
	if (rc != SMTP_OK) {
		*hold = rc == SMTP_E_BUSY ? SMTP_HOLD_RATE : SMTP_HOLD_NONE;
		return rc;
	}
	/* One deadline for the whole transaction, connect to final reply. */
	timed.deadline_ms = smtp_clock_ms() + (uint64_t)settings->timeout_ms * SMTPMAIL_TRANSACTION_TIMEOUTS
	                    + size / SMTPMAIL_SLOW_LINK_BPS * 1000u;
	rc = php_smtpmail_pool_acquire(s, false, &job->conn, &reused, err);
	if (rc == SMTP_E_BUSY) {
		*hold = SMTP_HOLD_NO_SLOT;
	}
	if (rc == SMTP_OK) {
		rc = transaction(job, in, err);
		/* A relay that did not take AUTH pipelined with the envelope got no
		 * message either: a new session that authenticates on its own goes
		 * once more, and later sessions to it do the same. */
		bool unpipelined = rc != SMTP_OK && !job->result.data_sent
		                   && smtp_session_auth_pipeline_refused(job->conn->session);
		if (unpipelined) {
			php_smtpmail_pool_no_pipelined_auth(job->conn);
		}
		if (rc != SMTP_OK && (unpipelined || smtp_policy_is_stale_session(err, reused, job->result.data_sent))) {
			php_smtpmail_conn_close(job->conn, unpipelined);
			job->conn = NULL;
			smtp_send_result_destroy(&job->result);
			smtp_error_clear(err);
			rc = php_smtpmail_pool_acquire(s, true, &job->conn, &reused, err);
			if (rc == SMTP_E_BUSY) {
				*hold = SMTP_HOLD_NO_SLOT;
			}
			if (rc == SMTP_OK) {
				rc = transaction(job, in, err);
			}
		}
	}
	if (job->conn != NULL) {
		php_smtpmail_pool_release(s, job->conn);
		job->conn = NULL;
	}
	return rc;
}

/* Builds the header block and the envelope into the job. On failure fills err (stage MESSAGE). */
/* smtp_send_raw(): the caller built the message; only the envelope is checked. */
static smtp_rc_t prepare_raw(smtpmail_job_t *job, const smtpmail_input_t *in, smtp_error_t *err)
{
	zval *v;
	smtp_rc_t rc;

	/* RFC 5321 4.5.5: the null reverse-path "<>" is for bounces and reports. */
	if (in->raw_from_len == 0) {
		job->envelope_from = strdup("");
	} else {
		rc = smtp_addr_parse_mailbox(in->raw_from, in->raw_from_len, &job->envelope_from, err);
		if (rc != SMTP_OK) {
			return rc;
		}
	}
	ZEND_HASH_FOREACH_VAL(in->raw_rcpts, v) {
		char *addr = NULL;
		ZVAL_DEREF(v);
		rc = smtp_addr_parse_mailbox(Z_STRVAL_P(v), Z_STRLEN_P(v), &addr, err);
		if (rc == SMTP_OK) {
			rc = smtp_addr_list_add(&job->composed.rcpts, addr, strlen(addr), err);
		}
		free(addr);
		if (rc != SMTP_OK) {
			return rc;
		}
	} ZEND_HASH_FOREACH_END();
	if (job->composed.rcpts.count == 0) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0, "no recipients");
	}
	return plan_and_scan(job, in, false, err);
}

static smtp_rc_t prepare(smtpmail_job_t *job, const smtpmail_settings_t *s, const smtpmail_input_t *in, smtp_error_t *err)
{
	smtp_compose_t compose;
	const char *configured = in->sender;
	char *configured_addr = NULL;
	smtp_rc_t rc;

	if (in->raw) {
		return prepare_raw(job, in, err);
	}
	if (configured == NULL) {
		configured = php_smtpmail_nonempty(s->from);
	}
	if (configured == NULL) {
		configured = php_smtpmail_nonempty(INI_STR("sendmail_from"));
	}
	if (configured != NULL) {
		rc = smtp_addr_parse_mailbox(configured, strlen(configured), &configured_addr, err);
		if (rc != SMTP_OK) {
			return rc;
		}
	}

	memset(&compose, 0, sizeof(compose));
	compose.to = in->to_len > 0 ? in->to : NULL;
	compose.to_len = in->to_len;
	compose.subject = in->subject;
	compose.subject_len = in->subject_len;
	compose.headers = in->headers;
	compose.headers_len = in->headers_len;
	/* The From field, when the message has none, shows the mailbox as configured,
	 * display name included; the envelope takes its address. */
	compose.from = configured;
	if (compose.from == NULL && s->username != NULL && strchr(s->username, '@') != NULL) {
		compose.from = s->username;
	}
	compose.now = time(NULL);
	compose.mail_parity = in->mail_parity;
	rc = SMTP_OK;
	/* The composer prefers the From address's domain; this host's name is the fallback. */
	compose.msgid_domain = s->helo;
	rc = smtp_message_compose(&compose, &job->composed, err);
	if (rc != SMTP_OK) {
		free(configured_addr);
		return rc;
	}
	if (configured_addr != NULL) {
		job->envelope_from = configured_addr;
	} else if (job->composed.from_addr != NULL) {
		job->envelope_from = strdup(job->composed.from_addr);
	} else if (compose.from != NULL) {
		job->envelope_from = strdup(compose.from);
	}
	if (job->envelope_from == NULL) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "no envelope sender: set smtpmail.from, pass a From header, or an address as username");
	}
	if (job->composed.rcpts.count == 0) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "no recipients: the To argument is empty and there is no To, Cc or Bcc header");
	}
	/* A doomed message never starts a transaction: a long line that cannot be
	 * re-encoded is found before connecting. */
	return plan_and_scan(job, in, in->compose_mime, err);
}

static void result_to_array(const smtpmail_job_t *job, zval *return_value)
{
	zval accepted, rejected;
	const smtp_send_result_t *res = &job->result;

	array_init(return_value);
	if (res->queue_id[0] != '\0') {
		add_assoc_string(return_value, "queue_id", res->queue_id);
	} else {
		add_assoc_null(return_value, "queue_id");
	}
	array_init(&accepted);
	array_init(&rejected);
	for (size_t i = 0; i < res->nrcpts; i++) {
		const char *addr = job->composed.rcpts.items[i];
		if (res->rcpt[i].code / 100 == 2) {
			add_next_index_string(&accepted, addr);
		} else {
			add_assoc_string(&rejected, addr, res->rcpt[i].reply);
		}
	}
	add_assoc_zval(return_value, "accepted", &accepted);
	add_assoc_zval(return_value, "rejected", &rejected);
	add_assoc_string(return_value, "reply", res->reply);
	add_assoc_bool(return_value, "spooled", false);
	add_assoc_null(return_value, "spool_id");
}

static void format_peer(char *out, size_t cap, const smtpmail_settings_t *s)
{
	snprintf(out, cap, strchr(s->host, ':') != NULL ? "[%s]:" ZEND_LONG_FMT : "%s:" ZEND_LONG_FMT, s->host, s->port);
}

/* What one attempt over the relay list came to. */
typedef struct {
	smtp_rc_t rc;
	smtp_error_t err;
	smtpmail_settings_t relay;          /* the last relay tried */
	char peer[SMTPMAIL_HOST_MAX + 16];
	char earlier[SMTP_ERROR_MESSAGE_MAX];
	bool unknown_outcome;               /* RFC 1047: the final dot went out, no reply came back */
	smtp_hold_t hold;                   /* a local limit held the message back (nothing was offered) */
	smtp_policy_verdict_t v;            /* what becomes of the message (smtp_core/smtp_policy) */
} smtpmail_attempt_t;

static size_t count_tempfailed(const smtp_send_result_t *res)
{
	size_t i, n = 0;

	for (i = 0; i < res->nrcpts; i++) {
		n += res->rcpt[i].code / 100 == 4;
	}
	return n;
}

/* Tries the relays in order with the job's envelope and message, for as long
 * as the policy says NEXT_RELAY (failover). base: the attempt's state (spool,
 * flushing, attempts, times); the relay fields and the result are filled here. */
static void attempt_relays(smtpmail_job_t *job, const smtpmail_settings_t *s, const smtpmail_input_t *in,
                           const smtp_policy_input_t *base, smtpmail_attempt_t *a)
{
	smtp_policy_input_t pin = *base;
	size_t i;

	a->relay = *s;
	a->earlier[0] = '\0';
	a->rc = SMTP_E_INTERNAL;
	memset(&a->v, 0, sizeof(a->v));
	a->v.verdict = SMTP_VERDICT_FAIL;
	pin.nrelays = s->nrelays;
	for (i = 0; i < s->nrelays; i++) {
		php_smtpmail_use_relay(&a->relay, i);
		format_peer(a->peer, sizeof(a->peer), &a->relay);
		smtp_send_result_destroy(&job->result);
		smtp_send_result_init(&job->result);
		smtp_error_clear(&a->err);
		a->hold = SMTP_HOLD_NONE;
		a->rc = deliver(job, &a->relay, in, &a->err, &a->hold);
		pin.hold = a->hold;
		pin.relay = i;
		pin.rc = a->rc;
		pin.err = &a->err;
		pin.data_sent = job->result.data_sent;
		pin.rcpt_tempfailed = a->rc == SMTP_OK ? count_tempfailed(&job->result) : 0;
		smtp_policy_decide(&pin, &a->v);
		if (a->v.verdict != SMTP_VERDICT_NEXT_RELAY) {
			break;
		}
		/* Remembered for the final message: what the earlier relays said. */
		{
			size_t used = strlen(a->earlier);
			snprintf(a->earlier + used, sizeof(a->earlier) - used, "%s%s [%s] %s", used > 0 ? "; " : "", a->peer,
			         smtp_stage_name(a->err.stage), a->err.message);
		}
	}
	a->unknown_outcome = a->v.unknown_outcome;
}

static void log_outcome(const smtpmail_job_t *job, const smtpmail_input_t *in, const char *peer, const char *outcome,
                        const char *spool_id, const smtp_error_t *err, uint64_t started)
{
	php_smtpmail_log_entry_t entry;
	char why[SMTP_ERROR_MESSAGE_MAX];

	memset(&entry, 0, sizeof(entry));
	entry.peer = peer;
	entry.from = job->envelope_from != NULL ? job->envelope_from : "";
	entry.rcpts = job->composed.rcpts.count;
	entry.size = job->composed.head.len + in->message_len;
	entry.outcome = outcome;
	/* "failed": this message (or its move to failed/) is lost to the sender;
	 * any other outcome with an error waits for a later try. */
	entry.level = strcmp(outcome, "failed") == 0 ? PHP_SMTPMAIL_LOG_ERR
	              : err != NULL                 ? PHP_SMTPMAIL_LOG_WARNING
	                                            : PHP_SMTPMAIL_LOG_INFO;
	entry.queue_id = job->result.queue_id;
	entry.spool_id = spool_id;
	entry.duration_ms = smtp_clock_ms() - started;
	entry.tls = job->tls_version;
	entry.error = err;
	if (!php_smtpmail_log_send(&entry, why, sizeof(why))) {
		memcpy(SMTPMAIL_G(log_trouble), why, sizeof(why));
	}
}

smtp_rc_t php_smtpmail_spool_dir(char *out, smtp_error_t *err)
{
	const char *dir = SMTPMAIL_G(spool_dir);

	if (dir == NULL || dir[0] == '\0') {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_NONE, 0, "smtpmail.spool_dir is not set");
	}
	/* CWD_EXPAND: "." and ".." resolved by the text, symlinks left to the
	 * spool's own checks, as they are for an absolute setting. */
	if (expand_filepath_with_mode(dir, out, NULL, 0, CWD_EXPAND) == NULL) {
		return smtp_error_set(err, SMTP_E_IO, SMTP_STAGE_NONE, 0,
		                      "spool: smtpmail.spool_dir %s cannot be made absolute (PHP's current directory is "
		                      "gone, or the path is too long)", dir);
	}
	return SMTP_OK;
}

/* Writes the job's message into the spool for smtp_spool_flush() to send
 * later, for the recipients in rcpts[0..n). */
static smtp_rc_t spool_job(const smtpmail_job_t *job, const smtpmail_settings_t *s, const smtpmail_input_t *in,
                           const char *const *rcpts, size_t n, bool unknown_outcome, char id[SMTP_SPOOL_ID_MAX],
                           smtp_error_t *err)
{
	smtp_piece_t pieces[2];
	char dest[65];
	char dir[MAXPATHLEN];
	smtp_rc_t rc;

	if ((rc = php_smtpmail_spool_dir(dir, err)) != SMTP_OK || (rc = smtp_spool_prepare(dir, err)) != SMTP_OK) {
		return rc;
	}
	php_smtpmail_dest_token(s, dest);
	pieces[0].data = job->composed.head.data;
	pieces[0].len = job->composed.head.len;
	pieces[1].data = in->message;
	pieces[1].len = in->message_len;
	return smtp_spool_write_for(dir, dest[0] != '\0' ? dest : NULL, job->envelope_from, rcpts, n,
	                            pieces, 2, (uint64_t)time(NULL), unknown_outcome, id, err);
}

/* The recipients the policy keeps for a later try (smtp_policy_keeps_rcpt).
 * Returns how many; *out is emalloc'd. */
static size_t recipients_to_retry(const smtpmail_job_t *job, smtp_retry_t which, const char ***out)
{
	const smtp_send_result_t *res = &job->result;
	size_t i, n = 0;

	*out = safe_emalloc(job->composed.rcpts.count + 1, sizeof(char *), 0);
	for (i = 0; i < job->composed.rcpts.count; i++) {
		/* 0: the transaction never reached this recipient. */
		int code = i < res->nrcpts && res->rcpt != NULL ? res->rcpt[i].code : 0;
		if (smtp_policy_keeps_rcpt(which, code)) {
			(*out)[n++] = job->composed.rcpts.items[i];
		}
	}
	return n;
}

/* options["transcript"]: the dialogue, for debugging, with AUTH payloads redacted. */
static void add_transcript(zval *result, zend_string *transcript)
{
	if (transcript != NULL) {
		add_assoc_str(result, "transcript", zend_string_copy(transcript));
	}
}

static void spooled_result(zval *return_value, const char *id, const char *why)
{
	zval empty;

	array_init(return_value);
	add_assoc_null(return_value, "queue_id");
	array_init(&empty);
	add_assoc_zval(return_value, "accepted", &empty);
	array_init(&empty);
	add_assoc_zval(return_value, "rejected", &empty);
	add_assoc_string(return_value, "reply", why);
	add_assoc_bool(return_value, "spooled", true);
	add_assoc_string(return_value, "spool_id", id);
}

/* "2026-12-06T21:00:00Z" for a unix time. */
static void format_utc(char *out, size_t cap, uint64_t t)
{
	struct tm tm;

	if (smtp_gmtime((time_t)t, &tm) != 0) {
		snprintf(out, cap, "%llu", (unsigned long long)t);
		return;
	}
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec);
}

/* The relay's shared back-off after an attempt: recorded when the policy saw
 * it throttle us (every sender and flusher of the spool then waits), removed
 * when it accepted again. */
static void settle_pause(const char *dest, const smtp_spool_pause_t *pause, const smtpmail_attempt_t *a, uint64_t now)
{
	if (a->v.relay_backoff > 0) {
		smtp_spool_pause_t next;
		memset(&next, 0, sizeof(next));
		next.until = now + a->v.relay_backoff;
		next.strikes = pause->strikes + 1;
		snprintf(next.reason, sizeof(next.reason), "[%s] %s: %s (%s)", smtp_stage_name(a->err.stage), a->peer,
		         a->err.message, a->v.meaning != NULL ? a->v.meaning : "throttling");
		/* Advice only: a spool that cannot take it will fail the message's own
		 * write too. The first message of a new install finds no spool yet. */
		if (smtp_spool_prepare(SMTPMAIL_G(spool_dir), NULL) == SMTP_OK) {
			smtp_spool_pause_write(SMTPMAIL_G(spool_dir), dest, &next, NULL);
		}
	} else if (a->v.verdict == SMTP_VERDICT_SENT && (pause->until != 0 || pause->strikes != 0)) {
		smtp_spool_pause_clear(SMTPMAIL_G(spool_dir), dest);
	}
}

/* The error of a message held back by the relay's back-off: nothing was sent. */
static void pause_error(smtp_error_t *err, const smtp_spool_pause_t *pause)
{
	char when[32];

	format_utc(when, sizeof(when), pause->until);
	smtp_error_set(err, SMTP_E_STATE, SMTP_STAGE_CONNECT, 0, "not tried: the relay throttled us and is left alone until %s (%s)",
	               when, pause->reason);
}

/* The text of a spooled result's "reply" and of a .retry's reason: the
 * error, and what a throttling reply means. */
static void spool_reason(char *out, size_t cap, const smtpmail_attempt_t *a)
{
	if (a->v.throttle != SMTP_THROTTLE_NONE && a->v.meaning != NULL) {
		snprintf(out, cap, "%s (%s)", a->err.message, a->v.meaning);
	} else {
		snprintf(out, cap, "%s", a->err.message);
	}
}

/* What a send came to, kept until it is reported (after the send, when user
 * code may run again). */
typedef struct {
	bool ok;
	bool bad_input;               /* the message was refused before any relay: ValueError / warning */
	smtpmail_attempt_t a;
	zend_string *transcript;
} smtpmail_outcome_t;

/* Only a message for the php.ini relay, sent with the php.ini credentials, goes
 * to the spool: the flusher sends with exactly those. A call that chose its own
 * destination or credentials is sent now or fails now; keeping its
 * credentials on disk for a later try is not an option. */
static bool may_spool(const smtpmail_settings_t *s)
{
	return SMTPMAIL_G(spool_dir) != NULL && SMTPMAIL_G(spool_dir)[0] != '\0' && s->ini_credentials;
}

/* The send itself: runs with user code off (see php_smtpmail_send_message). */
static void send_quietly(const smtpmail_settings_t *s, const smtpmail_input_t *in, zval *return_value,
                         smtpmail_outcome_t *o)
{
	smtpmail_job_t *job = job_new();
	smtpmail_attempt_t *a = &o->a;
	uint64_t started = smtp_clock_ms();
	smtpmail_settings_t traced;
	bool spool = may_spool(s);
	bool deferred = spool && SMTPMAIL_G(deferred);
	bool spooled_part = false;
	char spool_id[SMTP_SPOOL_ID_MAX];
	char dest[65];
	smtp_spool_pause_t pause;
	smtp_policy_input_t pin;

	memset(&pause, 0, sizeof(pause));
	memset(&pin, 0, sizeof(pin));
	pin.spool = spool;
	pin.now = (uint64_t)time(NULL);

	a->rc = prepare(job, s, in, &a->err);
	if (a->rc != SMTP_OK) {
		o->bad_input = true;
		job_done(job);
		return;
	}
	if (deferred) {
		/* Nothing is sent during the request: the flusher does it. */
		a->relay = *s;
		format_peer(a->peer, sizeof(a->peer), &a->relay);
		pin.hold = SMTP_HOLD_DEFERRED;
		smtp_policy_decide(&pin, &a->v);
	} else {
		if (spool) {
			/* The relay throttled us lately: every message waits in the spool, untried. */
			php_smtpmail_dest_token(s, dest);
			smtp_spool_pause_read(SMTPMAIL_G(spool_dir), dest, &pause, NULL);
			pin.relay_strikes = pause.strikes;
		}
		if (spool && pause.until > pin.now) {
			a->relay = *s;
			format_peer(a->peer, sizeof(a->peer), &a->relay);
			pause_error(&a->err, &pause);
			a->rc = a->err.rc;
			pin.hold = SMTP_HOLD_BACKOFF;
			smtp_policy_decide(&pin, &a->v);
		} else {
			traced = *s;
			traced.transcript = s->want_transcript ? &job->transcript : NULL;
			/* At smtpmail.max_per_minute a message with a spool to go to is
			 * spooled at once; without one it waits, up to the timeout. */
			traced.rate_wait = !spool;
			attempt_relays(job, &traced, in, &pin, a);
			if (spool) {
				settle_pause(dest, &pause, a, pin.now);
			}
		}
		if (s->want_transcript) {
			smart_str_0(&job->transcript);
			o->transcript = job->transcript.s != NULL ? zend_string_copy(job->transcript.s) : ZSTR_EMPTY_ALLOC();
		}
	}
	/* The spool keeps what the policy says a later try may still deliver:
	 * the whole message (DEFER), or the recipients a relay refused for now. */
	if (spool && a->v.retry != SMTP_RETRY_NONE) {
		bool whole = a->v.verdict == SMTP_VERDICT_DEFER;
		const char **retry;
		size_t nretry = recipients_to_retry(job, a->v.retry, &retry);
		smtp_error_t serr;

		if (nretry > 0 && spool_job(job, s, in, retry, nretry, a->unknown_outcome, spool_id, &serr) == SMTP_OK) {
			efree(retry);
			if (whole) {
				log_outcome(job, in, a->peer, "spooled", spool_id, deferred ? NULL : &a->err, started);
				if (return_value != NULL) {
					char why[SMTP_ERROR_MESSAGE_MAX + 256];
					spool_reason(why, sizeof(why), a);
					spooled_result(return_value, spool_id, deferred ? "" : why);
					if (a->unknown_outcome) {
						/* The relay may have it already: a later try may make a second copy. */
						add_assoc_bool(return_value, "outcome_unknown", true);
					}
					add_transcript(return_value, o->transcript);
				}
				job_done(job);
				o->ok = true;
				return;
			}
			spooled_part = true;
		} else {
			efree(retry);
			if (nretry > 0) {
				/* The spool failed too: report both; what it could not keep is not kept. */
				size_t used = strlen(a->err.message);
				snprintf(a->err.message + used, sizeof(a->err.message) - used, "%snot spooled either: %s",
				         used > 0 ? "; " : "", serr.message);
				if (deferred || a->rc == SMTP_OK) {
					a->rc = serr.rc;
					a->err.rc = serr.rc;
					a->err.stage = SMTP_STAGE_NONE;
				}
			}
		}
	}
	if (spooled_part && a->rc != SMTP_OK) {
		size_t used = strlen(a->err.message);
		snprintf(a->err.message + used, sizeof(a->err.message) - used, " (the recipients refused for now are spooled as %s)",
		         spool_id);
	}
	log_outcome(job, in, a->peer, a->rc == SMTP_OK ? "sent" : "failed", NULL, a->rc == SMTP_OK ? NULL : &a->err, started);
	if (a->rc == SMTP_OK && return_value != NULL) {
		result_to_array(job, return_value);
		if (spooled_part) {
			/* Delivered to the accepted recipients; the ones in "rejected" with a
			 * 4xx reply wait in the spool. */
			add_assoc_bool(return_value, "spooled", true);
			add_assoc_string(return_value, "spool_id", spool_id);
		}
		add_transcript(return_value, o->transcript);
	}
	job_done(job);
	o->ok = a->rc == SMTP_OK;
}

/* smtpmail.log trouble, told once per request: in the result of the call that
 * met it, else as one warning (mail(), the flusher). */
static void report_log_trouble(zval *return_value)
{
	if (SMTPMAIL_G(log_trouble)[0] == '\0' || SMTPMAIL_G(log_trouble_reported)) {
		return;
	}
	SMTPMAIL_G(log_trouble_reported) = true;
	if (return_value != NULL && Z_TYPE_P(return_value) == IS_ARRAY) {
		add_assoc_string(return_value, "log_error", SMTPMAIL_G(log_trouble));
	} else {
		php_error_docref(NULL, E_WARNING, "%s", SMTPMAIL_G(log_trouble));
	}
}

/* The whole send for both entry points. Returns true when a relay accepted the
 * message or it was spooled; otherwise it has thrown (smtp_send) or warned (mail).
 * With smtpmail.spool_dir set, a message no relay could take for a transient
 * reason (or whose final reply was lost) is kept in the spool instead of lost;
 * with smtpmail.deferred, every message goes to the spool without trying.
 * No user code runs until the send is over: everything is reported after. */
bool php_smtpmail_send_message(const smtpmail_settings_t *s, const smtpmail_input_t *in, bool as_exception,
                               zval *return_value)
{
	smtpmail_outcome_t *o = ecalloc(1, sizeof(*o));
	php_smtpmail_quiet_t q;
	bool ok;

	php_smtpmail_quiet_begin(&q);
	zend_try {
		send_quietly(s, in, return_value, o);
	} zend_catch {
		/* A fatal error or a time limit: the user's handler back for the
		 * shutdown functions; RSHUTDOWN frees the send. */
		php_smtpmail_quiet_end(&q);
		zend_bailout();
	} zend_end_try();
	php_smtpmail_quiet_end(&q);

	/* STYLE 13: everything freed before reporting; a user error handler may throw or exit. */
	ok = o->ok;
	if (o->bad_input) {
		if (as_exception) {
			zend_value_error("%s", o->a.err.message);
		} else {
			php_error_docref(NULL, E_WARNING, "%s", o->a.err.message);
		}
	} else if (!ok) {
		report_failure(&o->a.err, &o->a.relay, o->a.peer, o->a.earlier, o->a.unknown_outcome, o->transcript,
		               as_exception);
	}
	if (o->transcript != NULL) {
		zend_string_release(o->transcript);
	}
	efree(o);
	if (!EG(exception)) {
		report_log_trouble(ok ? return_value : NULL);
	}
	return ok;
}

/* Sends one claimed spool message and settles it: done, deferred or failed.
 * Returns false when the relays are unreachable, so the flush stops early. */
static bool flush_one(const smtpmail_settings_t *s, smtp_spool_msg_t *msg, const char *dest, smtp_spool_pause_t *pause,
                      php_smtpmail_flush_counts_t *counts, bool *busy)
{
	smtpmail_job_t *job = job_new();
	smtpmail_input_t in;
	smtpmail_attempt_t a;
	smtp_error_t serr;
	uint64_t started = smtp_clock_ms();
	uint64_t now = (uint64_t)time(NULL);
	smtp_policy_input_t pin;
	size_t i;

	memset(&in, 0, sizeof(in));
	memset(&a, 0, sizeof(a));
	in.message = msg->data;
	in.message_len = msg->len;
	job->envelope_from = strdup(msg->from);
	for (i = 0; i < msg->rcpts.count; i++) {
		smtp_addr_list_add(&job->composed.rcpts, msg->rcpts.items[i], strlen(msg->rcpts.items[i]), NULL);
	}
	/* Spooled as the caller wrote it: re-encoded for the relay it now goes to.
	 * A message that cannot go out stays unplanned, and the canonicaliser
	 * refuses it with its line (a failure for good). */
	if (plan_message(job, &in, false, &serr) != SMTP_OK) {
		smtp_mime_plan_destroy(&job->plan);
	}
	memset(&pin, 0, sizeof(pin));
	pin.spool = true;
	pin.flushing = true;
	pin.attempts = msg->attempts;
	pin.created = msg->created;
	pin.now = now;
	pin.max_age = SMTPMAIL_G(spool_max_age) > 0 ? (uint64_t)SMTPMAIL_G(spool_max_age) : 0;
	pin.relay_strikes = pause->strikes;
	attempt_relays(job, s, &in, &pin, &a);
	settle_pause(dest, pause, &a, now);
	if (a.v.relay_backoff > 0) {
		pause->until = now + a.v.relay_backoff;
		pause->strikes++;
	} else if (a.v.verdict == SMTP_VERDICT_SENT) {
		memset(pause, 0, sizeof(*pause));
	}

	if (a.hold != SMTP_HOLD_NONE) {
		/* A local limit (max_connections, max_per_minute) held the message
		 * back: nothing was offered to a relay and the message is not at
		 * fault. The policy's DEFER of a message already in the spool is to
		 * leave it as it is, without an attempt or a back-off; the pass stops. */
		counts->waiting++;
		*busy = true;
		job_done(job);
		return false;
	}
	if (a.v.verdict == SMTP_VERDICT_SENT) {
		/* Recipients refused for now stay in the spool; refused for good are logged and dropped. */
		const char **again = emalloc(sizeof(char *) * (job->result.nrcpts + 1));
		size_t n = 0;
		for (i = 0; i < job->result.nrcpts; i++) {
			if (smtp_policy_keeps_rcpt(a.v.retry, job->result.rcpt[i].code)) {
				again[n++] = job->composed.rcpts.items[i];
			}
		}
		log_outcome(job, &in, a.peer, "sent", msg->id, NULL, started);
		if (n > 0) {
			smtp_spool_defer(msg, again, n, a.v.next_attempt, false, "some recipients were refused for now", &serr);
			counts->deferred++;
		} else {
			smtp_spool_done(msg, &serr);
			counts->sent++;
		}
		efree(again);
	} else {
		char why[SMTP_ERROR_MESSAGE_MAX + 256];
		char reason[sizeof(why) + 64];
		spool_reason(why, sizeof(why), &a);
		snprintf(reason, sizeof(reason), "[%s] %s: %s", smtp_stage_name(a.err.stage), a.peer, why);
		if (a.v.verdict == SMTP_VERDICT_FAIL && !a.v.too_old) {
			log_outcome(job, &in, a.peer, "failed", msg->id, &a.err, started);
			smtp_spool_fail(msg, reason, &serr);
			counts->failed++;
		} else if (a.v.verdict == SMTP_VERDICT_FAIL) {
			char old[sizeof(reason) + 64];
			/* Moved to failed/: logged as a failure, at level err. */
			log_outcome(job, &in, a.peer, "failed", msg->id, &a.err, started);
			snprintf(old, sizeof(old), "too old to retry (smtpmail.spool_max_age); last error: %s", reason);
			smtp_spool_fail(msg, old, &serr);
			counts->failed++;
		} else {
			log_outcome(job, &in, a.peer, "deferred", msg->id, &a.err, started);
			smtp_spool_defer(msg, (const char *const *)msg->rcpts.items, msg->rcpts.count, a.v.next_attempt,
			                 a.unknown_outcome, reason, &serr);
			counts->deferred++;
		}
	}
	job_done(job);
	/* The relays are down or refuse us: the rest of the flush would only wait for the same failure. */
	return !a.v.relays_unreachable;
}

/* A flush in progress: what a fatal error must not leave behind (a claimed
 * message keeps its lock for as long as the worker lives). */
typedef struct {
	char **ids;
	size_t nids;
	smtp_spool_msg_t msg;
	bool held;           /* msg went through smtp_spool_claim() and is not released yet */
	smtp_error_t err;
	smtp_rc_t rc;
	/* Watch mode: when each message seen may be tried next (unix seconds;
	 * UINT64_MAX: never by this flusher), so a pass claims only what is due. */
	HashTable *due;
	uint64_t next_due;   /* the earliest of them after a pass; 0: none */
	bool busy;           /* the pass stopped at a local limit */
	zend_long tried;     /* messages tried, towards "limit" */
	smtp_dir_watch_t *watch;
} smtpmail_flush_t;

static void note_due(smtpmail_flush_t *f, const char *id, uint64_t when)
{
	zval z;

	if (f->due == NULL) {
		return;
	}
	ZVAL_LONG(&z, when > ZEND_LONG_MAX ? ZEND_LONG_MAX : (zend_long)when);
	zend_hash_str_update(f->due, id, strlen(id), &z);
	if (when != UINT64_MAX && (f->next_due == 0 || when < f->next_due)) {
		f->next_due = when;
	}
}

/* One pass over the queue. A watching flusher stops between two messages
 * when asked to (SIGTERM, SIGINT). */
static smtp_rc_t flush_pass(const smtpmail_settings_t *s, const char *dir, bool force, bool retarget, zend_long limit,
                            php_smtpmail_flush_counts_t *counts, smtpmail_flush_t *f)
{
	size_t i;
	char dest[65];
	uint64_t now = (uint64_t)time(NULL);
	HashTable *seen = f->due;
	smtp_rc_t result = SMTP_OK;
	smtp_spool_pause_t pause;

	f->next_due = 0;
	f->busy = false;
	/* A fresh table each pass, holding only the ids listed now: a long watch
	 * does not keep every id it ever sent. */
	if (seen != NULL) {
		ALLOC_HASHTABLE(f->due);
		zend_hash_init(f->due, zend_hash_num_elements(seen) + 8, NULL, NULL, 0);
	}
	smtp_spool_list_free(f->ids, f->nids);
	f->ids = NULL;
	f->nids = 0;
	if (smtp_spool_list(dir, &f->ids, &f->nids, &f->err) != SMTP_OK) {
		result = f->err.rc;
		f->nids = 0;
	} else {
		/* What a writer that crashed left in tmp/ (see SMTPMAIL_SPOOL_TMP_MAX_AGE). */
		smtp_spool_sweep_tmp(dir, now, SMTPMAIL_SPOOL_TMP_MAX_AGE);
		php_smtpmail_dest_token(s, dest);
	}
	/* A relay that throttled us is left alone until its back-off ends, unless forced. */
	memset(&pause, 0, sizeof(pause));
	if (result == SMTP_OK) {
		smtp_spool_pause_read(dir, dest, &pause, NULL);
	}
	for (i = 0; i < f->nids; i++) {
		smtp_spool_msg_t *msg = &f->msg;
		smtp_rc_t rc;
		bool go_on = true;
		zval *known = seen != NULL ? zend_hash_str_find(seen, f->ids[i], strlen(f->ids[i])) : NULL;

		if (f->due != NULL && php_smtpmail_watch_stop_requested()) {
			counts->waiting += (zend_long)(f->nids - i);
			break;
		}
		if (known != NULL && !force && (uint64_t)Z_LVAL_P(known) > now) {
			/* Seen in an earlier pass of this watch: not due yet. */
			if (Z_LVAL_P(known) == ZEND_LONG_MAX) {
				counts->skipped++;
			} else {
				counts->waiting++;
				note_due(f, f->ids[i], (uint64_t)Z_LVAL_P(known));
			}
			continue;
		}
		rc = smtp_spool_claim(dir, f->ids[i], msg, &f->err);
		f->held = true;
		if (rc == SMTP_E_STATE) {
			/* Another flusher has it, or already sent it. */
		} else if (rc != SMTP_OK) {
			/* Corrupt or foreign: out of the queue, with the reason, never lost silently. */
			smtp_error_t ferr;
			if (rc == SMTP_E_PROTOCOL && smtp_spool_fail(msg, f->err.message, &ferr) == SMTP_OK) {
				counts->failed++;
			}
		} else if (!retarget && msg->dest[0] != '\0' && strcmp(msg->dest, dest) != 0) {
			/* Spooled for another relay or account (php.ini changed, or a
			 * pool with other settings shares the directory): it waits for a
			 * flusher with those settings, and never goes anywhere else. */
			counts->skipped++;
			note_due(f, f->ids[i], UINT64_MAX);
		} else if ((!force && (msg->next_attempt > now || pause.until > now)) || (limit > 0 && f->tried >= limit)) {
			/* Not tried: a message waiting out its back-off, or its relay's, is no new failure. */
			counts->waiting++;
			note_due(f, f->ids[i], msg->next_attempt > pause.until ? msg->next_attempt : pause.until);
		} else {
			f->tried++;
			go_on = flush_one(s, msg, dest, &pause, counts, &f->busy);
			/* Deferred: defer updated next_attempt. Sent or failed: the id is
			 * gone from the next listing, and so from the next table. */
			note_due(f, f->ids[i], f->busy ? now : msg->next_attempt);
		}
		smtp_spool_release(msg);
		f->held = false;
		if (!go_on) {
			/* The relays are down, or a local limit is reached: the rest would
			 * only wait for the same (at a limit, untried: waiting). */
			if (f->busy) {
				counts->waiting += (zend_long)(f->nids - i - 1);
			} else {
				counts->deferred += (zend_long)(f->nids - i - 1);
			}
			break;
		}
	}
	if (seen != NULL) {
		zend_hash_destroy(seen);
		FREE_HASHTABLE(seen);
	}
	return result;
}

static smtp_rc_t flush_quietly(const smtpmail_settings_t *s, const char *dir, bool force, bool retarget,
                               zend_long limit, php_smtpmail_flush_counts_t *counts, smtpmail_flush_t *f)
{
	return flush_pass(s, dir, force, retarget, limit, counts, f);
}

/* The watch: passes over the queue until the time is up or a signal asks to
 * stop. Between passes it waits for a new file in queue/ (inotify on Linux;
 * elsewhere it looks again every second), for the earliest back-off to end,
 * or for the rate limit's window to open. Sessions stay open while there is
 * work and close after smtpmail.persistent_idle seconds without. Counts:
 * sent, failed and deferred (tries that failed for now) add up over the
 * passes; skipped and waiting are those of the last pass (what still waits). */
static smtp_rc_t watch_quietly(const smtpmail_settings_t *s, const char *dir, bool force, bool retarget,
                               zend_long limit, zend_long watch, php_smtpmail_flush_counts_t *counts,
                               smtpmail_flush_t *f)
{
	char queue[SMTP_SPOOL_PATH_MAX];
	uint64_t end = watch > 0 ? smtp_clock_ms() + (uint64_t)watch * 1000u : 0;
	uint64_t last_work = smtp_clock_ms();
	uint64_t idle_ms = (uint64_t)(SMTPMAIL_G(persistent_idle) > 0 ? SMTPMAIL_G(persistent_idle) : 0) * 1000u;
	smtp_rc_t rc = smtp_spool_prepare(dir, &f->err);

	if (rc != SMTP_OK) {
		return rc;
	}
	snprintf(queue, sizeof(queue), "%s/queue", dir);
	if (smtp_dir_watch_open(queue, &f->watch) != 0) {
		f->watch = NULL;   /* no inotify here: look every second */
	}
	ALLOC_HASHTABLE(f->due);
	zend_hash_init(f->due, 64, NULL, NULL, 0);
	for (;;) {
		php_smtpmail_flush_counts_t pass;
		bool rescan = false;
		uint64_t now;

		memset(&pass, 0, sizeof(pass));
		rc = flush_pass(s, dir, force, retarget, limit, &pass, f);
		if (rc != SMTP_OK) {
			return rc;
		}
		counts->sent += pass.sent;
		counts->failed += pass.failed;
		counts->deferred += pass.deferred;
		counts->skipped = pass.skipped;
		counts->waiting = pass.waiting;
		if (pass.sent > 0 || pass.failed > 0) {
			last_work = smtp_clock_ms();
		}
		if (limit > 0 && f->tried >= limit) {
			break;
		}
		/* Wait for something to do, a second at a time (a signal that lands
		 * just before a wait is seen within that second). */
		while (!rescan) {
			uint64_t wait = 1000;
			bool changed = false;

			now = smtp_clock_ms();
			if (php_smtpmail_watch_stop_requested() || (end != 0 && now >= end)) {
				return SMTP_OK;
			}
			if (idle_ms > 0 && now - last_work > idle_ms && zend_hash_num_elements(&SMTPMAIL_G(pool)) > 0) {
				/* No work for a while: no idle session (and its slot) kept. */
				php_smtpmail_pool_close_all();
			}
			if (end != 0 && end - now < wait) {
				wait = end - now;
			}
			php_smtpmail_watch_wait_begin();
			if (!php_smtpmail_watch_stop_requested()) {
				if (f->watch != NULL) {
					smtp_dir_watch_wait(f->watch, (unsigned)wait, &changed);
				} else {
					smtp_sleep_ms((unsigned)wait);
					changed = true;
				}
			}
			php_smtpmail_watch_wait_end();
			rescan = changed || f->busy || (f->next_due != 0 && (uint64_t)time(NULL) >= f->next_due);
		}
	}
	return SMTP_OK;
}

static void flush_free(smtpmail_flush_t *f)
{
	if (f->held) {
		smtp_spool_release(&f->msg);
	}
	smtp_spool_list_free(f->ids, f->nids);
	if (f->due != NULL) {
		zend_hash_destroy(f->due);
		FREE_HASHTABLE(f->due);
	}
	smtp_dir_watch_close(f->watch);
	efree(f);
}

/* Sends what the spool holds; see smtp_spool_flush() in smtpmail.stub.php.
 * Like a send, with user code off until it is over. watch < 0: one pass;
 * else stay for watch seconds (0: until SIGTERM or SIGINT). */
bool php_smtpmail_spool_flush(const smtpmail_settings_t *s, const char *dir, bool force, bool retarget,
                              zend_long limit, zend_long watch, php_smtpmail_flush_counts_t *counts)
{
	smtpmail_flush_t *f = ecalloc(1, sizeof(*f));
	php_smtpmail_watch_signals_t sig;
	php_smtpmail_quiet_t q;
	bool ok;

	php_smtpmail_quiet_begin(&q);
	if (watch >= 0) {
		php_smtpmail_watch_signals_begin(&sig);
	}
	zend_try {
		f->rc = watch >= 0 ? watch_quietly(s, dir, force, retarget, limit, watch, counts, f)
		                   : flush_quietly(s, dir, force, retarget, limit, counts, f);
	} zend_catch {
		if (watch >= 0) {
			php_smtpmail_watch_signals_end(&sig);
		}
		php_smtpmail_quiet_end(&q);
		flush_free(f);
		zend_bailout();
	} zend_end_try();
	if (watch >= 0) {
		php_smtpmail_watch_signals_end(&sig);
	}
	php_smtpmail_quiet_end(&q);
	ok = f->rc == SMTP_OK;
	if (!ok) {
		zend_throw_exception(php_smtpmail_exception_ce, f->err.message, 0);
	}
	flush_free(f);
	if (!EG(exception)) {
		report_log_trouble(NULL);
	}
	return ok;
}

/* RSHUTDOWN: a send interrupted by a fatal error or a timeout. */
void php_smtpmail_send_request_end(void)
{
	while (SMTPMAIL_G(active_job) != NULL) {
		smtpmail_job_t *job = SMTPMAIL_G(active_job);
		SMTPMAIL_G(active_job) = job->outer;
		job_free(job);
	}
	SMTPMAIL_G(log_trouble)[0] = '\0';
	SMTPMAIL_G(log_trouble_reported) = false;
}
