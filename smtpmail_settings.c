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

#include <openssl/evp.h>

#include "php_smtpmail.h"
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
 * auto: implicit TLS on port 465; no TLS on a loopback relay (the bytes never
 * leave the machine); STARTTLS, required, everywhere else. */
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
			r->tls = SMTP_TLS_NONE;
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

/* Parses smtpmail.host (or options["host"]): one relay or a comma-separated list. */
static bool load_relays(smtpmail_settings_t *s, const char *list, zend_long default_port, zend_long forced_port,
                        const char *tls)
{
	const char *p = list;
	const char *why = NULL;

	s->nrelays = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *end = comma != NULL ? comma : p + strlen(p);
		php_smtpmail_relay_t *r;

		if (s->nrelays == SMTPMAIL_RELAYS_MAX) {
			zend_value_error("The relay list \"%s\" has more than %d relays", list, SMTPMAIL_RELAYS_MAX);
			return false;
		}
		r = &s->relays[s->nrelays];
		memset(r, 0, sizeof(*r));
		r->port = default_port;
		if (!parse_relay(r, p, end, &why)) {
			zend_value_error("The relay host \"%s\" %s", list, why);
			return false;
		}
		if (forced_port >= 0) {
			r->port = forced_port;
		}
		if (!resolve_tls(r, tls)) {
			zend_value_error("The TLS mode must be \"auto\", \"starttls\", \"implicit\" or \"none\", \"%s\" given", tls);
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

/* The options that choose where a message goes and how the relay is trusted,
 * and those that bring credentials: a call with any of them is not the
 * php.ini relay with the php.ini account. */
static const char *const destination_options[] = {"host", "port", "tls", "verify_peer", "cafile", "context"};
static const char *const credential_options[] = {"username", "password", "oauth_token"};

static bool key_in(const zend_string *key, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (zend_string_equals_cstr(key, names[i], strlen(names[i]))) {
			return true;
		}
	}
	return false;
}

bool php_smtpmail_is_destination_option(const zend_string *key)
{
	return key_in(key, destination_options, sizeof(destination_options) / sizeof(destination_options[0]))
	       || key_in(key, credential_options, sizeof(credential_options) / sizeof(credential_options[0]));
}

/* The one rule for credentials, for every entry point (smtp_send, smtp_send_raw,
 * mail(), the flusher): they travel as a set. A call that names any credential
 * brings all of them: nothing of php.ini's is mixed in (a username alone must not
 * pick up the php.ini password, a null password must not let the php.ini token
 * through). A call that changes the destination without naming credentials gets
 * none: the php.ini ones belong to the php.ini relay. Otherwise php.ini's. */
static void choose_credentials(smtpmail_settings_t *s, bool redirected, bool own, const char *username,
                               const char *password, const char *oauth_token)
{
	s->redirected = redirected;
	s->ini_credentials = !own && !redirected;
	if (own) {
		s->username = username;
		s->password = password;
		s->oauth_token = oauth_token;
	} else if (redirected) {
		s->username = NULL;
		s->password = NULL;
		s->oauth_token = NULL;
	}
}

/* Reads $options over the php.ini settings. Throws and returns false on a bad option.
 * When $options redirects the connection (host, port, tls, verify_peer, cafile or
 * context), the php.ini credentials are not used: they belong to the php.ini relay. */
bool php_smtpmail_load_settings(smtpmail_settings_t *s, HashTable *options, uint32_t arg_num)
{
	const char *host = SMTPMAIL_G(host);
	const char *tls = SMTPMAIL_G(tls);
	bool redirected = false;
	bool own_credentials = false;
	const char *opt_username = NULL, *opt_password = NULL, *opt_oauth_token = NULL;
	zend_string *key;
	zval *val;
	double timeout = (double)SMTPMAIL_G(timeout);
	zend_long option_port = -1;
	bool host_from_options = false;
	bool want_transcript = false;
	const char *auth = SMTPMAIL_G(auth);
	const char *helo;
	const char *from;

	memset(s, 0, sizeof(*s));
	s->username = php_smtpmail_nonempty(SMTPMAIL_G(username));
	s->password = php_smtpmail_nonempty(SMTPMAIL_G(password));
	s->oauth_token = php_smtpmail_nonempty(SMTPMAIL_G(oauth_token));
	from = php_smtpmail_nonempty(SMTPMAIL_G(from));
	helo = php_smtpmail_nonempty(SMTPMAIL_G(helo));
	s->verify_peer = SMTPMAIL_G(verify_peer);
	s->cafile = php_smtpmail_nonempty(SMTPMAIL_G(cafile));

	if (options != NULL) {
		ZEND_HASH_FOREACH_STR_KEY_VAL(options, key, val) {
			ZVAL_DEREF(val);
			if (key == NULL) {
				zend_argument_value_error(arg_num, "must be an array with string keys");
				return false;
			}
#define OPT_IS(name) zend_string_equals_literal(key, name)
#define OPT_STRING() do { if (Z_TYPE_P(val) != IS_STRING) { \
		zend_argument_type_error(arg_num, "option \"%s\" must be of type string, %s given", ZSTR_VAL(key), zend_zval_type_name(val)); \
		return false; } } while (0)
#define OPT_NULLABLE_STRING() do { if (Z_TYPE_P(val) != IS_STRING && Z_TYPE_P(val) != IS_NULL) { \
		zend_argument_type_error(arg_num, "option \"%s\" must be of type ?string, %s given", ZSTR_VAL(key), zend_zval_type_name(val)); \
		return false; } } while (0)
			if (OPT_IS("host")) {
				OPT_STRING();
				host = Z_STRVAL_P(val);
				host_from_options = true;
				redirected = true;
			} else if (OPT_IS("port")) {
				if (Z_TYPE_P(val) != IS_LONG) {
					zend_argument_type_error(arg_num, "option \"port\" must be of type int, %s given", zend_zval_type_name(val));
					return false;
				}
				if (Z_LVAL_P(val) < 0 || Z_LVAL_P(val) > 65535) {
					zend_argument_value_error(arg_num, "option \"port\" must be between 0 and 65535");
					return false;
				}
				option_port = Z_LVAL_P(val);
				redirected = true;
			} else if (OPT_IS("tls")) {
				OPT_STRING();
				tls = Z_STRVAL_P(val);
				redirected = true;
			} else if (OPT_IS("username")) {
				OPT_NULLABLE_STRING();
				opt_username = Z_TYPE_P(val) == IS_STRING ? php_smtpmail_nonempty(Z_STRVAL_P(val)) : NULL;
				own_credentials = true;
			} else if (OPT_IS("password")) {
				OPT_NULLABLE_STRING();
				opt_password = Z_TYPE_P(val) == IS_STRING ? php_smtpmail_nonempty(Z_STRVAL_P(val)) : NULL;
				own_credentials = true;
			} else if (OPT_IS("oauth_token")) {
				OPT_NULLABLE_STRING();
				opt_oauth_token = Z_TYPE_P(val) == IS_STRING ? php_smtpmail_nonempty(Z_STRVAL_P(val)) : NULL;
				own_credentials = true;
			} else if (OPT_IS("timeout")) {
				if (Z_TYPE_P(val) != IS_LONG && Z_TYPE_P(val) != IS_DOUBLE) {
					zend_argument_type_error(arg_num, "option \"timeout\" must be of type int|float, %s given", zend_zval_type_name(val));
					return false;
				}
				timeout = zval_get_double(val);
			} else if (OPT_IS("from")) {
				OPT_STRING();
				from = php_smtpmail_nonempty(Z_STRVAL_P(val));
			} else if (OPT_IS("helo")) {
				OPT_STRING();
				helo = php_smtpmail_nonempty(Z_STRVAL_P(val));
			} else if (OPT_IS("verify_peer")) {
				if (Z_TYPE_P(val) != IS_TRUE && Z_TYPE_P(val) != IS_FALSE) {
					zend_argument_type_error(arg_num, "option \"verify_peer\" must be of type bool, %s given", zend_zval_type_name(val));
					return false;
				}
				s->verify_peer = Z_TYPE_P(val) == IS_TRUE;
				redirected = true;
			} else if (OPT_IS("cafile")) {
				OPT_STRING();
				s->cafile = php_smtpmail_nonempty(Z_STRVAL_P(val));
				redirected = true;
			} else if (OPT_IS("auth")) {
				OPT_STRING();
				auth = Z_STRVAL_P(val);
			} else if (OPT_IS("transcript")) {
				if (Z_TYPE_P(val) != IS_TRUE && Z_TYPE_P(val) != IS_FALSE) {
					zend_argument_type_error(arg_num, "option \"transcript\" must be of type bool, %s given", zend_zval_type_name(val));
					return false;
				}
				want_transcript = Z_TYPE_P(val) == IS_TRUE;
			} else if (OPT_IS("context")) {
				php_stream_context *ctx = NULL;
				if (Z_TYPE_P(val) == IS_RESOURCE) {
					ctx = zend_fetch_resource_ex(val, NULL, php_le_stream_context());
				}
				if (ctx == NULL) {
					zend_argument_type_error(arg_num, "option \"context\" must be a stream context resource, %s given", zend_zval_type_name(val));
					return false;
				}
				s->user_context = ctx;
				redirected = true;
			} else {
				zend_argument_value_error(arg_num, "contains unknown option \"%s\"", ZSTR_VAL(key));
				return false;
			}
#undef OPT_IS
#undef OPT_STRING
#undef OPT_NULLABLE_STRING
		} ZEND_HASH_FOREACH_END();
	}
	s->want_transcript = want_transcript;
	if (auth != NULL) {
		smtp_error_t err;
		if (smtp_sasl_parse_list(auth, &s->auth_allowed, &err) != SMTP_OK) {
			zend_value_error("The auth setting: %s", err.message);
			return false;
		}
	}
	choose_credentials(s, redirected, own_credentials, opt_username, opt_password, opt_oauth_token);
	if (host == NULL || host[0] == '\0') {
		zend_value_error("No relay configured: set smtpmail.host in php.ini or pass options[\"host\"]");
		return false;
	}
	/* Ports: one written in a host entry wins over a separate port setting of
	 * the same origin; options["port"] alone redirects the php.ini relays. */
	if (!load_relays(s, host, host_from_options && option_port >= 0 ? option_port : SMTPMAIL_G(port),
	                 host_from_options ? -1 : option_port, tls)) {
		return false;
	}
	if (!(timeout > 0) || timeout > 86400) {
		zend_value_error("The timeout must be more than 0 and at most 86400 seconds");
		return false;
	}
	s->timeout_ms = (unsigned)(timeout * 1000.0);
	if (s->timeout_ms == 0) {
		s->timeout_ms = 1;
	}
	if (from != NULL) {
		if (strlen(from) >= sizeof(s->from)) {
			zend_value_error("The sender (smtpmail.from or options[\"from\"]) must be shorter than %zu characters", sizeof(s->from));
			return false;
		}
		memcpy(s->from, from, strlen(from) + 1);
	}
	/* RFC 5321 4.1.1.1: EHLO names this client; default: this host's name. */
	if (helo != NULL) {
		if (strlen(helo) >= sizeof(s->helo) || strpbrk(helo, " \t\r\n") != NULL) {
			zend_value_error("The EHLO name \"%s\" must be one word of at most %zu characters", helo, sizeof(s->helo) - 1);
			return false;
		}
		memcpy(s->helo, helo, strlen(helo) + 1);
	} else if (smtp_hostname(s->helo, sizeof(s->helo)) != 0 || s->helo[0] == '\0' || strpbrk(s->helo, " \t\r\n") != NULL) {
		memcpy(s->helo, "localhost", sizeof("localhost"));
	}
	if (s->password != NULL && s->username == NULL && s->oauth_token == NULL) {
		zend_value_error("A password is set but no username: set smtpmail.username or options[\"username\"]");
		return false;
	}
	if (s->oauth_token != NULL && s->username == NULL) {
		zend_value_error("An OAuth token needs the account name: set smtpmail.username or options[\"username\"]");
		return false;
	}
	return true;
}

/* Which relay and account a spooled message is for: a SHA-256 (hex) of the
 * relay list (host, port, TLS mode of each) and the username, so the spool
 * names the destination without holding anything secret. */
void php_smtpmail_dest_token(const smtpmail_settings_t *s, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char buf[SMTPMAIL_HOST_MAX + 64];

	out[0] = '\0';
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return;
	}
	for (i = 0; i < s->nrelays; i++) {
		int n = snprintf(buf, sizeof(buf), "%s:" ZEND_LONG_FMT ":%d:%d", s->relays[i].host, s->relays[i].port,
		                 (int)s->relays[i].tls, (int)s->relays[i].tls_none_explicit);
		/* Each field ends with a NUL, so no two lists digest alike. */
		EVP_DigestUpdate(md, buf, (size_t)n + 1);
	}
	EVP_DigestUpdate(md, "account", sizeof("account"));
	if (s->username != NULL) {
		EVP_DigestUpdate(md, s->username, strlen(s->username));
	}
	EVP_DigestFinal_ex(md, digest, &len);
	EVP_MD_CTX_free(md);
	for (i = 0; i < len && i < 32; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[len < 32 ? 2 * len : 64] = '\0';
}
