/* smtp_oauth.c: see smtp_oauth.h. */
#include "smtp_oauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#define CACHE_MAGIC "smtpmail-oauth 1"
/* The largest cache file read: two tokens and a few short lines. */
#define CACHE_FILE_MAX (2 * SMTP_OAUTH_TOKEN_MAX + 512)
/* How often a waiting process tries the refresh lock again. */
#define LOCK_POLL_MS 10u

static bool ieq(const char *a, size_t alen, const char *b)
{
	return alen == strlen(b) && smtp_ascii_iequal(a, b, alen);
}

/* ---- the endpoint URL ---- */

static bool is_loopback_host(const char *h)
{
	if (smtp_ascii_iequal(h, "localhost", 9) && h[9] == '\0') {
		return true;
	}
	if (strcmp(h, "::1") == 0) {
		return true;
	}
	/* 127.0.0.0/8 written as a dotted quad. */
	if (strncmp(h, "127.", 4) == 0) {
		int dots = 0;
		for (const char *p = h; *p != '\0'; p++) {
			if (*p == '.') {
				dots++;
			} else if (*p < '0' || *p > '9') {
				return false;
			}
		}
		return dots == 3;
	}
	return false;
}

smtp_rc_t smtp_oauth_parse_url(const char *url, smtp_oauth_url_t *u, smtp_error_t *err)
{
	const char *p, *host, *host_end, *path;
	size_t hlen;

	memset(u, 0, sizeof(*u));
	if (url == NULL || url[0] == '\0') {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0, "no OAuth token endpoint (set smtpmail.oauth_token_url "
		                      "or smtpmail.oauth_provider)");
	}
	for (p = url; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0,
			                      "the OAuth token endpoint URL contains a space or a control character");
		}
	}
	if (strncmp(url, "https://", 8) == 0) {
		u->tls = true;
		u->port = 443;
		host = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		u->port = 80;
		host = url + 7;
	} else {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0, "the OAuth token endpoint must be an https:// URL");
	}
	path = host + strcspn(host, "/?#");
	if (*path == '#' || strchr(path, '#') != NULL) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0, "the OAuth token endpoint URL has a fragment");
	}
	if (memchr(host, '@', (size_t)(path - host)) != NULL) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0,
		                      "the OAuth token endpoint URL must not carry a user name or password");
	}
	host_end = path;
	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(path - host));
		if (close == NULL) {
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0, "the OAuth token endpoint URL has an unclosed '['");
		}
		hlen = (size_t)(close - host - 1);
		if (hlen == 0 || hlen >= sizeof(u->host)) {
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0, "the OAuth token endpoint URL has a bad host");
		}
		memcpy(u->host, host + 1, hlen);
		host_end = close + 1;
	} else {
		const char *colon = memchr(host, ':', (size_t)(path - host));
		host_end = colon != NULL ? colon : path;
		hlen = (size_t)(host_end - host);
		if (hlen == 0 || hlen >= sizeof(u->host)) {
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0, "the OAuth token endpoint URL has a bad host");
		}
		memcpy(u->host, host, hlen);
	}
	u->host[hlen] = '\0';
	if (host_end < path) {
		unsigned long port = 0;
		const char *q = host_end;
		if (*q != ':' || q + 1 == path) {
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0, "the OAuth token endpoint URL has a bad port");
		}
		for (q++; q < path; q++) {
			if (*q < '0' || *q > '9' || port > 65535) {
				return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0, "the OAuth token endpoint URL has a bad port");
			}
			port = port * 10 + (unsigned long)(*q - '0');
		}
		if (port == 0 || port > 65535) {
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0, "the OAuth token endpoint URL has a bad port");
		}
		u->port = (unsigned)port;
	}
	if (*path == '\0') {
		memcpy(u->path, "/", 2);
	} else {
		if (strlen(path) >= sizeof(u->path)) {
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0, "the OAuth token endpoint URL is too long");
		}
		if (*path == '?') {
			u->path[0] = '/';
			memcpy(u->path + 1, path, strlen(path) + 1);
		} else {
			memcpy(u->path, path, strlen(path) + 1);
		}
	}
	/* The client secret must not cross a network in clear text. */
	if (!u->tls && !is_loopback_host(u->host)) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0,
		                      "the OAuth token endpoint must be https:// (http:// only on this machine, for tests)");
	}
	return SMTP_OK;
}

/* ---- the request ---- */

/* application/x-www-form-urlencoded (WHATWG URL 5.2): unreserved octets as
 * they are, space as '+', everything else %XX. */
static smtp_rc_t put_form(smtp_buf_t *b, const char *name, const char *value, bool first)
{
	static const char hex[] = "0123456789ABCDEF";
	smtp_rc_t rc = first ? SMTP_OK : smtp_buf_append_char(b, '&');

	if (rc == SMTP_OK) {
		rc = smtp_buf_append_str(b, name);
	}
	if (rc == SMTP_OK) {
		rc = smtp_buf_append_char(b, '=');
	}
	for (const unsigned char *p = (const unsigned char *)value; rc == SMTP_OK && *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'
		    || *p == '_' || *p == '*') {
			rc = smtp_buf_append_char(b, (char)*p);
		} else if (*p == ' ') {
			rc = smtp_buf_append_char(b, '+');
		} else {
			char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			rc = smtp_buf_append(b, esc, 3);
		}
	}
	return rc;
}

static bool set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

smtp_rc_t smtp_oauth_request(smtp_buf_t *out, const smtp_oauth_url_t *url, const smtp_oauth_grant_t *g,
                             smtp_error_t *err)
{
	smtp_buf_t body;
	char head[SMTP_OAUTH_HOST_MAX + SMTP_OAUTH_PATH_MAX + 400];
	bool refresh = set(g->refresh_token);
	bool default_port = url->port == (url->tls ? 443u : 80u);
	bool v6 = strchr(url->host, ':') != NULL;
	smtp_rc_t rc;
	int n;

	if (!set(g->client_id)) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0, "no OAuth client id (set smtpmail.oauth_client_id)");
	}
	smtp_buf_init(&body, SMTP_OAUTH_RESPONSE_MAX);
	rc = put_form(&body, "grant_type", refresh ? "refresh_token" : "client_credentials", true);
	if (rc == SMTP_OK) {
		rc = put_form(&body, "client_id", g->client_id, false);
	}
	if (rc == SMTP_OK && set(g->client_secret)) {
		rc = put_form(&body, "client_secret", g->client_secret, false);
	}
	if (rc == SMTP_OK && refresh) {
		rc = put_form(&body, "refresh_token", g->refresh_token, false);
	}
	if (rc == SMTP_OK && set(g->scope)) {
		rc = put_form(&body, "scope", g->scope, false);
	}
	if (rc == SMTP_OK) {
		char port[16] = "";
		if (!default_port) {
			snprintf(port, sizeof(port), ":%u", url->port);
		}
		n = snprintf(head, sizeof(head),
		             "POST %s HTTP/1.1\r\nHost: %s%s%s%s\r\nUser-Agent: smtpmail\r\nAccept: application/json\r\n"
		             "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		             url->path, v6 ? "[" : "", url->host, v6 ? "]" : "", port, body.len);
		rc = n > 0 && (size_t)n < sizeof(head) ? smtp_buf_append(out, head, (size_t)n) : SMTP_E_LIMIT;
	}
	if (rc == SMTP_OK) {
		rc = smtp_buf_append(out, body.data, body.len);
	}
	if (body.data != NULL) {
		OPENSSL_cleanse(body.data, body.cap);
	}
	smtp_buf_destroy(&body);
	if (rc != SMTP_OK) {
		return smtp_error_set(err, rc, SMTP_STAGE_AUTH, 0, "cannot build the OAuth token request");
	}
	return SMTP_OK;
}

/* ---- the response ---- */

/* Offset just past the CRLF CRLF ending the head, or 0 while not there. */
static size_t head_end(const char *buf, size_t len)
{
	for (size_t i = 3; i < len; i++) {
		if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
			return i + 1;
		}
	}
	return 0;
}

bool smtp_http_header(const char *buf, size_t len, const char *name, char *out, size_t cap)
{
	size_t end = head_end(buf, len), nlen = strlen(name), i = 0;

	if (end == 0 || cap == 0) {
		return false;
	}
	/* Skip the status line. */
	while (i < end && buf[i] != '\n') {
		i++;
	}
	i++;
	while (i + 2 < end) {
		size_t start = i, e;
		while (i < end && buf[i] != '\n') {
			i++;
		}
		e = i > start && buf[i - 1] == '\r' ? i - 1 : i;
		i++;
		if (e - start > nlen && buf[start + nlen] == ':' && smtp_ascii_iequal(buf + start, name, nlen)) {
			size_t v = start + nlen + 1;
			while (v < e && (buf[v] == ' ' || buf[v] == '\t')) {
				v++;
			}
			while (e > v && (buf[e - 1] == ' ' || buf[e - 1] == '\t')) {
				e--;
			}
			smtp_text_sanitize(out, cap, buf + v, e - v);
			return true;
		}
	}
	return false;
}

/* Walks a chunked body at buf[off..len): SMTP_E_STATE while the last chunk
 * has not arrived, SMTP_E_PROTOCOL when malformed. With apply (only once it
 * is complete) it decodes in place: the body is then buf[off..off + *body_len). */
static smtp_rc_t dechunk(char *buf, size_t len, size_t off, size_t *body_len, bool apply)
{
	size_t in = off, out = off;

	for (;;) {
		size_t size = 0, digits = 0;
		while (in < len && ((buf[in] >= '0' && buf[in] <= '9') || (buf[in] >= 'a' && buf[in] <= 'f')
		                    || (buf[in] >= 'A' && buf[in] <= 'F'))) {
			char c = buf[in++];
			if (size > SMTP_OAUTH_RESPONSE_MAX) {
				return SMTP_E_PROTOCOL;
			}
			size = size * 16 + (size_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
			digits++;
		}
		/* Chunk extensions (RFC 9112 7.1.1) are ignored up to the line end. */
		while (in < len && buf[in] != '\n') {
			if (buf[in] != ';' && buf[in] != '\r' && digits == 0) {
				return SMTP_E_PROTOCOL;
			}
			in++;
		}
		if (in >= len) {
			return SMTP_E_STATE;
		}
		if (digits == 0) {
			return SMTP_E_PROTOCOL;
		}
		in++;
		if (size == 0) {
			/* Trailers are not used by token endpoints: the body is complete. */
			*body_len = out - off;
			return SMTP_OK;
		}
		if (len - in < size + 2) {
			return SMTP_E_STATE;
		}
		if (apply) {
			memmove(buf + out, buf + in, size);
		}
		out += size;
		in += size;
		if (buf[in] != '\r' || buf[in + 1] != '\n') {
			return SMTP_E_PROTOCOL;
		}
		in += 2;
	}
}

smtp_rc_t smtp_http_parse_response(char *buf, size_t *len, bool eof, smtp_http_response_t *r, smtp_error_t *err)
{
	size_t end, i;
	char value[64];
	int status = 0;

	memset(r, 0, sizeof(*r));
	if (*len > SMTP_OAUTH_RESPONSE_MAX) {
		return smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_AUTH, 0,
		                      "the OAuth token endpoint sent more than %u bytes", SMTP_OAUTH_RESPONSE_MAX);
	}
	end = head_end(buf, *len);
	if (end == 0) {
		if (eof) {
			return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0,
			                      "the OAuth token endpoint closed the connection before a complete HTTP response");
		}
		return SMTP_E_STATE;
	}
	/* "HTTP/1.x SSS ..." */
	if (*len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ') {
		return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0, "the OAuth token endpoint did not answer in HTTP");
	}
	for (i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9') {
			return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0,
			                      "the OAuth token endpoint sent a malformed HTTP status line");
		}
		status = status * 10 + (buf[i] - '0');
	}
	r->status = status;
	r->body_off = end;
	if (smtp_http_header(buf, *len, "Transfer-Encoding", value, sizeof(value))) {
		size_t body_len;
		smtp_rc_t rc;
		if (!ieq(value, strlen(value), "chunked")) {
			return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0,
			                      "the OAuth token endpoint used a transfer coding other than chunked");
		}
		rc = dechunk(buf, *len, end, &body_len, false);
		if (rc == SMTP_OK) {
			rc = dechunk(buf, *len, end, &body_len, true);
		}
		if (rc == SMTP_E_STATE && !eof) {
			return SMTP_E_STATE;
		}
		if (rc != SMTP_OK) {
			return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0,
			                      "the OAuth token endpoint sent a malformed or incomplete chunked body");
		}
		r->body_len = body_len;
		*len = end + body_len;
		return SMTP_OK;
	}
	if (smtp_http_header(buf, *len, "Content-Length", value, sizeof(value))) {
		size_t cl = 0, vlen = strlen(value);
		if (vlen == 0 || vlen > 7) {
			return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0,
			                      "the OAuth token endpoint sent a bad Content-Length");
		}
		for (i = 0; i < vlen; i++) {
			if (value[i] < '0' || value[i] > '9') {
				return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0,
				                      "the OAuth token endpoint sent a bad Content-Length");
			}
			cl = cl * 10 + (size_t)(value[i] - '0');
		}
		if (cl > SMTP_OAUTH_RESPONSE_MAX) {
			return smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_AUTH, 0,
			                      "the OAuth token endpoint sent more than %u bytes", SMTP_OAUTH_RESPONSE_MAX);
		}
		if (*len - end < cl) {
			if (eof) {
				return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0,
				                      "the OAuth token endpoint closed the connection before the end of its response");
			}
			return SMTP_E_STATE;
		}
		r->body_len = cl;
		return SMTP_OK;
	}
	/* Neither: the body ends with the connection (RFC 9112 6.3 point 8). */
	if (!eof) {
		return SMTP_E_STATE;
	}
	r->body_len = *len - end;
	return SMTP_OK;
}

bool smtp_oauth_usable(uint64_t now, uint64_t obtained, uint64_t expires)
{
	uint64_t life, ahead;

	if (expires <= obtained || now >= expires) {
		return false;
	}
	life = expires - obtained;
	ahead = life / 10 < SMTP_OAUTH_REFRESH_AHEAD_MAX ? life / 10 : SMTP_OAUTH_REFRESH_AHEAD_MAX;
	return now + ahead < expires;
}

/* ---- the cache entry ---- */

void smtp_oauth_entry_init(smtp_oauth_entry_t *e)
{
	memset(e, 0, sizeof(*e));
}

static void free_secret(char *s)
{
	if (s != NULL) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void smtp_oauth_entry_destroy(smtp_oauth_entry_t *e)
{
	if (e != NULL) {
		free_secret(e->access);
		free_secret(e->refresh);
		smtp_oauth_entry_init(e);
	}
}

/* A token as the cache (and a Bearer header) can carry it: printable ASCII
 * without spaces (RFC 6750 2.1's b64token is a subset). */
static bool token_ok(const char *t, size_t len)
{
	if (len == 0 || len > SMTP_OAUTH_TOKEN_MAX) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)t[i] <= ' ' || (unsigned char)t[i] >= 0x7f) {
			return false;
		}
	}
	return true;
}

static bool key_ok(const char *k, size_t len)
{
	if (len != 64) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (!((k[i] >= '0' && k[i] <= '9') || (k[i] >= 'a' && k[i] <= 'f'))) {
			return false;
		}
	}
	return true;
}

smtp_rc_t smtp_oauth_entry_format(smtp_buf_t *out, const smtp_oauth_entry_t *e, smtp_error_t *err)
{
	char nums[96];
	smtp_rc_t rc;

	if (!key_ok(e->key, strlen(e->key)) || e->access == NULL || !token_ok(e->access, strlen(e->access))
	    || (e->refresh != NULL && !token_ok(e->refresh, strlen(e->refresh)))) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_AUTH, 0,
		                      "the OAuth token endpoint returned a token that cannot be stored (empty, too long, "
		                      "or not printable)");
	}
	snprintf(nums, sizeof(nums), "obtained %llu\nexpires %llu\n", (unsigned long long)e->obtained,
	         (unsigned long long)e->expires);
	rc = smtp_buf_append_str(out, CACHE_MAGIC "\nkey ");
	if (rc == SMTP_OK) {
		rc = smtp_buf_append_str(out, e->key);
	}
	if (rc == SMTP_OK) {
		rc = smtp_buf_append_char(out, '\n');
	}
	if (rc == SMTP_OK) {
		rc = smtp_buf_append_str(out, nums);
	}
	if (rc == SMTP_OK) {
		rc = smtp_buf_append_str(out, "access ");
	}
	if (rc == SMTP_OK) {
		rc = smtp_buf_append_str(out, e->access);
	}
	if (rc == SMTP_OK) {
		rc = smtp_buf_append_str(out, "\nrefresh ");
	}
	if (rc == SMTP_OK && e->refresh != NULL) {
		rc = smtp_buf_append_str(out, e->refresh);
	}
	if (rc == SMTP_OK) {
		rc = smtp_buf_append_char(out, '\n');
	}
	if (rc != SMTP_OK) {
		return smtp_error_set(err, rc, SMTP_STAGE_AUTH, 0, "cannot format the OAuth token cache");
	}
	return SMTP_OK;
}

/* The value of line "name value" at text[*pos..), advancing past it. */
static bool cache_line(const char *text, size_t len, size_t *pos, const char *name, const char **v, size_t *vlen)
{
	size_t n = strlen(name), start = *pos, end;
	const char *nl = memchr(text + start, '\n', len - start);

	if (nl == NULL) {
		return false;
	}
	end = (size_t)(nl - text);
	if (end - start < n + 1 || memcmp(text + start, name, n) != 0 || text[start + n] != ' ') {
		return false;
	}
	*v = text + start + n + 1;
	*vlen = end - start - n - 1;
	*pos = end + 1;
	return true;
}

static bool cache_num(const char *v, size_t vlen, uint64_t *out)
{
	uint64_t x = 0;

	/* Canonical decimal only: what entry_format writes, nothing else. */
	if (vlen == 0 || vlen > 19 || (vlen > 1 && v[0] == '0')) {
		return false;
	}
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9') {
			return false;
		}
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return true;
}

static char *copy_text(const char *v, size_t len)
{
	char *p = malloc(len + 1);
	if (p != NULL) {
		memcpy(p, v, len);
		p[len] = '\0';
	}
	return p;
}

smtp_rc_t smtp_oauth_entry_parse(const char *text, size_t len, smtp_oauth_entry_t *e, smtp_error_t *err)
{
	size_t pos = 0, vlen;
	const char *v;

	smtp_oauth_entry_init(e);
	if (len < sizeof(CACHE_MAGIC) || memcmp(text, CACHE_MAGIC "\n", sizeof(CACHE_MAGIC)) != 0) {
		return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0, "not an smtpmail OAuth token cache");
	}
	pos = sizeof(CACHE_MAGIC);
	if (!cache_line(text, len, &pos, "key", &v, &vlen) || !key_ok(v, vlen)) {
		return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0, "the OAuth token cache has a bad key");
	}
	memcpy(e->key, v, 64);
	e->key[64] = '\0';
	if (!cache_line(text, len, &pos, "obtained", &v, &vlen) || !cache_num(v, vlen, &e->obtained)
	    || !cache_line(text, len, &pos, "expires", &v, &vlen) || !cache_num(v, vlen, &e->expires)) {
		return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0, "the OAuth token cache has a bad time");
	}
	if (!cache_line(text, len, &pos, "access", &v, &vlen) || !token_ok(v, vlen)) {
		return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0, "the OAuth token cache has a bad token");
	}
	if ((e->access = copy_text(v, vlen)) == NULL) {
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_AUTH, 0, "out of memory");
	}
	if (!cache_line(text, len, &pos, "refresh", &v, &vlen) || (vlen > 0 && !token_ok(v, vlen)) || pos != len) {
		smtp_oauth_entry_destroy(e);
		return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_AUTH, 0, "the OAuth token cache has a bad refresh token");
	}
	if (vlen > 0 && (e->refresh = copy_text(v, vlen)) == NULL) {
		smtp_oauth_entry_destroy(e);
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_AUTH, 0, "out of memory");
	}
	return SMTP_OK;
}

/* ---- the cache file ---- */

static smtp_rc_t os_fail(smtp_error_t *err, int e, const char *what, const char *path)
{
	char text[128];
	smtp_os_err_text(e, text, sizeof(text));
	return smtp_error_set(err, SMTP_E_IO, SMTP_STAGE_AUTH, 0, "OAuth token cache: cannot %s %s: %s", what, path, text);
}

smtp_rc_t smtp_oauth_cache_read(const char *path, const char *key, smtp_oauth_entry_t *e, smtp_error_t *err)
{
	smtp_file_t f;
	char *buf;
	size_t len = 0, got;
	bool private_file = false;
	smtp_rc_t rc;
	int x;

	smtp_oauth_entry_init(e);
	if ((x = smtp_file_open_read(path, &f)) != 0) {
		return smtp_os_err_is_missing(x) ? SMTP_E_STATE : os_fail(err, x, "open", path);
	}
	if ((x = smtp_file_is_private(f, &private_file)) != 0 || !private_file) {
		smtp_file_close(f);
		if (x != 0) {
			return os_fail(err, x, "check", path);
		}
		return smtp_error_set(err, SMTP_E_IO, SMTP_STAGE_AUTH, 0,
		                      "OAuth token cache %s belongs to another user or others may read it "
		                      "(it holds tokens: chmod 0600, or remove it)", path);
	}
	buf = malloc(CACHE_FILE_MAX + 1);
	if (buf == NULL) {
		smtp_file_close(f);
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_AUTH, 0, "out of memory");
	}
	for (;;) {
		if ((x = smtp_file_read(f, buf + len, CACHE_FILE_MAX + 1 - len, &got)) != 0) {
			break;
		}
		if (got == 0 || (len += got) > CACHE_FILE_MAX) {
			break;
		}
	}
	smtp_file_close(f);
	if (x != 0) {
		OPENSSL_cleanse(buf, CACHE_FILE_MAX + 1);
		free(buf);
		return os_fail(err, x, "read", path);
	}
	/* Too long, foreign or for another identity: a stale cache, to be replaced. */
	rc = len <= CACHE_FILE_MAX ? smtp_oauth_entry_parse(buf, len, e, NULL) : SMTP_E_PROTOCOL;
	OPENSSL_cleanse(buf, CACHE_FILE_MAX + 1);
	free(buf);
	if (rc == SMTP_E_NOMEM) {
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_AUTH, 0, "out of memory");
	}
	if (rc != SMTP_OK || strcmp(e->key, key) != 0) {
		smtp_oauth_entry_destroy(e);
		return SMTP_E_STATE;
	}
	return SMTP_OK;
}

smtp_rc_t smtp_oauth_cache_write(const char *path, const smtp_oauth_entry_t *e, smtp_error_t *err)
{
	smtp_buf_t text;
	unsigned char rnd[8];
	char *tmp;
	size_t plen = strlen(path);
	smtp_file_t f;
	smtp_rc_t rc;
	int x;

	smtp_buf_init(&text, CACHE_FILE_MAX);
	rc = smtp_oauth_entry_format(&text, e, err);
	if (rc != SMTP_OK) {
		smtp_buf_destroy(&text);
		return rc;
	}
	tmp = malloc(plen + 32);
	if (tmp == NULL || RAND_bytes(rnd, sizeof(rnd)) != 1) {
		free(tmp);
		OPENSSL_cleanse(text.data, text.cap);
		smtp_buf_destroy(&text);
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_AUTH, 0, "out of memory");
	}
	snprintf(tmp, plen + 32, "%s.%02x%02x%02x%02x%02x%02x%02x%02x.tmp", path, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
	         rnd[5], rnd[6], rnd[7]);
	if ((x = smtp_file_create(tmp, true, &f)) != 0) {
		rc = os_fail(err, x, "create", tmp);
	} else {
		x = smtp_file_write(f, text.data, text.len);
		smtp_file_close(f);
		if (x != 0) {
			rc = os_fail(err, x, "write", tmp);
		} else if ((x = smtp_path_rename(tmp, path)) != 0) {
			rc = os_fail(err, x, "replace", path);
		}
		if (rc != SMTP_OK) {
			smtp_path_unlink(tmp);
		}
	}
	free(tmp);
	OPENSSL_cleanse(text.data, text.cap);
	smtp_buf_destroy(&text);
	return rc;
}

smtp_rc_t smtp_oauth_lock(const char *path, uint64_t deadline_ms, smtp_file_t *lock, smtp_error_t *err)
{
	size_t plen = strlen(path);
	char *lpath = malloc(plen + 6);
	bool private_file = false;
	int x;

	*lock = SMTP_FILE_NONE;
	if (lpath == NULL) {
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_AUTH, 0, "out of memory");
	}
	memcpy(lpath, path, plen);
	memcpy(lpath + plen, ".lock", 6);
	/* The lock file has no content; an existing one is reused, never followed
	 * if a symlink, and must be this user's (else another could hold it). */
	x = smtp_file_create(lpath, true, lock);
	if (x != 0) {
		x = smtp_file_open_read(lpath, lock);
	}
	if (x == 0 && ((x = smtp_file_is_private(*lock, &private_file)) != 0 || !private_file)) {
		smtp_file_close(*lock);
		*lock = SMTP_FILE_NONE;
		if (x == 0) {
			smtp_error_set(err, SMTP_E_IO, SMTP_STAGE_AUTH, 0,
			               "OAuth token cache lock %s belongs to another user or others may use it", lpath);
			free(lpath);
			return SMTP_E_IO;
		}
	}
	if (x != 0) {
		smtp_rc_t rc = os_fail(err, x, "open", lpath);
		free(lpath);
		return rc;
	}
	for (;;) {
		x = smtp_file_trylock(*lock);
		if (x == 0) {
			free(lpath);
			return SMTP_OK;
		}
		if (!smtp_os_err_is_busy(x) || smtp_clock_ms() >= deadline_ms) {
			break;
		}
		smtp_sleep_ms(LOCK_POLL_MS);
	}
	smtp_file_close(*lock);
	*lock = SMTP_FILE_NONE;
	if (smtp_os_err_is_busy(x)) {
		smtp_error_set(err, SMTP_E_TIMEOUT, SMTP_STAGE_AUTH, 0,
		               "another process is refreshing the OAuth token and did not finish in time (%s)", lpath);
		free(lpath);
		return SMTP_E_TIMEOUT;
	}
	{
		smtp_rc_t rc = os_fail(err, x, "lock", lpath);
		free(lpath);
		return rc;
	}
}

void smtp_oauth_unlock(smtp_file_t lock)
{
	smtp_file_close(lock);
}
