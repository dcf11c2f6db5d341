/*
 * fuzz_reply.c: libFuzzer target for the reply parser (smtp_reply.c) and the
 * EHLO capability parser fed from it (smtp_ehlo.c).
 *
 * Input: the first byte is the chunk size (0 = the whole input at once), the
 * rest is what the server sent. The input is parsed twice, in one chunk and in
 * chunks of that size, and both runs must report the same replies at the same
 * offsets and end the same way. Invariants checked on every call:
 *   - used <= len; without a reply or an error, everything offered is used
 *     (so a caller's loop always makes progress and stops);
 *   - a reply ends right after an LF of the input, and respects every limit;
 *   - an error is sticky: later calls consume nothing and repeat it exactly;
 *   - formatting is printable, terminated and within its capacity; queue ids
 *     hold only their allowed characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_ehlo.h"
#include "smtp_reply.h"

#include "fuzz_check.h"

typedef struct {
	uint64_t hash;      /* FNV-1a over every reply, its end offset and the final error */
	size_t consumed;
	smtp_rc_t rc;
} outcome_t;

static void mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		*h = (*h ^ b[i]) * 1099511628211u;
	}
}

static bool is_printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f) {
			return false;
		}
	}
	return s[n] == '\0';
}

static void check_format(const smtp_reply_t *r)
{
	/* Worst case: every "\n" becomes " / " (3 octets for 1). */
	static char big[3 + 1 + 3 * SMTP_REPLY_TEXT_MAX + 1];
	static const size_t caps[] = { 1, 2, 4, 5, 8, 64, SMTP_ERROR_MESSAGE_MAX };
	char small[SMTP_ERROR_MESSAGE_MAX];
	size_t i, n, want;

	REQUIRE(smtp_reply_format(r, small, 0) == 0);
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		memset(small, 'Z', sizeof(small));
		n = smtp_reply_format(r, small, caps[i]);
		REQUIRE(n < caps[i]);
		REQUIRE(is_printable(small, n));
	}
	/* With room enough nothing is cut: code, blank, text with each join widened. */
	want = 3 + (r->text.len > 0 ? 1 + r->text.len + 2 * (r->lines - 1) : 0);
	n = smtp_reply_format(r, big, sizeof(big));
	REQUIRE(n == want);
	REQUIRE(is_printable(big, n));
}

static void check_queue_id(const smtp_reply_t *r)
{
	char id[16];
	size_t i, n;

	memset(id, 'Z', sizeof(id));
	if (!smtp_reply_queue_id(r, id, sizeof(id))) {
		REQUIRE(id[0] == '\0');
		return;
	}
	n = strlen(id);
	REQUIRE(n > 0 && n < sizeof(id));
	for (i = 0; i < n; i++) {
		char c = id[i];
		REQUIRE((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		        || strchr("._@-+=/", c) != NULL);
	}
	REQUIRE(!smtp_reply_queue_id(r, id, 0));
}

static void check_reply(const smtp_reply_t *r)
{
	size_t i, joins = 0, elen;
	smtp_caps_t caps;

	REQUIRE(r->code >= 200 && r->code <= 599);
	/* README: at most 128 lines and 16 KB of text per reply (numbers, not the code's constants). */
	REQUIRE(r->lines >= 1 && r->lines <= 128);
	REQUIRE(r->text.data != NULL && r->text.len <= 16384);
	REQUIRE(r->text.data[r->text.len] == '\0');
	REQUIRE(r->text.cap <= SMTP_REPLY_TEXT_MAX + 1);
	for (i = 0; i < r->text.len; i++) {
		REQUIRE(r->text.data[i] != '\r' && r->text.data[i] != '\0');
		joins += r->text.data[i] == '\n';
	}
	REQUIRE(joins == r->lines - 1);
	elen = strnlen(r->enhanced, SMTP_ENHANCED_MAX);
	REQUIRE(elen < SMTP_ENHANCED_MAX);
	if (elen > 0) {
		/* RFC 3463: the status is the start of the first line's text, class = reply class. */
		REQUIRE(elen >= 5 && elen <= 9);
		REQUIRE(r->enhanced[0] == (char)('0' + r->code / 100));
		REQUIRE(elen <= r->text.len && memcmp(r->enhanced, r->text.data, elen) == 0);
	}
	check_format(r);
	check_queue_id(r);

	smtp_caps_parse(&caps, r);
	REQUIRE((caps.auth & ~(unsigned)(SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN | SMTP_AUTH_CRAM_MD5 | SMTP_AUTH_XOAUTH2
	                                   | SMTP_AUTH_OAUTHBEARER)) == 0);
	REQUIRE(caps.size_announced || caps.size == 0);
	if (r->lines == 1) {
		REQUIRE(!caps.pipelining && !caps.starttls && !caps.size_announced && caps.auth == 0);
	}
}

static void check_sticky(smtp_reply_parser_t *p, const smtp_error_t *first,
                         const uint8_t *rest, size_t rest_len)
{
	smtp_error_t again;
	size_t used = 1;
	bool done = true;

	memset(&again, 0, sizeof(again));
	REQUIRE(smtp_reply_feed(p, (const char *)rest, rest_len, &used, &done, SMTP_STAGE_RCPT, &again) == first->rc);
	REQUIRE(used == 0 && !done);
	REQUIRE(memcmp(&again, first, sizeof(again)) == 0);
	REQUIRE(smtp_reply_feed(p, "250 ok\r\n", 8, &used, &done, SMTP_STAGE_DATA, NULL) == first->rc);
	REQUIRE(used == 0 && !done);
}

static void parse(const uint8_t *in, size_t len, size_t chunk, outcome_t *o)
{
	smtp_reply_parser_t *p = malloc(sizeof(*p));
	size_t pos = 0;

	o->hash = 14695981039346656037u;
	o->consumed = 0;
	o->rc = SMTP_OK;
	if (p == NULL) {
		return;
	}
	smtp_reply_parser_init(p);
	while (pos < len && o->rc == SMTP_OK) {
		size_t end = chunk == 0 || len - pos < chunk ? len : pos + chunk;
		while (pos < end) {
			smtp_error_t err;
			size_t used = (size_t)-1;
			bool done = true;
			smtp_rc_t rc = smtp_reply_feed(p, (const char *)in + pos, end - pos, &used, &done,
			                               SMTP_STAGE_EHLO, &err);

			REQUIRE(used <= end - pos);
			/* Memory stays bounded whatever came in. */
			REQUIRE(p->line_len <= SMTP_REPLY_LINE_MAX - 2);
			REQUIRE(p->reply.text.cap <= SMTP_REPLY_TEXT_MAX + 1);
			if (rc != SMTP_OK) {
				REQUIRE(!done);
				REQUIRE(rc == SMTP_E_PROTOCOL || rc == SMTP_E_LIMIT || rc == SMTP_E_NOMEM);
				REQUIRE(err.rc == rc && err.stage == SMTP_STAGE_EHLO);
				REQUIRE(is_printable(err.message, strnlen(err.message, sizeof(err.message))));
				pos += used;
				check_sticky(p, &err, in + pos, len - pos);
				o->rc = rc;
				mix(&o->hash, &rc, sizeof(rc));
				mix(&o->hash, err.message, strlen(err.message));
				break;
			}
			if (!done) {
				/* No reply and no error: all of it was taken, so the loop moves on. */
				REQUIRE(used == end - pos);
				pos = end;
				break;
			}
			REQUIRE(used >= 1 && in[pos + used - 1] == '\n');
			pos += used;
			check_reply(&p->reply);
			mix(&o->hash, &pos, sizeof(pos));
			mix(&o->hash, &p->reply.code, sizeof(p->reply.code));
			mix(&o->hash, &p->reply.lines, sizeof(p->reply.lines));
			mix(&o->hash, p->reply.enhanced, strlen(p->reply.enhanced) + 1);
			mix(&o->hash, p->reply.text.data, p->reply.text.len);
		}
	}
	o->consumed = pos;
	smtp_reply_parser_destroy(p);
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	outcome_t whole, chunked;

	if (size < 1) {
		return 0;
	}
	parse(data + 1, size - 1, 0, &whole);
	parse(data + 1, size - 1, data[0], &chunked);
	REQUIRE(whole.hash == chunked.hash);
	REQUIRE(whole.consumed == chunked.consumed);
	REQUIRE(whole.rc == chunked.rc);
	return 0;
}
