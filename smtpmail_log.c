/*
 * smtpmail_log.c: the two logs a send may write.
 *
 * - PHP's own mail.log, for mail() calls through the hook, in exactly the
 *   format PHP's mail() writes, so log readers built for it keep working.
 * - smtpmail.log: one line per message (sent, failed or spooled) with the
 *   relay, the envelope sender, counts, the outcome, the server's queue id,
 *   the duration and the TLS version, as logfmt key=value pairs. Never a
 *   password, and server text is sanitised to one printable line.
 */
#ifdef HAVE_CONFIG_H
# include "config.h"
#endif

#include "php.h"
#include "php_syslog.h"
#include "ext/date/php_date.h"
#include "zend_smart_str.h"

#include "php_smtpmail.h"
#include "smtp_core/smtp_compat.h"

#ifndef LOG_NOTICE
# define LOG_NOTICE 5
#endif
#ifndef LOG_INFO
# define LOG_INFO 6
#endif
#ifndef LOG_WARNING
# define LOG_WARNING 4
#endif
#ifndef LOG_ERR
# define LOG_ERR 3
#endif

static const struct {
	const char *name;
	int priority;
} levels[] = {
	[PHP_SMTPMAIL_LOG_INFO] = {"info", LOG_INFO},
	[PHP_SMTPMAIL_LOG_WARNING] = {"warning", LOG_WARNING},
	[PHP_SMTPMAIL_LOG_ERR] = {"err", LOG_ERR},
};

/* PHP's mail.log, as PHP's mail() writes it: through the stream layer, with
 * its warnings. It is written before a send starts, so a user error handler
 * that runs here finds nothing half done. */
static void append_to_file(const char *path, const char *line, size_t len)
{
	php_stream *stream = php_stream_open_wrapper((char *)path, "a", REPORT_ERRORS | STREAM_DISABLE_OPEN_BASEDIR, NULL);

	if (stream != NULL) {
		php_stream_write(stream, line, len);
		php_stream_close(stream);
	}
}

static void crlf_to_spaces(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n') {
			*s = ' ';
		}
	}
}

void php_smtpmail_mail_log(const char *to, const char *headers, const char *subject)
{
	const char *target = INI_STR("mail.log");
	char *line;

	if (target == NULL || target[0] == '\0') {
		return;
	}
	spprintf(&line, 0, "mail() on [%s:%d]: To: %s -- Headers: %s -- Subject: %s", zend_get_executed_filename(),
	         zend_get_executed_lineno(), to, headers != NULL ? headers : "", subject);
	crlf_to_spaces(line);
	if (strcmp(target, "syslog") == 0) {
		php_syslog(LOG_NOTICE, "%s", line);
	} else {
		zend_string *date = php_format_date("d-M-Y H:i:s e", sizeof("d-M-Y H:i:s e") - 1, time(NULL), 1);
		char *stamped;
		size_t len = spprintf(&stamped, 0, "[%s] %s%s", ZSTR_VAL(date), line, PHP_EOL);
		append_to_file(target, stamped, len);
		efree(stamped);
		zend_string_release(date);
	}
	efree(line);
}

/* A value that cannot break the line or the key=value syntax. */
static void put_value(smart_str *out, const char *key, const char *value)
{
	char clean[SMTP_ERROR_MESSAGE_MAX];
	size_t n = smtp_text_sanitize(clean, sizeof(clean), value, strlen(value));
	bool quote = n == 0 || strpbrk(clean, " \"=") != NULL;

	smart_str_appendc(out, ' ');
	smart_str_appends(out, key);
	smart_str_appendc(out, '=');
	if (quote) {
		smart_str_appendc(out, '"');
		for (size_t i = 0; i < n; i++) {
			smart_str_appendc(out, clean[i] == '"' ? '\'' : clean[i]);
		}
		smart_str_appendc(out, '"');
	} else {
		smart_str_appendl(out, clean, n);
	}
}

bool php_smtpmail_log_send(const php_smtpmail_log_entry_t *e, char *why, size_t cap)
{
	const char *target = SMTPMAIL_G(log);
	smart_str line = {0};
	zend_string *date;

	if (target == NULL || target[0] == '\0') {
		return true;
	}
	date = php_format_date("Y-m-d\\TH:i:s\\Z", sizeof("Y-m-d\\TH:i:s\\Z") - 1, time(NULL), 0);
	smart_str_append(&line, date);
	zend_string_release(date);
	smart_str_appends(&line, " smtpmail level=");
	smart_str_appends(&line, levels[e->level].name);
	put_value(&line, "relay", e->peer);
	smart_str_appends(&line, " from=<");
	{
		char clean[SMTP_ERROR_MESSAGE_MAX];
		smtp_text_sanitize(clean, sizeof(clean), e->from, strlen(e->from));
		smart_str_appends(&line, clean);
	}
	smart_str_appendc(&line, '>');
	smart_str_appends(&line, " rcpts=");
	smart_str_append_unsigned(&line, (zend_ulong)e->rcpts);
	smart_str_appends(&line, " size=");
	smart_str_append_unsigned(&line, (zend_ulong)e->size);
	put_value(&line, "outcome", e->outcome);
	if (e->queue_id != NULL && e->queue_id[0] != '\0') {
		put_value(&line, "queue_id", e->queue_id);
	}
	if (e->spool_id != NULL && e->spool_id[0] != '\0') {
		put_value(&line, "spool_id", e->spool_id);
	}
	smart_str_appends(&line, " duration_ms=");
	smart_str_append_unsigned(&line, (zend_ulong)e->duration_ms);
	put_value(&line, "tls", e->tls != NULL && e->tls[0] != '\0' ? e->tls : "none");
	if (e->error != NULL) {
		put_value(&line, "stage", smtp_stage_name(e->error->stage));
		smart_str_appends(&line, " code=");
		smart_str_append_long(&line, e->error->code);
		put_value(&line, "error", e->error->message);
	}
	smart_str_0(&line);
	if (strcmp(target, "syslog") == 0) {
		php_syslog(levels[e->level].priority, "%s", ZSTR_VAL(line.s));
	} else {
		/* smtpmail.log is written during a send: straight to the file (no
		 * stream wrapper a script could have replaced, no PHP warning that a
		 * user error handler would see); trouble goes back to the caller. */
		int err;
		smart_str_appends(&line, PHP_EOL);
		err = smtp_file_append(target, ZSTR_VAL(line.s), ZSTR_LEN(line.s));
		if (err != 0) {
			char text[128];
			smtp_os_err_text(err, text, sizeof(text));
			snprintf(why, cap, "cannot write smtpmail.log %s: %s", target, text);
			smart_str_free(&line);
			return false;
		}
	}
	smart_str_free(&line);
	return true;
}
