/*
 * smtp_oauth.h: what an OAuth 2 client needs to get SMTP access tokens from a
 * token endpoint (RFC 6749: the client_credentials grant, 4.4, and the
 * refresh_token grant, 6) and to share them between processes.
 *
 * Pure parts: the endpoint URL, the form body and HTTP/1.1 request, a bounded
 * parser of the HTTP response (Content-Length, chunked, or to the close), the
 * refresh-ahead rule, and the text format of the token cache. File parts, over
 * smtp_compat.h: reading and atomically replacing the cache file, and the lock
 * that lets one process refresh while the others wait. It does no network I/O
 * (the glue sends the request over its own TLS transport) and reads no JSON
 * (the glue has a JSON parser). Secrets (client secret, tokens) never appear
 * in an error message; buffers that held them are wiped before they are freed.
 */
#ifndef SMTP_OAUTH_H
#define SMTP_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_buf.h"
#include "smtp_compat.h"
#include "smtp_error.h"

/* Longest host name of a token endpoint (RFC 1035 2.3.4). */
#define SMTP_OAUTH_HOST_MAX 256
/* Longest path (with query) of a token endpoint kept. */
#define SMTP_OAUTH_PATH_MAX 1024
/* Largest HTTP response read from a token endpoint: token responses are a
 * few KB (a Google or Microsoft access token is at most a few KB of JWT). */
#define SMTP_OAUTH_RESPONSE_MAX 65536
/* Longest token (access or refresh) kept in the cache. */
#define SMTP_OAUTH_TOKEN_MAX 16384
/* Refresh this long before expiry at most (5 minutes), or at 10% of the
 * token's life when that is shorter. */
#define SMTP_OAUTH_REFRESH_AHEAD_MAX 300u

typedef struct {
	bool tls;                            /* https */
	char host[SMTP_OAUTH_HOST_MAX];      /* without brackets for IPv6 */
	unsigned port;
	char path[SMTP_OAUTH_PATH_MAX];      /* "/..." */
} smtp_oauth_url_t;

/* Parses an http(s) URL: "https://host[:port][/path]"; IPv6 in brackets. No
 * user info, fragment, spaces or control characters. http:// is accepted only
 * for a loopback host (localhost, 127.0.0.0/8, ::1): a token endpoint on the
 * network is HTTPS, so the client secret never crosses it in clear text.
 * SMTP_E_ARG (stage auth) naming what is wrong. */
smtp_rc_t smtp_oauth_parse_url(const char *url, smtp_oauth_url_t *u, smtp_error_t *err);

/* A token request: refresh_token NULL or "" means client_credentials. */
typedef struct {
	const char *client_id;
	const char *client_secret;  /* may be NULL or "" (a public client with a refresh token) */
	const char *refresh_token;
	const char *scope;          /* may be NULL or "" */
} smtp_oauth_grant_t;

/* Appends the whole HTTP/1.1 POST of the grant to url as
 * application/x-www-form-urlencoded (Connection: close). SMTP_E_ARG for a
 * missing client id; SMTP_E_LIMIT, SMTP_E_NOMEM. The caller wipes out. */
smtp_rc_t smtp_oauth_request(smtp_buf_t *out, const smtp_oauth_url_t *url, const smtp_oauth_grant_t *g,
                             smtp_error_t *err);

typedef struct {
	int status;                 /* 200, 400, ... */
	size_t body_off, body_len;  /* the decoded body, within the buffer parsed (chunked is decoded in place) */
} smtp_http_response_t;

/* Looks at the bytes received so far, buf[0..*len), eof telling whether the
 * peer closed. Returns SMTP_OK with r filled once the response is complete
 * (a chunked body is then decoded in place and *len shrinks), SMTP_E_STATE
 * while more is needed, SMTP_E_PROTOCOL (stage auth) for a malformed
 * response or one cut short, SMTP_E_LIMIT past SMTP_OAUTH_RESPONSE_MAX. */
smtp_rc_t smtp_http_parse_response(char *buf, size_t *len, bool eof, smtp_http_response_t *r, smtp_error_t *err);

/* The header field name of the response in buf (as parsed), value copied into
 * out (printable, at most cap - 1 octets); false when absent. */
bool smtp_http_header(const char *buf, size_t len, const char *name, char *out, size_t cap);

/* True while a token obtained at `obtained` and expiring at `expires` (unix
 * seconds) may still be used at `now`: until SMTP_OAUTH_REFRESH_AHEAD_MAX
 * seconds, or a tenth of its life if less, before it expires. */
bool smtp_oauth_usable(uint64_t now, uint64_t obtained, uint64_t expires);

/* One cached token. key names the identity it belongs to (token endpoint,
 * client, scope, account, the configured refresh token): a digest, so the
 * file holds no other secret than the tokens. */
typedef struct {
	char key[65];
	uint64_t obtained, expires;
	char *access;               /* malloc'd, secret */
	char *refresh;              /* malloc'd or NULL: a newer refresh token the endpoint returned */
} smtp_oauth_entry_t;

void smtp_oauth_entry_init(smtp_oauth_entry_t *e);
/* Wipes and frees the tokens; NULL is a no-op. */
void smtp_oauth_entry_destroy(smtp_oauth_entry_t *e);

/* Appends the cache file text of e. SMTP_E_ARG for a token that is empty,
 * too long or not printable ASCII without spaces. */
smtp_rc_t smtp_oauth_entry_format(smtp_buf_t *out, const smtp_oauth_entry_t *e, smtp_error_t *err);
/* Parses cache file text into e (which it initialises). SMTP_E_PROTOCOL for a
 * malformed text; SMTP_E_NOMEM. */
smtp_rc_t smtp_oauth_entry_parse(const char *text, size_t len, smtp_oauth_entry_t *e, smtp_error_t *err);

/* Reads the cache file at path into e when it exists and is for key:
 * SMTP_OK; SMTP_E_STATE when missing, for another key, or unreadable as a
 * cache (it will be replaced); SMTP_E_IO when it is not this user's private
 * regular file (owned by someone else, readable by group or others, a
 * symlink): a token cache is a secret. */
smtp_rc_t smtp_oauth_cache_read(const char *path, const char *key, smtp_oauth_entry_t *e, smtp_error_t *err);

/* Replaces the cache file at path with e, atomically (a new 0600 file beside
 * it, renamed over it). SMTP_E_IO, SMTP_E_ARG, SMTP_E_NOMEM. */
smtp_rc_t smtp_oauth_cache_write(const char *path, const smtp_oauth_entry_t *e, smtp_error_t *err);

/* Takes the refresh lock of the cache at path (path + ".lock", an exclusive
 * lock on an open file: released by smtp_oauth_unlock or when the process
 * dies), waiting until deadline_ms (smtp_clock_ms()). SMTP_E_TIMEOUT when
 * another process held it all that time; SMTP_E_IO. */
smtp_rc_t smtp_oauth_lock(const char *path, uint64_t deadline_ms, smtp_file_t *lock, smtp_error_t *err);
void smtp_oauth_unlock(smtp_file_t lock);

#endif
