/* Unit tests of smtp_core/smtp_oauth.c: the token endpoint URL, the request,
 * the HTTP response parser, refresh-ahead, the cache text, file and lock. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "smtp_oauth.h"

#define KEY "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_url(void)
{
	smtp_oauth_url_t u;
	smtp_error_t err;

	CHECK_INT(smtp_oauth_parse_url("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token", &u, &err),
	          SMTP_OK);
	CHECK(u.tls);
	CHECK_STR(u.host, "login.microsoftonline.com");
	CHECK_INT(u.port, 443);
	CHECK_STR(u.path, "/contoso.onmicrosoft.com/oauth2/v2.0/token");
	CHECK_INT(smtp_oauth_parse_url("https://oauth2.googleapis.com", &u, &err), SMTP_OK);
	CHECK_STR(u.path, "/");
	CHECK_INT(smtp_oauth_parse_url("https://[::1]:8443/t?x=1", &u, &err), SMTP_OK);
	CHECK_STR(u.host, "::1");
	CHECK_INT(u.port, 8443);
	CHECK_STR(u.path, "/t?x=1");
	/* http only on this machine. */
	CHECK_INT(smtp_oauth_parse_url("http://127.0.0.1:9000/token", &u, &err), SMTP_OK);
	CHECK(!u.tls);
	CHECK_INT(u.port, 9000);
	CHECK_INT(smtp_oauth_parse_url("http://localhost/token", &u, &err), SMTP_OK);
	CHECK_INT(smtp_oauth_parse_url("http://login.example.com/token", &u, &err), SMTP_E_ARG);
	CHECK_STR(err.message, "the OAuth token endpoint must be https:// (http:// only on this machine, for tests)");
	CHECK_INT(smtp_oauth_parse_url("http://127.0.0.1.evil.example/token", &u, &err), SMTP_E_ARG);
	CHECK_INT(smtp_oauth_parse_url("ftp://x/", &u, &err), SMTP_E_ARG);
	CHECK_INT(smtp_oauth_parse_url("https://user:pw@x.example/", &u, &err), SMTP_E_ARG);
	CHECK_INT(smtp_oauth_parse_url("https://x.example/a b", &u, &err), SMTP_E_ARG);
	CHECK_INT(smtp_oauth_parse_url("https://x.example/a\r\nHost: y", &u, &err), SMTP_E_ARG);
	CHECK_INT(smtp_oauth_parse_url("https://x.example:99999/", &u, &err), SMTP_E_ARG);
	CHECK_INT(smtp_oauth_parse_url("https://x.example:/", &u, &err), SMTP_E_ARG);
	CHECK_INT(smtp_oauth_parse_url("https:///token", &u, &err), SMTP_E_ARG);
	CHECK_INT(smtp_oauth_parse_url("https://x.example/#frag", &u, &err), SMTP_E_ARG);
	CHECK_INT(smtp_oauth_parse_url("", &u, &err), SMTP_E_ARG);
}

static void test_request(void)
{
	smtp_oauth_url_t u;
	smtp_oauth_grant_t g;
	smtp_buf_t b;
	smtp_error_t err;

	smtp_buf_init(&b, 65536);
	CHECK_INT(smtp_oauth_parse_url("https://login.example.com/t/token", &u, &err), SMTP_OK);
	memset(&g, 0, sizeof(g));
	g.client_id = "app-1";
	g.client_secret = "s~cr&t= +";
	g.scope = "https://outlook.office365.com/.default";
	CHECK_INT(smtp_oauth_request(&b, &u, &g, &err), SMTP_OK);
	CHECK_MEM(b.data, b.len,
	          "POST /t/token HTTP/1.1\r\nHost: login.example.com\r\nUser-Agent: smtpmail\r\nAccept: application/json\r\n"
	          "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 130\r\nConnection: close\r\n\r\n"
	          "grant_type=client_credentials&client_id=app-1&client_secret=s%7Ecr%26t%3D+%2B"
	          "&scope=https%3A%2F%2Foutlook.office365.com%2F.default",
	          strlen("POST /t/token HTTP/1.1\r\nHost: login.example.com\r\nUser-Agent: smtpmail\r\nAccept: application/json\r\n"
	                 "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 130\r\nConnection: close\r\n\r\n"
	                 "grant_type=client_credentials&client_id=app-1&client_secret=s%7Ecr%26t%3D+%2B"
	                 "&scope=https%3A%2F%2Foutlook.office365.com%2F.default"));
	smtp_buf_reset(&b);
	CHECK_INT(smtp_oauth_parse_url("http://127.0.0.1:9000/token", &u, &err), SMTP_OK);
	g.client_secret = NULL;
	g.scope = "";
	g.refresh_token = "1//0g-rt";
	CHECK_INT(smtp_oauth_request(&b, &u, &g, &err), SMTP_OK);
	CHECK(strstr(b.data, "Host: 127.0.0.1:9000\r\n") != NULL);
	CHECK(strstr(b.data, "\r\n\r\ngrant_type=refresh_token&client_id=app-1&refresh_token=1%2F%2F0g-rt") != NULL);
	CHECK(strstr(b.data, "client_secret") == NULL && strstr(b.data, "scope") == NULL);
	g.client_id = "";
	CHECK_INT(smtp_oauth_request(&b, &u, &g, &err), SMTP_E_ARG);
	smtp_buf_destroy(&b);
}

/* Feeds text to the parser in pieces of step bytes, as reads would. */
static smtp_rc_t parse_in_steps(const char *text, size_t step, bool close_at_end, smtp_http_response_t *r, char **body,
                                size_t *blen)
{
	size_t total = strlen(text), have = 0;
	char *buf = malloc(total + 1);
	smtp_rc_t rc = SMTP_E_STATE;
	smtp_error_t err;

	while (rc == SMTP_E_STATE && have < total) {
		size_t n = total - have < step ? total - have : step, len;
		memcpy(buf + have, text + have, n);
		have += n;
		len = have;
		rc = smtp_http_parse_response(buf, &len, close_at_end && have == total, r, &err);
		if (rc == SMTP_OK) {
			*body = malloc(r->body_len + 1);
			memcpy(*body, buf + r->body_off, r->body_len);
			(*body)[r->body_len] = '\0';
			*blen = r->body_len;
		}
	}
	free(buf);
	return rc;
}

static void test_response(void)
{
	static const char *const cl = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n"
	                              "{\"access_token\":\"t\",\"x\":1}\n";
	static const char *const chunked = "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n"
	                                   "a\r\n{\"error\":\"\r\n12;ext=1\r\ninvalid_grant\"}   \r\n0\r\n\r\n";
	static const char *const closed = "HTTP/1.0 200 OK\r\n\r\n{\"a\":1}";
	smtp_http_response_t r;
	smtp_error_t err;
	char *body = NULL, buf[256];
	size_t blen = 0, len;
	size_t steps[] = {1, 7, 1000};

	for (size_t k = 0; k < 3; k++) {
		CHECK_INT(parse_in_steps(cl, steps[k], false, &r, &body, &blen), SMTP_OK);
		CHECK_INT(r.status, 200);
		CHECK_STR(body, "{\"access_token\":\"t\",\"x\":1}\n");
		free(body);
		body = NULL;
		CHECK_INT(parse_in_steps(chunked, steps[k], false, &r, &body, &blen), SMTP_OK);
		CHECK_INT(r.status, 400);
		CHECK_STR(body, "{\"error\":\"invalid_grant\"}   ");
		free(body);
		body = NULL;
	}
	/* No length: the body ends with the connection, and only then. */
	CHECK_INT(parse_in_steps(closed, 1000, false, &r, &body, &blen), SMTP_E_STATE);
	CHECK_INT(parse_in_steps(closed, 1000, true, &r, &body, &blen), SMTP_OK);
	CHECK_STR(body, "{\"a\":1}");
	free(body);
	body = NULL;
	CHECK(smtp_http_header(cl, strlen(cl), "content-type", buf, sizeof(buf)));
	CHECK_STR(buf, "application/json");
	CHECK(!smtp_http_header(cl, strlen(cl), "Location", buf, sizeof(buf)));
	/* Cut short, malformed, too big. */
	snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
	len = strlen(buf);
	CHECK_INT(smtp_http_parse_response(buf, &len, true, &r, &err), SMTP_E_PROTOCOL);
	snprintf(buf, sizeof(buf), "SMTP 220 hello\r\n\r\n");
	len = strlen(buf);
	CHECK_INT(smtp_http_parse_response(buf, &len, false, &r, &err), SMTP_E_PROTOCOL);
	snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n");
	len = strlen(buf);
	CHECK_INT(smtp_http_parse_response(buf, &len, false, &r, &err), SMTP_E_PROTOCOL);
	snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n");
	len = strlen(buf);
	CHECK_INT(smtp_http_parse_response(buf, &len, false, &r, &err), SMTP_E_LIMIT);
	snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
	len = strlen(buf);
	CHECK_INT(smtp_http_parse_response(buf, &len, false, &r, &err), SMTP_E_PROTOCOL);
	snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
	len = strlen(buf);
	CHECK_INT(smtp_http_parse_response(buf, &len, false, &r, &err), SMTP_E_PROTOCOL);
	snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
	len = strlen(buf);
	CHECK_INT(smtp_http_parse_response(buf, &len, true, &r, &err), SMTP_E_PROTOCOL);
	CHECK_INT(smtp_http_parse_response(buf, &len, false, &r, &err), SMTP_E_STATE);
	len = 70000;
	CHECK_INT(smtp_http_parse_response(buf, &len, false, &r, &err), SMTP_E_LIMIT);
}

static void test_usable(void)
{
	/* A one-hour token: refreshed 5 minutes before it expires. */
	CHECK(smtp_oauth_usable(1000, 1000, 4600));
	CHECK(smtp_oauth_usable(1000 + 3299, 1000, 4600));
	CHECK(!smtp_oauth_usable(1000 + 3300, 1000, 4600));
	/* A 20-second token: a tenth of its life, 2 s. */
	CHECK(smtp_oauth_usable(117, 100, 120));
	CHECK(!smtp_oauth_usable(118, 100, 120));
	CHECK(!smtp_oauth_usable(130, 100, 120));
	CHECK(!smtp_oauth_usable(100, 100, 100));
}

static void test_entry(void)
{
	smtp_oauth_entry_t e, back;
	smtp_buf_t b;
	smtp_error_t err;

	smtp_oauth_entry_init(&e);
	memcpy(e.key, KEY, 65);
	e.obtained = 1700000000;
	e.expires = 1700003600;
	e.access = strdup("eyJ0eXAi.access");
	e.refresh = strdup("rt-2");
	smtp_buf_init(&b, 65536);
	CHECK_INT(smtp_oauth_entry_format(&b, &e, &err), SMTP_OK);
	CHECK_MEM(b.data, b.len,
	          "smtpmail-oauth 1\nkey " KEY "\nobtained 1700000000\nexpires 1700003600\naccess eyJ0eXAi.access\nrefresh rt-2\n",
	          strlen("smtpmail-oauth 1\nkey " KEY "\nobtained 1700000000\nexpires 1700003600\naccess eyJ0eXAi.access\nrefresh rt-2\n"));
	CHECK_INT(smtp_oauth_entry_parse(b.data, b.len, &back, &err), SMTP_OK);
	CHECK_STR(back.access, "eyJ0eXAi.access");
	CHECK_STR(back.refresh, "rt-2");
	CHECK_INT(back.expires, 1700003600);
	smtp_oauth_entry_destroy(&back);
	/* Without a rotated refresh token. */
	free(e.refresh);
	e.refresh = NULL;
	smtp_buf_reset(&b);
	CHECK_INT(smtp_oauth_entry_format(&b, &e, &err), SMTP_OK);
	CHECK_INT(smtp_oauth_entry_parse(b.data, b.len, &back, &err), SMTP_OK);
	CHECK(back.refresh == NULL);
	smtp_oauth_entry_destroy(&back);
	/* Bad texts and tokens. */
	CHECK_INT(smtp_oauth_entry_parse("smtpmail-oauth 1\nkey x\n", 23, &back, &err), SMTP_E_PROTOCOL);
	CHECK_INT(smtp_oauth_entry_parse(b.data, b.len - 1, &back, &err), SMTP_E_PROTOCOL);
	free(e.access);
	e.access = strdup("two words");
	CHECK_INT(smtp_oauth_entry_format(&b, &e, &err), SMTP_E_ARG);
	smtp_oauth_entry_destroy(&e);
	smtp_buf_destroy(&b);
}

static void test_cache_file(void)
{
	char dir[] = "/tmp/smtp_oauth_test.XXXXXX", path[256], lpath[300];
	smtp_oauth_entry_t e, got;
	smtp_error_t err;
	smtp_file_t a, b;
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/cache", dir);
	CHECK_INT(smtp_oauth_cache_read(path, KEY, &got, &err), SMTP_E_STATE);
	smtp_oauth_entry_init(&e);
	memcpy(e.key, KEY, 65);
	e.obtained = 10;
	e.expires = 20;
	e.access = strdup("tok-1");
	CHECK_INT(smtp_oauth_cache_write(path, &e, &err), SMTP_OK);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(smtp_oauth_cache_read(path, KEY, &got, &err), SMTP_OK);
	CHECK_STR(got.access, "tok-1");
	smtp_oauth_entry_destroy(&got);
	/* Another identity's cache: stale, to be replaced. */
	CHECK_INT(smtp_oauth_cache_read(path, "f123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", &got, &err),
	          SMTP_E_STATE);
	/* Readable by others: refused, it holds a token. */
	CHECK_INT(chmod(path, 0644), 0);
	CHECK_INT(smtp_oauth_cache_read(path, KEY, &got, &err), SMTP_E_IO);
	CHECK(strstr(err.message, "others may read it") != NULL);
	CHECK(strstr(err.message, "tok-1") == NULL);
	CHECK_INT(chmod(path, 0600), 0);
	/* A symlink is never followed. */
	snprintf(lpath, sizeof(lpath), "%s/link", dir);
	CHECK_INT(symlink(path, lpath), 0);
	CHECK_INT(smtp_oauth_cache_read(lpath, KEY, &got, &err), SMTP_E_IO);
	unlink(lpath);

	/* The refresh lock: one holder; the second waits until its deadline. */
	CHECK_INT(smtp_oauth_lock(path, smtp_clock_ms() + 1000, &a, &err), SMTP_OK);
	CHECK_INT(smtp_oauth_lock(path, smtp_clock_ms() + 50, &b, &err), SMTP_E_TIMEOUT);
	smtp_oauth_unlock(a);
	CHECK_INT(smtp_oauth_lock(path, smtp_clock_ms() + 50, &b, &err), SMTP_OK);
	smtp_oauth_unlock(b);
	snprintf(lpath, sizeof(lpath), "%s.lock", path);
	CHECK_INT(chmod(lpath, 0666), 0);
	CHECK_INT(smtp_oauth_lock(path, smtp_clock_ms() + 50, &b, &err), SMTP_E_IO);
	unlink(lpath);
	unlink(path);
	rmdir(dir);
	smtp_oauth_entry_destroy(&e);
}

int main(void)
{
	test_url();
	test_request();
	test_response();
	test_usable();
	test_entry();
	test_cache_file();
	return check_report("oauth");
}
