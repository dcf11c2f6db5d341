/*
 * smtpmail_pool.c: open, authenticated sessions kept for the next send.
 *
 * Connecting, STARTTLS and AUTH cost most of the round trips of a send. A
 * session that ended its transaction cleanly is kept, keyed by everything
 * that decided how it was made (host, port, TLS mode, credentials, certificate
 * checks, EHLO name), and the next send with the same settings uses it:
 * within a request always; across requests, in the same PHP worker, when
 * smtpmail.persistent is on. The key is a SHA-256 digest, so no password
 * is kept in it.
 *
 * A kept session is used only while it is younger than smtpmail.persistent_idle
 * seconds since its last message and has sent fewer than
 * smtpmail.persistent_max_messages; one that saw an error is closed, never kept.
 */
#ifdef HAVE_CONFIG_H
# include "config.h"
#endif

#include "php.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "php_smtpmail.h"
#include "main/php_open_temporary_file.h"
#include "smtp_core/smtp_compat.h"
#include "smtp_core/smtp_limit.h"
#include "smtp_core/smtp_sasl.h"

#ifndef PHP_WIN32
# include <unistd.h>
#endif

void php_smtpmail_digest(const char *const *fields, size_t n, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	out[0] = '\0';
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return;
	}
	for (size_t k = 0; k < n; k++) {
		/* Each field ends with a NUL, so ("ab","c") and ("a","bc") differ. */
		if (fields[k] != NULL) {
			EVP_DigestUpdate(md, fields[k], strlen(fields[k]));
		}
		EVP_DigestUpdate(md, "", 1);
	}
	EVP_DigestFinal_ex(md, digest, &len);
	EVP_MD_CTX_free(md);
	for (unsigned int i = 0; i < len && i < 32; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[len < 32 ? 2 * len : 64] = '\0';
}

static void make_key(const php_smtpmail_settings_t *s, char out[65])
{
	char numbers[64];
	const char *fields[15];

	snprintf(numbers, sizeof(numbers), ZEND_LONG_FMT "/%d/%d/%d/%u", s->port, (int)s->tls, (int)s->tls_none_explicit,
	         (int)s->verify_peer, s->auth_allowed);
	fields[0] = s->host;
	fields[1] = numbers;
	fields[2] = s->username;
	fields[3] = s->password;
	fields[4] = s->oauth_token;
	fields[5] = s->oauth.token_url;
	fields[6] = s->oauth.client_id;
	fields[7] = s->oauth.client_secret;
	fields[8] = s->oauth.refresh_token;
	fields[9] = s->oauth.scope;
	fields[10] = s->oauth.provider;
	fields[11] = s->oauth.tenant;
	fields[12] = s->cafile;
	fields[13] = s->helo;
	php_smtpmail_digest(fields, 14, out);
}

/* A session made with a caller's stream context is not kept: the context's
 * options cannot be compared, so no later send could prove it matches. */
static bool may_keep(const php_smtpmail_settings_t *s)
{
	return s->user_context == NULL;
}

static php_smtpmail_conn *conn_new(bool persistent)
{
	php_smtpmail_conn *conn = pecalloc(1, sizeof(*conn), persistent);
	conn->persistent = persistent;
	smtp_limit_slot_init(&conn->slot);
	return conn;
}

/* The account a session and a message count against for smtpmail.max_connections
 * and max_per_minute: the relay and the user name. Not the password, the TLS
 * mode or the EHLO name: a provider counts per mailbox, however one logs in. */
static void make_limit_key(const php_smtpmail_settings_t *s, char out[65])
{
	char port[32];
	const char *fields[4];

	snprintf(port, sizeof(port), ZEND_LONG_FMT, s->port);
	fields[0] = "limit";
	fields[1] = s->host;
	fields[2] = port;
	fields[3] = s->username;
	php_smtpmail_digest(fields, 4, out);
}

static smtp_rc_t limit_dir_error(smtp_error_t *err, const char *dir, int e)
{
	char text[160];

	smtp_os_err_text(e, text, sizeof(text));
	return smtp_error_set(err, SMTP_E_IO, SMTP_STAGE_CONNECT, 0, "limit directory %s: %s", dir, text);
}

/* Where the slot and rate files live: limits/ in the spool directory when
 * there is one (its owner's, checked like the spool; files a root flusher
 * makes there are given to that owner), else smtpmail-<uid>/limits under the
 * system's temporary directory. Both are created 0700 and must be private:
 * another user can neither read them nor take this account's slots. A
 * script of the same user could (it can open the same files), as it can
 * open sessions itself: the boundary is the user, as for the spool. */
static smtp_rc_t limit_dir(char *out, size_t cap, smtp_owner_t *owner, smtp_error_t *err)
{
	const char *spool = SMTPMAIL_G(spool_dir);
	char base[1024];
	int e;

	owner->known = false;
	if (spool != NULL && spool[0] != '\0') {
		snprintf(base, sizeof(base), "%s", spool);
		if ((e = smtp_dir_make(base)) != 0 || (e = smtp_dir_check(base, true, owner)) != 0) {
			return limit_dir_error(err, base, e);
		}
	} else {
#ifdef PHP_WIN32
		snprintf(base, sizeof(base), "%s/smtpmail", php_get_temporary_directory());
#else
		snprintf(base, sizeof(base), "%s/smtpmail-%lu", php_get_temporary_directory(), (unsigned long)geteuid());
#endif
		if ((e = smtp_dir_make(base)) != 0 || (e = smtp_dir_check(base, true, NULL)) != 0) {
			return limit_dir_error(err, base, e);
		}
	}
	snprintf(out, cap, "%s/limits", base);
	if ((e = smtp_dir_make(out)) != 0 || (e = smtp_path_give(out, owner)) != 0 || (e = smtp_dir_check(out, false, NULL)) != 0) {
		return limit_dir_error(err, out, e);
	}
	return SMTP_OK;
}

/* This process's idle sessions that count against key: closed when every
 * slot is taken, so a process never waits for a slot it holds itself. */
static size_t close_idle_of(const char *limit_key)
{
	php_smtpmail_conn *conn;
	zend_string *key;
	size_t n = 0;

	ZEND_HASH_FOREACH_STR_KEY_PTR(&SMTPMAIL_G(pool), key, conn) {
		if (conn->slot_held && strcmp(conn->limit_key, limit_key) == 0) {
			php_smtpmail_conn_close(conn, !php_smtpmail_stream_has_unread(conn));
			zend_hash_del(&SMTPMAIL_G(pool), key);
			n++;
		}
	} ZEND_HASH_FOREACH_END();
	return n;
}

/* smtpmail.max_connections: a slot for conn before it connects, waited for
 * up to the timeout; held until the session closes. */
static smtp_rc_t take_slot(const php_smtpmail_settings_t *s, php_smtpmail_conn *conn, smtp_error_t *err)
{
	char dir[1100];
	smtp_owner_t owner;
	unsigned first = (unsigned)(smtp_process_id() % s->max_connections);
	smtp_rc_t rc = limit_dir(dir, sizeof(dir), &owner, err);

	if (rc != SMTP_OK) {
		return rc;
	}
	make_limit_key(s, conn->limit_key);
	rc = smtp_limit_slot_try(dir, conn->limit_key, s->max_connections, first, &owner, &conn->slot, err);
	if (rc == SMTP_E_BUSY && close_idle_of(conn->limit_key) > 0) {
		rc = smtp_limit_slot_try(dir, conn->limit_key, s->max_connections, first, &owner, &conn->slot, err);
	}
	if (rc == SMTP_E_BUSY) {
		rc = smtp_limit_slot_take(dir, conn->limit_key, s->max_connections, first, &owner,
		                          smtp_clock_ms() + s->timeout_ms, &conn->slot, err);
	}
	if (rc == SMTP_E_BUSY) {
		return smtp_error_set(err, SMTP_E_BUSY, SMTP_STAGE_CONNECT, 0,
		                      "no free connection: smtpmail.max_connections = %u sessions to %s:" ZEND_LONG_FMT
		                      " with this account are open (in this or other PHP processes) and none closed within %u ms",
		                      s->max_connections, s->host, s->port, s->timeout_ms);
	}
	conn->slot_held = rc == SMTP_OK;
	return rc;
}

smtp_rc_t php_smtpmail_rate_take(const php_smtpmail_settings_t *s, uint64_t *wait_ms, smtp_error_t *err)
{
	char dir[1100], key[65];
	smtp_owner_t owner;
	uint64_t until = smtp_clock_ms() + s->timeout_ms;
	smtp_rc_t rc;

	*wait_ms = 0;
	if (s->max_per_minute == 0) {
		return SMTP_OK;
	}
	rc = limit_dir(dir, sizeof(dir), &owner, err);
	if (rc != SMTP_OK) {
		return rc;
	}
	make_limit_key(s, key);
	for (;;) {
		uint64_t now;
		rc = smtp_limit_rate_take(dir, key, s->max_per_minute, smtp_wall_ms(), &owner, until, wait_ms, err);
		now = smtp_clock_ms();
		if (rc != SMTP_E_BUSY || !s->rate_wait || now + *wait_ms > until) {
			break;
		}
		smtp_sleep_ms((unsigned)*wait_ms);
	}
	if (rc == SMTP_E_BUSY) {
		return smtp_error_set(err, SMTP_E_BUSY, SMTP_STAGE_CONNECT, 0,
		                      "smtpmail.max_per_minute = %u messages to %s:" ZEND_LONG_FMT
		                      " with this account were sent in the last minute; the next may go in %llu ms",
		                      s->max_per_minute, s->host, s->port, (unsigned long long)*wait_ms);
	}
	return rc;
}

void php_smtpmail_conn_close(php_smtpmail_conn *conn, bool quit)
{
	if (conn == NULL) {
		return;
	}
	if (conn->session != NULL) {
		if (quit && conn->stream != NULL) {
			smtp_session_quit(conn->session);
		}
		smtp_session_free(conn->session);
	}
	php_smtpmail_stream_close(conn);
	/* The connection is closed: its slot is free for the next. */
	if (conn->slot_held) {
		smtp_limit_slot_release(&conn->slot);
	}
	pefree(conn, conn->persistent);
}

/* An idle session is stale when it waited too long, or when the server said
 * something while nobody asked (a 421 before closing, or the close itself). */
static bool still_good(php_smtpmail_conn *conn)
{
	uint64_t idle_ms = (uint64_t)(SMTPMAIL_G(persistent_idle) > 0 ? SMTPMAIL_G(persistent_idle) : 0) * 1000u;

	return smtp_session_is_usable(conn->session) && smtp_clock_ms() - conn->last_used_ms <= idle_ms
	       && !php_smtpmail_stream_has_unread(conn);
}

/* A refused certificate is easier to fix when the message says which one the
 * server presented. A second connection, with no credentials and no checks,
 * fetches it only to describe it; nothing is sent but the greeting dialogue. */
static void describe_refused_certificate(const php_smtpmail_settings_t *s, smtp_error_t *err)
{
	php_smtpmail_settings_t probe = *s;
	php_smtpmail_conn *conn;
	bool reused;
	char who[300];
	smtp_error_t ignored;

	if (strstr(err->message, "not issued by a CA") == NULL && strstr(err->message, "for another name") == NULL) {
		return;
	}
	probe.verify_peer = false;
	probe.capture_peer_cert = true;
	probe.username = NULL;
	probe.password = NULL;
	probe.oauth_token = NULL;
	probe.user_context = NULL;
	probe.transcript = NULL;
	if (php_smtpmail_pool_acquire(&probe, true, &conn, &reused, &ignored) != SMTP_OK) {
		return;
	}
	php_smtpmail_stream_peer_cert(conn, who, sizeof(who));
	php_smtpmail_conn_close(conn, true);
	if (who[0] != '\0') {
		size_t used = strlen(err->message);
		snprintf(err->message + used, sizeof(err->message) - used, "; the server presented %s", who);
	}
}

/* A new connection and session for s, authenticated with token when it is
 * set (else the password). On failure nothing is left open. */
static smtp_rc_t open_new(const php_smtpmail_settings_t *s, const char *key, const char *token, php_smtpmail_conn **out,
                          smtp_error_t *err)
{
	php_smtpmail_conn *conn = conn_new(SMTPMAIL_G(persistent) && may_keep(s));
	smtp_session_config_t cfg;
	smtp_rc_t rc;

	*out = NULL;
	memcpy(conn->key, key, sizeof(conn->key));
	if (s->max_connections > 0) {
		rc = take_slot(s, conn, err);
		if (rc != SMTP_OK) {
			php_smtpmail_conn_close(conn, false);
			return rc;
		}
	}
	rc = php_smtpmail_stream_connect(conn, s, s->tls == SMTP_TLS_IMPLICIT, err);
	if (rc == SMTP_OK && s->tls != SMTP_TLS_IMPLICIT) {
		rc = php_smtpmail_stream_await_greeting(conn, s, err);
		if (rc != SMTP_OK) {
			php_smtpmail_conn_close(conn, false);
			return rc;
		}
	}
	if (rc != SMTP_OK) {
		php_smtpmail_conn_close(conn, false);
		if (rc == SMTP_E_TLS && !s->capture_peer_cert) {
			describe_refused_certificate(s, err);
		}
		return rc;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.helo = s->helo;
	cfg.tls = s->tls;
	if (s->tls == SMTP_TLS_IF_OFFERED && php_smtpmail_nonempty(s->username) == NULL) {
		/* tls=auto on loopback without credentials: nothing secret to protect. */
		cfg.tls = SMTP_TLS_NONE;
	}
	cfg.user = s->username;
	cfg.password = token != NULL ? NULL : s->password;
	cfg.oauth_token = token;
	cfg.sasl_host = s->host;
	cfg.sasl_port = (unsigned)s->port;
	/* Only tls=none sends credentials in plain text: a loopback relay that
	 * offers no STARTTLS (or a process squatting its port) gets none. */
	cfg.allow_cleartext_auth = s->tls_none_explicit;
	cfg.auth_allowed = s->auth_allowed;
	cfg.timeout_ms = s->timeout_ms;
	/* A token fetched for OAuth client settings authenticates on its own:
	 * when the relay refuses it, open_new's caller fetches another and opens
	 * again, which it can only do while AUTH is part of opening. */
	cfg.pipeline_auth = SMTPMAIL_G(pipeline_auth) && !php_smtpmail_oauth_configured(s)
	                    && !zend_hash_str_exists(&SMTPMAIL_G(auth_unpipelined), key, strlen(key));
	conn->session = smtp_session_new(&cfg, &conn->transport);
	if (conn->session == NULL) {
		php_smtpmail_conn_close(conn, false);
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_CONNECT, 0, "out of memory");
	}
	php_smtpmail_trace(conn, s);
	smtp_session_set_deadline(conn->session, s->deadline_ms);
	rc = smtp_session_open(conn->session, err);
	if (rc != SMTP_OK) {
		php_smtpmail_conn_close(conn, true);
		if (rc == SMTP_E_TLS && !s->capture_peer_cert) {
			describe_refused_certificate(s, err);
		}
		return rc;
	}
	if (!s->capture_peer_cert) {
		php_smtpmail_stream_detach_context(conn);
	}
	*out = conn;
	return SMTP_OK;
}

/* A transcript of a reused session starts at MAIL FROM: one line says where
 * the greeting, TLS and AUTH went (no secret: the mechanism, not the account). */
static void trace_reuse(php_smtpmail_conn *conn, const php_smtpmail_settings_t *s)
{
	char tls[32];
	unsigned mech = smtp_session_auth_mech(conn->session);
	uint64_t now = smtp_clock_ms();

	if (s->transcript == NULL) {
		return;
	}
	php_smtpmail_stream_tls_version(conn, tls, sizeof(tls));
	smart_str_appends(s->transcript, "* reusing the session to ");
	smart_str_appends(s->transcript, conn->peer);
	smart_str_appends(s->transcript, conn->persistent ? " kept by this worker" : " kept by this request");
	smart_str_appends(s->transcript, " (");
	smart_str_append_long(s->transcript, conn->messages);
	smart_str_appends(s->transcript, conn->messages == 1 ? " message sent over it, idle " : " messages sent over it, idle ");
	smart_str_append_unsigned(s->transcript, (zend_ulong)((now > conn->last_used_ms ? now - conn->last_used_ms : 0) / 1000));
	smart_str_appends(s->transcript, " s; ");
	smart_str_appends(s->transcript, tls[0] != '\0' ? tls : "no TLS");
	smart_str_appends(s->transcript, mech != 0 ? ", AUTH " : ", no AUTH");
	if (mech != 0) {
		smart_str_appends(s->transcript, smtp_sasl_name(mech));
	}
	smart_str_appends(s->transcript, "): no greeting, EHLO, TLS or AUTH this time\n");
}

smtp_rc_t php_smtpmail_pool_acquire(const php_smtpmail_settings_t *s, bool fresh, php_smtpmail_conn **out,
                                    bool *reused, smtp_error_t *err)
{
	php_smtpmail_conn *conn = NULL;
	char key[65];
	smtp_rc_t rc;

	*out = NULL;
	*reused = false;
	make_key(s, key);
	if (may_keep(s) && key[0] != '\0') {
		conn = zend_hash_str_find_ptr(&SMTPMAIL_G(pool), key, strlen(key));
		if (conn != NULL) {
			/* In use now: out of the pool until released. */
			zend_hash_str_del(&SMTPMAIL_G(pool), key, strlen(key));
			if (!fresh && still_good(conn)) {
				php_smtpmail_trace(conn, s);
				trace_reuse(conn, s);
				smtp_session_set_deadline(conn->session, s->deadline_ms);
				*out = conn;
				*reused = true;
				return SMTP_OK;
			}
			/* No QUIT to a server that already hung up or spoke out of turn. */
			php_smtpmail_conn_close(conn, !php_smtpmail_stream_has_unread(conn));
		}
	}

	/* A token fetched for OAuth client settings: when the relay refuses it,
	 * one more token and one more session (the cached one may have been
	 * revoked early); a static token or a password is not retried. */
	if (php_smtpmail_oauth_configured(s)) {
		char *token = NULL;
		rc = php_smtpmail_oauth_token(s, NULL, &token, err);
		if (rc == SMTP_OK) {
			rc = open_new(s, key, token, &conn, err);
			if (rc == SMTP_E_REPLY && err->stage == SMTP_STAGE_AUTH) {
				char *again = NULL;
				smtp_error_t first = *err;
				if (php_smtpmail_oauth_token(s, token, &again, err) == SMTP_OK) {
					rc = open_new(s, key, again, &conn, err);
					OPENSSL_cleanse(again, strlen(again));
					efree(again);
				} else {
					*err = first;
				}
			}
			OPENSSL_cleanse(token, strlen(token));
			efree(token);
		}
	} else {
		rc = open_new(s, key, s->oauth_token, &conn, err);
	}
	if (rc != SMTP_OK) {
		return rc;
	}
	*out = conn;
	return SMTP_OK;
}

/* The debugging transcript: lines from the session, prefixed by direction. */
static void trace_to_string(void *ctx, bool from_client, const char *data, size_t len)
{
	smart_str *out = ctx;
	const char *end = data + len;

	while (data < end) {
		const char *nl = memchr(data, '\n', (size_t)(end - data));
		size_t n = nl != NULL ? (size_t)(nl - data + 1) : (size_t)(end - data);
		smart_str_appends(out, from_client ? "C: " : "S: ");
		smart_str_appendl(out, data, n);
		data += n;
	}
}

void php_smtpmail_trace(php_smtpmail_conn *conn, const php_smtpmail_settings_t *s)
{
	if (conn != NULL && conn->session != NULL) {
		smtp_session_set_trace(conn->session, s != NULL && s->transcript != NULL ? trace_to_string : NULL,
		                       s != NULL ? s->transcript : NULL);
	}
}

void php_smtpmail_pool_release(const php_smtpmail_settings_t *s, php_smtpmail_conn *conn)
{
	zend_long max = SMTPMAIL_G(persistent_max_messages);
	php_smtpmail_conn *old;

	if (conn == NULL) {
		return;
	}
	/* A kept session must not write into this send's transcript any more,
	 * nor keep this send's deadline. */
	php_smtpmail_trace(conn, NULL);
	smtp_session_set_deadline(conn->session, 0);
	conn->messages++;
	conn->last_used_ms = smtp_clock_ms();
	if (!smtp_session_is_usable(conn->session) || !may_keep(s) || conn->key[0] == '\0'
	    || (max > 0 && conn->messages >= max)) {
		php_smtpmail_conn_close(conn, true);
		return;
	}
	old = zend_hash_str_find_ptr(&SMTPMAIL_G(pool), conn->key, strlen(conn->key));
	if (old != NULL) {
		zend_hash_str_del(&SMTPMAIL_G(pool), conn->key, strlen(conn->key));
		php_smtpmail_conn_close(old, true);
	}
	zend_hash_str_add_ptr(&SMTPMAIL_G(pool), conn->key, strlen(conn->key), conn);
}

void php_smtpmail_pool_init(HashTable *pool)
{
	/* Persistent storage: the table outlives requests; its entries may too. */
	zend_hash_init(pool, 4, NULL, NULL, 1);
}

/* Relays remembered as refusing pipelined AUTH; a bound keeps a process that
 * sends to many relays from growing the table without end. */
#define SMTPMAIL_AUTH_UNPIPELINED_MAX 64

void php_smtpmail_pool_no_pipelined_auth(const php_smtpmail_conn *conn)
{
	HashTable *t = &SMTPMAIL_G(auth_unpipelined);

	if (conn->key[0] == '\0') {
		return;
	}
	if (zend_hash_num_elements(t) >= SMTPMAIL_AUTH_UNPIPELINED_MAX) {
		zend_hash_clean(t);
	}
	/* Persistent table: the key is a persistent string, and the value NULL. */
	zend_hash_str_add_empty_element(t, conn->key, strlen(conn->key));
}

bool php_smtpmail_pool_has_request_sessions(void)
{
	php_smtpmail_conn *conn;

	ZEND_HASH_FOREACH_PTR(&SMTPMAIL_G(pool), conn) {
		if (!conn->persistent) {
			return true;
		}
	} ZEND_HASH_FOREACH_END();
	return false;
}

void php_smtpmail_pool_request_end(void)
{
	php_smtpmail_conn *conn;
	zend_string *key;

	ZEND_HASH_FOREACH_STR_KEY_PTR(&SMTPMAIL_G(pool), key, conn) {
		if (!conn->persistent) {
			php_smtpmail_conn_close(conn, true);
			zend_hash_del(&SMTPMAIL_G(pool), key);
		}
	} ZEND_HASH_FOREACH_END();
}

zend_long php_smtpmail_pool_close_all(void)
{
	php_smtpmail_conn *conn;
	zend_long n = 0;

	ZEND_HASH_FOREACH_PTR(&SMTPMAIL_G(pool), conn) {
		php_smtpmail_conn_close(conn, true);
		n++;
	} ZEND_HASH_FOREACH_END();
	zend_hash_clean(&SMTPMAIL_G(pool));
	return n;
}

void php_smtpmail_pool_destroy(HashTable *pool)
{
	php_smtpmail_conn *conn;

	/* The engine destroyed the persistent streams before the modules: free
	 * only our own memory, and forget the streams. */
	ZEND_HASH_FOREACH_PTR(pool, conn) {
		conn->stream = NULL;
		smtp_session_free(conn->session);
		conn->session = NULL;
		if (conn->slot_held) {
			smtp_limit_slot_release(&conn->slot);
		}
		pefree(conn, conn->persistent);
	} ZEND_HASH_FOREACH_END();
	zend_hash_destroy(pool);
}
