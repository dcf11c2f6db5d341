/*
 * php_smtpmail.h: the Zend side of smtpmail: module globals and the pieces the
 * glue files share. The SMTP client itself lives in smtp_core/ and knows
 * nothing of PHP.
 */
#ifndef PHP_SMTPMAIL_H
#define PHP_SMTPMAIL_H

#include "php.h"
#include "smtp_core/smtp_error.h"
#include "smtp_core/smtp_session.h"
#include "smtp_core/smtp_transport.h"

extern zend_module_entry smtpmail_module_entry;
#define phpext_smtpmail_ptr &smtpmail_module_entry

#define PHP_SMTPMAIL_VERSION "0.1.0"

/* A connection to a relay: a PHP stream, the transport on it, the session over that. */
typedef struct {
	php_stream *stream;
	smtp_transport_t transport;
	smtp_session_t *session;
	char peer[300];              /* "host:port", for messages */
	const char *tls_host;        /* borrowed: name the certificate must match */
	bool verify_peer;
	const char *cafile;          /* borrowed */
	php_stream_context *context; /* the TLS options for this connection */
} php_smtpmail_conn;

ZEND_BEGIN_MODULE_GLOBALS(smtpmail)
	char *host;
	zend_long port;
	char *tls;
	char *username;
	char *password;
	char *oauth_token;
	zend_long timeout;
	char *from;
	char *helo;
	bool verify_peer;
	char *cafile;
	/* The connection of the send in progress, so RSHUTDOWN can free it when
	 * a fatal error or max_execution_time unwinds through a blocking read. */
	struct smtpmail_job *active_job;
ZEND_END_MODULE_GLOBALS(smtpmail)

ZEND_EXTERN_MODULE_GLOBALS(smtpmail)
#define SMTPMAIL_G(v) ZEND_MODULE_GLOBALS_ACCESSOR(smtpmail, v)

#if defined(ZTS) && defined(COMPILE_DL_SMTPMAIL)
ZEND_TSRMLS_CACHE_EXTERN()
#endif

/* smtpmail_stream.c: the transport on PHP streams. */
/* Connects to host:port (TLS from the first byte when implicit); fills conn. */
smtp_rc_t php_smtpmail_stream_connect(php_smtpmail_conn *conn, const char *host, zend_long port,
                                      bool implicit_tls, unsigned timeout_ms, smtp_error_t *err);
/* Closes the stream; conn can be connected again. */
void php_smtpmail_stream_close(php_smtpmail_conn *conn);

#endif
