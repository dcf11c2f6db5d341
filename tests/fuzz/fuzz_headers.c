/*
 * fuzz_headers.c: libFuzzer target for the header block parser
 * (smtp_headers.c) and the message composer (smtp_message.c).
 *
 * 1. The whole input is parsed as a header block. Invariants: every name and
 *    value lies within the input, in order and without overlap; a name is
 *    1+ octets of ftext (33-126 but ':') and is followed by ':'; a value holds
 *    no NUL, every CR in it is followed by LF and every line break by SP/HTAB;
 *    smtp_headers_find() finds the first field of each name; on failure the
 *    list is as before and the message is SMTP_E_ARG, printable. mail()'s
 *    reading (smtp_headers_parse_until_text) agrees: it succeeds with the same
 *    fields and no text whenever the strict parse does, the text starts at a
 *    line start after every field, and without text the strict parse succeeds.
 * 2. The input is cut into $to, $subject and the header block (lengths from
 *    its first two octets) and composed. Invariants when that succeeds: the
 *    head is CRLF-only (no bare CR or LF), ends with the one empty line it
 *    contains, has no Bcc field, no line of only white space, and exactly as
 *    many fields as To + Subject + the non-Bcc fields of the block (an empty
 *    From dropped) + the From, Date and Message-ID it had to add (so no
 *    caller text started a field of its own); every recipient and from_addr
 *    is a canonical address. With mail_parity (bit 7 of the first octet) the
 *    block's text lines follow the empty line, CRLF-terminated, then one more
 *    empty line, and nothing else does. On failure the result is empty and
 *    the message printable.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_addr.h"
#include "smtp_headers.h"
#include "smtp_message.h"

#include "fuzz_check.h"

static void check_message(const smtp_error_t *err)
{
	size_t i;

	REQUIRE(err->stage == SMTP_STAGE_MESSAGE && err->message[0] != '\0');
	for (i = 0; err->message[i] != '\0'; i++) {
		REQUIRE((unsigned char)err->message[i] >= 0x20 && (unsigned char)err->message[i] < 0x7f);
	}
}

static void check_until_text(const char *in, size_t size)
{
	smtp_header_list_t strict, lenient;
	smtp_error_t err;
	smtp_rc_t rs, rl;
	size_t text = 0, i;

	smtp_header_list_init(&strict);
	smtp_header_list_init(&lenient);
	rs = smtp_headers_parse(&strict, in, size, NULL);
	rl = smtp_headers_parse_until_text(&lenient, in, size, &text, &err);
	if (rl != SMTP_OK) {
		REQUIRE(rl == SMTP_E_ARG && rs != SMTP_OK && lenient.count == 0 && text == size);
		check_message(&err);
	} else {
		REQUIRE(text <= size && (text == 0 || text == size || in[text - 1] == '\n'));
		REQUIRE((rs == SMTP_OK) == (text == size));
		if (rs == SMTP_OK) {
			REQUIRE(strict.count == lenient.count);
		}
		for (i = 0; i < lenient.count; i++) {
			const smtp_header_t *h = &lenient.items[i];
			REQUIRE(h->value + h->value_len <= in + text);
			REQUIRE(rs != SMTP_OK || (h->name == strict.items[i].name && h->value_len == strict.items[i].value_len));
		}
	}
	smtp_header_list_destroy(&strict);
	smtp_header_list_destroy(&lenient);
}

static void check_block(const char *in, size_t size)
{
	smtp_header_list_t l;
	smtp_error_t err;
	smtp_rc_t rc;
	const char *prev_end = in;
	size_t i, j;

	smtp_header_list_init(&l);
	check_until_text(in, size);
	rc = smtp_headers_parse(&l, in, size, &err);
	if (rc != SMTP_OK) {
		REQUIRE(rc == SMTP_E_ARG && err.rc == SMTP_E_ARG);
		check_message(&err);
		REQUIRE(l.count == 0);
		smtp_header_list_destroy(&l);
		return;
	}
	for (i = 0; i < l.count; i++) {
		const smtp_header_t *h = &l.items[i];
		char name[64];
		REQUIRE(h->name >= prev_end && h->name_len >= 1);
		REQUIRE(h->value >= h->name + h->name_len + 1 && h->value + h->value_len <= in + size);
		REQUIRE(h->name[h->name_len] == ':');
		for (j = 0; j < h->name_len; j++) {
			unsigned char c = (unsigned char)h->name[j];
			REQUIRE(c >= 33 && c <= 126 && c != ':');
		}
		for (j = 0; j < h->value_len; j++) {
			char c = h->value[j];
			REQUIRE(c != '\0');
			if (c == '\r') {
				REQUIRE(j + 1 < h->value_len && h->value[j + 1] == '\n');
			} else if (c == '\n') {
				REQUIRE(j + 1 < h->value_len && (h->value[j + 1] == ' ' || h->value[j + 1] == '\t'));
			}
		}
		prev_end = h->value + h->value_len;
		if (h->name_len < sizeof(name)) {
			const smtp_header_t *f;
			memcpy(name, h->name, h->name_len);
			name[h->name_len] = '\0';
			f = smtp_headers_find(&l, name);
			REQUIRE(f != NULL && f <= h && smtp_header_is(f, name));
		}
	}
	smtp_header_list_destroy(&l);
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* ASCII case-insensitive: does the line start with the field name and ':'? */
static bool line_is_field(const char *line, size_t len, const char *name)
{
	size_t i, n = strlen(name);

	if (len <= n || line[n] != ':') {
		return false;
	}
	for (i = 0; i < n; i++) {
		char c = line[i];
		c = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		if (c != name[i]) {
			return false;
		}
	}
	return true;
}

/* A field body of only white space and folds (an empty From). */
static bool is_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!is_wsp(p[i]) && p[i] != '\r' && p[i] != '\n') {
			return false;
		}
	}
	return true;
}

static void check_address(const char *a)
{
	char *again = NULL;

	REQUIRE(strlen(a) >= 3 && strlen(a) <= 254);   /* RFC 5321 4.5.3.1.3 */
	REQUIRE(strchr(a, '\r') == NULL && strchr(a, '\n') == NULL);
	REQUIRE(smtp_addr_parse_mailbox(a, strlen(a), &again, NULL) == SMTP_OK);
	REQUIRE(strcmp(again, a) == 0);
	free(again);
}

static void check_compose(const char *in, size_t size)
{
	smtp_compose_t c;
	smtp_composed_t out;
	smtp_header_list_t hl;
	smtp_error_t err;
	smtp_rc_t rc;
	size_t to_len, subject_len, i, fields = 0, want = 0, line, text;
	bool blank_seen = false, has_from = false;

	if (size < 2) {
		return;
	}
	memset(&c, 0, sizeof(c));
	/* Low six bits: lengths; bit 6: whether there is a From / no Message-ID domain. */
	to_len = (unsigned char)in[0] % 64;
	subject_len = (unsigned char)in[1] % 64;
	c.from = ((unsigned char)in[0] & 0x40) ? "Fuzz <fuzz@x.example>" : NULL;
	c.mail_parity = ((unsigned char)in[0] & 0x80) != 0;
	c.msgid_domain = ((unsigned char)in[1] & 0x40) ? NULL : "m.example";
	in += 2;
	size -= 2;
	to_len = to_len > size ? size : to_len;
	subject_len = subject_len > size - to_len ? size - to_len : subject_len;
	c.to = to_len > 0 ? in : NULL;
	c.to_len = to_len;
	c.subject = subject_len > 0 ? in + to_len : NULL;
	c.subject_len = subject_len;
	c.headers = in + to_len + subject_len;
	c.headers_len = size - to_len - subject_len;
	c.now = (time_t)1700000000;

	smtp_composed_init(&out);
	rc = smtp_message_compose(&c, &out, &err);
	if (rc != SMTP_OK) {
		REQUIRE(rc == SMTP_E_ARG || rc == SMTP_E_LIMIT);
		check_message(&err);
		REQUIRE(out.head.len == 0 && out.rcpts.count == 0 && out.from_addr == NULL);
		smtp_composed_destroy(&out);
		return;
	}

	/* What the head must hold, from an independent parse of the block. */
	smtp_header_list_init(&hl);
	text = c.headers_len;
	if (c.mail_parity) {
		REQUIRE(smtp_headers_parse_until_text(&hl, c.headers, c.headers_len, &text, NULL) == SMTP_OK);
	} else {
		REQUIRE(smtp_headers_parse(&hl, c.headers, c.headers_len, NULL) == SMTP_OK);
	}
	want = (c.to != NULL ? 1 : 0) + (c.subject != NULL ? 1 : 0);
	for (i = 0; i < hl.count; i++) {
		const smtp_header_t *h = &hl.items[i];
		bool from = smtp_header_is(h, "From");
		if (from && !is_blank(h->value, h->value_len)) {
			has_from = true;
		}
		want += smtp_header_is(h, "Bcc") || (from && is_blank(h->value, h->value_len)) ? 0 : 1;
	}
	want += !has_from && c.from != NULL ? 1 : 0;
	want += smtp_headers_find(&hl, "Date") == NULL ? 1 : 0;
	want += smtp_headers_find(&hl, "Message-ID") == NULL ? 1 : 0;
	smtp_header_list_destroy(&hl);

	for (line = 0; line < out.head.len && !blank_seen;) {
		const char *p = out.head.data + line;
		size_t len = 0, k;
		while (line + len < out.head.len && p[len] != '\r' && p[len] != '\n') {
			len++;
		}
		REQUIRE(line + len + 1 < out.head.len && p[len] == '\r' && p[len + 1] == '\n');
		if (len == 0) {
			blank_seen = true;
		} else if (is_wsp(p[0])) {
			REQUIRE(line > 0);
			for (k = 0; k < len && is_wsp(p[k]); k++) {
			}
			REQUIRE(k < len);
		} else {
			fields++;
			REQUIRE(!line_is_field(p, len, "bcc"));
		}
		line += len + 2;
	}
	REQUIRE(blank_seen);
	REQUIRE(fields == want);
	/* After the empty line: the text lines with CRLF ends, then one more empty line. */
	if (text == c.headers_len) {
		REQUIRE(line == out.head.len);
	} else {
		size_t k = line;
		for (i = text; i < c.headers_len; i++) {
			if (c.headers[i] == '\r') {
				continue;
			}
			if (c.headers[i] == '\n') {
				REQUIRE(k + 1 < out.head.len && out.head.data[k] == '\r' && out.head.data[k + 1] == '\n');
				k += 2;
			} else {
				REQUIRE(k < out.head.len && out.head.data[k] == c.headers[i]);
				k++;
			}
		}
		if (c.headers[c.headers_len - 1] != '\n') {
			REQUIRE(k + 1 < out.head.len && out.head.data[k] == '\r' && out.head.data[k + 1] == '\n');
			k += 2;
		}
		REQUIRE(k + 2 == out.head.len && out.head.data[k] == '\r' && out.head.data[k + 1] == '\n');
	}
	for (i = 0; i < out.rcpts.count; i++) {
		check_address(out.rcpts.items[i]);
	}
	if (out.from_addr != NULL) {
		check_address(out.from_addr);
	}
	smtp_composed_destroy(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_block((const char *)data, size);
	check_compose((const char *)data, size);
	return 0;
}
