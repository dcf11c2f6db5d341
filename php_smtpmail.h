/*
 * php_smtpmail.h: the Zend side of smtpmail: module globals and the pieces the
 * glue files share. The SMTP client itself lives in smtp_core/ and knows
 * nothing of PHP.
 */
#ifndef PHP_SMTPMAIL_H
#define PHP_SMTPMAIL_H

#include "php.h"
#include "php_smtpmail_compat.h"
#include "zend_smart_str.h"
#include <signal.h>
#include "smtp_core/smtp_error.h"
#include "smtp_core/smtp_limit.h"
#include "smtp_core/smtp_session.h"
#include "smtp_core/smtp_transport.h"

extern zend_module_entry smtpmail_module_entry;
#define phpext_smtpmail_ptr &smtpmail_module_entry

#define PHP_SMTPMAIL_VERSION "0.1.0"

/* Longest host name kept from a setting (RFC 1035 2.3.4: 255 octets). */
#define SMTPMAIL_HOST_MAX 256

/* smtpmail.host may list relays to try in order ("a.example:587, b.example:465"). */
#define SMTPMAIL_RELAYS_MAX 8

/* A whole transaction (connect to the final reply) may take this many times
 * smtpmail.timeout, plus one second per SMTPMAIL_SLOW_LINK_BPS bytes of the
 * message: slow links still carry big messages, slow servers cannot hold a
 * request for timeout x commands. */
#define SMTPMAIL_TRANSACTION_TIMEOUTS 4
#define SMTPMAIL_SLOW_LINK_BPS 16384
/* A file in the spool's tmp/ older than this (seconds) was left by a writer
 * that crashed between create and rename: every writer finishes within
 * seconds (the largest spool file is SMTP_SPOOL_FILE_MAX, written locally),
 * so an hour is far beyond any live one. The flusher removes them. */
#define SMTPMAIL_SPOOL_TMP_MAX_AGE 3600u

/* Longest smtpmail.from / options["from"] kept (an address with a display name). */
#define SMTPMAIL_FROM_MAX 1000

/* One relay of that list, with its TLS mode resolved. */
typedef struct {
	char host[SMTPMAIL_HOST_MAX];
	zend_long port;
	smtp_tls_mode_t tls;
	bool tls_none_explicit;
} php_smtpmail_relay_t;

/* OAuth 2 client settings (smtpmail.oauth_* or $options["oauth_*"]); borrowed, NULL when unset. */
typedef struct {
	const char *token_url;
	const char *client_id;
	const char *client_secret;   /* secret */
	const char *refresh_token;   /* secret; NULL: the client_credentials grant */
	const char *scope;
	const char *provider;        /* "microsoft", "google" or NULL */
	const char *tenant;
	const char *cache;
} php_smtpmail_oauth_t;

/* Everything one send needs, from php.ini and the call's $options. Strings are borrowed. */
typedef struct {
	/* The relay being tried now: one of relays[]. */
	char host[SMTPMAIL_HOST_MAX];
	zend_long port;
	smtp_tls_mode_t tls;
	bool tls_none_explicit;
	php_smtpmail_relay_t relays[SMTPMAIL_RELAYS_MAX];
	size_t nrelays;
	const char *username;
	const char *password;
	const char *oauth_token;
	php_smtpmail_oauth_t oauth;
	bool redirected;                /* $options chose the destination or how it is verified */
	bool ini_credentials;           /* the credentials are php.ini's (none from $options, not redirected) */
	unsigned auth_allowed;          /* SMTP_AUTH_* bits (smtpmail.auth, options["auth"]); 0 = any */
	unsigned timeout_ms;
	uint64_t deadline_ms;           /* smtp_clock_ms() by which the current transaction must end; 0 = none */
	char from[SMTPMAIL_FROM_MAX];   /* copied: smtpmail.from may change under a send (ini_set); "" = none */
	char helo[SMTPMAIL_HOST_MAX];  /* resolved: the setting, else this host's name */
	bool verify_peer;
	const char *cafile;
	php_stream_context *user_context;
	unsigned max_connections;       /* smtpmail.max_connections; 0 = no limit */
	unsigned max_per_minute;        /* smtpmail.max_per_minute; 0 = no limit */
	bool rate_wait;                 /* at max_per_minute, wait (up to the timeout) instead of failing busy */
	bool want_transcript;           /* options["transcript"] */
	bool capture_peer_cert;         /* keep the server's certificate (for describing a refused one) */
	smart_str *transcript;          /* where the send in progress traces the dialogue, or NULL */
} php_smtpmail_settings_t;

/* A connection to a relay: a PHP stream, the transport on it, the session over
 * that. Owned by the pool while idle, by the send in progress while in use. */
typedef struct {
	php_stream *stream;
	smtp_transport_t transport;
	smtp_session_t *session;
	char peer[SMTPMAIL_HOST_MAX + 16];   /* "host:port", for messages */
	char tls_host[SMTPMAIL_HOST_MAX];    /* the name the certificate must match */
	bool persistent;                     /* outlives the request (smtpmail.persistent) */
	char key[65];                        /* SHA-256 (hex) of the settings it was made with */
	char limit_key[65];                  /* the account it counts against (smtpmail.max_connections) */
	smtp_limit_slot_t slot;              /* held while the session is open, when slot_held */
	bool slot_held;
	uint64_t last_used_ms;
	zend_long messages;
} php_smtpmail_conn;

ZEND_BEGIN_MODULE_GLOBALS(smtpmail)
	char *host;
	zend_long port;
	char *tls;
	char *username;
	char *password;
	char *oauth_token;
	char *oauth_token_url;
	char *oauth_client_id;
	char *oauth_client_secret;
	char *oauth_refresh_token;
	char *oauth_scope;
	char *oauth_provider;
	char *oauth_tenant;
	char *oauth_cache;
	char *auth;
	zend_long timeout;
	char *from;
	char *helo;
	bool verify_peer;
	char *cafile;
	char *log;
	char *spool_dir;
	bool deferred;
	zend_long spool_max_age;
	bool pipeline_auth;
	bool persistent;
	zend_long persistent_idle;
	zend_long persistent_max_messages;
	zend_long max_connections;
	zend_long max_per_minute;
	/* The send in progress, so RSHUTDOWN can free it when a fatal error or
	 * max_execution_time unwinds through a blocking read. */
	struct smtpmail_job *active_job;
	/* Why smtpmail.log could not be written in this request ("" when it could),
	 * and whether that was told already (once per request). */
	char log_trouble[SMTP_ERROR_MESSAGE_MAX];
	bool log_trouble_reported;
	/* Idle open sessions by settings key (php_smtpmail_conn *). */
	HashTable pool;
	/* Settings keys whose relay refused AUTH pipelined with the envelope:
	 * their sessions authenticate in a round trip of their own, for the
	 * life of this process (or thread). */
	HashTable auth_unpipelined;
	/* Makes each persistent stream's id unique in this thread's persistent
	 * list (a static counter would be a data race in a ZTS build). */
	zend_ulong persistent_serial;
ZEND_END_MODULE_GLOBALS(smtpmail)

ZEND_EXTERN_MODULE_GLOBALS(smtpmail)
#define SMTPMAIL_G(v) ZEND_MODULE_GLOBALS_ACCESSOR(smtpmail, v)

#if defined(ZTS) && defined(COMPILE_DL_SMTPMAIL)
ZEND_TSRMLS_CACHE_EXTERN()
#endif

/* What a message needs from the caller, already checked for types. */
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
	/* smtp_send(): the extension composes the MIME, so the body's transfer
	 * encoding is always declared (7bit, 8bit or quoted-printable). */
	bool compose_mime;
	bool mail_parity;    /* mail() and error_log(): the header block read as PHP's mail() and sendmail read it */
	/* smtp_send_raw(): the message is complete; the envelope is given. */
	bool raw;
	const char *raw_from;
	size_t raw_from_len;
	HashTable *raw_rcpts;
} php_smtpmail_input_t;

typedef struct {
	zend_long sent;
	zend_long deferred;  /* tried now and not sent (a transient failure), or left untried once the relays were found down */
	zend_long failed;
	zend_long skipped;   /* spooled for another relay or account than this flusher's php.ini names */
	zend_long waiting;   /* not tried: their back-off has not run out (force ignores it), or past options["limit"] */
} php_smtpmail_flush_counts_t;

/* smtpmail.c: the exception classes (SmtpMail\...). */
extern zend_class_entry *php_smtpmail_exception_ce;
extern zend_class_entry *php_smtpmail_connect_exception_ce;
extern zend_class_entry *php_smtpmail_tls_exception_ce;
extern zend_class_entry *php_smtpmail_auth_exception_ce;
extern zend_class_entry *php_smtpmail_sender_exception_ce;
extern zend_class_entry *php_smtpmail_recipient_exception_ce;
extern zend_class_entry *php_smtpmail_data_exception_ce;
extern zend_class_entry *php_smtpmail_unknown_outcome_exception_ce;

/* A setting that is set: NULL for NULL or "". */
static inline const char *php_smtpmail_nonempty(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* smtpmail_settings.c */
/* Reads $options (may be NULL) over php.ini into s. Throws (ValueError or
 * TypeError naming argument arg_num) and returns false on a bad setting. */
bool php_smtpmail_load_settings(php_smtpmail_settings_t *s, HashTable *options, uint32_t arg_num);
/* The php.ini settings alone, for phpinfo(): false with the reason in why, never a throw. */
bool php_smtpmail_check_ini_settings(php_smtpmail_settings_t *s, char *why, size_t why_cap);
/* True for an $options key that chooses the destination or brings credentials. */
bool php_smtpmail_is_destination_option(const zend_string *key);
/* The destination token the spool records for a message sent with s (relay
 * list and account, digested; nothing secret): "" on failure. */
void php_smtpmail_dest_token(const php_smtpmail_settings_t *s, char out[65]);
/* Makes relay i of s->relays the one to connect to. */
void php_smtpmail_use_relay(php_smtpmail_settings_t *s, size_t i);

/* smtpmail_send.c */
/* Sends one message with failover and the spool. True when a relay accepted
 * it or it was spooled; otherwise it has thrown (as_exception) or warned.
 * return_value (may be NULL) receives the result array. */
bool php_smtpmail_send_message(const php_smtpmail_settings_t *s, const php_smtpmail_input_t *in, bool as_exception,
                               zval *return_value);
/* smtpmail.spool_dir as an absolute path in out (MAXPATHLEN bytes). A relative
 * setting is taken against PHP's current directory, as PHP's own file
 * functions take it: the one chdir() moves, which under ZTS (Windows' Apache
 * module, for one) is the thread's virtual directory, not the process's, and
 * which a web SAPI sets to the script's directory. Resolved anew at each use.
 * SMTP_E_ARG when unset; SMTP_E_IO when it cannot be made absolute. */
smtp_rc_t php_smtpmail_spool_dir(char *out, smtp_error_t *err);

/* Sends what the spool dir holds; false after throwing when it cannot be read.
 * retarget: also the messages spooled for another relay or account, through
 * this one (an operator's choice after changing php.ini). */
bool php_smtpmail_spool_flush(const php_smtpmail_settings_t *s, const char *dir, bool force, bool retarget,
                              zend_long limit, zend_long watch, php_smtpmail_flush_counts_t *counts);
/* End of request: frees a send that a fatal error or a timeout interrupted. */
void php_smtpmail_send_request_end(void);

/* smtpmail_watch.c: SIGTERM and SIGINT while a flusher watches the spool. */
typedef struct {
#ifndef PHP_WIN32
	struct sigaction term, intr;
	sigset_t mask;
#else
	void (*term)(int);
	void (*intr)(int);
#endif
} php_smtpmail_watch_signals_t;
/* Installs the watch's handlers (saving the ones in place) and blocks the two
 * signals; _end restores both. */
void php_smtpmail_watch_signals_begin(php_smtpmail_watch_signals_t *w);
void php_smtpmail_watch_signals_end(php_smtpmail_watch_signals_t *w);
/* Lets the signals in while the watch waits for work. */
void php_smtpmail_watch_wait_begin(void);
void php_smtpmail_watch_wait_end(void);
/* True once SIGTERM or SIGINT came (or waits, blocked) during the watch. */
bool php_smtpmail_watch_stop_requested(void);

/* smtpmail_mail.c */
void php_smtpmail_hooks_install(void);
void php_smtpmail_hooks_remove(void);

/* smtpmail_stream.c: no user code during a send.
 * While smtpmail works (a send, a flush, closing sessions), no PHP code of the
 * user's may run: an error handler that sends mail, throws or changes settings
 * would find a send half done (issue: a warning from ext/openssl in the middle
 * of a read re-entered the send). Warnings raised meanwhile (ext/openssl's, the
 * stream layer's) reach neither the user's handler nor the output; what matters
 * of them is folded into smtpmail's own error. Pairs nest. A caller that can be
 * unwound by a fatal error (any send) wraps its work in zend_try and ends the
 * pair in zend_catch before zend_bailout(), so shutdown functions get the
 * user's handler back. */
typedef struct {
	zval handler;
	int reporting;
} php_smtpmail_quiet_t;
void php_smtpmail_quiet_begin(php_smtpmail_quiet_t *q);
void php_smtpmail_quiet_end(php_smtpmail_quiet_t *q);

/* smtpmail_stream.c: the transport on PHP streams. */
/* Connects conn to its peer (TLS from the first byte when implicit_tls), with
 * the certificate checks of s; a persistent stream when conn->persistent. */
smtp_rc_t php_smtpmail_stream_connect(php_smtpmail_conn *conn, const php_smtpmail_settings_t *s,
                                      bool implicit_tls, smtp_error_t *err);
/* Before the session reads the greeting of a connection made without TLS:
 * after a grace period of silence, a TLS ClientHello on a second connection;
 * a TLS answer fails at once (SMTP_E_TLS, stage greeting), else the wait goes
 * on to the usual timeout (SMTP_E_TIMEOUT). SMTP_OK when bytes (or a close) arrived. */
smtp_rc_t php_smtpmail_stream_await_greeting(php_smtpmail_conn *conn, const php_smtpmail_settings_t *s,
                                             smtp_error_t *err);
/* Closes the stream. */
void php_smtpmail_stream_close(php_smtpmail_conn *conn);
/* MINIT: fixes the system's trust anchors before any script runs. */
void php_smtpmail_stream_minit(void);
/* Drops the stream's context once the session is open (TLS done). */
void php_smtpmail_stream_detach_context(php_smtpmail_conn *conn);
/* "CN=..., issued by CN=..." of the certificate the server presented, when the
 * connection was made with capture_peer_cert; "" otherwise. */
void php_smtpmail_stream_peer_cert(php_smtpmail_conn *conn, char *out, size_t cap);
/* True when the peer sent something nobody asked for (a stale session's 421, or EOF). */
bool php_smtpmail_stream_has_unread(php_smtpmail_conn *conn);

/* smtpmail_stream.c: the TLS protocol in use ("TLSv1.3"), or "" without TLS. */
void php_smtpmail_stream_tls_version(php_smtpmail_conn *conn, char *out, size_t cap);

/* smtpmail_oauth.c: OAuth 2 access tokens, fetched, cached and refreshed. */
/* True when s authenticates with OAuth client settings (a token to fetch). */
bool php_smtpmail_oauth_configured(const php_smtpmail_settings_t *s);
/* The access token for a new session of s in *token (emalloc'd, a secret; the
 * caller wipes and frees it): from the cache while it is fresh, else from the
 * token endpoint (one process at a time per cache). refused: a token the relay
 * just refused (NULL at first), which is then not used again. Errors have
 * stage auth and say what the endpoint said and the likely fix. */
smtp_rc_t php_smtpmail_oauth_token(const php_smtpmail_settings_t *s, const char *refused, char **token, smtp_error_t *err);

/* smtpmail_log.c */
/* A line's severity, named as syslog's priorities (RFC 5424 6.2.1) so log
 * alerting that watches for err and warning catches failures. */
typedef enum {
	PHP_SMTPMAIL_LOG_INFO = 0,  /* sent, or spooled in deferred mode */
	PHP_SMTPMAIL_LOG_WARNING,   /* spooled or deferred after a failure: a later try may still deliver */
	PHP_SMTPMAIL_LOG_ERR        /* failed, or moved to the spool's failed/: it will not be delivered */
} php_smtpmail_log_level_t;
typedef struct {
	const char *peer;
	const char *from;
	size_t rcpts;
	size_t size;
	const char *outcome;        /* "sent", "failed", "spooled", "deferred" */
	php_smtpmail_log_level_t level;
	const char *queue_id;       /* may be NULL */
	const char *spool_id;       /* may be NULL */
	uint64_t duration_ms;
	const char *tls;            /* may be NULL */
	const smtp_error_t *error;  /* NULL unless failed (or spooled after a failure) */
} php_smtpmail_log_entry_t;
/* PHP's mail.log line for a mail() call, as PHP's own mail() writes it. */
void php_smtpmail_mail_log(const char *to, const char *headers, const char *subject);
/* One smtpmail.log line for a message. Raises no PHP error and runs no PHP
 * code: false with why filled when the line could not be written. */
bool php_smtpmail_log_send(const php_smtpmail_log_entry_t *entry, char *why, size_t cap);

/* smtpmail_pool.c: open sessions kept for the next send. */
/* An open, authenticated session for s: an idle pooled one that still looks
 * alive (*reused = true) unless fresh is set, else a new connection. */
smtp_rc_t php_smtpmail_pool_acquire(const php_smtpmail_settings_t *s, bool fresh, php_smtpmail_conn **out,
                                    bool *reused, smtp_error_t *err);
/* Hands a connection back after a send: kept when still usable and allowed,
 * else closed (with QUIT while the dialogue is in step). */
void php_smtpmail_pool_release(const php_smtpmail_settings_t *s, php_smtpmail_conn *conn);
/* Points the session's trace at s->transcript (or nowhere when s is NULL). */
void php_smtpmail_trace(php_smtpmail_conn *conn, const php_smtpmail_settings_t *s);
/* Closes and frees a connection; QUIT first when quit is set and the dialogue allows. */
void php_smtpmail_conn_close(php_smtpmail_conn *conn, bool quit);
void php_smtpmail_pool_init(HashTable *pool);
/* SHA-256 (hex) of the fields, each NUL-terminated (NULL counts as ""): the
 * one way smtpmail names settings without keeping them (pool keys, spool
 * destinations, token cache identities). */
void php_smtpmail_digest(const char *const *fields, size_t n, char out[65]);
/* True when the pool holds a session that ends with this request (not persistent). */
bool php_smtpmail_pool_has_request_sessions(void);
/* The relay of conn's settings refused AUTH pipelined with the envelope: the
 * next sessions with these settings authenticate on their own. */
void php_smtpmail_pool_no_pipelined_auth(const php_smtpmail_conn *conn);
/* End of request: closes the sessions that were not persistent. */
void php_smtpmail_pool_request_end(void);
/* Closes every kept session, persistent ones too (QUIT first); returns how many. */
zend_long php_smtpmail_pool_close_all(void);
/* smtpmail.max_per_minute for the relay s names: SMTP_OK when one more
 * message may go now (and it is counted), else SMTP_E_BUSY after waiting up
 * to the timeout when s->rate_wait; *wait_ms: how long until one may. */
smtp_rc_t php_smtpmail_rate_take(const php_smtpmail_settings_t *s, uint64_t *wait_ms, smtp_error_t *err);
/* End of process: frees what is left. The persistent streams are gone by now. */
void php_smtpmail_pool_destroy(HashTable *pool);

#endif
