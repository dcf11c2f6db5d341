/*
 * smtpmail_stream.c: smtp_core's transport on PHP streams.
 *
 * TCP through php_stream_xport_create(), TLS through ext/openssl's crypto API
 * (php_stream_xport_crypto_setup/enable), so certificate verification, SNI,
 * openssl.cafile and stream context "ssl" options behave as PHP users know.
 * The stream is unbuffered: every byte read sits in the session's own buffer,
 * which is what lets the session see plaintext injected before a TLS handshake.
 */
#ifdef HAVE_CONFIG_H
# include "config.h"
#endif

#include "php.h"
#include "php_network.h"
#include "php_streams.h"
#include "ext/standard/file.h"
#include "zend_exceptions.h"

#ifndef PHP_WIN32
# include <netinet/tcp.h>
#endif

#include <openssl/x509.h>

#include "php_smtpmail.h"
#include "smtp_core/smtp_compat.h"

/* Longest OpenSSL complaint kept in a TLS error message. */
#define SMTPMAIL_TLS_DETAIL_MAX 300

static void set_deadline(php_stream *stream, uint64_t deadline_ms)
{
	uint64_t now = smtp_clock_ms();
	uint64_t left = deadline_ms > now ? deadline_ms - now : 1;
	struct timeval tv;

	tv.tv_sec = (time_t)(left / 1000);
	tv.tv_usec = ((left % 1000) * 1000);
	php_stream_set_option(stream, PHP_STREAM_OPTION_READ_TIMEOUT, 0, &tv);
}

/* Both the plain socket and ext/openssl's socket data start with php_netstream_data_t. */
static bool timed_out(php_stream *stream)
{
	php_netstream_data_t *sock = (php_netstream_data_t *)stream->abstract;
	return sock != NULL && sock->timeout_event;
}

/* Linux delays an ACK by up to 40 ms hoping to piggyback it; a server that
 * waits for that ACK before it answers (Postfix after a TLS 1.3 session
 * ticket) then stalls every new session. Asking for quick ACKs before each
 * wait for a reply costs one setsockopt. Elsewhere there is no such knob. */
static void ack_quickly(php_smtpmail_conn *conn)
{
	/* ("for select": ext/openssl refuses the plain socket of a TLS stream.) */
#ifdef TCP_QUICKACK
	php_socket_t fd;
	int one = 1;

	if (php_stream_cast(conn->stream, PHP_STREAM_AS_FD_FOR_SELECT | PHP_STREAM_CAST_INTERNAL, (void **)&fd, 0) == SUCCESS) {
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, (char *)&one, sizeof(one));
	}
#else
	(void)conn;
#endif
}

static smtp_rc_t stream_read(void *ctx, char *buf, size_t cap, size_t *got, uint64_t deadline_ms,
                             smtp_error_t *err)
{
	php_smtpmail_conn *conn = ctx;

	*got = 0;
	ack_quickly(conn);
	for (;;) {
		ssize_t n;

		if (smtp_clock_ms() >= deadline_ms) {
			return smtp_error_set(err, SMTP_E_TIMEOUT, SMTP_STAGE_NONE, 0, "timed out");
		}
		set_deadline(conn->stream, deadline_ms);
		n = php_stream_read(conn->stream, buf, cap);
		if (n > 0) {
			*got = (size_t)n;
			return SMTP_OK;
		}
		if (timed_out(conn->stream)) {
			return smtp_error_set(err, SMTP_E_TIMEOUT, SMTP_STAGE_NONE, 0, "timed out");
		}
		if (php_stream_eof(conn->stream)) {
			return smtp_error_set(err, SMTP_E_CLOSED, SMTP_STAGE_NONE, 0, "the server closed the connection");
		}
		if (n < 0) {
			return smtp_error_set(err, SMTP_E_IO, SMTP_STAGE_NONE, 0, "read failed");
		}
		/* n == 0 without EOF or timeout: interrupted; try again within the deadline. */
	}
}

static smtp_rc_t stream_write(void *ctx, const char *buf, size_t len, uint64_t deadline_ms, smtp_error_t *err)
{
	php_smtpmail_conn *conn = ctx;
	ssize_t n;

	set_deadline(conn->stream, deadline_ms);
	n = php_stream_write(conn->stream, buf, len);
	if (n >= 0 && (size_t)n == len) {
		return SMTP_OK;
	}
	if (timed_out(conn->stream)) {
		return smtp_error_set(err, SMTP_E_TIMEOUT, SMTP_STAGE_NONE, 0, "timed out while writing");
	}
	return smtp_error_set(err, SMTP_E_CLOSED, SMTP_STAGE_NONE, 0, "write failed: connection lost");
}

/* Readable without waiting: bytes, or the peer's close. The socket of a TLS
 * stream is only handed out "for select", which is what this is. */
static bool stream_readable(php_smtpmail_conn *conn, php_socket_t *fd_out)
{
	php_socket_t fd;

	if (php_stream_cast(conn->stream, PHP_STREAM_AS_FD_FOR_SELECT | PHP_STREAM_CAST_INTERNAL, (void **)&fd, 0) != SUCCESS) {
		return false;
	}
	if (fd_out != NULL) {
		*fd_out = fd;
	}
	return php_pollfd_for_ms(fd, POLLIN, 0) > 0;
}

/* Bytes are waiting (not merely the close): what a server slipped in after
 * its 220 to STARTTLS. A close there is not an injection: the handshake
 * will then fail as a dropped connection. */
static bool stream_pending(void *ctx)
{
	php_smtpmail_conn *conn = ctx;
	php_socket_t fd;
	char byte;

	if (!stream_readable(conn, &fd)) {
		return false;
	}
	return recv(fd, &byte, 1, MSG_PEEK) > 0;
}

/* While smtpmail works, no PHP code of the user's runs: see php_smtpmail_quiet_t. */
void php_smtpmail_quiet_begin(php_smtpmail_quiet_t *q)
{
	ZVAL_COPY_VALUE(&q->handler, &EG(user_error_handler));
	ZVAL_UNDEF(&EG(user_error_handler));
	q->reporting = EG(error_reporting);
	EG(error_reporting) = 0;
}

void php_smtpmail_quiet_end(php_smtpmail_quiet_t *q)
{
	EG(error_reporting) = q->reporting;
	/* Nothing can have set a handler meanwhile: no user code ran. */
	if (Z_TYPE(EG(user_error_handler)) != IS_UNDEF) {
		zval_ptr_dtor(&EG(user_error_handler));
	}
	ZVAL_COPY_VALUE(&EG(user_error_handler), &q->handler);
}

/* ext/openssl reports TLS failures as PHP warnings. Within a send they belong in
 * our exception, not on the page: keep them quiet and take the text of the last one. */
typedef php_smtpmail_quiet_t quiet_errors_t;

static void quiet_begin(quiet_errors_t *q)
{
	php_smtpmail_quiet_begin(q);
	if (PG(last_error_message)) {
		zend_string_release(PG(last_error_message));
		PG(last_error_message) = NULL;
	}
}

static void quiet_end(quiet_errors_t *q, char *detail, size_t cap)
{
	const char *text;
	size_t len;

	php_smtpmail_quiet_end(q);
	detail[0] = '\0';
	if (PG(last_error_message) == NULL) {
		return;
	}
	/* Drop the "smtp_send(): " that php_error_docref put in front. */
	text = ZSTR_VAL(PG(last_error_message));
	len = ZSTR_LEN(PG(last_error_message));
	{
		const char *cut = strstr(text, "(): ");
		if (cut != NULL && cut < text + 40) {
			len -= (size_t)(cut + 4 - text);
			text = cut + 4;
		}
	}
	smtp_text_sanitize(detail, cap, text, len);
}

/* The usual causes of a failed handshake, with what to do about them. */
static const char *tls_hint(const char *detail)
{
	if (strstr(detail, "certificate verify failed") != NULL) {
		return "the certificate is not issued by a CA this machine trusts: set smtpmail.cafile "
		       "(or openssl.cafile) to the issuing CA, or fix the server's certificate chain";
	}
	if (strstr(detail, "did not match expected") != NULL) {
		return "the certificate is for another name: connect by a name the certificate lists";
	}
	if (strstr(detail, "wrong version number") != NULL || strstr(detail, "packet length too long") != NULL) {
		return "the server does not speak TLS here: use tls=starttls on a submission port such "
		       "as 587, tls=implicit on 465";
	}
	if (strstr(detail, "unsupported protocol") != NULL || strstr(detail, "protocol version") != NULL) {
		return "the server offers no TLS version from 1.2 up";
	}
	return NULL;
}

static smtp_rc_t stream_starttls(void *ctx, uint64_t deadline_ms, smtp_error_t *err)
{
	php_smtpmail_conn *conn = ctx;
	quiet_errors_t q;
	char detail[SMTPMAIL_TLS_DETAIL_MAX];
	int rc;

	set_deadline(conn->stream, deadline_ms);
	quiet_begin(&q);
	/* TLS 1.2 is the floor (RFC 8996 retired 1.0 and 1.1). */
	rc = php_stream_xport_crypto_setup(conn->stream,
	                                   STREAM_CRYPTO_METHOD_TLSv1_2_CLIENT | STREAM_CRYPTO_METHOD_TLSv1_3_CLIENT,
	                                   NULL);
	if (rc >= 0) {
		rc = php_stream_xport_crypto_enable(conn->stream, 1);
	}
	quiet_end(&q, detail, sizeof(detail));
	if (rc < 0 || EG(exception)) {
		if (EG(exception)) {
			zend_clear_exception();
		}
		const char *hint = tls_hint(detail);
		/* A handshake the peer cut short or never answered is a connection
		 * failure (transient); a refused certificate or protocol is not. */
		smtp_rc_t kind = timed_out(conn->stream) ? SMTP_E_TIMEOUT
		                 : (hint == NULL && (php_stream_eof(conn->stream) || strstr(detail, "EOF") != NULL
		                                     || strstr(detail, "eof") != NULL || strstr(detail, "reset") != NULL
		                                     || strstr(detail, "Broken pipe") != NULL || strstr(detail, "timed out") != NULL))
		                       ? SMTP_E_CLOSED
		                       : SMTP_E_TLS;
		return smtp_error_set(err, kind, SMTP_STAGE_TLS, 0, "TLS handshake failed%s%s%s%s%s",
		                      detail[0] ? ": " : "", detail, hint != NULL ? " (" : "", hint != NULL ? hint : "",
		                      hint != NULL ? ")" : "");
	}
	return SMTP_OK;
}

/* The connection is smtpmail's alone. Every PHP stream is also a resource of
 * the request, which get_resources() hands to any script: fclose() on it
 * would leave the pool a freed stream, fwrite() would put commands into an
 * authenticated session. Taken out of the request's resource list (as mysqlnd
 * does with its connections), it is reachable only through the pool; closing
 * it is the pool's job (php_smtpmail_stream_close). */
static void unlist(php_stream *stream)
{
	dtor_func_t dtor;

	if (stream->res == NULL) {
		return;
	}
	dtor = EG(regular_list).pDestructor;
	EG(regular_list).pDestructor = NULL;
	zend_hash_index_del(&EG(regular_list), stream->res->handle);
	EG(regular_list).pDestructor = dtor;
	efree(stream->res);
	stream->res = NULL;
}

void php_smtpmail_stream_detach_context(php_smtpmail_conn *conn)
{
	/* The context is a resource of this request too: a kept (persistent)
	 * session must not point at it once the request ends, and after the
	 * handshake nothing reads it. */
	if (conn != NULL && conn->stream != NULL && PHP_STREAM_CONTEXT(conn->stream) != NULL) {
		php_stream_context_set(conn->stream, NULL);
	}
}

/* Trust anchors are fixed when the module starts: the system's default CA file
 * and directory as OpenSSL names them, or as SSL_CERT_FILE / SSL_CERT_DIR said
 * in the environment the server was started with. OpenSSL would read those
 * variables again at every handshake, and a script's putenv() could then make
 * its own CA trusted for the php.ini credentials. Written once in MINIT, read
 * only afterwards (also by the threads of a ZTS build). */
static char startup_cafile[1024];
static char startup_capath[1024];

static void startup_path(char *out, size_t cap, const char *env_name, const char *fallback)
{
	const char *v = env_name != NULL ? getenv(env_name) : NULL;
	snprintf(out, cap, "%s", v != NULL && v[0] != '\0' ? v : (fallback != NULL ? fallback : ""));
}

void php_smtpmail_stream_minit(void)
{
	startup_path(startup_cafile, sizeof(startup_cafile), X509_get_default_cert_file_env(), X509_get_default_cert_file());
	startup_path(startup_capath, sizeof(startup_capath), X509_get_default_cert_dir_env(), X509_get_default_cert_dir());
}

/* An openssl.* setting as php.ini (or the server's configuration) gave it: a
 * .user.ini or php_value may change openssl.cafile (PHP_INI_PERDIR), and that
 * must not decide whom smtpmail trusts. "" when unset. */
static const char *ini_as_configured(const char *name)
{
	zend_ini_entry *e = zend_hash_str_find_ptr(EG(ini_directives), name, strlen(name));
	zend_string *v;

	if (e == NULL) {
		return "";
	}
	v = e->modified && e->orig_value != NULL ? e->orig_value : e->value;
	return v != NULL ? ZSTR_VAL(v) : "";
}

static void set_ssl_option(php_stream_context *context, const char *name, zval *value, bool keep_user_value)
{
	if (keep_user_value && php_stream_context_get_option(context, "ssl", name) != NULL) {
		return;
	}
	php_stream_context_set_option(context, "ssl", name, value);
}

smtp_rc_t php_smtpmail_stream_connect(php_smtpmail_conn *conn, const php_smtpmail_settings_t *s,
                                      bool implicit_tls, smtp_error_t *err)
{
	zend_string *errstr = NULL;
	int errcode = 0; /* unused: errstr says it all */
	struct timeval tv;
	char *url;
	size_t url_len;
	char *persistent_id = NULL;
	php_stream_context *context = php_stream_context_alloc();
	zval zv;
	bool ipv6 = strchr(s->host, ':') != NULL;

	snprintf(conn->peer, sizeof(conn->peer), ipv6 ? "[%s]:" ZEND_LONG_FMT : "%s:" ZEND_LONG_FMT, s->host, s->port);
	snprintf(conn->tls_host, sizeof(conn->tls_host), "%s", s->host);
	url_len = spprintf(&url, 0, "tcp://%s", conn->peer);
	if (conn->persistent) {
		/* Our pool decides reuse; a unique id keeps PHP from handing this
		 * stream to anyone else. */
		spprintf(&persistent_id, 0, "smtpmail:%s:" ZEND_ULONG_FMT, conn->key, ++SMTPMAIL_G(persistent_serial));
	}

	/* Certificate checks: the caller's context "ssl" options, with ours filling
	 * in what it did not say. */
	if (s->user_context != NULL) {
		zval *ssl = zend_hash_str_find(Z_ARRVAL(s->user_context->options), "ssl", sizeof("ssl") - 1);
		if (ssl != NULL && Z_TYPE_P(ssl) == IS_ARRAY) {
			zend_string *name;
			zval *v;
			ZEND_HASH_FOREACH_STR_KEY_VAL(Z_ARRVAL_P(ssl), name, v) {
				if (name != NULL) {
					php_stream_context_set_option(context, "ssl", ZSTR_VAL(name), v);
				}
			} ZEND_HASH_FOREACH_END();
		}
	}
	ZVAL_STRING(&zv, s->host);
	set_ssl_option(context, "peer_name", &zv, true);
	zval_ptr_dtor(&zv);
	ZVAL_BOOL(&zv, s->verify_peer);
	set_ssl_option(context, "verify_peer", &zv, true);
	set_ssl_option(context, "verify_peer_name", &zv, true);
	ZVAL_FALSE(&zv);
	set_ssl_option(context, "allow_self_signed", &zv, true);
	ZVAL_TRUE(&zv);
	set_ssl_option(context, "SNI_enabled", &zv, true);
	if (s->capture_peer_cert) {
		ZVAL_TRUE(&zv);
		php_stream_context_set_option(context, "ssl", "capture_peer_cert", &zv);
	}
	/* Whom to trust: smtpmail.cafile (or options["cafile"]), else openssl.cafile
	 * and openssl.capath as configured, else the system's store as the module
	 * found it at startup. Always named here, so that ext/openssl consults
	 * neither a setting a script's directory changed nor the environment. */
	{
		const char *cafile = s->cafile != NULL && s->cafile[0] != '\0' ? s->cafile : ini_as_configured("openssl.cafile");
		const char *capath = ini_as_configured("openssl.capath");
#ifndef PHP_WIN32
		if (capath[0] == '\0') {
			/* A CA file alone must stay alone: naming the file as the
			 * directory too matches no certificate (lookups in a directory
			 * by hash find nothing in a file), where leaving it unnamed
			 * would let ext/openssl read openssl.capath as a script's
			 * directory set it. Neither named: the system's store. */
			capath = cafile[0] != '\0' ? cafile : startup_capath;
		}
		if (cafile[0] == '\0') {
			cafile = startup_cafile;
		}
#endif
		/* Windows: with neither named, ext/openssl verifies against the
		 * Windows certificate store. */
		if (cafile[0] != '\0') {
			ZVAL_STRING(&zv, cafile);
			set_ssl_option(context, "cafile", &zv, true);
			zval_ptr_dtor(&zv);
		}
		if (capath[0] != '\0') {
			ZVAL_STRING(&zv, capath);
			set_ssl_option(context, "capath", &zv, true);
			zval_ptr_dtor(&zv);
		}
	}

	tv.tv_sec = (time_t)(s->timeout_ms / 1000);
	tv.tv_usec = ((s->timeout_ms % 1000) * 1000);
	/* Name resolution reports its failure as a PHP warning too: keep it in errstr only. */
	{
		quiet_errors_t q;
		char ignored[8];
		quiet_begin(&q);
		conn->stream = php_stream_xport_create(url, url_len, 0, STREAM_XPORT_CLIENT | STREAM_XPORT_CONNECT,
		                                       persistent_id, &tv, context, &errstr, &errcode);
		quiet_end(&q, ignored, sizeof(ignored));
	}
	efree(url);
	if (persistent_id != NULL) {
		efree(persistent_id);
	}
	/* The stream holds its own reference to the context for as long as it
	 * needs it (until it closes, or the request ends for a persistent one). */
	zend_list_delete(context->res);
	if (conn->stream == NULL) {
		char detail[200];
		detail[0] = '\0';
		if (errstr != NULL) {
			smtp_text_sanitize(detail, sizeof(detail), ZSTR_VAL(errstr), ZSTR_LEN(errstr));
			zend_string_release(errstr);
		}
		return smtp_error_set(err, SMTP_E_CONNECT, SMTP_STAGE_CONNECT, 0, "cannot connect: %s",
		                      detail[0] ? detail : "unknown error");
	}
	if (errstr != NULL) {
		zend_string_release(errstr);
	}
	unlist(conn->stream);
	php_stream_set_option(conn->stream, PHP_STREAM_OPTION_READ_BUFFER, PHP_STREAM_BUFFER_NONE, NULL);
	/* A failed send or receive is reported by the session, with its stage: not
	 * also as a PHP notice ("Send of N bytes failed"). */
	conn->stream->flags |= PHP_STREAM_FLAG_SUPPRESS_ERRORS;
	{
		/* Commands are batched into one write per round trip already; Nagle's
		 * algorithm would only hold the last segment back for a delayed ACK. */
		php_socket_t fd;
		int one = 1;
		if (php_stream_cast(conn->stream, PHP_STREAM_AS_SOCKETD | PHP_STREAM_CAST_INTERNAL, (void **)&fd, 0)
		    == SUCCESS) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, (char *)&one, sizeof(one));
		}
	}
	conn->transport.ctx = conn;
	conn->transport.read = stream_read;
	conn->transport.write = stream_write;
	conn->transport.starttls = stream_starttls;
	conn->transport.pending = stream_pending;
	if (implicit_tls) {
		smtp_rc_t rc = stream_starttls(conn, smtp_clock_ms() + s->timeout_ms, err);
		if (rc != SMTP_OK) {
			php_smtpmail_stream_close(conn);
			return rc;
		}
	}
	return SMTP_OK;
}

/* Wrong-mode detection. tls=starttls (or none) against a port that speaks TLS
 * from the first byte meets silence: the server waits for a ClientHello, the
 * client for a greeting, until the timeout. Silence alone proves nothing (RFC
 * 5321 4.5.3.2.1 allows a server 5 minutes for its greeting, and a busy relay
 * may be slow), so after a short grace period a second connection asks the
 * port a question only a TLS server answers: a ClientHello. A TLS record back
 * (a handshake or an alert) proves the mode is wrong; anything else (a 220,
 * a close, silence) and the first connection keeps waiting, and the final
 * timeout is the one it always was. */
#define SMTPMAIL_GREETING_GRACE_MS 3000
#define SMTPMAIL_TLS_PROBE_MS 2000

/* A TLS 1.2 ClientHello (RFC 5246 7.4.1.2): record header, then the handshake
 * with a fixed random, five ECDHE/RSA cipher suites, no compression, and the
 * supported_groups, ec_point_formats and signature_algorithms extensions.
 * Any TLS server answers it with a ServerHello or an alert. */
static const unsigned char tls_client_hello[] = {
	0x16, 0x03, 0x01, 0x00, 0x57,                         /* record: handshake, 87 bytes */
	0x01, 0x00, 0x00, 0x53,                               /* ClientHello, 83 bytes */
	0x03, 0x03,                                           /* TLS 1.2 */
	0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
	0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
	0x00,                                                 /* no session id */
	0x00, 0x0a, 0xc0, 0x2f, 0xc0, 0x2b, 0xc0, 0x30, 0xc0, 0x2c, 0x00, 0x9c,
	0x01, 0x00,                                           /* compression: null */
	0x00, 0x20,                                           /* extensions, 32 bytes */
	0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x17,
	0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
	0x00, 0x0d, 0x00, 0x0c, 0x00, 0x0a, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x01, 0x08, 0x05,
};

/* Whether s's relay answers a ClientHello with a TLS record, on a connection of its own. */
static bool port_answers_tls(const php_smtpmail_settings_t *s, uint64_t until)
{
	php_smtpmail_settings_t quick = *s;
	php_smtpmail_conn probe;
	smtp_error_t ignored;
	unsigned char head[3];
	size_t have = 0;
	uint64_t now = smtp_clock_ms();
	uint64_t stop = now + SMTPMAIL_TLS_PROBE_MS < until ? now + SMTPMAIL_TLS_PROBE_MS : until;

	if (stop <= now) {
		return false;
	}
	memset(&probe, 0, sizeof(probe));
	quick.timeout_ms = (unsigned)(stop - now);
	quick.capture_peer_cert = false;
	if (php_smtpmail_stream_connect(&probe, &quick, false, &ignored) != SMTP_OK) {
		return false;
	}
	if (stream_write(&probe, (const char *)tls_client_hello, sizeof(tls_client_hello), stop, &ignored) == SMTP_OK) {
		while (have < sizeof(head)) {
			size_t got = 0;
			if (stream_read(&probe, (char *)head + have, sizeof(head) - have, &got, stop, &ignored) != SMTP_OK) {
				break;
			}
			have += got;
		}
	}
	php_smtpmail_stream_close(&probe);
	/* RFC 5246 6.2.1: content type handshake (22) or alert (21), major version 3. */
	return have == sizeof(head) && (head[0] == 0x16 || head[0] == 0x15) && head[1] == 0x03 && head[2] <= 0x04;
}

smtp_rc_t php_smtpmail_stream_await_greeting(php_smtpmail_conn *conn, const php_smtpmail_settings_t *s,
                                             smtp_error_t *err)
{
	uint64_t start = smtp_clock_ms();
	uint64_t until = start + s->timeout_ms;
	php_socket_t fd;
	uint64_t now;

	if (s->deadline_ms != 0 && s->deadline_ms < until) {
		until = s->deadline_ms;
	}
	/* The timeout comes first anyway, or there is no socket to watch: the session reads as always. */
	if (until <= start + SMTPMAIL_GREETING_GRACE_MS
	    || php_stream_cast(conn->stream, PHP_STREAM_AS_FD_FOR_SELECT | PHP_STREAM_CAST_INTERNAL, (void **)&fd, 0) != SUCCESS) {
		return SMTP_OK;
	}
	/* Bytes, a close or an error (even EINTR): the session reads and judges. */
	if (php_pollfd_for_ms(fd, POLLIN, SMTPMAIL_GREETING_GRACE_MS) != 0) {
		return SMTP_OK;
	}
	if (port_answers_tls(s, until)) {
		return smtp_error_set(err, SMTP_E_TLS, SMTP_STAGE_GREETING, 0,
		                      "no greeting within %d s, and the port answers a TLS ClientHello",
		                      SMTPMAIL_GREETING_GRACE_MS / 1000);
	}
	/* Not TLS, or no answer: wait out the rest of the one timeout there always was. */
	now = smtp_clock_ms();
	if (now < until && php_pollfd_for_ms(fd, POLLIN, (int)(until - now)) != 0) {
		return SMTP_OK;
	}
	if (until == s->deadline_ms) {
		return smtp_error_set(err, SMTP_E_TIMEOUT, SMTP_STAGE_GREETING, 0,
		                      "the server was too slow: the whole send took longer than its time limit");
	}
	return smtp_error_set(err, SMTP_E_TIMEOUT, SMTP_STAGE_GREETING, 0, "no reply from the server within %u ms",
	                      s->timeout_ms);
}

void php_smtpmail_stream_close(php_smtpmail_conn *conn)
{
	if (conn->stream != NULL) {
		if (conn->persistent) {
			php_stream_pclose(conn->stream);
		} else {
			php_stream_close(conn->stream);
		}
		conn->stream = NULL;
	}
}

bool php_smtpmail_stream_has_unread(php_smtpmail_conn *conn)
{
	return conn->stream == NULL || stream_readable(conn, NULL);
}

void php_smtpmail_stream_tls_version(php_smtpmail_conn *conn, char *out, size_t cap)
{
	zval meta, *crypto, *protocol;

	out[0] = '\0';
	if (conn == NULL || conn->stream == NULL) {
		return;
	}
	/* ext/openssl adds "crypto" => ["protocol" => ...] to the stream's meta data. */
	array_init(&meta);
	php_stream_set_option(conn->stream, PHP_STREAM_OPTION_META_DATA_API, 0, &meta);
	crypto = zend_hash_str_find(Z_ARRVAL(meta), "crypto", sizeof("crypto") - 1);
	if (crypto != NULL && Z_TYPE_P(crypto) == IS_ARRAY) {
		protocol = zend_hash_str_find(Z_ARRVAL_P(crypto), "protocol", sizeof("protocol") - 1);
		if (protocol != NULL && Z_TYPE_P(protocol) == IS_STRING) {
			smtp_text_sanitize(out, cap, Z_STRVAL_P(protocol), Z_STRLEN_P(protocol));
		}
	}
	zval_ptr_dtor(&meta);
}

/* Appends "key=value" pairs of an openssl_x509_parse() name array (CN, O). */
static void describe_name(zval *name, char *out, size_t cap)
{
	static const char *const keys[] = { "CN", "O" };
	size_t used = strlen(out), i;

	if (name == NULL || Z_TYPE_P(name) != IS_ARRAY) {
		return;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		zval *v = zend_hash_str_find(Z_ARRVAL_P(name), keys[i], strlen(keys[i]));
		char clean[128];
		if (v == NULL || Z_TYPE_P(v) != IS_STRING) {
			continue;
		}
		smtp_text_sanitize(clean, sizeof(clean), Z_STRVAL_P(v), Z_STRLEN_P(v));
		used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, "%s%s=%s", out[0] != '\0' && out[used - 1] != ' ' ? ", " : "",
		                         keys[i], clean);
		if (used >= cap) {
			out[cap - 1] = '\0';
			return;
		}
	}
}

void php_smtpmail_stream_peer_cert(php_smtpmail_conn *conn, char *out, size_t cap)
{
	php_stream_context *ctx;
	zval *cert, fname, parsed;

	out[0] = '\0';
	if (conn == NULL || conn->stream == NULL || (ctx = PHP_STREAM_CONTEXT(conn->stream)) == NULL
	    || (cert = php_stream_context_get_option(ctx, "ssl", "peer_certificate")) == NULL) {
		return;
	}
	/* ext/openssl's own parser, as openssl_x509_parse() in PHP. */
	ZVAL_STRING(&fname, "openssl_x509_parse");
	ZVAL_UNDEF(&parsed);
	if (call_user_function(NULL, NULL, &fname, &parsed, 1, cert) == SUCCESS && Z_TYPE(parsed) == IS_ARRAY) {
		describe_name(zend_hash_str_find(Z_ARRVAL(parsed), "subject", sizeof("subject") - 1), out, cap);
		if (strlen(out) + 12 < cap) {
			size_t n = strlen(out);
			memcpy(out + n, ", issued by ", 13);
			describe_name(zend_hash_str_find(Z_ARRVAL(parsed), "issuer", sizeof("issuer") - 1), out, cap);
		}
	}
	zval_ptr_dtor(&parsed);
	zval_ptr_dtor(&fname);
}
