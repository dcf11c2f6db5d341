/*
 * smtpmail_settings.c: the settings of one send, from php.ini and the call's
 * $options: the relay list (failover), TLS modes, credentials and timeouts.
 * Who may change what is decided here and in the INI table of smtpmail.c.
 */
#ifdef HAVE_CONFIG_H
# include "config.h"
#endif

#include "php.h"
#include "php_network.h" /* inet_pton, on Windows too */
#include "ext/standard/file.h"
#include "fopen_wrappers.h"

#include "php_smtpmail.h"
#include "smtp_core/smtp_limit.h"
#include "smtp_core/smtp_compat.h"
#include "smtp_core/smtp_sasl.h"

#ifndef PHP_WIN32
# include <arpa/inet.h>
#endif

typedef php_smtpmail_settings_t smtpmail_settings_t;

static bool is_loopback(const char *host)
{
	unsigned char addr[16];

	if (strcasecmp(host, "localhost") == 0) {
		return true;
	}
	if (inet_pton(AF_INET, host, addr) == 1) {
		return addr[0] == 127;
	}
	if (inet_pton(AF_INET6, host, addr) == 1) {
		static const unsigned char one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
		return memcmp(addr, one, sizeof(one)) == 0;
	}
	return false;
}

/* One relay of the list: "host", "host:port", "[v6addr]" or "[v6addr]:port"
 * (text[0..end), not NUL-terminated). A port here wins over smtpmail.port. */
static bool parse_relay(php_smtpmail_relay_t *r, const char *text, const char *end, const char **why)
{
	const char *colon;
	size_t len;

	while (text < end && (*text == ' ' || *text == '\t')) {
		text++;
	}
	while (end > text && (end[-1] == ' ' || end[-1] == '\t')) {
		end--;
	}
	if (text == end) {
		*why = "has an empty entry";
		return false;
	}
	if (*text == '[') {
		const char *close = memchr(text, ']', end - text);
		if (close == NULL) {
			*why = "has an unclosed '['";
			return false;
		}
		len = close - text - 1;
		colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
		text++;
	} else {
		colon = memchr(text, ':', end - text);
		if (colon != NULL && memchr(colon + 1, ':', end - colon - 1) != NULL) {
			colon = NULL; /* a bare IPv6 address */
		}
		len = (colon != NULL ? colon : end) - text;
	}
	if (len == 0 || len >= sizeof(r->host)) {
		*why = "has an empty or overlong host name";
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c <= ' ' || c >= 0x7f || c == '/' || c == '@' || c == ',') {
			*why = "contains a character not allowed in a host name";
			return false;
		}
	}
	memcpy(r->host, text, len);
	r->host[len] = '\0';
	if (colon != NULL) {
		zend_long port = 0;
		const char *p = colon + 1;
		if (p == end) {
			*why = "has an empty port";
			return false;
		}
		for (; p < end; p++) {
			if (*p < '0' || *p > '9' || port > 65535) {
				*why = "has an invalid port";
				return false;
			}
			port = port * 10 + (*p - '0');
		}
		if (port > 65535) {
			*why = "has an invalid port";
			return false;
		}
		r->port = port;
	}
	return true;
}

/* Turns the tls setting into a mode for one relay, and fills in its default port.
 * auto: implicit TLS on port 465; on a loopback relay (the bytes never leave
 * the machine) STARTTLS when it is offered and there are credentials to
 * protect, plain text otherwise, where credentials are still refused
 * (smtpmail_pool.c); STARTTLS, required, everywhere else. */
static bool resolve_tls(php_smtpmail_relay_t *r, const char *mode)
{
	r->tls_none_explicit = false;
	if (strcasecmp(mode, "starttls") == 0) {
		r->tls = SMTP_TLS_STARTTLS;
	} else if (strcasecmp(mode, "implicit") == 0) {
		r->tls = SMTP_TLS_IMPLICIT;
	} else if (strcasecmp(mode, "none") == 0) {
		r->tls = SMTP_TLS_NONE;
		r->tls_none_explicit = true;
	} else if (strcasecmp(mode, "auto") == 0 || mode[0] == '\0') {
		if (r->port == 465) {
			r->tls = SMTP_TLS_IMPLICIT;
		} else if (is_loopback(r->host)) {
			r->tls = SMTP_TLS_IF_OFFERED;
		} else {
			r->tls = SMTP_TLS_STARTTLS;
		}
	} else {
		return false;
	}
	if (r->port == 0) {
		r->port = r->tls == SMTP_TLS_IMPLICIT ? 465 : 587;
	}
	return true;
}

/* Makes relay i the one the pool and the transport connect to. */
void php_smtpmail_use_relay(smtpmail_settings_t *s, size_t i)
{
	const php_smtpmail_relay_t *r = &s->relays[i];

	memcpy(s->host, r->host, sizeof(s->host));
	s->port = r->port;
	s->tls = r->tls;
	s->tls_none_explicit = r->tls_none_explicit;
}

/* A settings error: thrown as a ValueError, or, for phpinfo() (which may run
 * with no PHP code active, where a throw would be fatal), written into why. */
static void settings_error(char *why, size_t why_cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (why != NULL) {
		vsnprintf(why, why_cap, fmt, ap);
	} else {
		char *msg = NULL;
		vspprintf(&msg, 0, fmt, ap);
		zend_value_error("%s", msg);
		efree(msg);
	}
	va_end(ap);
}

/* Parses smtpmail.host (or options["host"]): one relay or a comma-separated list. */
static bool load_relays(smtpmail_settings_t *s, const char *list, zend_long default_port, zend_long forced_port,
                        const char *tls, const char *host_name, const char *tls_name, char *why_out,
                        size_t why_cap)
{
	const char *p = list;
	const char *why = NULL;
	const char *scheme = strstr(list, "://");

	/* A URL is the most common mistake (tls://, ssl://, smtp://): say what to write instead. */
	if (scheme != NULL) {
		settings_error(why_out, why_cap, "%s takes host or host:port, not a URL: \"%s\" names a scheme; write the host (and port) "
		                 "alone and choose the TLS mode with smtpmail.tls (implicit for port 465, starttls for 587)",
		                 host_name, list);
		return false;
	}
	s->nrelays = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *end = comma != NULL ? comma : p + strlen(p);
		php_smtpmail_relay_t *r;

		if (s->nrelays == SMTPMAIL_RELAYS_MAX) {
			settings_error(why_out, why_cap, "%s \"%s\" lists more than %d relays", host_name, list, SMTPMAIL_RELAYS_MAX);
			return false;
		}
		r = &s->relays[s->nrelays];
		memset(r, 0, sizeof(*r));
		r->port = default_port;
		if (!parse_relay(r, p, end, &why)) {
			settings_error(why_out, why_cap, "%s \"%s\" %s", host_name, list, why);
			return false;
		}
		if (forced_port >= 0) {
			r->port = forced_port;
		}
		if (!resolve_tls(r, tls)) {
			settings_error(why_out, why_cap, "%s must be \"auto\", \"starttls\", \"implicit\" or \"none\", \"%s\" given%s", tls_name, tls,
			                 strcasecmp(tls, "ssl") == 0 || strcasecmp(tls, "tls") == 0
			                 ? " (\"implicit\" is TLS from the first byte, port 465; \"starttls\" upgrades a plain "
			                   "connection, port 587)" : "");
			return false;
		}
		s->nrelays++;
		if (comma == NULL) {
			break;
		}
		p = comma + 1;
	}
	php_smtpmail_use_relay(s, 0);
	return true;
}

/* Every $options key, in one table: its type, and whether it chooses the
 * destination (or how the relay is trusted) or brings credentials. A call
 * with a destination or credential option is not "the php.ini relay with the
 * php.ini account" (see choose_credentials); the flusher refuses both. */
typedef enum {
	O_HOST, O_PORT, O_TLS, O_VERIFY_PEER, O_CAFILE, O_CONTEXT,
	O_USERNAME, O_PASSWORD, O_OAUTH_TOKEN, O_OAUTH_TOKEN_URL, O_OAUTH_CLIENT_ID, O_OAUTH_CLIENT_SECRET,
	O_OAUTH_REFRESH_TOKEN, O_OAUTH_SCOPE, O_OAUTH_PROVIDER, O_OAUTH_TENANT, O_OAUTH_CACHE,
	O_TIMEOUT, O_FROM, O_HELO, O_AUTH, O_TRANSCRIPT,
	O_COUNT
} option_slot_t;

typedef enum { T_STRING, T_NULLABLE_STRING, T_BOOL, T_PORT, T_NUMBER, T_CONTEXT } option_type_t;
typedef enum { R_PLAIN, R_DESTINATION, R_CREDENTIAL } option_role_t;

typedef struct {
	const char *name;
	option_slot_t slot;
	option_type_t type;
	option_role_t role;
} option_def_t;

static const option_def_t option_defs[] = {
	{"host", O_HOST, T_STRING, R_DESTINATION},
	{"port", O_PORT, T_PORT, R_DESTINATION},
	{"tls", O_TLS, T_STRING, R_DESTINATION},
	{"verify_peer", O_VERIFY_PEER, T_BOOL, R_DESTINATION},
	{"cafile", O_CAFILE, T_STRING, R_DESTINATION},
	{"context", O_CONTEXT, T_CONTEXT, R_DESTINATION},
	{"username", O_USERNAME, T_NULLABLE_STRING, R_CREDENTIAL},
	{"password", O_PASSWORD, T_NULLABLE_STRING, R_CREDENTIAL},
	{"oauth_token", O_OAUTH_TOKEN, T_NULLABLE_STRING, R_CREDENTIAL},
	{"oauth_token_url", O_OAUTH_TOKEN_URL, T_NULLABLE_STRING, R_CREDENTIAL},
	{"oauth_client_id", O_OAUTH_CLIENT_ID, T_NULLABLE_STRING, R_CREDENTIAL},
	{"oauth_client_secret", O_OAUTH_CLIENT_SECRET, T_NULLABLE_STRING, R_CREDENTIAL},
	{"oauth_refresh_token", O_OAUTH_REFRESH_TOKEN, T_NULLABLE_STRING, R_CREDENTIAL},
	{"oauth_scope", O_OAUTH_SCOPE, T_NULLABLE_STRING, R_CREDENTIAL},
	{"oauth_provider", O_OAUTH_PROVIDER, T_NULLABLE_STRING, R_CREDENTIAL},
	{"oauth_tenant", O_OAUTH_TENANT, T_NULLABLE_STRING, R_CREDENTIAL},
	{"oauth_cache", O_OAUTH_CACHE, T_NULLABLE_STRING, R_CREDENTIAL},
	{"timeout", O_TIMEOUT, T_NUMBER, R_PLAIN},
	{"from", O_FROM, T_STRING, R_PLAIN},
	{"helo", O_HELO, T_STRING, R_PLAIN},
	{"auth", O_AUTH, T_STRING, R_PLAIN},
	{"transcript", O_TRANSCRIPT, T_BOOL, R_PLAIN},
};

static const option_def_t *option_def(const zend_string *key)
{
	for (size_t i = 0; i < sizeof(option_defs) / sizeof(option_defs[0]); i++) {
		if (zend_string_equals_cstr(key, option_defs[i].name, strlen(option_defs[i].name))) {
			return &option_defs[i];
		}
	}
	return NULL;
}

bool php_smtpmail_is_destination_option(const zend_string *key)
{
	const option_def_t *d = option_def(key);
	return d != NULL && d->role != R_PLAIN;
}

/* Checks one option's type; the zval is kept in seen[slot]. */
static bool take_option(const option_def_t *d, zend_string *key, zval *val, uint32_t arg_num, zval **seen)
{
	const char *want = NULL;

	switch (d->type) {
	case T_STRING:
		want = Z_TYPE_P(val) == IS_STRING ? NULL : "string";
		break;
	case T_NULLABLE_STRING:
		want = Z_TYPE_P(val) == IS_STRING || Z_TYPE_P(val) == IS_NULL ? NULL : "?string";
		break;
	case T_BOOL:
		want = Z_TYPE_P(val) == IS_TRUE || Z_TYPE_P(val) == IS_FALSE ? NULL : "bool";
		break;
	case T_PORT:
		want = Z_TYPE_P(val) == IS_LONG ? NULL : "int";
		break;
	case T_NUMBER:
		want = Z_TYPE_P(val) == IS_LONG || Z_TYPE_P(val) == IS_DOUBLE ? NULL : "int|float";
		break;
	case T_CONTEXT:
		if (Z_TYPE_P(val) != IS_RESOURCE || zend_fetch_resource_ex(val, NULL, php_le_stream_context()) == NULL) {
			zend_argument_type_error(arg_num, "option \"context\" must be a stream context resource, %s given",
			                         zend_zval_type_name(val));
			return false;
		}
		break;
	}
	if (want != NULL) {
		zend_argument_type_error(arg_num, "option \"%s\" must be of type %s, %s given", ZSTR_VAL(key), want,
		                         zend_zval_type_name(val));
		return false;
	}
	if (d->type == T_PORT && (Z_LVAL_P(val) < 0 || Z_LVAL_P(val) > 65535)) {
		zend_argument_value_error(arg_num, "option \"port\" must be between 0 and 65535");
		return false;
	}
	seen[d->slot] = val;
	return true;
}

/* A string option's value, NULL for null or "". */
static const char *opt_str(zval **seen, option_slot_t slot)
{
	return seen[slot] != NULL && Z_TYPE_P(seen[slot]) == IS_STRING ? php_smtpmail_nonempty(Z_STRVAL_P(seen[slot])) : NULL;
}

/* The one rule for credentials, for every entry point (smtp_send, smtp_send_raw,
 * mail(), the flusher): they travel as a set. A call that names any credential
 * brings all of them: nothing of php.ini's is mixed in (a username alone must not
 * pick up the php.ini password, a null password must not let the php.ini token
 * through). A call that changes the destination without naming credentials gets
 * none: the php.ini ones belong to the php.ini relay. Otherwise php.ini's. */
static void choose_credentials(smtpmail_settings_t *s, bool redirected, bool own, zval **seen)
{
	s->redirected = redirected;
	s->ini_credentials = !own && !redirected;
	memset(&s->oauth, 0, sizeof(s->oauth));
	if (own) {
		s->username = opt_str(seen, O_USERNAME);
		s->password = opt_str(seen, O_PASSWORD);
		s->oauth_token = opt_str(seen, O_OAUTH_TOKEN);
		s->oauth.token_url = opt_str(seen, O_OAUTH_TOKEN_URL);
		s->oauth.client_id = opt_str(seen, O_OAUTH_CLIENT_ID);
		s->oauth.client_secret = opt_str(seen, O_OAUTH_CLIENT_SECRET);
		s->oauth.refresh_token = opt_str(seen, O_OAUTH_REFRESH_TOKEN);
		s->oauth.scope = opt_str(seen, O_OAUTH_SCOPE);
		s->oauth.provider = opt_str(seen, O_OAUTH_PROVIDER);
		s->oauth.tenant = opt_str(seen, O_OAUTH_TENANT);
		s->oauth.cache = opt_str(seen, O_OAUTH_CACHE);
	} else if (redirected) {
		s->username = NULL;
		s->password = NULL;
		s->oauth_token = NULL;
	} else {
		s->username = php_smtpmail_nonempty(SMTPMAIL_G(username));
		s->password = php_smtpmail_nonempty(SMTPMAIL_G(password));
		s->oauth_token = php_smtpmail_nonempty(SMTPMAIL_G(oauth_token));
		s->oauth.token_url = php_smtpmail_nonempty(SMTPMAIL_G(oauth_token_url));
		s->oauth.client_id = php_smtpmail_nonempty(SMTPMAIL_G(oauth_client_id));
		s->oauth.client_secret = php_smtpmail_nonempty(SMTPMAIL_G(oauth_client_secret));
		s->oauth.refresh_token = php_smtpmail_nonempty(SMTPMAIL_G(oauth_refresh_token));
		s->oauth.scope = php_smtpmail_nonempty(SMTPMAIL_G(oauth_scope));
		s->oauth.provider = php_smtpmail_nonempty(SMTPMAIL_G(oauth_provider));
		s->oauth.tenant = php_smtpmail_nonempty(SMTPMAIL_G(oauth_tenant));
		s->oauth.cache = php_smtpmail_nonempty(SMTPMAIL_G(oauth_cache));
	}
}

/* Reads $options over the php.ini settings. Throws and returns false on a bad option.
 * When $options redirects the connection (host, port, tls, verify_peer, cafile or
 * context), the php.ini credentials are not used: they belong to the php.ini relay. */
static bool load_settings(smtpmail_settings_t *s, HashTable *options, uint32_t arg_num, char *why, size_t why_cap)
{
	const char *host = SMTPMAIL_G(host);
	const char *tls = SMTPMAIL_G(tls);
	bool redirected = false;
	bool own_credentials = false;
	zval *seen[O_COUNT];
	zend_string *key;
	zval *val;
	double timeout = (double)SMTPMAIL_G(timeout);
	zend_long option_port = -1;
	bool host_from_options = false;
	const char *auth = SMTPMAIL_G(auth);
	const char *helo;
	const char *from;

	memset(s, 0, sizeof(*s));
	memset(seen, 0, sizeof(seen));
	from = php_smtpmail_nonempty(SMTPMAIL_G(from));
	helo = php_smtpmail_nonempty(SMTPMAIL_G(helo));
	s->verify_peer = SMTPMAIL_G(verify_peer);
	s->cafile = php_smtpmail_nonempty(SMTPMAIL_G(cafile));

	if (options != NULL) {
		ZEND_HASH_FOREACH_STR_KEY_VAL(options, key, val) {
			const option_def_t *d;
			ZVAL_DEREF(val);
			if (key == NULL) {
				zend_argument_value_error(arg_num, "must be an array with string keys");
				return false;
			}
			d = option_def(key);
			if (d == NULL) {
				zend_argument_value_error(arg_num, "contains unknown option \"%s\"", ZSTR_VAL(key));
				return false;
			}
			if (!take_option(d, key, val, arg_num, seen)) {
				return false;
			}
			redirected = redirected || d->role == R_DESTINATION;
			own_credentials = own_credentials || d->role == R_CREDENTIAL;
		} ZEND_HASH_FOREACH_END();
	}
	if (seen[O_HOST] != NULL) {
		host = Z_STRVAL_P(seen[O_HOST]);
		host_from_options = true;
	}
	if (seen[O_PORT] != NULL) {
		option_port = Z_LVAL_P(seen[O_PORT]);
	}
	if (seen[O_TLS] != NULL) {
		tls = Z_STRVAL_P(seen[O_TLS]);
	}
	if (seen[O_VERIFY_PEER] != NULL) {
		s->verify_peer = Z_TYPE_P(seen[O_VERIFY_PEER]) == IS_TRUE;
	}
	if (seen[O_CAFILE] != NULL) {
		s->cafile = php_smtpmail_nonempty(Z_STRVAL_P(seen[O_CAFILE]));
	}
	if (seen[O_CONTEXT] != NULL) {
		s->user_context = zend_fetch_resource_ex(seen[O_CONTEXT], NULL, php_le_stream_context());
	}
	if (seen[O_TIMEOUT] != NULL) {
		timeout = zval_get_double(seen[O_TIMEOUT]);
	}
	if (seen[O_FROM] != NULL) {
		from = php_smtpmail_nonempty(Z_STRVAL_P(seen[O_FROM]));
	}
	if (seen[O_HELO] != NULL) {
		helo = php_smtpmail_nonempty(Z_STRVAL_P(seen[O_HELO]));
	}
	if (seen[O_AUTH] != NULL) {
		auth = Z_STRVAL_P(seen[O_AUTH]);
	}
	s->want_transcript = seen[O_TRANSCRIPT] != NULL && Z_TYPE_P(seen[O_TRANSCRIPT]) == IS_TRUE;
	/* smtpmail writes the token cache with plain file calls: a path a script
	 * chose must be one its own file functions could write (open_basedir). */
	if (opt_str(seen, O_OAUTH_CACHE) != NULL && php_check_open_basedir_ex(opt_str(seen, O_OAUTH_CACHE), 0) != 0) {
		zend_argument_value_error(arg_num, "option \"oauth_cache\" names a file outside open_basedir");
		return false;
	}
	if (auth != NULL) {
		smtp_error_t err;
		if (smtp_sasl_parse_list(auth, &s->auth_allowed, &err) != SMTP_OK) {
			settings_error(why, why_cap, "%s: %s", seen[O_AUTH] != NULL ? "options[\"auth\"]" : "smtpmail.auth", err.message);
			return false;
		}
	}
	choose_credentials(s, redirected, own_credentials, seen);
	if (host == NULL || host[0] == '\0') {
		settings_error(why, why_cap, "No relay configured: set smtpmail.host in php.ini or pass options[\"host\"]");
		return false;
	}
	/* Ports: one written in a host entry wins over a separate port setting of
	 * the same origin; options["port"] alone redirects the php.ini relays. */
	if (!load_relays(s, host, host_from_options && option_port >= 0 ? option_port : SMTPMAIL_G(port),
	                 host_from_options ? -1 : option_port, tls, host_from_options ? "options[\"host\"]" : "smtpmail.host",
	                 seen[O_TLS] != NULL ? "options[\"tls\"]" : "smtpmail.tls", why, why_cap)) {
		return false;
	}
	if (!(timeout > 0) || timeout > 86400) {
		settings_error(why, why_cap, "%s must be more than 0 and at most 86400 seconds",
		                 seen[O_TIMEOUT] != NULL ? "options[\"timeout\"]" : "smtpmail.timeout");
		return false;
	}
	s->timeout_ms = (unsigned)(timeout * 1000.0);
	if (s->timeout_ms == 0) {
		s->timeout_ms = 1;
	}
	/* php.ini only: a script cannot raise them (STYLE 28). */
	if (SMTPMAIL_G(max_connections) < 0 || SMTPMAIL_G(max_connections) > SMTP_LIMIT_SLOTS_MAX) {
		zend_value_error("smtpmail.max_connections must be 0 (no limit) to %d", SMTP_LIMIT_SLOTS_MAX);
		return false;
	}
	if (SMTPMAIL_G(max_per_minute) < 0 || SMTPMAIL_G(max_per_minute) > SMTP_LIMIT_RATE_MAX) {
		zend_value_error("smtpmail.max_per_minute must be 0 (no limit) to %d", SMTP_LIMIT_RATE_MAX);
		return false;
	}
	s->max_connections = (unsigned)SMTPMAIL_G(max_connections);
	s->max_per_minute = (unsigned)SMTPMAIL_G(max_per_minute);
	if (from != NULL) {
		if (strlen(from) >= sizeof(s->from)) {
			settings_error(why, why_cap, "The sender (smtpmail.from or options[\"from\"]) must be shorter than %zu characters", sizeof(s->from));
			return false;
		}
		memcpy(s->from, from, strlen(from) + 1);
	}
	/* RFC 5321 4.1.1.1: EHLO names this client; default: this host's name. */
	if (helo != NULL) {
		if (strlen(helo) >= sizeof(s->helo) || strpbrk(helo, " \t\r\n") != NULL) {
			settings_error(why, why_cap, "The EHLO name \"%s\" must be one word of at most %zu characters", helo, sizeof(s->helo) - 1);
			return false;
		}
		memcpy(s->helo, helo, strlen(helo) + 1);
	} else if (smtp_hostname(s->helo, sizeof(s->helo)) != 0 || s->helo[0] == '\0' || strpbrk(s->helo, " \t\r\n") != NULL) {
		memcpy(s->helo, "localhost", sizeof("localhost"));
	}
	if (s->password != NULL && s->username == NULL && s->oauth_token == NULL) {
		settings_error(why, why_cap, "A password is set but no username: set smtpmail.username or options[\"username\"]");
		return false;
	}
	if (s->oauth_token != NULL && s->username == NULL) {
		settings_error(why, why_cap, "An OAuth token needs the account name: set smtpmail.username or options[\"username\"]");
		return false;
	}
	if (php_smtpmail_oauth_configured(s)) {
		if (s->username == NULL) {
			settings_error(why, why_cap, "OAuth needs the mailbox to send as: set smtpmail.username (or options[\"username\"]) "
			                 "to its address");
			return false;
		}
		if (s->oauth_token != NULL || s->password != NULL) {
			settings_error(why, why_cap, "Both OAuth client settings and a %s are configured: keep one way to authenticate",
			                 s->oauth_token != NULL ? "static oauth_token" : "password");
			return false;
		}
		if (s->oauth.client_id == NULL) {
			settings_error(why, why_cap, "OAuth needs the application's client id: set smtpmail.oauth_client_id");
			return false;
		}
		if (s->oauth.provider != NULL && strcmp(s->oauth.provider, "microsoft") != 0 && strcmp(s->oauth.provider, "google") != 0) {
			settings_error(why, why_cap, "The OAuth provider must be \"microsoft\" or \"google\" (or empty with smtpmail.oauth_token_url), "
			                 "\"%s\" given", s->oauth.provider);
			return false;
		}
	}
	return true;
}

bool php_smtpmail_load_settings(smtpmail_settings_t *s, HashTable *options, uint32_t arg_num)
{
	return load_settings(s, options, arg_num, NULL, 0);
}

/* The php.ini settings alone, for phpinfo(): false with the reason in why
 * (what a send would throw), never an exception. */
bool php_smtpmail_check_ini_settings(smtpmail_settings_t *s, char *why, size_t why_cap)
{
	why[0] = '\0';
	return load_settings(s, NULL, 0, why, why_cap);
}

/* Which relay and account a spooled message is for: a SHA-256 (hex) of the
 * relay list (host, port, TLS mode of each) and the username, so the spool
 * names the destination without holding anything secret. */
void php_smtpmail_dest_token(const smtpmail_settings_t *s, char out[65])
{
	char relays[SMTPMAIL_RELAYS_MAX][SMTPMAIL_HOST_MAX + 64];
	const char *fields[SMTPMAIL_RELAYS_MAX + 1];
	size_t i;

	for (i = 0; i < s->nrelays; i++) {
		snprintf(relays[i], sizeof(relays[i]), "%s:" ZEND_LONG_FMT ":%d:%d", s->relays[i].host, s->relays[i].port,
		         (int)s->relays[i].tls, (int)s->relays[i].tls_none_explicit);
		fields[i] = relays[i];
	}
	fields[i] = s->username;
	php_smtpmail_digest(fields, i + 1, out);
}
