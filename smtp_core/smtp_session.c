/* smtp_session.c: see smtp_session.h. */
#include "smtp_session.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "smtp_buf.h"
#include "smtp_canon.h"
#include "smtp_compat.h"
#include "smtp_mime.h"
#include "smtp_reply.h"
#include "smtp_sasl.h"

/* Bytes read from the transport at a time, and kept until the parser takes them. */
#define SMTP_SESSION_READ_CHUNK 8192
/* The DATA phase writes the canonicalised message through a buffer of this size,
 * so a message of any size costs the same memory. */
#define SMTP_SESSION_DATA_CHUNK 65536
/* The re-encoder's output passes through a buffer of this size on its way to the canonicaliser. */
#define SMTP_SESSION_MIME_CHUNK 4096
/* Commands queued for one write: the pipelined envelope of a transaction with
 * many recipients (RFC 2920 allows any number of commands before DATA). */
#define SMTP_SESSION_OUT_MAX (4u * 1024u * 1024u)

struct smtp_session {
	smtp_transport_t t;
	char *helo;
	char *user;
	char *password;
	char *token;
	char *sasl_host;        /* the server's name for OAUTHBEARER, or NULL */
	unsigned sasl_port;
	smtp_tls_mode_t tls_mode;
	bool allow_cleartext_auth;
	unsigned auth_allowed;
	unsigned timeout_ms;
	uint64_t cap_ms;        /* absolute clock: no wait goes past it (0: none); see smtp_session_set_deadline */

	smtp_reply_parser_t parser;
	char in[SMTP_SESSION_READ_CHUNK];
	size_t in_pos, in_len;
	smtp_buf_t out;
	char *data_buf;

	smtp_caps_t caps;
	bool tls_active;
	bool opened;
	bool dead;     /* saw an error: refuses further transactions */
	bool in_sync;  /* every reply to what was sent has been read: QUIT still makes sense */
	unsigned auth_mech;
	bool pipeline_auth;          /* allowed to send AUTH in the first transaction's group */
	bool auth_deferred;          /* authenticated, but AUTH rides in the next transaction's group */
	bool auth_pipeline_refused;  /* the server did not take AUTH pipelined with the envelope */
	char auth_prefix[32];        /* "AUTH PLAIN ": the traced (redacted) start of the deferred line */

	smtp_trace_fn trace;
	void *trace_ctx;
	const smtp_mime_plan_t *mime;  /* borrowed: see smtp_session_set_mime */
	const char *redact_prefix;  /* set while the queued line carries a secret ... */
	size_t redact_end;          /* ... which ends here in out */
};

static char *dup_or_null(const char *s)
{
	size_t n;
	char *p;

	if (s == NULL || s[0] == '\0') {
		return NULL;
	}
	n = strlen(s);
	p = malloc(n + 1);
	if (p != NULL) {
		memcpy(p, s, n + 1);
	}
	return p;
}

static void free_secret(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

smtp_session_t *smtp_session_new(const smtp_session_config_t *cfg, const smtp_transport_t *t)
{
	smtp_session_t *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		return NULL;
	}
	s->t = *t;
	s->tls_mode = cfg->tls;
	s->allow_cleartext_auth = cfg->allow_cleartext_auth;
	s->auth_allowed = cfg->auth_allowed;
	s->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 30000u;
	s->helo = dup_or_null(cfg->helo);
	s->user = dup_or_null(cfg->user);
	s->password = dup_or_null(cfg->password);
	s->token = dup_or_null(cfg->oauth_token);
	s->sasl_host = dup_or_null(cfg->sasl_host);
	s->sasl_port = cfg->sasl_port;
	s->pipeline_auth = cfg->pipeline_auth;
	s->data_buf = malloc(SMTP_SESSION_DATA_CHUNK);
	smtp_reply_parser_init(&s->parser);
	smtp_buf_init(&s->out, SMTP_SESSION_OUT_MAX);
	s->in_sync = true;
	if (s->helo == NULL || s->data_buf == NULL
	    || (cfg->user != NULL && cfg->user[0] != '\0' && s->user == NULL)
	    || (cfg->password != NULL && cfg->password[0] != '\0' && s->password == NULL)
	    || (cfg->oauth_token != NULL && cfg->oauth_token[0] != '\0' && s->token == NULL)
	    || (cfg->sasl_host != NULL && cfg->sasl_host[0] != '\0' && s->sasl_host == NULL)) {
		smtp_session_free(s);
		return NULL;
	}
	return s;
}

void smtp_session_free(smtp_session_t *s)
{
	if (s == NULL) {
		return;
	}
	free(s->helo);
	free(s->user);
	free(s->sasl_host);
	free_secret(s->password);
	free_secret(s->token);
	free(s->data_buf);
	smtp_reply_parser_destroy(&s->parser);
	/* The output buffer may have held an AUTH line. */
	if (s->out.data != NULL) {
		OPENSSL_cleanse(s->out.data, s->out.cap);
	}
	smtp_buf_destroy(&s->out);
	free(s);
}

bool smtp_session_is_usable(const smtp_session_t *s)
{
	return s != NULL && s->opened && !s->dead;
}

const smtp_caps_t *smtp_session_caps(const smtp_session_t *s)
{
	return &s->caps;
}

bool smtp_session_is_tls(const smtp_session_t *s)
{
	return s->tls_active;
}

bool smtp_session_auth_pipeline_refused(const smtp_session_t *s)
{
	return s != NULL && s->auth_pipeline_refused;
}

unsigned smtp_session_auth_mech(const smtp_session_t *s)
{
	return s->auth_mech;
}

void smtp_send_result_init(smtp_send_result_t *res)
{
	memset(res, 0, sizeof(*res));
}

void smtp_send_result_destroy(smtp_send_result_t *res)
{
	if (res != NULL) {
		smtp_rcpt_status_t *storage = res->storage;
		size_t storage_n = res->storage_n;
		if (res->rcpt != storage) {
			free(res->rcpt);
		}
		memset(res, 0, sizeof(*res));
		res->storage = storage;
		res->storage_n = storage_n;
	}
}

/* Any failure kills the session (STYLE 9); whether the dialogue is still in
 * step decides only whether a polite QUIT may follow. */
static smtp_rc_t die(smtp_session_t *s, smtp_rc_t rc, bool in_sync)
{
	s->dead = true;
	if (!in_sync) {
		s->in_sync = false;
	}
	return rc;
}

/* Each wait gets the per-reply timeout, and never goes past the transaction's
 * deadline: a server answering every command just in time cannot stretch a
 * send to timeout x commands. */
static uint64_t deadline(const smtp_session_t *s)
{
	uint64_t until = smtp_clock_ms() + s->timeout_ms;
	return s->cap_ms != 0 && s->cap_ms < until ? s->cap_ms : until;
}

void smtp_session_set_deadline(smtp_session_t *s, uint64_t until_ms)
{
	if (s != NULL) {
		s->cap_ms = until_ms;
	}
}

/* The one place a command line is built (STYLE 17): CR, LF and NUL can never
 * reach the wire through an argument, so no argument can smuggle a command. */
static smtp_rc_t queue_command(smtp_session_t *s, const char *verb, const char *arg, size_t arglen,
                               size_t line_max, smtp_stage_t stage, smtp_error_t *err)
{
	size_t vlen = strlen(verb);
	size_t i;
	smtp_rc_t rc;

	for (i = 0; i < arglen; i++) {
		if (arg[i] == '\r' || arg[i] == '\n' || arg[i] == '\0') {
			return smtp_error_set(err, SMTP_E_ARG, stage, 0,
			                      "refusing to send a %s command containing a CR, LF or NUL byte", verb);
		}
	}
	if (vlen + arglen + 2 > line_max) {
		return smtp_error_set(err, SMTP_E_LIMIT, stage, 0,
		                      "%s command would be %zu octets, over the limit of %zu (RFC 5321 4.5.3.1.4)",
		                      verb, vlen + arglen + 2, line_max);
	}
	rc = smtp_buf_append(&s->out, verb, vlen);
	if (rc == SMTP_OK && arglen > 0) {
		rc = smtp_buf_append(&s->out, arg, arglen);
	}
	if (rc == SMTP_OK) {
		rc = smtp_buf_append(&s->out, "\r\n", 2);
	}
	if (rc != SMTP_OK) {
		return smtp_error_set(err, rc, stage, 0, "cannot queue the %s command: %s", verb, smtp_rc_name(rc));
	}
	return SMTP_OK;
}

/* "MAIL FROM:<" addr ">" params style commands; params is "" or parameters
 * each with its leading SP (RFC 5321 4.1.2 Mail-parameters). */
static smtp_rc_t queue_path_command(smtp_session_t *s, const char *verb, const char *addr, const char *params,
                                    smtp_stage_t stage, smtp_error_t *err)
{
	char line[SMTP_COMMAND_LINE_MAX];
	size_t alen = strlen(addr), plen = strlen(params);

	if (alen + 2 >= sizeof(line)) {
		return smtp_error_set(err, SMTP_E_LIMIT, stage, 0, "address of %zu octets is too long for %s", alen, verb);
	}
	if (plen >= sizeof(line) - alen - 2) {
		return smtp_error_set(err, SMTP_E_LIMIT, stage, 0, "address of %zu octets and its parameters are too long for %s",
		                      alen, verb);
	}
	line[0] = '<';
	memcpy(line + 1, addr, alen);
	line[alen + 1] = '>';
	memcpy(line + alen + 2, params, plen);
	return queue_command(s, verb, line, alen + 2 + plen, SMTP_COMMAND_LINE_MAX, stage, err);
}

void smtp_session_set_trace(smtp_session_t *s, smtp_trace_fn fn, void *ctx)
{
	s->trace = fn;
	s->trace_ctx = ctx;
}

/* Traces what is about to be written; a line with a secret is replaced. */
static void trace_out(smtp_session_t *s)
{
	if (s->trace == NULL) {
		return;
	}
	if (s->redact_prefix != NULL) {
		char line[64];
		size_t n = strlen(s->redact_prefix);
		if (n > sizeof(line) - 16) {
			n = sizeof(line) - 16;
		}
		memcpy(line, s->redact_prefix, n);
		memcpy(line + n, "<redacted>\r\n", 12);
		s->trace(s->trace_ctx, true, line, n + 12);
		/* Commands queued behind the secret line (a pipelined group) are traced as they are. */
		if (s->redact_end < s->out.len) {
			s->trace(s->trace_ctx, true, s->out.data + s->redact_end, s->out.len - s->redact_end);
		}
		return;
	}
	s->trace(s->trace_ctx, true, s->out.data, s->out.len);
}

/* Traces a reply as the server wrote it, one "250-text" line per line. */
static void trace_reply(smtp_session_t *s)
{
	const smtp_reply_t *r = &s->parser.reply;
	const char *p = r->text.data;
	const char *end = p + r->text.len;
	char line[SMTP_REPLY_TEXT_KEEP + 8];

	if (s->trace == NULL) {
		return;
	}
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl != NULL ? nl : end;
		size_t n = (size_t)(stop - p);
		int head = snprintf(line, sizeof(line), "%03d%c", r->code, nl != NULL ? '-' : ' ');
		if (n > sizeof(line) - (size_t)head - 3) {
			n = sizeof(line) - (size_t)head - 3;
		}
		memcpy(line + head, p, n);
		memcpy(line + head + n, "\r\n", 2);
		s->trace(s->trace_ctx, false, line, (size_t)head + n + 2);
		if (nl == NULL) {
			break;
		}
		p = nl + 1;
	}
}

static smtp_rc_t flush(smtp_session_t *s, smtp_stage_t stage, smtp_error_t *err)
{
	smtp_rc_t rc;

	if (s->out.len == 0) {
		return SMTP_OK;
	}
	trace_out(s);
	rc = s->t.write(s->t.ctx, s->out.data, s->out.len, deadline(s), err);
	/* What went out may have been an AUTH line: do not leave it in memory. */
	OPENSSL_cleanse(s->out.data, s->out.len);
	smtp_buf_reset(&s->out);
	if (rc != SMTP_OK) {
		if (err != NULL && err->stage == SMTP_STAGE_NONE) {
			err->stage = stage;
		}
		return die(s, rc, false);
	}
	return SMTP_OK;
}

/* Reads one complete reply into s->parser.reply; it stays valid until the next read. */
static smtp_rc_t read_reply(smtp_session_t *s, smtp_stage_t stage, smtp_error_t *err)
{
	uint64_t until = deadline(s);

	for (;;) {
		size_t used = 0;
		bool done = false;
		smtp_rc_t rc;

		if (s->in_pos < s->in_len) {
			rc = smtp_reply_feed(&s->parser, s->in + s->in_pos, s->in_len - s->in_pos, &used, &done,
			                     stage, err);
			s->in_pos += used;
			if (rc != SMTP_OK) {
				return die(s, rc, false);
			}
			if (done) {
				trace_reply(s);
				return SMTP_OK;
			}
		}
		s->in_pos = 0;
		s->in_len = 0;
		/* One deadline for the whole reply: a server trickling a byte at a
		 * time cannot hold the caller past it. */
		rc = s->t.read(s->t.ctx, s->in, sizeof(s->in), &s->in_len, until, err);
		if (rc != SMTP_OK) {
			if (err != NULL) {
				err->stage = stage;
				if (rc == SMTP_E_TIMEOUT && until == s->cap_ms) {
					smtp_error_set(err, rc, stage, 0, "the server was too slow: the whole send took longer "
					               "than its time limit");
				} else if (rc == SMTP_E_TIMEOUT) {
					smtp_error_set(err, rc, stage, 0, "no reply from the server within %u ms",
					               s->timeout_ms);
				} else if (rc == SMTP_E_CLOSED) {
					smtp_error_set(err, rc, stage, 0, "the server closed the connection");
				}
			}
			return die(s, rc, false);
		}
	}
}

static const smtp_reply_t *reply(const smtp_session_t *s)
{
	return &s->parser.reply;
}

/* A negative reply as an error: the code, the enhanced status and the server's text. */
static smtp_rc_t reply_error(smtp_session_t *s, smtp_stage_t stage, const char *what, smtp_error_t *err)
{
	char text[SMTP_REPLY_TEXT_KEEP];
	const smtp_reply_t *r = reply(s);

	smtp_reply_format(r, text, sizeof(text));
	smtp_error_set(err, SMTP_E_REPLY, stage, r->code, "%s: %s", what, text);
	if (err != NULL) {
		memcpy(err->enhanced, r->enhanced, sizeof(err->enhanced));
	}
	/* RFC 5321 3.8: after a 421 the server closes the channel; nothing more
	 * will be answered, not even QUIT. */
	return die(s, SMTP_E_REPLY, r->code != 421);
}

/* One command, written at once, and its reply read: the unpipelined round trip. */
static smtp_rc_t round_trip(smtp_session_t *s, const char *verb, const char *arg, size_t arglen, smtp_stage_t stage,
                            smtp_error_t *err)
{
	smtp_rc_t rc = queue_command(s, verb, arg, arglen, SMTP_COMMAND_LINE_MAX, stage, err);

	if (rc == SMTP_OK) {
		rc = flush(s, stage, err);
	}
	if (rc == SMTP_OK) {
		rc = read_reply(s, stage, err);
	}
	return rc;
}

static bool needs_tls(const smtp_session_t *s)
{
	return s->tls_mode != SMTP_TLS_NONE;
}

static bool needs_auth(const smtp_session_t *s)
{
	return s->user != NULL;
}

static smtp_rc_t say_ehlo(smtp_session_t *s, smtp_error_t *err)
{
	smtp_rc_t rc;

	memset(&s->caps, 0, sizeof(s->caps));
	rc = round_trip(s, "EHLO ", s->helo, strlen(s->helo), SMTP_STAGE_EHLO, err);
	if (rc != SMTP_OK) {
		return die(s, rc, false);
	}
	if (reply(s)->code / 100 == 2) {
		smtp_caps_parse(&s->caps, reply(s));
		return SMTP_OK;
	}
	/* RFC 5321 3.2: fall back to HELO for an old server, but only when nothing
	 * that needs extensions (STARTTLS, AUTH) is wanted: HELO would otherwise be
	 * a way to talk us out of TLS. */
	if (reply(s)->code / 100 != 5 || needs_tls(s) || needs_auth(s) || s->tls_active) {
		return reply_error(s, SMTP_STAGE_EHLO, "server refused EHLO", err);
	}
	rc = round_trip(s, "HELO ", s->helo, strlen(s->helo), SMTP_STAGE_EHLO, err);
	if (rc == SMTP_OK && reply(s)->code / 100 != 2) {
		return reply_error(s, SMTP_STAGE_EHLO, "server refused HELO", err);
	}
	return rc;
}

static smtp_rc_t start_tls(smtp_session_t *s, smtp_error_t *err)
{
	smtp_rc_t rc;

	if (!s->caps.starttls) {
		return die(s, smtp_error_set(err, SMTP_E_TLS, SMTP_STAGE_TLS, 0,
		                             "the server does not offer STARTTLS, and TLS is required "
		                             "(a man-in-the-middle may have removed it; for implicit TLS "
		                             "use port 465 or tls=implicit)"), true);
	}
	rc = round_trip(s, "STARTTLS", NULL, 0, SMTP_STAGE_TLS, err);
	if (rc != SMTP_OK) {
		return rc;
	}
	if (reply(s)->code != 220) {
		char text[SMTP_REPLY_TEXT_KEEP];
		smtp_reply_format(reply(s), text, sizeof(text));
		smtp_error_set(err, SMTP_E_TLS, SMTP_STAGE_TLS, reply(s)->code, "the server refused STARTTLS: %s", text);
		if (err != NULL) {
			memcpy(err->enhanced, reply(s)->enhanced, sizeof(err->enhanced));
		}
		return die(s, SMTP_E_TLS, true);
	}
	/* RFC 3207 6 and curl CVE-2021-22947: anything that arrived after the 220
	 * came before the handshake, in plain text, and would be taken as the
	 * first reply inside TLS. Refuse rather than discard. */
	if (s->in_pos < s->in_len || (s->t.pending != NULL && s->t.pending(s->t.ctx))) {
		return die(s, smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_TLS, 0,
		                             "the server sent data after its 220 reply to STARTTLS "
		                             "(plaintext injection); connection abandoned"), false);
	}
	rc = s->t.starttls(s->t.ctx, deadline(s), err);
	if (rc != SMTP_OK) {
		if (err != NULL) {
			err->stage = SMTP_STAGE_TLS;
		}
		return die(s, rc, false);
	}
	s->tls_active = true;
	/* RFC 3207 4.2: forget everything learned before TLS and ask again. */
	return say_ehlo(s, err);
}

/* Sends a line that carries a secret and wipes it. */
static smtp_rc_t send_secret_line(smtp_session_t *s, const char *prefix, smtp_buf_t *payload, smtp_error_t *err)
{
	smtp_rc_t rc = queue_command(s, prefix, payload->data, payload->len, SMTP_AUTH_LINE_MAX, SMTP_STAGE_AUTH, err);

	if (payload->data != NULL) {
		OPENSSL_cleanse(payload->data, payload->len);
	}
	smtp_buf_reset(payload);
	if (rc == SMTP_OK) {
		s->redact_prefix = prefix;
		s->redact_end = s->out.len;
		rc = flush(s, SMTP_STAGE_AUTH, err);
		s->redact_prefix = NULL;
	}
	return rc;
}

static smtp_rc_t auth_failed(smtp_session_t *s, smtp_error_t *err)
{
	char what[160];
	size_t n = 0;
	const char *prefix = "authentication failed for user '";

	/* The user name is printed (sanitised), never the password or token. */
	memcpy(what, prefix, strlen(prefix));
	n = strlen(prefix);
	n += smtp_text_sanitize(what + n, 64, s->user, strlen(s->user));
	what[n] = '\0';
	{
		const char *mid = "' with ";
		size_t ml = strlen(mid), nl = strlen(smtp_sasl_name(s->auth_mech));
		if (n + ml + nl < sizeof(what)) {
			memcpy(what + n, mid, ml);
			memcpy(what + n + ml, smtp_sasl_name(s->auth_mech), nl + 1);
		}
	}
	return reply_error(s, SMTP_STAGE_AUTH, what, err);
}

/* RFC 4954 4: "AUTH" SP mechanism SP initial-response CRLF must fit a command
 * line; otherwise the response goes alone, after the server's empty 334. */
static bool initial_fits(const smtp_sasl_mech_t *m, size_t payload_len)
{
	return strlen("AUTH ") + strlen(m->name) + 1 + payload_len + 2 <= SMTP_COMMAND_LINE_MAX;
}

static void sasl_cred(const smtp_session_t *s, smtp_sasl_cred_t *cred)
{
	cred->user = s->user;
	cred->secret = s->token != NULL ? s->token : (s->password != NULL ? s->password : "");
	cred->host = s->sasl_host;
	cred->port = s->sasl_port;
}

/* Checks that credentials may be sent and picks the mechanism (s->auth_mech). */
static smtp_rc_t choose_mechanism(smtp_session_t *s, smtp_error_t *err)
{
	unsigned mech;

	if (!s->tls_active && !s->allow_cleartext_auth) {
		return die(s, smtp_error_set(err, SMTP_E_AUTH, SMTP_STAGE_AUTH, 0,
		                             "refusing to send credentials over an unencrypted connection "
		                             "(use tls=starttls or implicit; tls=none allows it explicitly)"), true);
	}
	if (!s->caps.auth_announced) {
		return die(s, smtp_error_set(err, SMTP_E_AUTH, SMTP_STAGE_AUTH, 0,
		                             "the server offers no AUTH, but a username is configured "
		                             "(is this a submission port such as 587 or 465?)"), true);
	}
	mech = smtp_sasl_choose(s->caps.auth & (s->auth_allowed != 0 ? s->auth_allowed : ~0u), s->token != NULL,
	                        s->tls_active);
	if (smtp_sasl_mech(mech) == NULL) {
		return die(s, smtp_error_set(err, SMTP_E_AUTH, SMTP_STAGE_AUTH, 0,
		                             "no usable AUTH mechanism: the server offers %s; smtpmail %s%s",
		                             s->caps.auth_offered[0] != '\0' ? s->caps.auth_offered : "none",
		                             s->token != NULL ? "needs XOAUTH2 or OAUTHBEARER for an OAuth token"
		                                              : "supports PLAIN, LOGIN and CRAM-MD5 with a password",
		                             s->auth_allowed != 0 ? ", of which the auth setting allows only some" : ""), true);
	}
	s->auth_mech = mech;
	return SMTP_OK;
}

/* Whether AUTH can wait for the first transaction and go out in its
 * pipelined group (RFC 2920 3.1): the server pipelines, and the mechanism
 * completes with its initial response alone (PLAIN, XOAUTH2, OAUTHBEARER),
 * one line that fits. A mechanism that answers challenges (LOGIN, CRAM-MD5)
 * must read a 334 before it can say more, so it cannot. */
static bool may_defer_auth(const smtp_session_t *s)
{
	const smtp_sasl_mech_t *m = smtp_sasl_mech(s->auth_mech);
	smtp_sasl_cred_t cred;
	smtp_buf_t payload;
	smtp_error_t ignored;
	bool fits;

	if (!s->pipeline_auth || !s->caps.pipelining || m == NULL || !m->initial || m->responses != 1) {
		return false;
	}
	sasl_cred(s, &cred);
	smtp_buf_init(&payload, SMTP_AUTH_LINE_MAX);
	fits = m->respond(&payload, 0, "", 0, &cred, &ignored) == SMTP_OK && initial_fits(m, payload.len);
	if (payload.data != NULL) {
		OPENSSL_cleanse(payload.data, payload.cap);
	}
	smtp_buf_destroy(&payload);
	return fits;
}

/* One AUTH exchange with the mechanism choose_mechanism() picked, driven by
 * its row in smtp_sasl.c's table: responses go out as the server asks (334),
 * each built, sent and wiped; a 334 after the last response is a token
 * mechanism's error report, answered so the final 535 comes. */
static smtp_rc_t authenticate(smtp_session_t *s, smtp_error_t *err)
{
	smtp_buf_t payload;
	smtp_rc_t rc;
	unsigned step = 0;
	const smtp_sasl_mech_t *m = smtp_sasl_mech(s->auth_mech);
	smtp_sasl_cred_t cred;
	char verb[32];

	sasl_cred(s, &cred);
	snprintf(verb, sizeof(verb), "AUTH %s", m->name);
	smtp_buf_init(&payload, SMTP_AUTH_LINE_MAX);

	if (m->initial) {
		rc = m->respond(&payload, 0, "", 0, &cred, err);
		if (rc == SMTP_OK && initial_fits(m, payload.len)) {
			char prefix[32];
			snprintf(prefix, sizeof(prefix), "AUTH %s ", m->name);
			step = 1;
			rc = send_secret_line(s, prefix, &payload, err);
			if (rc == SMTP_OK) {
				rc = read_reply(s, SMTP_STAGE_AUTH, err);
			}
		} else if (rc == SMTP_OK) {
			OPENSSL_cleanse(payload.data, payload.len);
			smtp_buf_reset(&payload);
			rc = round_trip(s, verb, NULL, 0, SMTP_STAGE_AUTH, err);
		}
	} else {
		rc = round_trip(s, verb, NULL, 0, SMTP_STAGE_AUTH, err);
	}
	while (rc == SMTP_OK && reply(s)->code == 334) {
		if (step < m->responses) {
			rc = m->respond(&payload, step, reply(s)->text.data, reply(s)->text.len, &cred, err);
			step++;
			if (rc == SMTP_OK) {
				rc = send_secret_line(s, "", &payload, err);
			}
		} else if (m->error_ack != NULL && step == m->responses) {
			/* The server's error report (base64 JSON): answered once, then its final reply. */
			step++;
			rc = round_trip(s, m->error_ack, NULL, 0, SMTP_STAGE_AUTH, err);
			continue;
		} else {
			break;
		}
		if (rc == SMTP_OK) {
			rc = read_reply(s, SMTP_STAGE_AUTH, err);
		}
	}
	if (payload.data != NULL) {
		OPENSSL_cleanse(payload.data, payload.cap);
	}
	smtp_buf_destroy(&payload);
	if (rc != SMTP_OK) {
		return die(s, rc, false);
	}
	return reply(s)->code == 235 ? SMTP_OK : auth_failed(s, err);
}

/* AUTH as the lead of the first transaction's pipelined group: the line is
 * queued (redacted in the trace, wiped after the write) with MAIL, RCPT and
 * DATA behind it. */
static smtp_rc_t auth_lead_queue(smtp_session_t *s, void *ctx, smtp_error_t *err)
{
	const smtp_sasl_mech_t *m = smtp_sasl_mech(s->auth_mech);
	smtp_sasl_cred_t cred;
	smtp_buf_t payload;
	smtp_rc_t rc;

	(void)ctx;
	sasl_cred(s, &cred);
	smtp_buf_init(&payload, SMTP_AUTH_LINE_MAX);
	rc = m->respond(&payload, 0, "", 0, &cred, err);
	if (rc == SMTP_OK) {
		snprintf(s->auth_prefix, sizeof(s->auth_prefix), "AUTH %s ", m->name);
		rc = queue_command(s, s->auth_prefix, payload.data, payload.len, SMTP_AUTH_LINE_MAX, SMTP_STAGE_AUTH, err);
	}
	if (payload.data != NULL) {
		OPENSSL_cleanse(payload.data, payload.cap);
	}
	smtp_buf_destroy(&payload);
	if (rc == SMTP_OK) {
		s->redact_prefix = s->auth_prefix;
		s->redact_end = s->out.len;
	}
	return rc;
}

/* RFC 4954 6: the replies that judge the credentials themselves. Any other
 * answer to a pipelined AUTH (a sequence or syntax error, as from a server
 * that takes no command behind AUTH) says nothing of them. */
static bool is_credentials_verdict(int code)
{
	return code == 535 || code == 534 || code == 538 || code == 454 || code == 530;
}

/* Judges the reply to the pipelined AUTH. 235: on with the envelope. A 334
 * is a token mechanism's error report (RFC 7628 3.2.3): the server took the
 * MAIL line behind AUTH as the client's answer to it, and its reply to that
 * line is the verdict. */
static smtp_rc_t auth_lead_check(smtp_session_t *s, void *ctx, smtp_error_t *err)
{
	(void)ctx;
	if (reply(s)->code == 235) {
		return SMTP_OK;
	}
	if (reply(s)->code == 334) {
		/* Whatever follows is one reply short of what was sent: no QUIT. */
		s->in_sync = false;
		if (read_reply(s, SMTP_STAGE_AUTH, err) != SMTP_OK) {
			return die(s, SMTP_E_PROTOCOL, false);
		}
	} else if (!is_credentials_verdict(reply(s)->code)) {
		s->auth_pipeline_refused = true;
	}
	return auth_failed(s, err);
}

smtp_rc_t smtp_session_open(smtp_session_t *s, smtp_error_t *err)
{
	smtp_rc_t rc;

	if (s->opened || s->dead) {
		return smtp_error_set(err, SMTP_E_STATE, SMTP_STAGE_GREETING, 0, "session already opened");
	}
	s->tls_active = s->tls_mode == SMTP_TLS_IMPLICIT;
	rc = read_reply(s, SMTP_STAGE_GREETING, err);
	if (rc != SMTP_OK) {
		return rc;
	}
	if (reply(s)->code != 220) {
		return reply_error(s, SMTP_STAGE_GREETING, "the server refused the connection", err);
	}
	rc = say_ehlo(s, err);
	if (rc == SMTP_OK && !s->tls_active &&
	    (s->tls_mode == SMTP_TLS_STARTTLS || (s->tls_mode == SMTP_TLS_IF_OFFERED && s->caps.starttls))) {
		rc = start_tls(s, err);
	}
	if (rc == SMTP_OK && needs_auth(s)) {
		rc = choose_mechanism(s, err);
		if (rc == SMTP_OK && may_defer_auth(s)) {
			/* One round trip fewer: AUTH goes out with the first envelope. */
			s->auth_deferred = true;
		} else if (rc == SMTP_OK) {
			rc = authenticate(s, err);
		}
	}
	if (rc != SMTP_OK) {
		return die(s, rc, s->in_sync);
	}
	s->opened = true;
	return SMTP_OK;
}

/* Writes a chunk of the message. A failed write names the data stage, as
 * flush() does for commands: the transport leaves the stage to its caller. */
static smtp_rc_t write_data(smtp_session_t *s, size_t len, smtp_error_t *err)
{
	smtp_rc_t rc = s->t.write(s->t.ctx, s->data_buf, len, deadline(s), err);

	if (rc != SMTP_OK) {
		if (err != NULL && err->stage == SMTP_STAGE_NONE) {
			err->stage = SMTP_STAGE_DATA;
		}
		return die(s, rc, false);
	}
	return SMTP_OK;
}

/* Canonicalises p[0..n) into the data buffer, writing it out whenever it is full. */
static smtp_rc_t canon_out(smtp_session_t *s, smtp_canon_t *canon, const char *p, size_t n, size_t *fill,
                           smtp_error_t *err)
{
	size_t off = 0;
	smtp_rc_t rc;

	while (off < n) {
		size_t consumed = 0, produced = 0;
		rc = smtp_canon_feed(canon, p + off, n - off, &consumed, s->data_buf + *fill,
		                     SMTP_SESSION_DATA_CHUNK - *fill, &produced, err);
		if (rc != SMTP_OK) {
			/* Never send the final dot of a message we could not send whole:
			 * dropping the connection makes the server discard it. */
			return die(s, rc, false);
		}
		off += consumed;
		*fill += produced;
		if (*fill > SMTP_SESSION_DATA_CHUNK - SMTP_CANON_FINISH_MAX || (consumed == 0 && produced == 0)) {
			rc = write_data(s, *fill, err);
			if (rc != SMTP_OK) {
				return rc;
			}
			*fill = 0;
		}
	}
	return SMTP_OK;
}

/* What a re-encoder call returned (rc) and produced goes on through the
 * canonicaliser; a failure of the re-encoder ends the session as one of the
 * canonicaliser does, without the final dot. */
static smtp_rc_t encoded_out(smtp_session_t *s, smtp_rc_t rc, smtp_canon_t *canon, const char *p, size_t n,
                             size_t *fill, smtp_error_t *err)
{
	return rc == SMTP_OK ? canon_out(s, canon, p, n, fill, err) : die(s, rc, false);
}

/* Streams the pieces through the re-encoder (when the plan changes anything
 * for this relay), the canonicaliser and a fixed buffer, then the final dot. */
static smtp_rc_t send_body(smtp_session_t *s, const smtp_piece_t *pieces, size_t npieces, smtp_error_t *err)
{
	smtp_canon_t canon;
	smtp_mime_enc_t enc;
	char mbuf[SMTP_SESSION_MIME_CHUNK];
	bool encode = s->mime != NULL && smtp_mime_changes(s->mime, s->caps.eightbitmime);
	size_t fill = 0;
	size_t i;
	smtp_rc_t rc;

	smtp_canon_init(&canon);
	if (encode) {
		smtp_mime_enc_init(&enc, s->mime, s->caps.eightbitmime);
	}
	if (s->trace != NULL) {
		char note[80];
		size_t total = 0;
		for (i = 0; i < npieces; i++) {
			total += pieces[i].len;
		}
		s->trace(s->trace_ctx, true, note, (size_t)snprintf(note, sizeof(note), "<message: %zu bytes>\r\n.\r\n", total));
	}
	for (i = 0; i < npieces; i++) {
		size_t off = 0;
		if (!encode) {
			rc = canon_out(s, &canon, pieces[i].data, pieces[i].len, &fill, err);
			if (rc != SMTP_OK) {
				return rc;
			}
			continue;
		}
		while (off < pieces[i].len) {
			size_t consumed = 0, produced = 0;
			rc = smtp_mime_feed(&enc, pieces[i].data + off, pieces[i].len - off, &consumed, mbuf, sizeof(mbuf),
			                    &produced, err);
			rc = encoded_out(s, rc, &canon, mbuf, produced, &fill, err);
			if (rc != SMTP_OK) {
				return rc;
			}
			off += consumed;
		}
	}
	if (encode) {
		size_t produced;
		do {
			rc = smtp_mime_finish(&enc, mbuf, sizeof(mbuf), &produced, err);
			rc = encoded_out(s, rc, &canon, mbuf, produced, &fill, err);
			if (rc != SMTP_OK) {
				return rc;
			}
		} while (produced > 0);
	}
	{
		size_t produced = 0;
		rc = smtp_canon_finish(&canon, s->data_buf + fill, SMTP_SESSION_DATA_CHUNK - fill, &produced, err);
		if (rc != SMTP_OK) {
			return die(s, rc, false);
		}
		fill += produced;
	}
	return write_data(s, fill, err);
}

/* The envelope of one transaction, as numbered steps: an optional leading
 * command, MAIL FROM with its parameters, one RCPT TO per recipient, DATA.
 * Without PIPELINING each step goes out alone and its reply is read before the
 * next; with it every step goes out in one write (RFC 2920 3.1: DATA ends the
 * group) and the replies are read afterwards, in order. The lead is a command
 * that belongs in the same group, e.g. AUTH with an initial response: it queues
 * its own line (through queue_command or send_secret_line's redaction) and
 * judges its own reply; a refusal ends the transaction like a refused MAIL. */
typedef struct {
	smtp_stage_t stage;
	smtp_rc_t (*queue)(smtp_session_t *s, void *ctx, smtp_error_t *err);
	smtp_rc_t (*check)(smtp_session_t *s, void *ctx, smtp_error_t *err);
	void *ctx;
} envelope_lead_t;

typedef struct {
	const envelope_lead_t *lead;  /* NULL: none */
	const char *from;
	const char *mail_params;      /* " SIZE=123 BODY=8BITMIME", each with its leading SP; "" for none */
	const char *const *rcpts;
	size_t nrcpts;
} envelope_t;

typedef enum { STEP_LEAD, STEP_MAIL, STEP_RCPT, STEP_DATA } envelope_step_t;

static size_t envelope_steps(const envelope_t *env)
{
	return (env->lead != NULL ? 1 : 0) + 1 + env->nrcpts + 1;
}

/* What step k is; for a RCPT, *rcpt is the recipient's index. */
static envelope_step_t envelope_step(const envelope_t *env, size_t k, size_t *rcpt)
{
	if (env->lead != NULL) {
		if (k == 0) {
			return STEP_LEAD;
		}
		k--;
	}
	if (k == 0) {
		return STEP_MAIL;
	}
	if (k <= env->nrcpts) {
		*rcpt = k - 1;
		return STEP_RCPT;
	}
	return STEP_DATA;
}

static smtp_stage_t step_stage(const envelope_t *env, envelope_step_t step)
{
	switch (step) {
	case STEP_LEAD:
		return env->lead->stage;
	case STEP_MAIL:
		return SMTP_STAGE_MAIL;
	case STEP_RCPT:
		return SMTP_STAGE_RCPT;
	default:
		return SMTP_STAGE_DATA;
	}
}

/* Queues steps [first, end) and writes them at once. A batch that cannot be
 * queued whole is dropped unwritten. */
static smtp_rc_t send_envelope(smtp_session_t *s, const envelope_t *env, size_t first, size_t end, smtp_error_t *err)
{
	size_t k, i = 0;
	smtp_rc_t rc = SMTP_OK;

	for (k = first; k < end && rc == SMTP_OK; k++) {
		switch (envelope_step(env, k, &i)) {
		case STEP_LEAD:
			rc = env->lead->queue(s, env->lead->ctx, err);
			break;
		case STEP_MAIL:
			rc = queue_path_command(s, "MAIL FROM:", env->from, env->mail_params, SMTP_STAGE_MAIL, err);
			break;
		case STEP_RCPT:
			rc = queue_path_command(s, "RCPT TO:", env->rcpts[i], "", SMTP_STAGE_RCPT, err);
			break;
		case STEP_DATA:
			rc = queue_command(s, "DATA", NULL, 0, SMTP_COMMAND_LINE_MAX, SMTP_STAGE_DATA, err);
			break;
		}
	}
	if (rc != SMTP_OK) {
		smtp_buf_reset(&s->out);
		s->redact_prefix = NULL;
		return rc;
	}
	rc = flush(s, step_stage(env, envelope_step(env, first, &i)), err);
	s->redact_prefix = NULL;
	return rc;
}

/* After a refusal, the replies still owed for the rest of a pipelined group
 * are read and dropped so the dialogue stays in step for QUIT; a server that
 * said 421 will not send them. */
static void drain_replies(smtp_session_t *s, size_t owed)
{
	size_t i;

	if (!s->in_sync) {
		return;
	}
	for (i = 0; i < owed && read_reply(s, SMTP_STAGE_RCPT, NULL) == SMTP_OK; i++) {
	}
	/* A 354 to the group's DATA leaves the server waiting for a message that
	 * will not come (it accepted recipients after a refused AUTH or MAIL). */
	if (i < owed || (owed > 0 && reply(s)->code == 354)) {
		s->in_sync = false;
	}
}

/* Reads the replies to steps [first, end) and records them: a RCPT's code,
 * enhanced status and text in res, whatever they are; a refused lead or MAIL
 * fails the transaction. DATA's reply stays in reply(s) for the data phase. */
static smtp_rc_t read_envelope_replies(smtp_session_t *s, const envelope_t *env, size_t first, size_t end,
                                       smtp_send_result_t *res, smtp_error_t *err)
{
	size_t k, i = 0;

	for (k = first; k < end; k++) {
		envelope_step_t step = envelope_step(env, k, &i);
		smtp_rc_t rc = read_reply(s, step_stage(env, step), err);

		if (rc != SMTP_OK) {
			/* A server that hangs up or garbles instead of answering the lead
			 * (AUTH) did not take the commands behind it. */
			if (step == STEP_LEAD && (rc == SMTP_E_CLOSED || rc == SMTP_E_IO || rc == SMTP_E_PROTOCOL)) {
				s->auth_pipeline_refused = true;
			}
			return rc;
		}
		if (step == STEP_LEAD || step == STEP_MAIL) {
			rc = step == STEP_LEAD ? env->lead->check(s, env->lead->ctx, err)
			     : reply(s)->code / 100 == 2 ? SMTP_OK
			     : reply_error(s, SMTP_STAGE_MAIL, "the server refused the sender", err);
			if (rc != SMTP_OK) {
				drain_replies(s, end - k - 1);
				return rc;
			}
		} else if (step == STEP_RCPT) {
			smtp_rcpt_status_t *r = &res->rcpt[i];
			r->code = reply(s)->code;
			memcpy(r->enhanced, reply(s)->enhanced, sizeof(r->enhanced));
			if (r->code / 100 == 2) {
				res->accepted++;
			} else {
				smtp_reply_format(reply(s), r->reply, sizeof(r->reply));
			}
		}
	}
	return SMTP_OK;
}

/* Every recipient was refused: the error names the first refused one, with
 * its reply's code and enhanced status. */
static smtp_rc_t all_refused(smtp_session_t *s, const envelope_t *env, const smtp_send_result_t *res,
                             smtp_error_t *err)
{
	size_t i, n = env->nrcpts;

	for (i = 0; i < n && res->rcpt[i].code / 100 == 2; i++) {
	}
	if (n == 1) {
		smtp_error_set(err, SMTP_E_REPLY, SMTP_STAGE_RCPT, res->rcpt[0].code,
		               "the server refused the recipient <%.256s>: %s", env->rcpts[0], res->rcpt[0].reply);
	} else {
		smtp_error_set(err, SMTP_E_REPLY, SMTP_STAGE_RCPT, i < n ? res->rcpt[i].code : 0,
		               "the server refused all %zu recipients; first <%.256s>: %s", n,
		               i < n ? env->rcpts[i] : "", i < n ? res->rcpt[i].reply : "");
	}
	if (err != NULL && i < n) {
		memcpy(err->enhanced, res->rcpt[i].enhanced, sizeof(err->enhanced));
	}
	return die(s, SMTP_E_REPLY, s->in_sync);
}

/* Sends the envelope and reads its replies, pipelined or step by step. On
 * success the reply to DATA is in reply(s). */
static smtp_rc_t run_envelope(smtp_session_t *s, const envelope_t *env, smtp_send_result_t *res, smtp_error_t *err)
{
	size_t n = envelope_steps(env), k = 0, i = 0;
	smtp_rc_t rc;

	while (k < n) {
		size_t end = s->caps.pipelining ? n : k + 1;
		if (end == k + 1 && envelope_step(env, k, &i) == STEP_DATA && res->accepted == 0) {
			/* Step by step, DATA is never sent when no recipient was accepted. */
			return all_refused(s, env, res, err);
		}
		rc = send_envelope(s, env, k, end, err);
		if (rc == SMTP_OK) {
			rc = read_envelope_replies(s, env, k, end, res, err);
		}
		if (rc != SMTP_OK) {
			return rc;
		}
		k = end;
	}
	return SMTP_OK;
}

/* The data phase, from the reply to DATA (in reply(s)) to the reply to the final dot. */
static smtp_rc_t data_phase(smtp_session_t *s, const envelope_t *env, const smtp_piece_t *pieces, size_t npieces,
                            smtp_send_result_t *res, smtp_error_t *err)
{
	smtp_rc_t rc;

	if (res->accepted == 0) {
		/* Whatever the server said to DATA, there is no one to send to. A 354
		 * here leaves the server waiting for a message: the dialogue is lost. */
		if (reply(s)->code == 354) {
			s->in_sync = false;
		}
		return all_refused(s, env, res, err);
	}
	if (reply(s)->code != 354) {
		if (reply(s)->code / 100 == 2) {
			/* A server that says 250 to DATA is not waiting for a message:
			 * sending it now would be read as commands. */
			char text[SMTP_REPLY_TEXT_KEEP];
			smtp_reply_format(reply(s), text, sizeof(text));
			return die(s, smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_DATA, reply(s)->code,
			                             "the server answered DATA with %s instead of 354; message not sent",
			                             text), false);
		}
		return reply_error(s, SMTP_STAGE_DATA, "the server refused DATA", err);
	}
	rc = send_body(s, pieces, npieces, err);
	if (rc != SMTP_OK) {
		return rc;
	}
	res->data_sent = true;
	rc = read_reply(s, SMTP_STAGE_DATA, err);
	if (rc != SMTP_OK) {
		return rc;
	}
	res->code = reply(s)->code;
	smtp_reply_format(reply(s), res->reply, sizeof(res->reply));
	if (reply(s)->code / 100 != 2) {
		return reply_error(s, SMTP_STAGE_DATA, "the server refused the message", err);
	}
	if (!smtp_reply_queue_id(reply(s), res->queue_id, sizeof(res->queue_id))) {
		res->queue_id[0] = '\0';
	}
	return SMTP_OK;
}

void smtp_session_mail_params(const smtp_caps_t *caps, uint64_t size, bool body_8bit, bool smtputf8,
                              char out[SMTP_MAIL_PARAMS_MAX])
{
	int n = 0;

	out[0] = '\0';
	if (caps->size_announced) {
		n += snprintf(out + n, (size_t)(SMTP_MAIL_PARAMS_MAX - n), " SIZE=%llu", (unsigned long long)size);
	}
	if (body_8bit && caps->eightbitmime) {
		n += snprintf(out + n, (size_t)(SMTP_MAIL_PARAMS_MAX - n), " BODY=8BITMIME");
	}
	if (smtputf8 && caps->smtputf8) {
		snprintf(out + n, (size_t)(SMTP_MAIL_PARAMS_MAX - n), " SMTPUTF8");
	}
}

/* RFC 6531 3.3: an address with a non-ASCII octet (smtp_addr leaves one only
 * where no A-label could stand for it) can travel only with SMTPUTF8. */
static bool needs_smtputf8(const char *addr)
{
	for (; *addr != '\0'; addr++) {
		if ((unsigned char)*addr >= 0x80) {
			return true;
		}
	}
	return false;
}

/* The first address of the envelope that needs SMTPUTF8, or NULL. */
static const char *first_utf8_address(const char *from, const char *const *rcpts, size_t nrcpts)
{
	size_t i;

	if (needs_smtputf8(from)) {
		return from;
	}
	for (i = 0; i < nrcpts; i++) {
		if (needs_smtputf8(rcpts[i])) {
			return rcpts[i];
		}
	}
	return NULL;
}

/* The octets the data phase will send when the plan re-encodes for this relay
 * (RFC 1870 counts them as sent: CRLF line ends, no dot-stuffing, no final
 * dot): one counting pass of the re-encoder and the canonicaliser's scan, no
 * copy kept. 0 when the plan cannot be run (the data phase reports why). */
static uint64_t encoded_size(const smtp_session_t *s, const smtp_piece_t *pieces, size_t npieces)
{
	smtp_canon_t scan;
	smtp_mime_enc_t enc;
	char mbuf[SMTP_SESSION_MIME_CHUNK];
	size_t i, produced;
	smtp_rc_t rc;

	smtp_canon_init(&scan);
	smtp_mime_enc_init(&enc, s->mime, s->caps.eightbitmime);
	for (i = 0; i < npieces; i++) {
		size_t off = 0;
		while (off < pieces[i].len) {
			size_t consumed = 0;
			produced = 0;
			rc = smtp_mime_feed(&enc, pieces[i].data + off, pieces[i].len - off, &consumed, mbuf, sizeof(mbuf),
			                    &produced, NULL);
			if (rc != SMTP_OK) {
				return 0;
			}
			(void)smtp_canon_scan(&scan, mbuf, produced, NULL);
			off += consumed;
		}
	}
	do {
		produced = 0;
		if (smtp_mime_finish(&enc, mbuf, sizeof(mbuf), &produced, NULL) != SMTP_OK) {
			return 0;
		}
		(void)smtp_canon_scan(&scan, mbuf, produced, NULL);
	} while (produced > 0);
	return smtp_canon_size(&scan);
}

static smtp_rc_t transaction(smtp_session_t *s, const char *from, const char *const *rcpts, size_t nrcpts,
                             const smtp_mail_info_t *info, const smtp_piece_t *pieces, size_t npieces,
                             smtp_send_result_t *res, smtp_error_t *err)
{
	envelope_t env;
	char params[SMTP_MAIL_PARAMS_MAX];
	const char *utf8 = first_utf8_address(from, rcpts, nrcpts);
	uint64_t size = 0;
	size_t i;
	smtp_rc_t rc;

	bool reencode = s->mime != NULL && smtp_mime_changes(s->mime, s->caps.eightbitmime);
	bool body_8bit = s->mime != NULL ? smtp_mime_sends_8bit(s->mime, s->caps.eightbitmime)
	                                 : info != NULL && info->body_8bit;

	if (reencode && s->caps.size_announced) {
		size = encoded_size(s, pieces, npieces);
	} else if (info != NULL && info->size > 0) {
		size = info->size;
	}
	if (size == 0) {
		for (i = 0; i < npieces; i++) {
			size += pieces[i].len;
		}
	}
	/* RFC 1870: a message the server already said it cannot take is refused
	 * here, before anything is sent. */
	if (s->caps.size_announced && s->caps.size > 0 && size > s->caps.size) {
		return smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_MAIL, 0,
		                      "the message of %llu bytes exceeds the server's size limit of %llu bytes (SIZE)",
		                      (unsigned long long)size, (unsigned long long)s->caps.size);
	}
	/* RFC 6531 3.2: without SMTPUTF8 on the server such an address cannot be
	 * sent at all; say so before MAIL, permanently (this relay never will). */
	if (utf8 != NULL && !s->caps.smtputf8) {
		return smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_MAIL, 0,
		                      "the address <%.256s> needs SMTPUTF8 (RFC 6531: a non-ASCII local part, or a "
		                      "domain with no A-label form smtpmail can check), which the server does not "
		                      "offer; nothing was sent", utf8);
	}
	smtp_session_mail_params(&s->caps, size, body_8bit, utf8 != NULL, params);
	env.lead = NULL;
	if (s->auth_deferred) {
		static const envelope_lead_t auth_lead = {SMTP_STAGE_AUTH, auth_lead_queue, auth_lead_check, NULL};
		env.lead = &auth_lead;
		s->auth_deferred = false;
	}
	env.from = from;
	env.mail_params = params;
	env.rcpts = rcpts;
	env.nrcpts = nrcpts;
	rc = run_envelope(s, &env, res, err);
	if (rc != SMTP_OK) {
		return rc;
	}
	return data_phase(s, &env, pieces, npieces, res, err);
}

smtp_rc_t smtp_session_send(smtp_session_t *s, const char *from, const char *const *rcpts,
                            size_t nrcpts, const smtp_mail_info_t *info, const smtp_piece_t *pieces,
                            size_t npieces, smtp_send_result_t *res, smtp_error_t *err)
{
	smtp_rc_t rc;

	if (!smtp_session_is_usable(s)) {
		return smtp_error_set(err, SMTP_E_STATE, SMTP_STAGE_MAIL, 0,
		                      "the SMTP session is not open or already failed");
	}
	if (nrcpts == 0) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0, "no recipients");
	}
	smtp_send_result_destroy(res);
	if (res->storage != NULL && res->storage_n >= nrcpts) {
		res->rcpt = res->storage;
		memset(res->rcpt, 0, nrcpts * sizeof(*res->rcpt));
	} else {
		res->rcpt = calloc(nrcpts, sizeof(*res->rcpt));
	}
	if (res->rcpt == NULL) {
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_MESSAGE, 0, "out of memory");
	}
	res->nrcpts = nrcpts;
	rc = transaction(s, from, rcpts, nrcpts, info, pieces, npieces, res, err);
	if (rc != SMTP_OK) {
		return die(s, rc, s->in_sync && (rc == SMTP_E_REPLY || rc == SMTP_E_LIMIT || rc == SMTP_E_ARG));
	}
	return SMTP_OK;
}

/*
 * QUIT is written and the session ends without waiting for the 221. RFC 5321
 * 4.1.1.10 says a client SHOULD wait for it, but by then everything that
 * matters is settled (each message was accepted or refused at its final
 * reply), and the wait costs the caller a round trip at the end of every
 * session: the worker of a web request that sent mail is held that long.
 * Postfix's own SMTP client does the same by default (smtp_skip_quit_response
 * = yes). The server still gets its QUIT, so it logs an orderly end.
 */
void smtp_session_quit(smtp_session_t *s)
{
	smtp_error_t ignored;

	if (s == NULL || !s->in_sync || (!s->opened && !s->dead)) {
		if (s != NULL) {
			s->dead = true;
		}
		return;
	}
	s->dead = true;
	s->in_sync = false;
	s->cap_ms = 0;
	if (queue_command(s, "QUIT", NULL, 0, SMTP_COMMAND_LINE_MAX, SMTP_STAGE_QUIT, &ignored) == SMTP_OK) {
		(void)flush(s, SMTP_STAGE_QUIT, &ignored);
	}
}

void smtp_session_set_mime(smtp_session_t *s, const smtp_mime_plan_t *plan)
{
	s->mime = plan;
}

bool smtp_session_body_8bit(const smtp_session_t *s)
{
	return s->mime != NULL && smtp_mime_sends_8bit(s->mime, s->caps.eightbitmime);
}
