/*
 * fuzz_http.c: libFuzzer target for the token endpoint's HTTP response parser
 * and the token cache text (smtp_oauth.c), both read from the network or a
 * file another process wrote.
 *
 * Input: the first byte is a chunk size (0 = all at once), the rest is what
 * the endpoint sent. The response is fed growing as reads would deliver it,
 * then with the peer's close. Invariants on every call:
 *   - while incomplete the parser says so and never changes the bytes it was
 *     given (a later read appends to them);
 *   - once complete, the body lies within what was received, and feeding the
 *     same bytes in one piece gives the same status and body;
 *   - the cache parser accepts only what the cache formatter writes back
 *     identically.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_oauth.h"

#include "fuzz_check.h"

typedef struct {
	smtp_rc_t rc;
	int status;
	size_t body_len;
	char *body;
} result_t;

static result_t parse(const uint8_t *data, size_t size, size_t chunk)
{
	result_t r;
	char *buf = malloc(size + 1), *copy = malloc(size + 1);
	size_t have = 0;

	memset(&r, 0, sizeof(r));
	r.rc = SMTP_E_STATE;
	while (r.rc == SMTP_E_STATE) {
		size_t n = chunk == 0 ? size - have : (size - have < chunk ? size - have : chunk), len;
		smtp_http_response_t h;
		bool eof;

		memcpy(buf + have, data + have, n);
		have += n;
		eof = have == size;
		len = have;
		memcpy(copy, buf, have);
		r.rc = smtp_http_parse_response(buf, &len, eof, &h, NULL);
		if (r.rc == SMTP_E_STATE) {
			REQUIRE(!eof);
			REQUIRE(len == have && memcmp(copy, buf, have) == 0);
		} else if (r.rc == SMTP_OK) {
			REQUIRE(len <= have);
			REQUIRE(h.body_off <= len && h.body_len <= len - h.body_off);
			r.status = h.status;
			r.body_len = h.body_len;
			r.body = malloc(h.body_len + 1);
			memcpy(r.body, buf + h.body_off, h.body_len);
		}
	}
	free(buf);
	free(copy);
	return r;
}

static void cache_roundtrip(const uint8_t *data, size_t size)
{
	smtp_oauth_entry_t e, again;
	smtp_buf_t b;

	if (smtp_oauth_entry_parse((const char *)data, size, &e, NULL) != SMTP_OK) {
		return;
	}
	smtp_buf_init(&b, 1u << 20);
	REQUIRE(smtp_oauth_entry_format(&b, &e, NULL) == SMTP_OK);
	REQUIRE(b.len == size && memcmp(b.data, data, size) == 0);
	REQUIRE(smtp_oauth_entry_parse(b.data, b.len, &again, NULL) == SMTP_OK);
	smtp_oauth_entry_destroy(&again);
	smtp_oauth_entry_destroy(&e);
	smtp_buf_destroy(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	result_t whole, split;

	if (size < 1 || size > SMTP_OAUTH_RESPONSE_MAX + 16) {
		return 0;
	}
	cache_roundtrip(data + 1, size - 1);
	whole = parse(data + 1, size - 1, 0);
	split = parse(data + 1, size - 1, data[0]);
	/* A response complete in pieces is the same response as in one piece
	 * (an error may come earlier in pieces: a limit met on the way). */
	if (whole.rc == SMTP_OK && split.rc == SMTP_OK) {
		REQUIRE(whole.status == split.status && whole.body_len == split.body_len);
		REQUIRE(memcmp(whole.body, split.body, whole.body_len) == 0);
	}
	free(whole.body);
	free(split.body);
	return 0;
}
