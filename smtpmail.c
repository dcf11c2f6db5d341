/*
 * smtpmail.c: the module: INI settings, the PHP functions (argument parsing,
 * then one call into smtpmail_send.c), the exception classes, phpinfo() and
 * the module's life cycle. The SMTP work happens in smtp_core/; sending and
 * reporting in smtpmail_send.c; the mail() and error_log() hooks in
 * smtpmail_mail.c; settings in smtpmail_settings.c.
 */
#ifdef HAVE_CONFIG_H
# include "config.h"
#endif

#include "php.h"
#include "php_ini.h"
#include "SAPI.h"
#include "ext/spl/spl_exceptions.h"
#include "ext/standard/info.h"
#include "ext/standard/php_mail.h"
#include "zend_attributes.h"
#include "zend_exceptions.h"
#include "zend_interfaces.h"

#include "php_smtpmail.h"
#include "smtp_core/smtp_addr.h"
#include "smtp_core/smtp_sasl.h"
#include "smtp_core/smtp_spool.h"
#include "smtpmail_arginfo.h"


ZEND_DECLARE_MODULE_GLOBALS(smtpmail)

zend_class_entry *php_smtpmail_exception_ce;
zend_class_entry *php_smtpmail_connect_exception_ce;
zend_class_entry *php_smtpmail_tls_exception_ce;
zend_class_entry *php_smtpmail_auth_exception_ce;
zend_class_entry *php_smtpmail_sender_exception_ce;
zend_class_entry *php_smtpmail_recipient_exception_ce;
zend_class_entry *php_smtpmail_data_exception_ce;
zend_class_entry *php_smtpmail_unknown_outcome_exception_ce;

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

/* phpinfo() marks a TLS mode that is not one: a send would refuse it. */
static PHP_INI_DISP(display_tls)
{
	zend_string *value = type == ZEND_INI_DISPLAY_ORIG && ini_entry->modified ? ini_entry->orig_value : ini_entry->value;
	const char *v = value != NULL ? ZSTR_VAL(value) : "";

	PUTS(v[0] != '\0' ? v : "no value (auto)");
	if (v[0] != '\0' && strcasecmp(v, "auto") != 0 && strcasecmp(v, "starttls") != 0 && strcasecmp(v, "implicit") != 0
	    && strcasecmp(v, "none") != 0) {
		PUTS(" (INVALID: must be auto, starttls, implicit or \"none\")");
	}
}

/* Where a script may change a setting (the php.ini reference in README.md says
 * the same): anything that decides where the php.ini credentials are sent, or
 * whether they are protected, is PHP_INI_SYSTEM. A script that could point
 * smtpmail.host at its own server with ini_set() would receive the password. */
PHP_INI_BEGIN()
	STD_PHP_INI_ENTRY("smtpmail.host", "", PHP_INI_SYSTEM, OnUpdateString, host, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.port", "0", PHP_INI_SYSTEM, OnUpdateLong, port, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY_EX("smtpmail.tls", "auto", PHP_INI_SYSTEM, OnUpdateString, tls, zend_smtpmail_globals, smtpmail_globals, display_tls)
	STD_PHP_INI_ENTRY("smtpmail.username", "", PHP_INI_SYSTEM, OnUpdateString, username, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY_EX("smtpmail.password", "", PHP_INI_SYSTEM, OnUpdateString, password, zend_smtpmail_globals, smtpmail_globals, display_secret)
	STD_PHP_INI_ENTRY_EX("smtpmail.oauth_token", "", PHP_INI_SYSTEM, OnUpdateString, oauth_token, zend_smtpmail_globals, smtpmail_globals, display_secret)
	STD_PHP_INI_ENTRY("smtpmail.oauth_token_url", "", PHP_INI_SYSTEM, OnUpdateString, oauth_token_url, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.oauth_client_id", "", PHP_INI_SYSTEM, OnUpdateString, oauth_client_id, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY_EX("smtpmail.oauth_client_secret", "", PHP_INI_SYSTEM, OnUpdateString, oauth_client_secret, zend_smtpmail_globals, smtpmail_globals, display_secret)
	STD_PHP_INI_ENTRY_EX("smtpmail.oauth_refresh_token", "", PHP_INI_SYSTEM, OnUpdateString, oauth_refresh_token, zend_smtpmail_globals, smtpmail_globals, display_secret)
	STD_PHP_INI_ENTRY("smtpmail.oauth_scope", "", PHP_INI_SYSTEM, OnUpdateString, oauth_scope, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.oauth_provider", "", PHP_INI_SYSTEM, OnUpdateString, oauth_provider, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.oauth_tenant", "", PHP_INI_SYSTEM, OnUpdateString, oauth_tenant, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.oauth_cache", "", PHP_INI_SYSTEM, OnUpdateString, oauth_cache, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.auth", "", PHP_INI_SYSTEM, OnUpdateString, auth, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_BOOLEAN("smtpmail.verify_peer", "1", PHP_INI_SYSTEM, OnUpdateBool, verify_peer, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.cafile", "", PHP_INI_SYSTEM, OnUpdateString, cafile, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.timeout", "30", PHP_INI_ALL, OnUpdateLong, timeout, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.from", "", PHP_INI_ALL, OnUpdateString, from, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.helo", "", PHP_INI_ALL, OnUpdateString, helo, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.log", "", PHP_INI_SYSTEM, OnUpdateString, log, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.spool_dir", "", PHP_INI_SYSTEM, OnUpdateString, spool_dir, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_BOOLEAN("smtpmail.deferred", "0", PHP_INI_SYSTEM, OnUpdateBool, deferred, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.spool_max_age", "432000", PHP_INI_SYSTEM, OnUpdateLong, spool_max_age, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_BOOLEAN("smtpmail.pipeline_auth", "1", PHP_INI_SYSTEM, OnUpdateBool, pipeline_auth, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_BOOLEAN("smtpmail.persistent", "0", PHP_INI_SYSTEM, OnUpdateBool, persistent, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.persistent_idle", "30", PHP_INI_SYSTEM, OnUpdateLong, persistent_idle, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.persistent_max_messages", "100", PHP_INI_SYSTEM, OnUpdateLong, persistent_max_messages, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.max_connections", "0", PHP_INI_SYSTEM, OnUpdateLong, max_connections, zend_smtpmail_globals, smtpmail_globals)
	STD_PHP_INI_ENTRY("smtpmail.max_per_minute", "0", PHP_INI_SYSTEM, OnUpdateLong, max_per_minute, zend_smtpmail_globals, smtpmail_globals)
PHP_INI_END()

/* One element of a recipient array, checked alone so that the error names
 * it (its key and value) rather than quoting the whole list joined. With
 * one_mailbox, exactly one address (smtp_send_raw()); else an address list
 * as a To field takes (smtp_send()). Throws and returns false when bad. */
static bool check_recipient_element(uint32_t arg_num, zend_ulong index, zend_string *key, zend_string *value,
                                    bool one_mailbox)
{
	smtp_error_t err;
	smtp_rc_t rc;
	char shown[96];

	smtp_error_clear(&err);
	if (one_mailbox) {
		char *addr = NULL;
		rc = smtp_addr_parse_mailbox(ZSTR_VAL(value), ZSTR_LEN(value), &addr, &err);
		free(addr);
	} else {
		smtp_addr_list_t scratch;
		smtp_addr_list_init(&scratch);
		rc = smtp_addr_list_parse(&scratch, ZSTR_VAL(value), ZSTR_LEN(value), &err);
		smtp_addr_list_destroy(&scratch);
	}
	if (rc == SMTP_OK) {
		return true;
	}
	smtp_text_sanitize(shown, sizeof(shown), ZSTR_VAL(value), ZSTR_LEN(value));
	if (key != NULL) {
		zend_argument_value_error(arg_num, "element [\"%s\"] \"%s\": %s", ZSTR_VAL(key), shown, err.message);
	} else {
		zend_argument_value_error(arg_num, "element [" ZEND_ULONG_FMT "] \"%s\": %s", index, shown, err.message);
	}
	return false;
}

PHP_FUNCTION(smtp_send)
{
	zend_string *to_str = NULL;
	HashTable *to_ht = NULL;
	zend_string *subject, *message;
	zend_string *headers_str = NULL;
	HashTable *headers_ht = NULL;
	HashTable *options = NULL;
	php_smtpmail_settings_t settings;
	php_smtpmail_input_t in;
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

	if (!php_smtpmail_load_settings(&settings, options, 5)) {
		RETURN_THROWS();
	}
	memset(&in, 0, sizeof(in));
	if (to_ht != NULL) {
		zval *v;
		zend_ulong index;
		zend_string *key;
		ZEND_HASH_FOREACH_KEY_VAL(to_ht, index, key, v) {
			ZVAL_DEREF(v);
			if (Z_TYPE_P(v) != IS_STRING) {
				smart_str_free(&to_buf);
				zend_argument_type_error(1, "must contain only strings, %s found", zend_zval_type_name(v));
				RETURN_THROWS();
			}
			if (!check_recipient_element(1, index, key, Z_STR_P(v), false)) {
				smart_str_free(&to_buf);
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
	in.compose_mime = true;

	php_smtpmail_send_message(&settings, &in, true, return_value);
	smart_str_free(&to_buf);
	if (built_headers != NULL) {
		zend_string_release(built_headers);
	}
}

PHP_FUNCTION(smtp_send_raw)
{
	zend_string *from, *message;
	HashTable *recipients;
	HashTable *options = NULL;
	php_smtpmail_settings_t settings;
	php_smtpmail_input_t in;
	zval *v;
	zend_ulong index;
	zend_string *key;

	ZEND_PARSE_PARAMETERS_START(3, 4)
		Z_PARAM_STR(from)
		Z_PARAM_ARRAY_HT(recipients)
		Z_PARAM_STR(message)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();

	ZEND_HASH_FOREACH_KEY_VAL(recipients, index, key, v) {
		ZVAL_DEREF(v);
		if (Z_TYPE_P(v) != IS_STRING) {
			zend_argument_type_error(2, "must contain only strings, %s found", zend_zval_type_name(v));
			RETURN_THROWS();
		}
		if (!check_recipient_element(2, index, key, Z_STR_P(v), true)) {
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
	if (!php_smtpmail_load_settings(&settings, options, 4)) {
		RETURN_THROWS();
	}
	memset(&in, 0, sizeof(in));
	in.raw = true;
	in.raw_from = ZSTR_VAL(from);
	in.raw_from_len = ZSTR_LEN(from);
	in.raw_rcpts = recipients;
	in.message = ZSTR_VAL(message);
	in.message_len = ZSTR_LEN(message);
	php_smtpmail_send_message(&settings, &in, true, return_value);
}

PHP_FUNCTION(smtp_close)
{
	php_smtpmail_quiet_t q;
	zend_long n;

	ZEND_PARSE_PARAMETERS_NONE();
	/* QUIT on every kept session: no user code meanwhile (a warning from a
	 * dying TLS connection must not re-enter the pool it is walking). */
	php_smtpmail_quiet_begin(&q);
	n = php_smtpmail_pool_close_all();
	php_smtpmail_quiet_end(&q);
	RETURN_LONG(n);
}

PHP_FUNCTION(smtp_spool_flush)
{
	HashTable *options = NULL;
	HashTable connection;
	php_smtpmail_settings_t settings;
	php_smtpmail_flush_counts_t counts = {0, 0, 0, 0, 0};
	const char *dir = SMTPMAIL_G(spool_dir);
	char path[MAXPATHLEN];
	smtp_error_t err;
	bool force = false;
	bool retarget = false;
	zend_long limit = 0;
	zend_long watch = -1;
	zend_string *key;
	zval *val;
	bool ok;

	ZEND_PARSE_PARAMETERS_START(0, 1)
		Z_PARAM_OPTIONAL
		Z_PARAM_ARRAY_HT(options)
	ZEND_PARSE_PARAMETERS_END();

	if (dir == NULL || dir[0] == '\0') {
		zend_value_error("smtpmail.spool_dir is not set: there is no spool to flush");
		RETURN_THROWS();
	}
	/* "force" and "limit" are the flush's own; the rest are smtp_send() options,
	 * less those that choose a destination or credentials: every message goes
	 * to the php.ini relay it was spooled for, with the php.ini credentials. */
	zend_hash_init(&connection, 8, NULL, NULL, 0);
	if (options != NULL) {
		ZEND_HASH_FOREACH_STR_KEY_VAL(options, key, val) {
			if (key != NULL && php_smtpmail_is_destination_option(key)) {
				zend_hash_destroy(&connection);
				zend_argument_value_error(1, "cannot contain option \"%s\": spooled messages go only to the php.ini "
				                          "relay they were spooled for, with the php.ini credentials", ZSTR_VAL(key));
				RETURN_THROWS();
			}
			if (key != NULL && zend_string_equals_literal(key, "force")) {
				force = zend_is_true(val);
			} else if (key != NULL && zend_string_equals_literal(key, "retarget")) {
				/* An operator's tool after moving to another relay or account:
				 * from the command line only, never from a web request. */
				if (zend_is_true(val) && strcmp(sapi_module.name, "cli") != 0) {
					zend_hash_destroy(&connection);
					zend_argument_value_error(1, "option \"retarget\" is only allowed from the command line (php-cli)");
					RETURN_THROWS();
				}
				retarget = zend_is_true(val);
			} else if (key != NULL && zend_string_equals_literal(key, "limit")) {
				if (Z_TYPE_P(val) != IS_LONG || Z_LVAL_P(val) < 0) {
					zend_hash_destroy(&connection);
					zend_argument_value_error(1, "option \"limit\" must be an int of at least 0");
					RETURN_THROWS();
				}
				limit = Z_LVAL_P(val);
			} else if (key != NULL && zend_string_equals_literal(key, "watch")) {
				/* Seconds to stay; 0: until SIGTERM or SIGINT. A web request
				 * has no business holding a worker that long. */
				if (Z_TYPE_P(val) != IS_LONG || Z_LVAL_P(val) < 0) {
					zend_hash_destroy(&connection);
					zend_argument_value_error(1, "option \"watch\" must be an int of at least 0 (seconds; 0: until SIGTERM or SIGINT)");
					RETURN_THROWS();
				}
				if (strcmp(sapi_module.name, "cli") != 0) {
					zend_hash_destroy(&connection);
					zend_argument_value_error(1, "option \"watch\" is only allowed from the command line (php-cli)");
					RETURN_THROWS();
				}
				watch = Z_LVAL_P(val);
			} else if (key != NULL) {
				zend_hash_add(&connection, key, val);
			} else {
				zend_hash_next_index_insert(&connection, val);
			}
		} ZEND_HASH_FOREACH_END();
	}
	ok = php_smtpmail_load_settings(&settings, &connection, 1);
	zend_hash_destroy(&connection);
	if (!ok) {
		RETURN_THROWS();
	}
	if (php_smtpmail_spool_dir(path, &err) != SMTP_OK) {
		zend_throw_exception(php_smtpmail_exception_ce, err.message, 0);
		RETURN_THROWS();
	}
	if (!php_smtpmail_spool_flush(&settings, path, force, retarget, limit, watch, &counts)) {
		RETURN_THROWS();
	}
	array_init(return_value);
	add_assoc_long(return_value, "sent", counts.sent);
	add_assoc_long(return_value, "deferred", counts.deferred);
	add_assoc_long(return_value, "failed", counts.failed);
	add_assoc_long(return_value, "skipped", counts.skipped);
	add_assoc_long(return_value, "waiting", counts.waiting);
}

/* smtp_spool_status() and phpinfo(): what the php.ini spool holds. Only the
 * php.ini spool, as for the flusher: a script names no directory. */
static void spool_status_array(const smtp_spool_status_t *st, zval *out)
{
	uint64_t now = (uint64_t)time(NULL);

	array_init(out);
	add_assoc_long(out, "queued", (zend_long)st->queued);
	add_assoc_long(out, "deferred", (zend_long)st->deferred);
	add_assoc_long(out, "failed", (zend_long)st->failed);
	add_assoc_long(out, "oldest_age",
	               st->oldest_created != 0 && now > st->oldest_created ? (zend_long)(now - st->oldest_created) : 0);
	if (st->next_attempt != 0) {
		add_assoc_long(out, "next_attempt", (zend_long)st->next_attempt);
	} else {
		add_assoc_null(out, "next_attempt");
	}
	if (st->last_error[0] != '\0') {
		add_assoc_string(out, "last_error", st->last_error);
	} else {
		add_assoc_null(out, "last_error");
	}
	if (st->backoff_until > now) {
		add_assoc_long(out, "backoff_until", (zend_long)st->backoff_until);
	} else {
		add_assoc_null(out, "backoff_until");
	}
}

PHP_FUNCTION(smtp_spool_status)
{
	const char *dir = SMTPMAIL_G(spool_dir);
	smtp_spool_status_t st;
	smtp_error_t err;

	ZEND_PARSE_PARAMETERS_NONE();
	if (dir == NULL || dir[0] == '\0') {
		zend_value_error("smtpmail.spool_dir is not set: there is no spool to report on");
		RETURN_THROWS();
	}
	if (smtp_spool_status(dir, &st, &err) != SMTP_OK) {
		zend_throw_exception(php_smtpmail_exception_ce, err.message, 0);
		RETURN_THROWS();
	}
	spool_status_array(&st, return_value);
}

static zval *exception_property(zval *object, const char *name, size_t len, zval *rv)
{
	return zend_read_property(php_smtpmail_exception_ce, Z_OBJ_P(object), name, len, 1, rv);
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
	zend_hash_init(&smtpmail_globals->auth_unpipelined, 4, NULL, NULL, 1);
}

static PHP_GSHUTDOWN_FUNCTION(smtpmail)
{
	php_smtpmail_pool_destroy(&smtpmail_globals->pool);
	zend_hash_destroy(&smtpmail_globals->auth_unpipelined);
}

static PHP_MINIT_FUNCTION(smtpmail)
{
	REGISTER_INI_ENTRIES();
	register_smtpmail_symbols(module_number);
	php_smtpmail_exception_ce = register_class_SmtpMail_Exception(spl_ce_RuntimeException);
	php_smtpmail_connect_exception_ce = register_class_SmtpMail_ConnectException(php_smtpmail_exception_ce);
	php_smtpmail_tls_exception_ce = register_class_SmtpMail_TlsException(php_smtpmail_exception_ce);
	php_smtpmail_auth_exception_ce = register_class_SmtpMail_AuthException(php_smtpmail_exception_ce);
	php_smtpmail_sender_exception_ce = register_class_SmtpMail_SenderException(php_smtpmail_exception_ce);
	php_smtpmail_recipient_exception_ce = register_class_SmtpMail_RecipientException(php_smtpmail_exception_ce);
	php_smtpmail_data_exception_ce = register_class_SmtpMail_DataException(php_smtpmail_exception_ce);
	php_smtpmail_unknown_outcome_exception_ce = register_class_SmtpMail_UnknownOutcomeException(php_smtpmail_data_exception_ce);

	php_smtpmail_stream_minit();
	php_smtpmail_hooks_install();
	return SUCCESS;
}

static PHP_MSHUTDOWN_FUNCTION(smtpmail)
{
	php_smtpmail_hooks_remove();
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

/*
 * QUIT off the user's path. A session that is not persistent ends at request
 * end with QUIT and, as RFC 5321 4.1.1.10 asks, a wait for its 221: one round
 * trip to the relay. PHP-FPM hands the response to the web server only when
 * the SAPI deactivates (sapi_cgi_deactivate calls fcgi_finish_request), which
 * php_request_shutdown() does after every module's RSHUTDOWN and after the
 * post-deactivate hooks too (main/main.c, its steps 5, 11 and 12; measured on
 * FPM 8.2: a post-deactivate hook that sleeps delays END_REQUEST as long), so
 * neither hook is past the response by itself.
 * fastcgi_finish_request(), which FPM gives scripts for this purpose, ends the
 * response at once: called here, after the script, its shutdown functions,
 * destructors and output buffers are done, the page reaches the web server
 * before the QUIT. Only on FPM, and only when a session is left to close:
 * elsewhere (php -S, Apache's handler, php-cgi) the response is still open
 * until after the modules' hooks and nothing changes.
 */
static void finish_response_before_quit(void)
{
	zend_function *fn;
	zval rv;

	if (sapi_module.name == NULL || strcmp(sapi_module.name, "fpm-fcgi") != 0 || SG(server_context) == NULL
	    || !php_smtpmail_pool_has_request_sessions()) {
		return;
	}
	/* Absent when disable_functions names it: then the response waits, as before. */
	fn = zend_hash_str_find_ptr(CG(function_table), "fastcgi_finish_request", sizeof("fastcgi_finish_request") - 1);
	if (fn == NULL || fn->type != ZEND_INTERNAL_FUNCTION || EG(exception) != NULL) {
		return;
	}
	ZVAL_UNDEF(&rv);
	zend_call_known_function(fn, NULL, NULL, &rv, 0, NULL, NULL);
	zval_ptr_dtor(&rv);
}

static PHP_RSHUTDOWN_FUNCTION(smtpmail)
{
	php_smtpmail_quiet_t q;

	php_smtpmail_quiet_begin(&q);
	/* A send that a fatal error or a timeout unwound. */
	php_smtpmail_send_request_end();
	finish_response_before_quit();
	/* Sessions kept within this request end here (QUIT); persistent ones stay. */
	php_smtpmail_pool_request_end();
	php_smtpmail_quiet_end(&q);
	return SUCCESS;
}

/* phpinfo(): one relay as the sender will use it, e.g. "smtp.example.com:587 STARTTLS (required)". */
static void describe_relay(smart_str *out, const php_smtpmail_relay_t *r, bool tls_auto)
{
	smart_str_appends(out, strchr(r->host, ':') != NULL ? "[" : "");
	smart_str_appends(out, r->host);
	smart_str_appends(out, strchr(r->host, ':') != NULL ? "]:" : ":");
	smart_str_append_long(out, r->port);
	switch (r->tls) {
	case SMTP_TLS_IMPLICIT:
		smart_str_appends(out, tls_auto ? " implicit TLS (tls=auto, port 465)" : " implicit TLS");
		break;
	case SMTP_TLS_STARTTLS:
		smart_str_appends(out, tls_auto ? " STARTTLS, required (tls=auto)" : " STARTTLS, required");
		break;
	case SMTP_TLS_IF_OFFERED:
		smart_str_appends(out, " STARTTLS when offered and credentials are set, else no TLS (tls=auto on a loopback relay)");
		break;
	default:
		smart_str_appends(out, r->tls_none_explicit ? " no TLS (tls=\"none\")" : " no TLS");
		break;
	}
}

/* phpinfo(): what php.ini amounts to, as mail() and smtp_send() without
 * destination options would use it; an invalid value is named with the
 * message a send would give. Runs no user code. */
static void minfo_settings(void)
{
	const char *host = SMTPMAIL_G(host);
	const char *tls = SMTPMAIL_G(tls);
	bool tls_auto = tls == NULL || tls[0] == '\0' || strcasecmp(tls, "auto") == 0;
	php_smtpmail_settings_t settings;
	smart_str line = {0};
	char why[512];
	bool valid;

	php_info_print_table_row(2, "mail() and error_log() send through",
	                         host != NULL && host[0] != '\0' ? "the relay below (smtpmail.host is set)"
	                                                         : "PHP's own mail (sendmail_path): smtpmail.host is empty");
	if (host == NULL || host[0] == '\0') {
		return;
	}
	valid = php_smtpmail_check_ini_settings(&settings, why, sizeof(why));
	if (!valid) {
		smart_str_appends(&line, "INVALID: ");
		smart_str_appends(&line, why);
		smart_str_appends(&line, " (mail() returns false with this warning; smtp_send() throws it as a ValueError)");
		smart_str_0(&line);
		php_info_print_table_row(2, "Settings", ZSTR_VAL(line.s));
		smart_str_free(&line);
		return;
	}
	php_info_print_table_row(2, "Settings", "valid");
	for (size_t i = 0; i < settings.nrelays; i++) {
		if (i > 0) {
			smart_str_appends(&line, "; then ");
		}
		describe_relay(&line, &settings.relays[i], tls_auto);
	}
	smart_str_0(&line);
	php_info_print_table_row(2, settings.nrelays > 1 ? "Relays, in failover order" : "Relay", ZSTR_VAL(line.s));
	smart_str_free(&line);

	/* Credentials: which, and whether a relay will refuse to send them (no TLS
	 * there, and tls="none" not chosen: AUTH in clear text is refused). */
	if (settings.username == NULL && settings.oauth_token == NULL && !php_smtpmail_oauth_configured(&settings)) {
		smart_str_appends(&line, "none: no AUTH");
	} else {
		size_t refused = 0;
		smart_str_appends(&line, "used: ");
		smart_str_appends(&line, settings.username != NULL ? settings.username : "");
		smart_str_appends(&line, php_smtpmail_oauth_configured(&settings) ? " with OAuth 2 tokens fetched from the token endpoint"
		                         : settings.oauth_token != NULL ? " with a static OAuth token"
		                         : settings.password != NULL ? " with a password" : " without a password");
		for (size_t i = 0; i < settings.nrelays; i++) {
			const php_smtpmail_relay_t *r = &settings.relays[i];
			if (r->tls == SMTP_TLS_IF_OFFERED) {
				smart_str_appends(&line, refused++ == 0 ? "; WARNING: refused without TLS on " : ", ");
				smart_str_appends(&line, r->host);
			}
		}
		if (refused > 0) {
			smart_str_appends(&line, " if it offers no STARTTLS (tls=auto on a loopback relay uses STARTTLS when offered, "
			                         "and credentials are never sent in clear text unless you choose it: set "
			                         "smtpmail.tls = starttls or implicit, or \"none\" to allow AUTH without TLS)");
		}
	}
	smart_str_0(&line);
	php_info_print_table_row(2, "Credentials", ZSTR_VAL(line.s));
	smart_str_free(&line);
	php_info_print_table_row(2, "Certificates", !settings.verify_peer
	                         ? "NOT verified (smtpmail.verify_peer = 0): anyone on the path can read the password"
	                         : settings.cafile != NULL ? "verified against smtpmail.cafile"
	                         : "verified against openssl.cafile/openssl.capath, else the system's store");
}

/* phpinfo(): the spool. The spool's state (what smtp_spool_status() reports:
 * messages queued, waiting, failed) belongs here, after these rows. */
/* The spool's state, with the same keys and values as smtp_spool_status(). */
static void minfo_spool_status(void)
{
	smtp_spool_status_t st;
	smtp_error_t err;
	if (smtp_spool_status(SMTPMAIL_G(spool_dir), &st, &err) != SMTP_OK) {
		php_info_print_table_row(2, "spool status", err.message);
	} else {
		/* The same keys and values as smtp_spool_status(). */
		zval status, *v;
		zend_string *key;
		spool_status_array(&st, &status);
		ZEND_HASH_FOREACH_STR_KEY_VAL(Z_ARRVAL(status), key, v) {
			char label[64];
			snprintf(label, sizeof(label), "spool %s", ZSTR_VAL(key));
			if (Z_TYPE_P(v) == IS_NULL) {
				php_info_print_table_row(2, label, "none");
			} else {
				zend_string *text = zval_get_string(v);
				php_info_print_table_row(2, label, ZSTR_VAL(text));
				zend_string_release(text);
			}
		} ZEND_HASH_FOREACH_END();
		zval_ptr_dtor(&status);
	}
}

static void minfo_spool(void)
{
	const char *dir = SMTPMAIL_G(spool_dir);
	smart_str line = {0};

	if (dir == NULL || dir[0] == '\0') {
		php_info_print_table_row(2, "Spool", "off (smtpmail.spool_dir is empty): a failed send is reported at once");
		return;
	}
	smart_str_appends(&line, dir);
	smart_str_appends(&line, SMTPMAIL_G(deferred) ? " (deferred: every message is spooled and sent by smtp_spool_flush())"
	                                               : " (a message no relay could take now is kept for smtp_spool_flush())");
	smart_str_0(&line);
	php_info_print_table_row(2, "Spool", ZSTR_VAL(line.s));
	smart_str_free(&line);
	minfo_spool_status();
}

static PHP_MINFO_FUNCTION(smtpmail)
{
	char names[128];

	php_info_print_table_start();
	php_info_print_table_row(2, "smtpmail support", "enabled");
	php_info_print_table_row(2, "Version", PHP_SMTPMAIL_VERSION);
	minfo_settings();
	minfo_spool();
	php_info_print_table_row(2, "AUTH mechanisms", smtp_sasl_known_names(names, sizeof(names)));
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
