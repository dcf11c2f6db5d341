/* smtp_error.c: see smtp_error.h. */
#include "smtp_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

smtp_rc_t smtp_error_set(smtp_error_t *err, smtp_rc_t rc, smtp_stage_t stage, int code,
                         const char *fmt, ...)
{
	va_list ap;

	if (err == NULL) {
		return rc;
	}
	err->rc = rc;
	err->stage = stage;
	err->code = code;
	err->enhanced[0] = '\0';
	va_start(ap, fmt);
	/* vsnprintf truncates and always terminates; a cut message is still useful. */
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return rc;
}

void smtp_error_clear(smtp_error_t *err)
{
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
	}
}

bool smtp_error_is_transient(const smtp_error_t *err)
{
	/* RFC 5321 4.2.1: whatever the step, a 4yz reply is a transient failure
	 * and a 5yz reply a permanent one. */
	if (err->code >= 400 && err->code < 500) {
		return true;
	}
	if (err->code >= 500 && err->code < 600) {
		return false;
	}
	switch (err->rc) {
	case SMTP_E_CONNECT:
	case SMTP_E_TIMEOUT:
	case SMTP_E_CLOSED:
	case SMTP_E_IO:
	case SMTP_E_BUSY:
		return true;
	case SMTP_E_REPLY:
		/* RFC 5321 4.2.1: 4yz is a transient negative completion reply. */
		return err->code >= 400 && err->code < 500;
	default:
		return false;
	}
}

const char *smtp_stage_name(smtp_stage_t stage)
{
	switch (stage) {
	case SMTP_STAGE_NONE: return "none";
	case SMTP_STAGE_MESSAGE: return "message";
	case SMTP_STAGE_CONNECT: return "connect";
	case SMTP_STAGE_GREETING: return "greeting";
	case SMTP_STAGE_EHLO: return "ehlo";
	case SMTP_STAGE_TLS: return "tls";
	case SMTP_STAGE_AUTH: return "auth";
	case SMTP_STAGE_MAIL: return "mail";
	case SMTP_STAGE_RCPT: return "rcpt";
	case SMTP_STAGE_DATA: return "data";
	case SMTP_STAGE_RSET: return "rset";
	case SMTP_STAGE_QUIT: return "quit";
	}
	return "unknown";
}

const char *smtp_rc_name(smtp_rc_t rc)
{
	switch (rc) {
	case SMTP_OK: return "ok";
	case SMTP_E_ARG: return "invalid argument";
	case SMTP_E_CONNECT: return "connection failed";
	case SMTP_E_TIMEOUT: return "timeout";
	case SMTP_E_CLOSED: return "connection closed";
	case SMTP_E_IO: return "I/O error";
	case SMTP_E_TLS: return "TLS error";
	case SMTP_E_PROTOCOL: return "protocol error";
	case SMTP_E_REPLY: return "server refused";
	case SMTP_E_AUTH: return "authentication error";
	case SMTP_E_LIMIT: return "limit exceeded";
	case SMTP_E_NOMEM: return "out of memory";
	case SMTP_E_STATE: return "session unusable";
	case SMTP_E_INTERNAL: return "internal error";
	case SMTP_E_BUSY: return "local limit reached";
	}
	return "unknown error";
}

bool smtp_ascii_iequal(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z') {
			x = (unsigned char)(x - 'A' + 'a');
		}
		if (y >= 'A' && y <= 'Z') {
			y = (unsigned char)(y - 'A' + 'a');
		}
		if (x != y) {
			return false;
		}
	}
	return true;
}

size_t smtp_text_sanitize(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i, n = 0;

	if (cap == 0) {
		return 0;
	}
	for (i = 0; i < len && n + 1 < cap; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (i < len && cap > 4) {
		n = n > cap - 4 ? cap - 4 : n;
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
	return n;
}
