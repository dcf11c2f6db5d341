/*
 * smtpmail.c: the Zend glue. INI settings, smtp_send(), the mail() hook,
 * the exception classes and phpinfo(). It parses arguments, builds the
 * core's configuration and message, makes one core call and reports the
 * outcome; the SMTP work happens in smtp_core/.
 */
#ifdef HAVE_CONFIG_H
# include "config.h"
#endif

#include "php.h"
#include "php_ini.h"
#include "ext/spl/spl_exceptions.h"
#include "ext/standard/basic_functions.h"
#include "ext/standard/file.h"
#include "ext/standard/info.h"
#include "ext/standard/pageinfo.h"
#include "ext/standard/php_mail.h"
#include "ext/standard/php_string.h"
#include "zend_attributes.h"
#include "zend_exceptions.h"
#include "zend_smart_str.h"
#include "zend_interfaces.h"

#include "php_smtpmail.h"
#include "smtp_core/smtp_addr.h"
#include "smtp_core/smtp_canon.h"
#include "smtp_core/smtp_compat.h"
#include "smtp_core/smtp_message.h"
#include "smtp_core/smtp_spool.h"
#include "smtpmail_arginfo.h"

#include "php_network.h" /* inet_pton, on Windows too */
#ifndef PHP_WIN32
# include <arpa/inet.h>
#endif

ZEND_DECLARE_MODULE_GLOBALS(smtpmail)

static zend_class_entry *smtpmail_exception_ce;
static zend_class_entry *smtpmail_connect_exception_ce;
static zend_class_entry *smtpmail_tls_exception_ce;
static zend_class_entry *smtpmail_auth_exception_ce;
static zend_class_entry *smtpmail_sender_exception_ce;
static zend_class_entry *smtpmail_recipient_exception_ce;
static zend_class_entry *smtpmail_data_exception_ce;
static zend_class_entry *smtpmail_unknown_outcome_exception_ce;

/* PHP's own mail() and error_log(), called when smtpmail.host is empty. */
static zif_handler original_mail_handler;
static zif_handler original_error_log_handler;

/* Where a script may change a setting (the php.ini reference in README.md says
 * the same): anything that decides where the php.ini credentials are sent, or
 * whether they are protected, is PHP_INI_SYSTEM. A script that could point
 * smtpmail.host at its own server with ini_set() would receive the password. */
/* phpinfo() shows that a secret is set, never the secret. */
static PHP_INI_DISP(display_secret)
{
	zend_string *value = type == ZEND_INI_DISPLAY_ORIG && ini_entry->modified ? ini_entry->orig_value : ini_entry->value;

	if (value != NULL && ZSTR_LEN(value) > 0) {
		PUTS("********");
	} else {
		PUTS("no value");
	}
}

PHP_INI_BEGIN()
	STD_PHP_INI_ENTRY("smtpmail.host", "", PHP_INI_SYSTEM, OnUpdateString, host, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.port", "0", PHP_INI_SYSTEM, OnUpdateLong, port, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.tls", "auto", PHP_INI_SYSTEM, OnUpdateString, tls, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.username", "", PHP_INI_SYSTEM, OnUpdateString, username, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY_EX("smtpmail.password", "", PHP_INI_SYSTEM, OnUpdateString, password, zend_smtpmail_globals, smtpmail_globals, display_secret)
	STD_PHP_INI_ENTRY_EX("smtpmail.oauth_token", "", PHP_INI_SYSTEM, OnUpdateString, oauth_token, zend_smtpmail_globals, smtpmail_globals, display_secret)
	STD_PHP_INI_BOOLEAN("smtpmail.verify_peer", "1", PHP_INI_SYSTEM, OnUpdateBool, verify_peer, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.cafile", "", PHP_INI_SYSTEM, OnUpdateString, cafile, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.timeout", "30", PHP_INI_ALL, OnUpdateLong, timeout, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.from", "", PHP_INI_ALL, OnUpdateString, from, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.helo", "", PHP_INI_ALL, OnUpdateString, helo, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.log", "", PHP_INI_SYSTEM, OnUpdateString, log, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.spool_dir", "", PHP_INI_SYSTEM, OnUpdateString, spool_dir, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_BOOLEAN("smtpmail.deferred", "0", PHP_INI_SYSTEM, OnUpdateBool, deferred, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.spool_max_age", "432000", PHP_INI_SYSTEM, OnUpdateLong, spool_max_age, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_BOOLEAN("smtpmail.persistent", "0", PHP_INI_SYSTEM, OnUpdateBool, persistent, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.persistent_idle", "30", PHP_INI_SYSTEM, OnUpdateLong, persistent_idle, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.persistent_max_messages", "100", PHP_INI_SYSTEM, OnUpdateLong, persistent_max_messages, zend_smtpmail_globals, smtpmail_globals)
PHP_INI_END()

typedef php_smtpmail_settings_t smtpmail_settings_t;

/* One send in progress. It lives in the module globals while the core runs so
 * RSHUTDOWN can free it if a fatal error unwinds through a blocking read. */
typedef struct smtpmail_job {
	php_smtpmail_conn *conn;   /* acquired from the pool, not yet released */
	smtp_composed_t composed;
	smtp_send_result_t result;
	char *envelope_from;
	char tls_version[32];   /* of the connection that carried the transaction */
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
	smtp_send_result_destroy(&job->result);
	free(job->envelope_from);
	smart_str_free(&job->transcript);
	efree(job);
}

static smtpmail_job_t *job_new(void)
{
	smtpmail_job_t *job = ecalloc(1, sizeof(*job));
	smtp_composed_init(&job->composed);
	smtp_send_result_init(&job->result);
	job_free(SMTPMAIL_G(active_job));
	SMTPMAIL_G(active_job) = job;
	return job;
}

static void job_done(smtpmail_job_t *job)
{
	if (SMTPMAIL_G(active_job) == job) {
		SMTPMAIL_G(active_job) = NULL;
	}
	job_free(job);
}

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
static void use_relay(smtpmail_settings_t *s, size_t i)
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
	use_relay(s, 0);
	return true;
}

static const char *nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* Reads $options over the php.ini settings. Throws and returns false on a bad option.
 * When $options redirects the connection (host, port, tls, verify_peer, cafile or
 * context), the php.ini credentials are not used: they belong to the php.ini relay. */
static bool load_settings(smtpmail_settings_t *s, HashTable *options, uint32_t arg_num)
{
	const char *host = SMTPMAIL_G(host);
	const char *tls = SMTPMAIL_G(tls);
	bool redirected = false;
	bool own_credentials = false;
	zend_string *key;
	zval *val;
	double timeout = (double)SMTPMAIL_G(timeout);
	zend_long option_port = -1;
	bool host_from_options = false;
	bool want_transcript = false;
	const char *helo;

	memset(s, 0, sizeof(*s));
	s->username = nonempty(SMTPMAIL_G(username));
	s->password = nonempty(SMTPMAIL_G(password));
	s->oauth_token = nonempty(SMTPMAIL_G(oauth_token));
	s->from = nonempty(SMTPMAIL_G(from));
	helo = nonempty(SMTPMAIL_G(helo));
	s->verify_peer = SMTPMAIL_G(verify_peer);
	s->cafile = nonempty(SMTPMAIL_G(cafile));

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
				s->username = Z_TYPE_P(val) == IS_STRING ? nonempty(Z_STRVAL_P(val)) : NULL;
				own_credentials = true;
			} else if (OPT_IS("password")) {
				OPT_NULLABLE_STRING();
				s->password = Z_TYPE_P(val) == IS_STRING ? nonempty(Z_STRVAL_P(val)) : NULL;
				own_credentials = true;
			} else if (OPT_IS("oauth_token")) {
				OPT_NULLABLE_STRING();
				s->oauth_token = Z_TYPE_P(val) == IS_STRING ? nonempty(Z_STRVAL_P(val)) : NULL;
				own_credentials = true;
			} else if (OPT_IS("timeout")) {
				if (Z_TYPE_P(val) != IS_LONG && Z_TYPE_P(val) != IS_DOUBLE) {
					zend_argument_type_error(arg_num, "option \"timeout\" must be of type int|float, %s given", zend_zval_type_name(val));
					return false;
				}
				timeout = zval_get_double(val);
			} else if (OPT_IS("from")) {
				OPT_STRING();
				s->from = nonempty(Z_STRVAL_P(val));
			} else if (OPT_IS("helo")) {
				OPT_STRING();
				helo = nonempty(Z_STRVAL_P(val));
			} else if (OPT_IS("verify_peer")) {
				if (Z_TYPE_P(val) != IS_TRUE && Z_TYPE_P(val) != IS_FALSE) {
					zend_argument_type_error(arg_num, "option \"verify_peer\" must be of type bool, %s given", zend_zval_type_name(val));
					return false;
				}
				s->verify_peer = Z_TYPE_P(val) == IS_TRUE;
				redirected = true;
			} else if (OPT_IS("cafile")) {
				OPT_STRING();
				s->cafile = nonempty(Z_STRVAL_P(val));
				redirected = true;
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
	if (redirected && !own_credentials) {
		s->username = NULL;
		s->password = NULL;
		s->oauth_token = NULL;
	}
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

/* The exception class for a failed stage. */
static zend_class_entry *exception_class(smtp_stage_t stage)
{
	switch (stage) {
	case SMTP_STAGE_CONNECT:
	case SMTP_STAGE_GREETING:
	case SMTP_STAGE_EHLO:
		return smtpmail_connect_exception_ce;
	case SMTP_STAGE_TLS:
		return smtpmail_tls_exception_ce;
	case SMTP_STAGE_AUTH:
		return smtpmail_auth_exception_ce;
	case SMTP_STAGE_MAIL:
		return smtpmail_sender_exception_ce;
	case SMTP_STAGE_RCPT:
		return smtpmail_recipient_exception_ce;
	case SMTP_STAGE_DATA:
		return smtpmail_data_exception_ce;
	default:
		return smtpmail_exception_ce;
	}
}

/* The one place a core error becomes PHP's (STYLE 12): an exception for
 * smtp_send(), false plus a warning for mail(). */
/* The likely fix for the failures people meet most (STYLE 8: the policy of
 * wording lives here, in one place). NULL when there is nothing useful to add. */
static const char *failure_hint(const smtp_error_t *err, const smtpmail_settings_t *relay)
{
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
		if (err->rc == SMTP_E_TIMEOUT && relay->tls != SMTP_TLS_IMPLICIT) {
			return relay->port == 465 ? "port 465 speaks TLS from the first byte: use tls=implicit"
			                          : "a port that expects TLS from the first byte needs tls=implicit";
		}
		return NULL;
	case SMTP_STAGE_AUTH:
		if (err->code == 534 || strcmp(err->enhanced, "5.7.9") == 0 || strstr(err->message, "pplication-specific") != NULL) {
			return "the provider wants an app password, or OAuth 2 (smtpmail.oauth_token)";
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
			unknown_outcome ? smtpmail_unknown_outcome_exception_ce : exception_class(err->stage), text, err->code);
		zend_update_property_string(smtpmail_exception_ce, ex, "stage", sizeof("stage") - 1, smtp_stage_name(err->stage));
		zend_update_property_bool(smtpmail_exception_ce, ex, "transient", sizeof("transient") - 1,
		                          unknown_outcome || smtp_error_is_transient(err));
		zend_update_property_string(smtpmail_exception_ce, ex, "enhancedStatus", sizeof("enhancedStatus") - 1, err->enhanced);
		if (transcript != NULL) {
			zend_update_property_str(smtpmail_exception_ce, ex, "transcript", sizeof("transcript") - 1, transcript);
		}
	} else {
		php_error_docref(NULL, E_WARNING, "%s", text);
	}
}

/* What the message needs from the caller, already checked for types. */
typedef struct {
	const char *to;
	size_t to_len;
	const char *subject;
	size_t subject_len;
	const char *message;
	size_t message_len;
	const char *headers;
	size_t headers_len;
	const char *sender;  /* mail()'s -f, or NULL */
	/* smtp_send_raw(): the message is complete; the envelope is given. */
	bool raw;
	const char *raw_from;
	size_t raw_from_len;
	HashTable *raw_rcpts;
} smtpmail_input_t;

/* A kept session the server dropped while idle fails this way before the
 * message went out; then a fresh connection may safely try again. */
static bool stale_session_error(const smtp_error_t *err)
{
	return err->rc == SMTP_E_CLOSED || err->rc == SMTP_E_IO || err->rc == SMTP_E_TIMEOUT
	       || (err->rc == SMTP_E_REPLY && err->code == 421);
}

static smtp_rc_t transaction(smtpmail_job_t *job, const smtpmail_input_t *in, smtp_error_t *err)
{
	smtp_piece_t pieces[2];

	pieces[0].data = job->composed.head.data;
	pieces[0].len = job->composed.head.len;
	/* The body goes out straight from the caller's string: no copy. */
	pieces[1].data = in->message;
	pieces[1].len = in->message_len;
	php_smtpmail_stream_tls_version(job->conn, job->tls_version, sizeof(job->tls_version));
	return smtp_session_send(job->conn->session, job->envelope_from,
	                         (const char *const *)job->composed.rcpts.items, job->composed.rcpts.count,
	                         pieces, 2, &job->result, err);
}

/* Sends over a kept session when there is one, else over a new connection.
 * A kept session that turns out dead before the message went out is replaced
 * once: the message is neither lost nor sent twice. */
static smtp_rc_t deliver(smtpmail_job_t *job, const smtpmail_settings_t *s, const smtpmail_input_t *in,
                         smtp_error_t *err)
{
	bool reused = false;
	smtp_rc_t rc = php_smtpmail_pool_acquire(s, false, &job->conn, &reused, err);

	if (rc == SMTP_OK) {
		rc = transaction(job, in, err);
		if (rc != SMTP_OK && reused && !job->result.data_sent && stale_session_error(err)) {
			php_smtpmail_conn_close(job->conn, false);
			job->conn = NULL;
			smtp_send_result_destroy(&job->result);
			smtp_error_clear(err);
			rc = php_smtpmail_pool_acquire(s, true, &job->conn, &reused, err);
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
	return smtp_canon_check(in->message, in->message_len, err);
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
		configured = s->from;
	}
	if (configured == NULL) {
		configured = nonempty(INI_STR("sendmail_from"));
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
	compose.from = configured_addr;
	if (compose.from == NULL && s->username != NULL && strchr(s->username, '@') != NULL) {
		compose.from = s->username;
	}
	compose.now = time(NULL);
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
	/* A doomed message never starts a transaction: long lines are found before connecting. */
	rc = smtp_canon_check(job->composed.head.data, job->composed.head.len, err);
	if (rc == SMTP_OK) {
		rc = smtp_canon_check(in->message, in->message_len, err);
	}
	return rc;
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

/* RFC 6409 submission to a list of relays: a failure before any relay may
 * have the message (connect, greeting, TLS, or a transient reply) moves on to
 * the next relay; a permanent refusal does not, nor does a lost reply after
 * the final dot (the message may be there: another relay would duplicate it). */
static bool try_next_relay(const smtp_error_t *err, const smtp_send_result_t *res)
{
	if (res->data_sent) {
		return false;
	}
	switch (err->stage) {
	case SMTP_STAGE_CONNECT:
	case SMTP_STAGE_GREETING:
	case SMTP_STAGE_TLS:
		return true;
	default:
		return smtp_error_is_transient(err);
	}
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
} smtpmail_attempt_t;

/* Tries the relays in order (failover) with the job's envelope and message. */
static void attempt_relays(smtpmail_job_t *job, const smtpmail_settings_t *s, const smtpmail_input_t *in,
                           smtpmail_attempt_t *a)
{
	size_t i;

	a->relay = *s;
	a->earlier[0] = '\0';
	a->rc = SMTP_E_INTERNAL;
	for (i = 0; i < s->nrelays; i++) {
		use_relay(&a->relay, i);
		format_peer(a->peer, sizeof(a->peer), &a->relay);
		smtp_send_result_destroy(&job->result);
		smtp_send_result_init(&job->result);
		smtp_error_clear(&a->err);
		a->rc = deliver(job, &a->relay, in, &a->err);
		if (a->rc == SMTP_OK || i + 1 == s->nrelays || !try_next_relay(&a->err, &job->result)) {
			break;
		}
		/* Remembered for the final message: what the earlier relays said. */
		{
			size_t used = strlen(a->earlier);
			snprintf(a->earlier + used, sizeof(a->earlier) - used, "%s%s [%s] %s", used > 0 ? "; " : "", a->peer,
			         smtp_stage_name(a->err.stage), a->err.message);
		}
	}
	/* The final dot went out and no proper reply came back (dropped, silent or
	 * garbled): the relay may have the message. */
	a->unknown_outcome = a->rc != SMTP_OK && job->result.data_sent && a->err.rc != SMTP_E_REPLY;
}

static void log_outcome(const smtpmail_job_t *job, const smtpmail_input_t *in, const char *peer, const char *outcome,
                        const char *spool_id, const smtp_error_t *err, uint64_t started)
{
	php_smtpmail_log_entry_t entry;

	memset(&entry, 0, sizeof(entry));
	entry.peer = peer;
	entry.from = job->envelope_from != NULL ? job->envelope_from : "";
	entry.rcpts = job->composed.rcpts.count;
	entry.size = job->composed.head.len + in->message_len;
	entry.outcome = outcome;
	entry.queue_id = job->result.queue_id;
	entry.spool_id = spool_id;
	entry.duration_ms = smtp_clock_ms() - started;
	entry.tls = job->tls_version;
	entry.error = err;
	php_smtpmail_log_send(&entry);
}

/* Writes the job's message into the spool for smtp_spool_flush() to send later. */
/* Writes the job's message into the spool for smtp_spool_flush() to send
 * later, for the recipients in rcpts[0..n). */
static smtp_rc_t spool_job(const smtpmail_job_t *job, const smtpmail_input_t *in, const char *const *rcpts, size_t n,
                           bool unknown_outcome, char id[SMTP_SPOOL_ID_MAX], smtp_error_t *err)
{
	smtp_piece_t pieces[2];
	smtp_rc_t rc = smtp_spool_prepare(SMTPMAIL_G(spool_dir), err);

	if (rc != SMTP_OK) {
		return rc;
	}
	pieces[0].data = job->composed.head.data;
	pieces[0].len = job->composed.head.len;
	pieces[1].data = in->message;
	pieces[1].len = in->message_len;
	return smtp_spool_write(SMTPMAIL_G(spool_dir), job->envelope_from, rcpts, n, pieces, 2, (uint64_t)time(NULL),
	                        unknown_outcome, id, err);
}

/* The recipients a later try may still reach: after a transient failure of
 * the whole message, every one the relay did not refuse for good; after a
 * transaction, those it refused for now (4xx). Returns how many; *out is emalloc'd. */
static size_t recipients_to_retry(const smtpmail_job_t *job, bool whole, const char ***out)
{
	const smtp_send_result_t *res = &job->result;
	size_t i, n = 0;

	*out = safe_emalloc(job->composed.rcpts.count + 1, sizeof(char *), 0);
	for (i = 0; i < job->composed.rcpts.count; i++) {
		int code = i < res->nrcpts && res->rcpt != NULL ? res->rcpt[i].code : 0;
		/* A failed transaction delivered to nobody: everyone not refused for good goes again. */
		bool retry = whole ? code / 100 != 5 : code / 100 == 4;
		if (retry) {
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

/* The whole send for both entry points. Returns true when a relay accepted the
 * message or it was spooled; otherwise it has thrown (smtp_send) or warned (mail).
 * With smtpmail.spool_dir set, a message no relay could take for a transient
 * reason (or whose final reply was lost) is kept in the spool instead of lost;
 * with smtpmail.deferred, every message goes to the spool without trying. */
static bool send_message(const smtpmail_settings_t *s, const smtpmail_input_t *in, bool as_exception,
                         zval *return_value)
{
	smtpmail_job_t *job = job_new();
	smtpmail_attempt_t a;
	uint64_t started = smtp_clock_ms();
	smtpmail_settings_t traced;
	zend_string *transcript = NULL;
	bool spool = SMTPMAIL_G(spool_dir) != NULL && SMTPMAIL_G(spool_dir)[0] != '\0';
	bool deferred = spool && SMTPMAIL_G(deferred);
	bool spooled_part = false;
	char spool_id[SMTP_SPOOL_ID_MAX];

	memset(&a, 0, sizeof(a));
	a.rc = prepare(job, s, in, &a.err);
	if (a.rc != SMTP_OK) {
		char text[SMTP_ERROR_MESSAGE_MAX];
		snprintf(text, sizeof(text), "%s", a.err.message);
		job_done(job);
		if (as_exception) {
			zend_value_error("%s", text);
		} else {
			php_error_docref(NULL, E_WARNING, "%s", text);
		}
		return false;
	}
	if (deferred) {
		/* Nothing is sent during the request: the flusher does it. */
		a.relay = *s;
		format_peer(a.peer, sizeof(a.peer), &a.relay);
	} else {
		traced = *s;
		traced.transcript = s->want_transcript ? &job->transcript : NULL;
		attempt_relays(job, &traced, in, &a);
		if (s->want_transcript) {
			smart_str_0(&job->transcript);
			transcript = job->transcript.s != NULL ? zend_string_copy(job->transcript.s) : ZSTR_EMPTY_ALLOC();
		}
	}
	/* The spool keeps what a later try may still deliver: the whole message
	 * after a transient failure (or in deferred mode), else the recipients a
	 * relay refused only for now. */
	if (spool) {
		bool whole = deferred || (a.rc != SMTP_OK && (smtp_error_is_transient(&a.err) || a.unknown_outcome));
		const char **retry;
		size_t nretry = recipients_to_retry(job, whole, &retry);
		smtp_error_t serr;

		if (nretry > 0 && spool_job(job, in, retry, nretry, a.unknown_outcome, spool_id, &serr) == SMTP_OK) {
			efree(retry);
			if (whole) {
				log_outcome(job, in, a.peer, "spooled", spool_id, deferred ? NULL : &a.err, started);
				if (return_value != NULL) {
					spooled_result(return_value, spool_id, deferred ? "" : a.err.message);
					add_transcript(return_value, transcript);
				}
				job_done(job);
				if (transcript != NULL) {
					zend_string_release(transcript);
				}
				return true;
			}
			spooled_part = true;
		} else {
			efree(retry);
			if (nretry > 0) {
				/* The spool failed too: report both; what it could not keep is not kept. */
				size_t used = strlen(a.err.message);
				snprintf(a.err.message + used, sizeof(a.err.message) - used, "%snot spooled either: %s",
				         used > 0 ? "; " : "", serr.message);
				if (deferred || a.rc == SMTP_OK) {
					a.rc = serr.rc;
					a.err.rc = serr.rc;
					a.err.stage = SMTP_STAGE_NONE;
				}
			}
		}
	}
	if (spooled_part && a.rc != SMTP_OK) {
		size_t used = strlen(a.err.message);
		snprintf(a.err.message + used, sizeof(a.err.message) - used, " (the recipients refused for now are spooled as %s)",
		         spool_id);
	}
	log_outcome(job, in, a.peer, a.rc == SMTP_OK ? "sent" : "failed", NULL, a.rc == SMTP_OK ? NULL : &a.err, started);
	if (a.rc == SMTP_OK && return_value != NULL) {
		result_to_array(job, return_value);
		if (spooled_part) {
			/* Delivered to the accepted recipients; the ones in "rejected" with a
			 * 4xx reply wait in the spool. */
			add_assoc_bool(return_value, "spooled", true);
			add_assoc_string(return_value, "spool_id", spool_id);
		}
		add_transcript(return_value, transcript);
	}
	/* STYLE 13: free everything before reporting; a user error handler may throw or exit. */
	job_done(job);
	if (a.rc != SMTP_OK) {
		report_failure(&a.err, &a.relay, a.peer, a.earlier, a.unknown_outcome, transcript, as_exception);
	}
	if (transcript != NULL) {
		zend_string_release(transcript);
	}
	return a.rc == SMTP_OK;
}

PHP_FUNCTION(smtp_send)
{
	zend_string *to_str = NULL;
	HashTable *to_ht = NULL;
	zend_string *subject, *message;
	zend_string *headers_str = NULL;
	HashTable *headers_ht = NULL;
	HashTable *options = NULL;
	smtpmail_settings_t settings;
	smtpmail_input_t in;
	smart_str to_buf = {0};
	zend_string *built_headers = NULL;

	ZEND_PARSE_PARAMETERS_START(3, 5)
		Z_PARAM_ARRAY_HT_OR_STR(to_ht, to_str)
		Z_PARAM_STR(subject)
		Z_PARAM_STR(message)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT_OR_STR(headers_ht, headers_str)
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();

	if (!load_settings(&settings, options, 5)) {
		RETURN_THROWS();
	}
	memset(&in, 0, sizeof(in));
	if (to_ht != NULL) {
		zval *v;
		ZEND_HASH_FOREACH_VAL(to_ht, v) {
			ZVAL_DEREF(v);
			if (Z_TYPE_P(v) != IS_STRING) {
				smart_str_free(&to_buf);
				zend_argument_type_error(1, "must contain only strings, %s found", zend_zval_type_name(v));
				RETURN_THROWS();
			}
			if (to_buf.s != NULL) {
				smart_str_appendl(&to_buf, ", ", 2);
			}
			smart_str_append(&to_buf, Z_STR_P(v));
		} ZEND_HASH_FOREACH_END();
		smart_str_0(&to_buf);
		if (to_buf.s != NULL) {
			in.to = ZSTR_VAL(to_buf.s);
			in.to_len = ZSTR_LEN(to_buf.s);
		}
	} else {
		in.to = ZSTR_VAL(to_str);
		in.to_len = ZSTR_LEN(to_str);
	}
	if (headers_ht != NULL) {
		/* The same checks and errors as PHP's mail() with an array of headers. */
		built_headers = php_mail_build_headers(headers_ht);
		if (EG(exception)) {
			smart_str_free(&to_buf);
			RETURN_THROWS();
		}
		if (built_headers != NULL) {
			in.headers = ZSTR_VAL(built_headers);
			in.headers_len = ZSTR_LEN(built_headers);
		}
	} else if (headers_str != NULL) {
		in.headers = ZSTR_VAL(headers_str);
		in.headers_len = ZSTR_LEN(headers_str);
	}
	in.subject = ZSTR_VAL(subject);
	in.subject_len = ZSTR_LEN(subject);
	in.message = ZSTR_VAL(message);
	in.message_len = ZSTR_LEN(message);

	send_message(&settings, &in, true, return_value);
	smart_str_free(&to_buf);
	if (built_headers != NULL) {
		zend_string_release(built_headers);
	}
}

/* The failures that say the message itself will never go: a permanent refusal
 * of the sender, the recipients or the content, or a message no relay can take. */
static bool message_failed_for_good(const smtpmail_attempt_t *a)
{
	if (a->unknown_outcome) {
		return false;
	}
	if (a->err.rc == SMTP_E_ARG || a->err.rc == SMTP_E_LIMIT) {
		return true;
	}
	return a->err.rc == SMTP_E_REPLY && a->err.code >= 500
	       && (a->err.stage == SMTP_STAGE_MAIL || a->err.stage == SMTP_STAGE_RCPT || a->err.stage == SMTP_STAGE_DATA);
}

typedef struct {
	zend_long sent, deferred, failed;
} smtpmail_flush_counts_t;

/* Sends one claimed spool message and settles it: done, deferred or failed.
 * Returns false when the relays are unreachable, so the flush stops early. */
static bool flush_one(const smtpmail_settings_t *s, smtp_spool_msg_t *msg, smtpmail_flush_counts_t *counts)
{
	smtpmail_job_t *job = job_new();
	smtpmail_input_t in;
	smtpmail_attempt_t a;
	smtp_error_t serr;
	uint64_t started = smtp_clock_ms();
	uint64_t now = (uint64_t)time(NULL);
	bool relays_reachable = true;
	size_t i;

	memset(&in, 0, sizeof(in));
	memset(&a, 0, sizeof(a));
	in.message = msg->data;
	in.message_len = msg->len;
	job->envelope_from = strdup(msg->from);
	for (i = 0; i < msg->rcpts.count; i++) {
		smtp_addr_list_add(&job->composed.rcpts, msg->rcpts.items[i], strlen(msg->rcpts.items[i]), NULL);
	}
	attempt_relays(job, s, &in, &a);

	if (a.rc == SMTP_OK) {
		/* Recipients refused for now stay in the spool; refused for good are logged and dropped. */
		const char **again = emalloc(sizeof(char *) * (job->result.nrcpts + 1));
		size_t n = 0;
		for (i = 0; i < job->result.nrcpts; i++) {
			if (job->result.rcpt[i].code / 100 == 4) {
				again[n++] = job->composed.rcpts.items[i];
			}
		}
		log_outcome(job, &in, a.peer, "sent", msg->id, NULL, started);
		if (n > 0) {
			smtp_spool_defer(msg, again, n, now + smtp_spool_backoff(msg->attempts + 1), false,
			                 "some recipients were refused for now", &serr);
			counts->deferred++;
		} else {
			smtp_spool_done(msg, &serr);
			counts->sent++;
		}
		efree(again);
	} else if (message_failed_for_good(&a)) {
		char reason[SMTP_ERROR_MESSAGE_MAX + 64];
		snprintf(reason, sizeof(reason), "[%s] %s: %s", smtp_stage_name(a.err.stage), a.peer, a.err.message);
		log_outcome(job, &in, a.peer, "failed", msg->id, &a.err, started);
		smtp_spool_fail(msg, reason, &serr);
		counts->failed++;
	} else {
		char reason[SMTP_ERROR_MESSAGE_MAX + 64];
		snprintf(reason, sizeof(reason), "[%s] %s: %s", smtp_stage_name(a.err.stage), a.peer, a.err.message);
		log_outcome(job, &in, a.peer, "deferred", msg->id, &a.err, started);
		if (SMTPMAIL_G(spool_max_age) > 0 && now > msg->created + (uint64_t)SMTPMAIL_G(spool_max_age)) {
			char old[sizeof(reason) + 64];
			snprintf(old, sizeof(old), "too old to retry (smtpmail.spool_max_age); last error: %s", reason);
			smtp_spool_fail(msg, old, &serr);
			counts->failed++;
		} else {
			smtp_spool_defer(msg, (const char *const *)msg->rcpts.items, msg->rcpts.count,
			                 now + smtp_spool_backoff(msg->attempts + 1), a.unknown_outcome, reason, &serr);
			counts->deferred++;
		}
		relays_reachable = !(a.err.stage == SMTP_STAGE_CONNECT || a.err.stage == SMTP_STAGE_GREETING
		                     || a.err.stage == SMTP_STAGE_TLS || a.err.stage == SMTP_STAGE_EHLO
		                     || a.err.stage == SMTP_STAGE_AUTH);
	}
	job_done(job);
	return relays_reachable;
}

PHP_FUNCTION(smtp_spool_flush)
{
	HashTable *options = NULL;
	HashTable connection;
	smtpmail_settings_t settings;
	smtpmail_flush_counts_t counts = {0, 0, 0};
	const char *dir = SMTPMAIL_G(spool_dir);
	bool force = false;
	zend_long limit = 0;
	zend_string *key;
	zval *val;
	char **ids = NULL;
	size_t nids = 0, i, tried = 0;
	smtp_error_t err;
	bool ok;

	ZEND_PARSE_PARAMETERS_START(0, 1)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();

	if (dir == NULL || dir[0] == '\0') {
		zend_value_error("smtpmail.spool_dir is not set: there is no spool to flush");
		RETURN_THROWS();
	}
	/* "force" and "limit" are the flush's own; the rest are smtp_send() options. */
	zend_hash_init(&connection, 8, NULL, NULL, 0);
	if (options != NULL) {
		ZEND_HASH_FOREACH_STR_KEY_VAL(options, key, val) {
			if (key != NULL && zend_string_equals_literal(key, "force")) {
				force = zend_is_true(val);
			} else if (key != NULL && zend_string_equals_literal(key, "limit")) {
				if (Z_TYPE_P(val) != IS_LONG || Z_LVAL_P(val) < 0) {
					zend_hash_destroy(&connection);
					zend_argument_value_error(1, "option \"limit\" must be an int of at least 0");
					RETURN_THROWS();
				}
				limit = Z_LVAL_P(val);
			} else if (key != NULL) {
				zend_hash_add(&connection, key, val);
			} else {
				zend_hash_next_index_insert(&connection, val);
			}
		} ZEND_HASH_FOREACH_END();
	}
	ok = load_settings(&settings, &connection, 1);
	zend_hash_destroy(&connection);
	if (!ok) {
		RETURN_THROWS();
	}
	if (smtp_spool_list(dir, &ids, &nids, &err) != SMTP_OK) {
		zend_throw_exception(smtpmail_exception_ce, err.message, 0);
		RETURN_THROWS();
	}
	for (i = 0; i < nids; i++) {
		smtp_spool_msg_t msg;
		smtp_rc_t rc;

		memset(&msg, 0, sizeof(msg));
		rc = smtp_spool_claim(dir, ids[i], &msg, &err);
		if (rc == SMTP_E_STATE) {
			/* Another flusher has it, or already sent it. */
			smtp_spool_release(&msg);
			continue;
		}
		if (rc != SMTP_OK) {
			/* Corrupt or foreign: out of the queue, with the reason, never lost silently. */
			smtp_error_t ferr;
			if (rc == SMTP_E_PROTOCOL && smtp_spool_fail(&msg, err.message, &ferr) == SMTP_OK) {
				counts.failed++;
			}
			smtp_spool_release(&msg);
			continue;
		}
		if ((!force && msg.next_attempt > (uint64_t)time(NULL)) || (limit > 0 && (zend_long)tried >= limit)) {
			counts.deferred++;
			smtp_spool_release(&msg);
			continue;
		}
		tried++;
		if (!flush_one(&settings, &msg, &counts)) {
			/* The relays are down: the rest would only wait for the same timeout. */
			smtp_spool_release(&msg);
			for (i++; i < nids; i++) {
				counts.deferred++;
			}
			break;
		}
		smtp_spool_release(&msg);
	}
	smtp_spool_list_free(ids, nids);
	array_init(return_value);
	add_assoc_long(return_value, "sent", counts.sent);
	add_assoc_long(return_value, "deferred", counts.deferred);
	add_assoc_long(return_value, "failed", counts.failed);
}

PHP_FUNCTION(smtp_send_raw)
{
	zend_string *from, *message;
	HashTable *recipients;
	HashTable *options = NULL;
	smtpmail_settings_t settings;
	smtpmail_input_t in;
	zval *v;

	ZEND_PARSE_PARAMETERS_START(3, 4)
		Z_PARAM_STR(from)
		Z_PARAM_ARRAY_HT(recipients)
		Z_PARAM_STR(message)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();

	ZEND_HASH_FOREACH_VAL(recipients, v) {
		ZVAL_DEREF(v);
		if (Z_TYPE_P(v) != IS_STRING) {
			zend_argument_type_error(2, "must contain only strings, %s found", zend_zval_type_name(v));
			RETURN_THROWS();
		}
	} ZEND_HASH_FOREACH_END();
	if (zend_hash_num_elements(recipients) == 0) {
		zend_argument_value_error(2, "must not be empty");
		RETURN_THROWS();
	}
	if (options != NULL && zend_hash_str_exists(options, "from", sizeof("from") - 1)) {
		zend_argument_value_error(4, "cannot contain option \"from\": the envelope sender is argument #1 ($from)");
		RETURN_THROWS();
	}
	if (!load_settings(&settings, options, 4)) {
		RETURN_THROWS();
	}
	memset(&in, 0, sizeof(in));
	in.raw = true;
	in.raw_from = ZSTR_VAL(from);
	in.raw_from_len = ZSTR_LEN(from);
	in.raw_rcpts = recipients;
	in.message = ZSTR_VAL(message);
	in.message_len = ZSTR_LEN(message);
	send_message(&settings, &in, true, return_value);
}

PHP_FUNCTION(smtp_close)
{
	ZEND_PARSE_PARAMETERS_NONE();
	RETURN_LONG(php_smtpmail_pool_close_all());
}

/* Only a php.ini mistake makes load_settings() fail without $options: the
 * mail() family reports it the way it reports failures, with a warning. */
static void settings_failure_as_warning(void)
{
	zend_object *ex = EG(exception);

	if (ex != NULL) {
		zval rv;
		zval *msg = zend_read_property_ex(zend_ce_exception, ex, ZSTR_KNOWN(ZEND_STR_MESSAGE), 1, &rv);
		php_error_docref(NULL, E_WARNING, "smtpmail: %s", Z_TYPE_P(msg) == IS_STRING ? Z_STRVAL_P(msg) : "invalid settings");
		zend_clear_exception();
	}
}

/* mail()'s fifth argument was a sendmail command line. Only the envelope sender
 * (-f address or -faddress) means anything for a relay; the rest is ignored with
 * a notice, and none of it ever reaches a shell. Returns the sender (emalloc'd) or NULL. */
static char *sendmail_params_sender(const char *params)
{
	char *copy = estrdup(params);
	char *sender = NULL;
	char *p = copy;
	bool want_address = false;

	while (*p != '\0') {
		char *token;
		size_t len;

		while (*p == ' ' || *p == '\t') {
			p++;
		}
		if (*p == '\0') {
			break;
		}
		token = p;
		while (*p != '\0' && *p != ' ' && *p != '\t') {
			p++;
		}
		if (*p != '\0') {
			*p++ = '\0';
		}
		if (want_address) {
			want_address = false;
		} else if (strncmp(token, "-f", 2) == 0) {
			token += 2;
			if (*token == '\0') {
				want_address = true;
				continue;
			}
		} else {
			php_error_docref(NULL, E_NOTICE, "smtpmail ignores the sendmail option \"%s\"", token);
			continue;
		}
		len = strlen(token);
		if (len >= 2 && (token[0] == '\'' || token[0] == '"') && token[len - 1] == token[0]) {
			token[len - 1] = '\0';
			token++;
		}
		if (sender != NULL) {
			efree(sender);
		}
		sender = estrdup(token);
	}
	if (want_address) {
		php_error_docref(NULL, E_NOTICE, "smtpmail ignores a sendmail -f option without an address");
	}
	efree(copy);
	return sender;
}

/* PHP's mail() replaces control characters in To and Subject with spaces, except
 * within a fold (CRLF followed by white space); trailing white space is cut. */
static char *mail_clean_field(const char *in, size_t len)
{
	char *out = estrndup(in, len);
	size_t i;

	while (len > 0 && isspace((unsigned char)out[len - 1])) {
		out[--len] = '\0';
	}
	for (i = 0; i < len; i++) {
		if (out[i] == '\r' && i + 2 < len && out[i + 1] == '\n' && (out[i + 2] == ' ' || out[i + 2] == '\t')) {
			i += 2;
			continue;
		}
		if (iscntrl((unsigned char)out[i])) {
			out[i] = ' ';
		}
	}
	return out;
}

/* PHP's mail() refuses additional headers that start with a line break or contain
 * an empty line (which would begin the body early) with this same warning. */
static bool mail_headers_malformed(const char *hdr, size_t len)
{
	size_t i;

	if (len == 0) {
		return false;
	}
	if ((unsigned char)hdr[0] < 33 || (unsigned char)hdr[0] > 126 || hdr[0] == ':') {
		return true;
	}
	for (i = 0; i < len; i++) {
		if (hdr[i] == '\r') {
			if (i + 1 == len || hdr[i + 1] == '\r'
			    || (hdr[i + 1] == '\n' && (i + 2 == len || hdr[i + 2] == '\n' || hdr[i + 2] == '\r'))) {
				return true;
			}
			i++;
		} else if (hdr[i] == '\n') {
			if (i + 1 == len || hdr[i + 1] == '\r' || hdr[i + 1] == '\n') {
				return true;
			}
			i++;
		}
	}
	return false;
}

/* What PHP's internal php_mail() does around the hand-off, in its order: the
 * mail.log line, the X-PHP-Originating-Script header (mail.add_x_header), the
 * refusal of malformed header line breaks; then the relay instead of
 * sendmail. For mail() and error_log() type 1, its two callers we replace. */
static bool php_mail_through_relay(const smtpmail_settings_t *settings, const char *to, const char *subject,
                                   const char *message, size_t message_len, const char *headers, size_t headers_len,
                                   const char *sender)
{
	smart_str all_headers = {0};
	smtpmail_input_t in;
	bool ok;

	php_smtpmail_mail_log(to, headers, subject);
	if (PG(mail_x_header)) {
		const char *script = zend_get_executed_filename();
		zend_string *base = php_basename(script, strlen(script), NULL, 0);
		smart_str_appends(&all_headers, "X-PHP-Originating-Script: ");
		/* As PHP's mail(): the uid that owns the running script. */
		php_statpage();
		smart_str_append_long(&all_headers, (zend_long)BG(page_uid));
		smart_str_appendc(&all_headers, ':');
		smart_str_append(&all_headers, base);
		zend_string_release(base);
		if (headers_len > 0) {
			smart_str_appendl(&all_headers, "\r\n", 2);
		}
	}
	if (headers_len > 0) {
		smart_str_appendl(&all_headers, headers, headers_len);
	}
	smart_str_0(&all_headers);
	if (all_headers.s != NULL && mail_headers_malformed(ZSTR_VAL(all_headers.s), ZSTR_LEN(all_headers.s))) {
		php_error_docref(NULL, E_WARNING, "Multiple or malformed newlines found in additional_header");
		smart_str_free(&all_headers);
		return false;
	}
	memset(&in, 0, sizeof(in));
	in.to = to;
	in.to_len = strlen(to);
	in.subject = subject;
	in.subject_len = strlen(subject);
	in.message = message;
	in.message_len = message_len;
	if (all_headers.s != NULL) {
		in.headers = ZSTR_VAL(all_headers.s);
		in.headers_len = ZSTR_LEN(all_headers.s);
	}
	in.sender = sender;
	ok = send_message(settings, &in, false, NULL);
	smart_str_free(&all_headers);
	return ok;
}

/* Replaces PHP's mail() while smtpmail.host is set: same signature, same
 * argument checks, true when the relay accepted the message, else false and
 * a warning naming the stage and the server's reply. */
static PHP_FUNCTION(smtpmail_mail)
{
	char *to, *subject, *message;
	size_t to_len, subject_len, message_len;
	zend_string *headers_str = NULL;
	HashTable *headers_ht = NULL;
	zend_string *extra = NULL;
	zend_string *headers = NULL;
	const char *forced = INI_STR("mail.force_extra_parameters");
	smtpmail_settings_t settings;
	char *to_r, *subject_r, *sender = NULL;

	if (SMTPMAIL_G(host) == NULL || SMTPMAIL_G(host)[0] == '\0') {
		original_mail_handler(INTERNAL_FUNCTION_PARAM_PASSTHRU);
		return;
	}

	ZEND_PARSE_PARAMETERS_START(3, 5)
		Z_PARAM_PATH(to, to_len)
		Z_PARAM_PATH(subject, subject_len)
		Z_PARAM_PATH(message, message_len)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT_OR_STR(headers_ht, headers_str)
		Z_PARAM_PATH_STR(extra)
	ZEND_PARSE_PARAMETERS_END();

	if (headers_str != NULL) {
		if (strlen(ZSTR_VAL(headers_str)) != ZSTR_LEN(headers_str)) {
			zend_argument_value_error(4, "must not contain any null bytes");
			RETURN_THROWS();
		}
		headers = php_trim(headers_str, NULL, 0, 2);
	} else if (headers_ht != NULL) {
		headers = php_mail_build_headers(headers_ht);
		if (EG(exception)) {
			RETURN_THROWS();
		}
	}

	if (!load_settings(&settings, NULL, 0)) {
		settings_failure_as_warning();
		if (headers != NULL) {
			zend_string_release(headers);
		}
		RETURN_FALSE;
	}

	if (forced != NULL && forced[0] != '\0') {
		sender = sendmail_params_sender(forced);
	} else if (extra != NULL) {
		sender = sendmail_params_sender(ZSTR_VAL(extra));
	}
	to_r = mail_clean_field(to, to_len);
	subject_r = mail_clean_field(subject, subject_len);
	RETVAL_BOOL(php_mail_through_relay(&settings, to_r, subject_r, message, message_len,
	                                   headers != NULL ? ZSTR_VAL(headers) : NULL, headers != NULL ? ZSTR_LEN(headers) : 0,
	                                   sender));
	efree(to_r);
	efree(subject_r);
	if (sender != NULL) {
		efree(sender);
	}
	if (headers != NULL) {
		zend_string_release(headers);
	}
}

/* error_log($message, 1, $to, $headers) mails the message through PHP's
 * internal php_mail(); with smtpmail.host set it goes through the relay, with
 * the subject PHP uses. Every other message type is PHP's own. */
static PHP_FUNCTION(smtpmail_error_log)
{
	char *message, *to = NULL, *headers = NULL;
	size_t message_len, to_len = 0, headers_len = 0;
	zend_long type = 0;
	smtpmail_settings_t settings;

	if (SMTPMAIL_G(host) == NULL || SMTPMAIL_G(host)[0] == '\0' || ZEND_NUM_ARGS() < 2) {
		original_error_log_handler(INTERNAL_FUNCTION_PARAM_PASSTHRU);
		return;
	}
	/* The same parameters as PHP's error_log(); parsing consumes nothing, so a
	 * type other than 1 is handed on untouched. */
	ZEND_PARSE_PARAMETERS_START(1, 4)
		Z_PARAM_STRING(message, message_len)
		Z_PARAM_OPTIONAL
		Z_PARAM_LONG(type)
		Z_PARAM_PATH_OR_NULL(to, to_len)
		Z_PARAM_STRING_OR_NULL(headers, headers_len)
	ZEND_PARSE_PARAMETERS_END();

	if (type != 1) {
		original_error_log_handler(INTERNAL_FUNCTION_PARAM_PASSTHRU);
		return;
	}
	if (!load_settings(&settings, NULL, 0)) {
		settings_failure_as_warning();
		RETURN_FALSE;
	}
	RETURN_BOOL(php_mail_through_relay(&settings, to != NULL ? to : "", "PHP error_log message", message, message_len,
	                                   headers, headers_len, NULL));
}

static zval *exception_property(zval *object, const char *name, size_t len, zval *rv)
{
	return zend_read_property(smtpmail_exception_ce, Z_OBJ_P(object), name, len, 1, rv);
}

PHP_METHOD(SmtpMail_Exception, getStage)
{
	zval rv;
	ZEND_PARSE_PARAMETERS_NONE();
	RETURN_COPY_DEREF(exception_property(ZEND_THIS, "stage", sizeof("stage") - 1, &rv));
}

PHP_METHOD(SmtpMail_Exception, isTransient)
{
	zval rv;
	ZEND_PARSE_PARAMETERS_NONE();
	RETURN_BOOL(zend_is_true(exception_property(ZEND_THIS, "transient", sizeof("transient") - 1, &rv)));
}

PHP_METHOD(SmtpMail_Exception, isPermanent)
{
	zval rv;
	ZEND_PARSE_PARAMETERS_NONE();
	RETURN_BOOL(!zend_is_true(exception_property(ZEND_THIS, "transient", sizeof("transient") - 1, &rv)));
}

PHP_METHOD(SmtpMail_Exception, getTranscript)
{
	zval rv;
	ZEND_PARSE_PARAMETERS_NONE();
	RETURN_COPY_DEREF(exception_property(ZEND_THIS, "transcript", sizeof("transcript") - 1, &rv));
}

PHP_METHOD(SmtpMail_Exception, getEnhancedStatus)
{
	zval rv;
	ZEND_PARSE_PARAMETERS_NONE();
	RETURN_COPY_DEREF(exception_property(ZEND_THIS, "enhancedStatus", sizeof("enhancedStatus") - 1, &rv));
}

static PHP_GINIT_FUNCTION(smtpmail)
{
#if defined(COMPILE_DL_SMTPMAIL) && defined(ZTS)
	ZEND_TSRMLS_CACHE_UPDATE();
#endif
	memset(smtpmail_globals, 0, sizeof(*smtpmail_globals));
	php_smtpmail_pool_init(&smtpmail_globals->pool);
}

static PHP_GSHUTDOWN_FUNCTION(smtpmail)
{
	php_smtpmail_pool_destroy(&smtpmail_globals->pool);
}

static PHP_MINIT_FUNCTION(smtpmail)
{
	zend_function *mail_fn;

	REGISTER_INI_ENTRIES();
	register_smtpmail_symbols(module_number);
	smtpmail_exception_ce = register_class_SmtpMail_Exception(spl_ce_RuntimeException);
	smtpmail_connect_exception_ce = register_class_SmtpMail_ConnectException(smtpmail_exception_ce);
	smtpmail_tls_exception_ce = register_class_SmtpMail_TlsException(smtpmail_exception_ce);
	smtpmail_auth_exception_ce = register_class_SmtpMail_AuthException(smtpmail_exception_ce);
	smtpmail_sender_exception_ce = register_class_SmtpMail_SenderException(smtpmail_exception_ce);
	smtpmail_recipient_exception_ce = register_class_SmtpMail_RecipientException(smtpmail_exception_ce);
	smtpmail_data_exception_ce = register_class_SmtpMail_DataException(smtpmail_exception_ce);
	smtpmail_unknown_outcome_exception_ce = register_class_SmtpMail_UnknownOutcomeException(smtpmail_data_exception_ce);

	/* Take over mail() and error_log(): the handlers decide per call whether smtpmail.host is set. */
	mail_fn = zend_hash_str_find_ptr(CG(function_table), "mail", sizeof("mail") - 1);
	if (mail_fn != NULL && mail_fn->type == ZEND_INTERNAL_FUNCTION) {
		original_mail_handler = mail_fn->internal_function.handler;
		mail_fn->internal_function.handler = zif_smtpmail_mail;
	}
	mail_fn = zend_hash_str_find_ptr(CG(function_table), "error_log", sizeof("error_log") - 1);
	if (mail_fn != NULL && mail_fn->type == ZEND_INTERNAL_FUNCTION) {
		original_error_log_handler = mail_fn->internal_function.handler;
		mail_fn->internal_function.handler = zif_smtpmail_error_log;
	}
	return SUCCESS;
}

static PHP_MSHUTDOWN_FUNCTION(smtpmail)
{
	zend_function *mail_fn = zend_hash_str_find_ptr(CG(function_table), "mail", sizeof("mail") - 1);

	if (mail_fn != NULL && original_mail_handler != NULL && mail_fn->type == ZEND_INTERNAL_FUNCTION
	    && mail_fn->internal_function.handler == zif_smtpmail_mail) {
		mail_fn->internal_function.handler = original_mail_handler;
	}
	mail_fn = zend_hash_str_find_ptr(CG(function_table), "error_log", sizeof("error_log") - 1);
	if (mail_fn != NULL && original_error_log_handler != NULL && mail_fn->type == ZEND_INTERNAL_FUNCTION
	    && mail_fn->internal_function.handler == zif_smtpmail_error_log) {
		mail_fn->internal_function.handler = original_error_log_handler;
	}
	UNREGISTER_INI_ENTRIES();
	return SUCCESS;
}

static PHP_RINIT_FUNCTION(smtpmail)
{
#if defined(COMPILE_DL_SMTPMAIL) && defined(ZTS)
	ZEND_TSRMLS_CACHE_UPDATE();
#endif
	SMTPMAIL_G(active_job) = NULL;
	return SUCCESS;
}

static PHP_RSHUTDOWN_FUNCTION(smtpmail)
{
	/* Non-NULL only when a fatal error or a timeout unwound through a send. */
	job_free(SMTPMAIL_G(active_job));
	SMTPMAIL_G(active_job) = NULL;
	/* Sessions kept within this request end here (QUIT); persistent ones stay. */
	php_smtpmail_pool_request_end();
	return SUCCESS;
}

static PHP_MINFO_FUNCTION(smtpmail)
{
	const char *host = SMTPMAIL_G(host);

	php_info_print_table_start();
	php_info_print_table_row(2, "smtpmail support", "enabled");
	php_info_print_table_row(2, "Version", PHP_SMTPMAIL_VERSION);
	php_info_print_table_row(2, "mail() sends through", host != NULL && host[0] != '\0' ? host : "sendmail_path (smtpmail.host is empty)");
	php_info_print_table_row(2, "AUTH mechanisms", "PLAIN, LOGIN, CRAM-MD5, XOAUTH2");
	php_info_print_table_end();
	DISPLAY_INI_ENTRIES();
}

static const zend_module_dep smtpmail_deps[] = {
	ZEND_MOD_REQUIRED("standard")
	ZEND_MOD_REQUIRED("openssl")
	ZEND_MOD_REQUIRED("spl")
	ZEND_MOD_END
};

zend_module_entry smtpmail_module_entry = {
	STANDARD_MODULE_HEADER_EX,
	NULL,
	smtpmail_deps,
	"smtpmail",
	ext_functions,
	PHP_MINIT(smtpmail),
	PHP_MSHUTDOWN(smtpmail),
	PHP_RINIT(smtpmail),
	PHP_RSHUTDOWN(smtpmail),
	PHP_MINFO(smtpmail),
	PHP_SMTPMAIL_VERSION,
	PHP_MODULE_GLOBALS(smtpmail),
	PHP_GINIT(smtpmail),
	PHP_GSHUTDOWN(smtpmail),
	NULL,
	STANDARD_MODULE_PROPERTIES_EX
};

#ifdef COMPILE_DL_SMTPMAIL
# ifdef ZTS
ZEND_TSRMLS_CACHE_DEFINE()
# endif
ZEND_GET_MODULE(smtpmail)
#endif
