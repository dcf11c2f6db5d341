/*
 * smtpmail_oauth.c: OAuth 2 access tokens for SMTP AUTH, below the application.
 *
 * With smtpmail.oauth_client_id (and a provider or token URL) set, a session
 * that needs AUTH gets its token here: from the token cache file shared by
 * every PHP process of the account (workers, CLI, the flusher) while it is
 * fresh, else from the token endpoint, by one process at a time (the others
 * wait on the cache's lock and then read what it fetched). The endpoint is
 * spoken to over the same transport as the relay (HTTPS with the same trust
 * settings, the smtpmail timeout, no redirects, a bounded response), and its
 * JSON read with ext/json. Secrets never appear in an error or a log.
 * The HTTP, cache and lock mechanics are smtp_core/smtp_oauth.c's.
 */
#ifdef HAVE_CONFIG_H
# include "config.h"
#endif

#include "php.h"
#include "ext/json/php_json.h"
#include "ext/standard/file.h"
#include "main/php_open_temporary_file.h"

#include <openssl/crypto.h>

#include "php_smtpmail.h"
#include "smtp_core/smtp_compat.h"
#include "smtp_core/smtp_oauth.h"

#ifndef PHP_WIN32
# include <unistd.h>
#endif

/* Lifetime assumed when the endpoint does not say (RFC 6749 5.1 makes
 * expires_in only RECOMMENDED); Microsoft and Google issue one hour. */
#define OAUTH_DEFAULT_LIFETIME 3600u

typedef php_smtpmail_settings_t smtpmail_settings_t;

bool php_smtpmail_oauth_configured(const smtpmail_settings_t *s)
{
	return s->oauth.client_id != NULL || s->oauth.provider != NULL || s->oauth.token_url != NULL;
}

/* The endpoint and scope: as set, else the provider's usual ones. */
typedef struct {
	char url[SMTP_OAUTH_PATH_MAX + SMTP_OAUTH_HOST_MAX];
	const char *scope;
} resolved_t;

static smtp_rc_t resolve(const smtpmail_settings_t *s, resolved_t *r, smtp_error_t *err)
{
	bool delegated = s->oauth.refresh_token != NULL;
	const char *p = s->oauth.provider;

	r->url[0] = '\0';
	r->scope = s->oauth.scope;
	if (s->oauth.token_url != NULL) {
		snprintf(r->url, sizeof(r->url), "%s", s->oauth.token_url);
	}
	if (p != NULL && strcmp(p, "microsoft") == 0) {
		if (r->url[0] == '\0') {
			/* The v2.0 endpoint of the tenant; app-only tokens need the tenant itself,
			 * a delegated one may use "organizations". */
			if (s->oauth.tenant == NULL && !delegated) {
				return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0,
				                      "Microsoft 365 app-only OAuth needs the tenant: set smtpmail.oauth_tenant "
				                      "(the directory id, or contoso.onmicrosoft.com)");
			}
			snprintf(r->url, sizeof(r->url), "https://login.microsoftonline.com/%s/oauth2/v2.0/token",
			         s->oauth.tenant != NULL ? s->oauth.tenant : "organizations");
		}
		if (r->scope == NULL) {
			r->scope = delegated ? "https://outlook.office365.com/SMTP.Send offline_access"
			                     : "https://outlook.office365.com/.default";
		}
	} else if (p != NULL && strcmp(p, "google") == 0) {
		if (!delegated) {
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0,
			                      "Google Workspace OAuth needs a refresh token (smtpmail.oauth_refresh_token): "
			                      "Gmail grants SMTP to a user's consent, not to client_credentials");
		}
		if (r->url[0] == '\0') {
			snprintf(r->url, sizeof(r->url), "https://oauth2.googleapis.com/token");
		}
		if (r->scope == NULL) {
			r->scope = "https://mail.google.com/";
		}
	}
	if (r->url[0] == '\0') {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0,
		                      "no OAuth token endpoint: set smtpmail.oauth_provider (microsoft or google) or "
		                      "smtpmail.oauth_token_url");
	}
	return SMTP_OK;
}

/* Whose token a cache entry is: endpoint, client, scope, account and the
 * configured refresh token (digested), so a change of any starts afresh. */
static void identity_key(const smtpmail_settings_t *s, const resolved_t *r, char out[65])
{
	const char *fields[] = {r->url, s->oauth.client_id, r->scope, s->username, s->oauth.refresh_token};

	php_smtpmail_digest(fields, sizeof(fields) / sizeof(fields[0]), out);
}

/* The cache file: as set, else one in the spool directory, else one in a
 * directory of this user's own under the system's temporary directory. */
static smtp_rc_t cache_path(const smtpmail_settings_t *s, const char *key, char *out, size_t cap, smtp_error_t *err)
{
	const char *spool = SMTPMAIL_G(spool_dir);
	char dir[MAXPATHLEN];
	smtp_rc_t rc;
	int e;

	if (s->oauth.cache != NULL) {
		snprintf(out, cap, "%s", s->oauth.cache);
		return SMTP_OK;
	}
	if (spool != NULL && spool[0] != '\0') {
		if ((rc = php_smtpmail_spool_dir(dir, err)) != SMTP_OK) {
			return rc;
		}
	} else {
#ifdef PHP_WIN32
		snprintf(dir, sizeof(dir), "%s/smtpmail", php_get_temporary_directory());
#else
		snprintf(dir, sizeof(dir), "%s/smtpmail-%lu", php_get_temporary_directory(), (unsigned long)geteuid());
#endif
	}
	/* Created 0700 and checked like a spool: a shared temporary directory
	 * must not let another user plant or read the cache. */
	if ((e = smtp_dir_make(dir)) != 0 || (e = smtp_dir_check(dir, true, NULL)) != 0) {
		char text[160];
		smtp_os_err_text(e, text, sizeof(text));
		return smtp_error_set(err, SMTP_E_IO, SMTP_STAGE_AUTH, 0, "OAuth token cache directory %s: %s", dir, text);
	}
	snprintf(out, cap, "%s/oauth-%.16s.token", dir, key);
	return SMTP_OK;
}

/* The endpoint's JSON, and what it says. */
typedef struct {
	zval json;
	const char *access, *refresh, *error, *description;
	zend_long expires_in;
} token_reply_t;

static const char *json_str(zval *obj, const char *name)
{
	zval *v = Z_TYPE_P(obj) == IS_ARRAY ? zend_hash_str_find(Z_ARRVAL_P(obj), name, strlen(name)) : NULL;
	return v != NULL && Z_TYPE_P(v) == IS_STRING && Z_STRLEN_P(v) > 0 ? Z_STRVAL_P(v) : NULL;
}

/* The likely fix for what token endpoints say most. */
static const char *endpoint_hint(const char *error, const char *description)
{
	const char *d = description != NULL ? description : "";

	if (strstr(d, "AADSTS7000222") != NULL) {
		return "the client secret has expired: create a new one under Certificates & secrets of the app registration "
		       "and put it in smtpmail.oauth_client_secret, in double quotes (secrets often contain ~)";
	}
	if (strstr(d, "AADSTS7000215") != NULL || (error != NULL && strcmp(error, "invalid_client") == 0)) {
		return "the client id or secret is wrong: copy the secret's value (not its id), in double quotes in php.ini";
	}
	if (strstr(d, "AADSTS65001") != NULL || strstr(d, "AADSTS650057") != NULL || strstr(d, "consent") != NULL) {
		return "the app lacks consent: grant admin consent for SMTP.SendAsApp (app-only) or SMTP.Send "
		       "(delegated) in the app registration's API permissions";
	}
	if (strstr(d, "AADSTS90002") != NULL || strstr(d, "AADSTS900023") != NULL) {
		return "the tenant is wrong: set smtpmail.oauth_tenant to the directory id or the onmicrosoft.com domain";
	}
	if (error != NULL && strcmp(error, "invalid_grant") == 0) {
		return "the refresh token was revoked or has expired (the user changed the password or removed the app; "
		       "a Google consent screen still in Testing makes refresh tokens die after 7 days): obtain a new one "
		       "and set smtpmail.oauth_refresh_token";
	}
	if (error != NULL && strcmp(error, "invalid_scope") == 0) {
		return "the scope is not valid for this app: check smtpmail.oauth_scope";
	}
	if (error != NULL && strcmp(error, "unauthorized_client") == 0) {
		return "the app may not use this grant: for Microsoft 365 app-only, add the SMTP.SendAsApp permission and "
		       "register the app's service principal in Exchange with access to the mailbox";
	}
	return NULL;
}

/* Sends req to the endpoint and reads the whole response into *resp (emalloc'd). */
static smtp_rc_t http_exchange(const smtpmail_settings_t *s, const smtp_oauth_url_t *u, const smtp_buf_t *req,
                               char **resp, size_t *resp_len, smtp_http_response_t *r, smtp_error_t *err)
{
	php_smtpmail_conn *conn = ecalloc(1, sizeof(*conn));
	smtpmail_settings_t t = *s;
	uint64_t deadline = smtp_clock_ms() + s->timeout_ms;
	size_t cap = 4096, len = 0;
	char *buf = emalloc(cap);
	smtp_rc_t rc;

	snprintf(t.host, sizeof(t.host), "%s", u->host);
	t.port = (zend_long)u->port;
	t.tls = u->tls ? SMTP_TLS_IMPLICIT : SMTP_TLS_NONE;
	t.user_context = NULL;
	t.capture_peer_cert = false;
	t.transcript = NULL;
	rc = php_smtpmail_stream_connect(conn, &t, u->tls, err);
	if (rc == SMTP_OK) {
		rc = conn->transport.write(conn->transport.ctx, req->data, req->len, deadline, err);
	}
	while (rc == SMTP_OK) {
		size_t got = 0;
		bool eof = false;
		smtp_rc_t prc;

		if (cap - len < 2048) {
			if (cap > SMTP_OAUTH_RESPONSE_MAX) {
				rc = smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_AUTH, 0,
				                    "the OAuth token endpoint sent more than %u bytes", SMTP_OAUTH_RESPONSE_MAX);
				break;
			}
			cap *= 2;
			buf = erealloc(buf, cap);
		}
		rc = conn->transport.read(conn->transport.ctx, buf + len, cap - len, &got, deadline, err);
		if (rc == SMTP_E_CLOSED) {
			eof = true;
			rc = SMTP_OK;
		}
		if (rc != SMTP_OK) {
			break;
		}
		len += got;
		prc = smtp_http_parse_response(buf, &len, eof, r, err);
		if (prc == SMTP_OK) {
			break;
		}
		if (prc != SMTP_E_STATE) {
			rc = prc;
			break;
		}
		if (eof) {
			rc = smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0,
			                    "the OAuth token endpoint closed the connection early");
			break;
		}
	}
	php_smtpmail_stream_close(conn);
	efree(conn);
	if (rc != SMTP_OK) {
		char what[SMTP_ERROR_MESSAGE_MAX];
		OPENSSL_cleanse(buf, cap);
		efree(buf);
		/* Stage auth for all of it; a connection failure stays transient. */
		snprintf(what, sizeof(what), "%s", err->message);
		smtp_error_set(err, rc == SMTP_E_CONNECT ? SMTP_E_CONNECT : rc, SMTP_STAGE_AUTH, 0,
		               "OAuth token endpoint %s: %s", u->host, what);
		return rc;
	}
	*resp = buf;
	*resp_len = len;
	return SMTP_OK;
}

/* One token request; on success e holds the new token (and a rotated refresh token). */
static smtp_rc_t fetch(const smtpmail_settings_t *s, const resolved_t *res, const char *refresh_token,
                       smtp_oauth_entry_t *e, smtp_error_t *err)
{
	smtp_oauth_url_t u;
	smtp_oauth_grant_t g;
	smtp_http_response_t r;
	smtp_buf_t req;
	token_reply_t tr;
	char *resp = NULL;
	size_t resp_len = 0;
	smtp_rc_t rc;
	uint64_t now = (uint64_t)time(NULL);

	if ((rc = smtp_oauth_parse_url(res->url, &u, err)) != SMTP_OK) {
		return rc;
	}
	memset(&g, 0, sizeof(g));
	g.client_id = s->oauth.client_id;
	g.client_secret = s->oauth.client_secret;
	g.refresh_token = refresh_token;
	g.scope = res->scope;
	smtp_buf_init(&req, 2 * SMTP_OAUTH_TOKEN_MAX + 8192);
	rc = smtp_oauth_request(&req, &u, &g, err);
	if (rc == SMTP_OK) {
		rc = http_exchange(s, &u, &req, &resp, &resp_len, &r, err);
	}
	if (req.data != NULL) {
		OPENSSL_cleanse(req.data, req.cap);
	}
	smtp_buf_destroy(&req);
	if (rc != SMTP_OK) {
		return rc;
	}
	if (r.status >= 300 && r.status < 400) {
		char where[200] = "";
		smtp_http_header(resp, resp_len, "Location", where, sizeof(where));
		OPENSSL_cleanse(resp, resp_len);
		efree(resp);
		return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, r.status,
		                      "OAuth token endpoint %s answered HTTP %d (a redirect%s%s, not followed): set "
		                      "smtpmail.oauth_token_url to the token endpoint itself", u.host, r.status,
		                      where[0] ? " to " : "", where);
	}
	memset(&tr, 0, sizeof(tr));
	ZVAL_UNDEF(&tr.json);
	/* ext/json's scanner wants the NUL a zend_string always has. */
	{
		zend_string *text = zend_string_init(resp + r.body_off, r.body_len, 0);
		zend_result ok = php_json_decode_ex(&tr.json, ZSTR_VAL(text), ZSTR_LEN(text), PHP_JSON_OBJECT_AS_ARRAY, 16);
		OPENSSL_cleanse(ZSTR_VAL(text), ZSTR_LEN(text));
		zend_string_efree(text);
		if (ok != SUCCESS) {
			zval_ptr_dtor(&tr.json);
			ZVAL_NULL(&tr.json);
		}
	}
	if (Z_TYPE(tr.json) != IS_ARRAY) {
		int status = r.status;
		zval_ptr_dtor(&tr.json);
		OPENSSL_cleanse(resp, resp_len);
		efree(resp);
		return smtp_error_set(err, status >= 500 ? SMTP_E_REPLY : SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, status >= 500 ? 451 : 0,
		                      "OAuth token endpoint %s answered HTTP %d without a JSON token response", u.host, status);
	}
	OPENSSL_cleanse(resp, resp_len);
	efree(resp);
	tr.access = json_str(&tr.json, "access_token");
	tr.refresh = json_str(&tr.json, "refresh_token");
	tr.error = json_str(&tr.json, "error");
	tr.description = json_str(&tr.json, "error_description");
	{
		zval *v = zend_hash_str_find(Z_ARRVAL(tr.json), "expires_in", sizeof("expires_in") - 1);
		tr.expires_in = v != NULL ? zval_get_long(v) : 0;
	}
	if (r.status != 200 || tr.access == NULL) {
		char error[64], description[300];
		const char *hint = endpoint_hint(tr.error, tr.description);
		smtp_text_sanitize(error, sizeof(error), tr.error != NULL ? tr.error : "no access_token",
		                   strlen(tr.error != NULL ? tr.error : "no access_token"));
		smtp_text_sanitize(description, sizeof(description), tr.description != NULL ? tr.description : "",
		                   tr.description != NULL ? strlen(tr.description) : 0);
		/* A server error or throttling is worth another try later; a refusal is not. */
		rc = smtp_error_set(err, r.status >= 500 || r.status == 429 ? SMTP_E_REPLY : SMTP_E_AUTH, SMTP_STAGE_AUTH,
		                    r.status >= 500 || r.status == 429 ? 454 : 0,
		                    "OAuth token endpoint %s refused the %s grant (HTTP %d): %s%s%s%s%s%s", u.host,
		                    refresh_token != NULL ? "refresh_token" : "client_credentials", r.status, error,
		                    description[0] ? ": " : "", description, hint != NULL ? " (" : "", hint != NULL ? hint : "",
		                    hint != NULL ? ")" : "");
		zval_ptr_dtor(&tr.json);
		return rc;
	}
	smtp_oauth_entry_init(e);
	e->obtained = now;
	e->expires = now + (tr.expires_in > 0 ? (uint64_t)tr.expires_in : OAUTH_DEFAULT_LIFETIME);
	e->access = strdup(tr.access);
	e->refresh = tr.refresh != NULL ? strdup(tr.refresh) : NULL;
	zval_ptr_dtor(&tr.json);
	if (e->access == NULL || (tr.refresh != NULL && e->refresh == NULL)) {
		smtp_oauth_entry_destroy(e);
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_AUTH, 0, "out of memory");
	}
	return SMTP_OK;
}

static bool good(const smtp_oauth_entry_t *e, const char *refused)
{
	return e->access != NULL && smtp_oauth_usable((uint64_t)time(NULL), e->obtained, e->expires)
	       && (refused == NULL || strcmp(e->access, refused) != 0);
}

smtp_rc_t php_smtpmail_oauth_token(const smtpmail_settings_t *s, const char *refused, char **token, smtp_error_t *err)
{
	resolved_t res;
	char key[65], path[1200];
	smtp_oauth_entry_t e, fresh;
	smtp_file_t lock = SMTP_FILE_NONE;
	smtp_rc_t rc;

	*token = NULL;
	if ((rc = resolve(s, &res, err)) != SMTP_OK) {
		return rc;
	}
	identity_key(s, &res, key);
	if ((rc = cache_path(s, key, path, sizeof(path), err)) != SMTP_OK) {
		return rc;
	}
	/* Most sends: a fresh token in the cache, no lock, no request. */
	rc = smtp_oauth_cache_read(path, key, &e, err);
	if (rc == SMTP_E_IO) {
		return rc;
	}
	if (rc == SMTP_OK && good(&e, refused)) {
		*token = estrdup(e.access);
		smtp_oauth_entry_destroy(&e);
		return SMTP_OK;
	}
	smtp_oauth_entry_destroy(&e);
	/* One refresh at a time: whoever holds the lock fetches; the others find
	 * its token when they get the lock. */
	if ((rc = smtp_oauth_lock(path, smtp_clock_ms() + s->timeout_ms, &lock, err)) != SMTP_OK) {
		return rc;
	}
	rc = smtp_oauth_cache_read(path, key, &e, err);
	if (rc == SMTP_OK && good(&e, refused)) {
		*token = estrdup(e.access);
		smtp_oauth_entry_destroy(&e);
		smtp_oauth_unlock(lock);
		return SMTP_OK;
	}
	if (rc == SMTP_E_IO) {
		smtp_oauth_unlock(lock);
		return rc;
	}
	/* A refresh token the endpoint rotated (kept in the cache) wins over
	 * php.ini's, which cannot be rewritten. */
	rc = fetch(s, &res, rc == SMTP_OK && e.refresh != NULL ? e.refresh : s->oauth.refresh_token, &fresh, err);
	if (rc == SMTP_OK) {
		smtp_error_t werr;
		memcpy(fresh.key, key, sizeof(fresh.key));
		if (fresh.refresh == NULL && e.refresh != NULL) {
			fresh.refresh = strdup(e.refresh);
		}
		/* A cache that cannot be written costs a request per send, not the mail. */
		(void)smtp_oauth_cache_write(path, &fresh, &werr);
		*token = estrdup(fresh.access);
		smtp_oauth_entry_destroy(&fresh);
	}
	smtp_oauth_entry_destroy(&e);
	smtp_oauth_unlock(lock);
	return rc;
}
