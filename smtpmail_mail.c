/*
 * smtpmail_mail.c: PHP's mail() and error_log() type 1, sent through the
 * relay while smtpmail.host is set. Both keep PHP's own signature, argument
 * checks, logs and headers; with smtpmail.host empty they are PHP's own.
 */
#ifdef HAVE_CONFIG_H
# include "config.h"
#endif

#include "php.h"
#include "ext/standard/basic_functions.h"
#include "ext/standard/pageinfo.h"
#include "ext/standard/php_mail.h"
#include "ext/standard/php_string.h"
#include "zend_exceptions.h"
#include "zend_smart_str.h"

#include "php_smtpmail.h"

typedef php_smtpmail_settings_t smtpmail_settings_t;
typedef php_smtpmail_input_t smtpmail_input_t;

/* PHP's own mail() and error_log(), called when smtpmail.host is empty. */
static zif_handler original_mail_handler;
static zif_handler original_error_log_handler;

/* Only a php.ini mistake makes php_smtpmail_load_settings() fail without $options: the
 * mail() family reports it the way it reports failures, with a warning. */
static void settings_failure_as_warning(void)
{
	zend_object *ex = EG(exception);

	if (ex != NULL) {
		/* A ValueError is an Error, not an Exception: read the message
		 * through the class that declares it for this object. */
		zval rv;
		zend_class_entry *base = instanceof_function(ex->ce, zend_ce_exception) ? zend_ce_exception : zend_ce_error;
		zval *msg = zend_read_property_ex(base, ex, ZSTR_KNOWN(ZEND_STR_MESSAGE), 1, &rv);
		zend_string *text = Z_TYPE_P(msg) == IS_STRING ? zend_string_copy(Z_STR_P(msg)) : NULL;
		zend_clear_exception();
		php_error_docref(NULL, E_WARNING, "smtpmail: %s", text != NULL ? ZSTR_VAL(text) : "invalid settings");
		if (text != NULL) {
			zend_string_release(text);
		}
	}
}

/* Splits mail()'s fifth argument into words as sh would (POSIX 2.2 Quoting):
 * '...' keeps everything, "..." keeps everything but \ before $ ` " \, and \
 * outside quotes keeps the next character. Nothing is expanded or executed.
 * A quote without its closing one is an ordinary character, as PHP's mail()
 * leaves it (escapeshellcmd() escapes an unpaired quote). Returns the words
 * in a new packed array. */
static void sendmail_params_split(const char *p, zval *words)
{
	smart_str word = {0};
	bool in_word = false;

	array_init(words);
	for (;;) {
		char c = *p;
		if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
			if (in_word) {
				smart_str_0(&word);
				add_next_index_str(words, word.s != NULL ? word.s : ZSTR_EMPTY_ALLOC());
				word.s = NULL;
				in_word = false;
			}
			if (c == '\0') {
				return;
			}
			p++;
			continue;
		}
		in_word = true;
		if (c == '\\' && p[1] != '\0') {
			smart_str_appendc(&word, p[1]);
			p += 2;
		} else if (c == '\'' && strchr(p + 1, '\'') != NULL) {
			const char *close = strchr(p + 1, '\'');
			smart_str_appendl(&word, p + 1, (size_t)(close - p - 1));
			p = close + 1;
		} else if (c == '"' && strchr(p + 1, '"') != NULL) {
			for (p++; *p != '"'; p++) {
				if (*p == '\\' && (p[1] == '$' || p[1] == '`' || p[1] == '"' || p[1] == '\\')) {
					p++;
				}
				if (*p == '\0') {
					/* The closing quote was escaped: the rest is the word. */
					break;
				}
				smart_str_appendc(&word, *p);
			}
			if (*p == '"') {
				p++;
			}
		} else {
			smart_str_appendc(&word, c);
			p++;
		}
	}
}

/* sendmail options that change nothing for a relay: -i/-oi (a lone dot does
 * not end the message: smtpmail dot-stuffs), -t (recipients from the header:
 * smtpmail always reads To, Cc and Bcc), -odb/-odq/-odi (delivery mode: the
 * relay queues), -oe* (how errors are reported: mail() returns false). */
static bool sendmail_option_harmless(const char *w)
{
	static const char *const harmless[] = { "-i", "-oi", "-t", "-odb", "-odq", "-odi", "-oem", "-oee", "-oep", "-oeq", "-oew" };
	size_t i;

	for (i = 0; i < sizeof(harmless) / sizeof(harmless[0]); i++) {
		if (strcmp(w, harmless[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* sendmail options whose value is the next word when not attached. */
static bool sendmail_option_takes_value(const char *w)
{
	return w[0] == '-' && w[1] != '\0' && w[2] == '\0' && strchr("fFrNRVBCXLOph", w[1]) != NULL;
}

/* mail()'s fifth argument was a sendmail command line. Only the envelope sender
 * (-f address, -faddress, or the older -r) means anything for a relay; harmless
 * options pass silently, the rest is ignored with a notice, and none of it ever
 * reaches a shell. Returns the sender (emalloc'd) or NULL. */
static char *sendmail_params_sender(const char *params)
{
	zval words;
	char *sender = NULL;
	uint32_t i, n;

	sendmail_params_split(params, &words);
	n = zend_hash_num_elements(Z_ARRVAL(words));
	for (i = 0; i < n; i++) {
		const char *w = Z_STRVAL_P(zend_hash_index_find(Z_ARRVAL(words), i));
		const char *value = NULL;
		bool has_value = sendmail_option_takes_value(w) && i + 1 < n;

		if (has_value) {
			value = Z_STRVAL_P(zend_hash_index_find(Z_ARRVAL(words), i + 1));
		}
		if (sendmail_option_harmless(w)) {
			continue;
		}
		if (strncmp(w, "-f", 2) == 0 || strncmp(w, "-r", 2) == 0) {
			const char *addr = w[2] != '\0' ? w + 2 : value;
			if (w[2] == '\0' && has_value) {
				i++;
			}
			if (addr == NULL || addr[0] == '\0') {
				php_error_docref(NULL, E_NOTICE, "smtpmail ignores a sendmail %.2s option without an address", w);
				continue;
			}
			if (sender != NULL) {
				efree(sender);
			}
			sender = estrdup(addr);
			continue;
		}
		if (has_value) {
			php_error_docref(NULL, E_NOTICE, "smtpmail ignores the sendmail option \"%s %s\"", w, value);
			i++;
		} else {
			php_error_docref(NULL, E_NOTICE, "smtpmail ignores the sendmail option \"%s\"", w);
		}
	}
	zval_ptr_dtor(&words);
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
	/* As PHP's mail() (php-src gh7875): a handler that threw while mail.log
	 * was written stops the mail. */
	if (EG(exception)) {
		return false;
	}
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
	in.mail_parity = true;
	ok = php_smtpmail_send_message(settings, &in, false, NULL);
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

	if (!php_smtpmail_load_settings(&settings, NULL, 0)) {
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
	if (!php_smtpmail_load_settings(&settings, NULL, 0)) {
		settings_failure_as_warning();
		RETURN_FALSE;
	}
	RETURN_BOOL(php_mail_through_relay(&settings, to != NULL ? to : "", "PHP error_log message", message, message_len,
	                                   headers, headers_len, NULL));
}

/* Takes over mail() and error_log(): the handlers decide per call whether smtpmail.host is set. */
void php_smtpmail_hooks_install(void)
{
	zend_function *fn = zend_hash_str_find_ptr(CG(function_table), "mail", sizeof("mail") - 1);

	if (fn != NULL && fn->type == ZEND_INTERNAL_FUNCTION) {
		original_mail_handler = fn->internal_function.handler;
		fn->internal_function.handler = zif_smtpmail_mail;
	}
	fn = zend_hash_str_find_ptr(CG(function_table), "error_log", sizeof("error_log") - 1);
	if (fn != NULL && fn->type == ZEND_INTERNAL_FUNCTION) {
		original_error_log_handler = fn->internal_function.handler;
		fn->internal_function.handler = zif_smtpmail_error_log;
	}
}

void php_smtpmail_hooks_remove(void)
{
	zend_function *fn = zend_hash_str_find_ptr(CG(function_table), "mail", sizeof("mail") - 1);

	if (fn != NULL && original_mail_handler != NULL && fn->type == ZEND_INTERNAL_FUNCTION
	    && fn->internal_function.handler == zif_smtpmail_mail) {
		fn->internal_function.handler = original_mail_handler;
	}
	fn = zend_hash_str_find_ptr(CG(function_table), "error_log", sizeof("error_log") - 1);
	if (fn != NULL && original_error_log_handler != NULL && fn->type == ZEND_INTERNAL_FUNCTION
	    && fn->internal_function.handler == zif_smtpmail_error_log) {
		fn->internal_function.handler = original_error_log_handler;
	}
}
