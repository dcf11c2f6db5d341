/* test_headers.c: splitting mail()'s additional header block (smtp_core/smtp_headers.c). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "smtp_buf.h"
#include "smtp_headers.h"

#define PARSE(l, text, err) smtp_headers_parse((l), (text), sizeof(text) - 1, (err))

/* Field i of l has exactly this name and value, pointing into block. */
static void field_is(int line, const smtp_header_list_t *l, size_t i, const char *block, size_t blen,
                     const char *name, const char *value, size_t vlen)
{
	const smtp_header_t *h;

	CHECK(i < l->count);
	if (i >= l->count) {
		fprintf(stderr, "  line %d: only %zu fields\n", line, l->count);
		return;
	}
	h = &l->items[i];
	CHECK_MEM(h->name, h->name_len, name, strlen(name));
	CHECK_MEM(h->value, h->value_len, value, vlen);
	CHECK(h->name >= block && h->name + h->name_len <= block + blen);
	CHECK(h->value >= block && h->value + h->value_len <= block + blen);
}

#define FIELD(l, i, block, name, value) \
	field_is(__LINE__, (l), (i), (block), sizeof(block) - 1, (name), (value), sizeof(value) - 1)

static void parse_err(int line, const char *block, size_t len, const char *want)
{
	smtp_header_list_t l;
	smtp_error_t err;
	smtp_rc_t rc;
	static const char pre[] = "X-Pre: 1";

	smtp_header_list_init(&l);
	smtp_error_clear(&err);
	CHECK_INT(smtp_headers_parse(&l, pre, sizeof(pre) - 1, &err), SMTP_OK);
	rc = smtp_headers_parse(&l, block, len, &err);
	CHECK_INT(rc, SMTP_E_ARG);
	CHECK_INT(err.stage, SMTP_STAGE_MESSAGE);
	CHECK_STR(err.message, want);
	/* The list is left as it was before the failed call. */
	CHECK_INT(l.count, 1);
	if (rc != SMTP_E_ARG || strcmp(err.message, want) != 0 || l.count != 1) {
		fprintf(stderr, "  line %d\n", line);
	}
	smtp_header_list_destroy(&l);
}

#define PARSE_ERR(block, msg) parse_err(__LINE__, (block), sizeof(block) - 1, (msg))

static void test_simple(void)
{
	smtp_header_list_t l;
	smtp_error_t err;
	static const char crlf[] = "From: a@x.example\r\nReply-To: b@y.example\r\nX-Mailer: PHP/8.2";
	static const char lf[] = "From: a@x.example\nX-Empty:\nX-Tab:\tv\nX-NoSpace:v\nX-Two:  v\n";

	smtp_header_list_init(&l);
	CHECK_INT(PARSE(&l, crlf, &err), SMTP_OK);
	CHECK_INT(l.count, 3);
	FIELD(&l, 0, crlf, "From", "a@x.example");
	FIELD(&l, 1, crlf, "Reply-To", "b@y.example");
	FIELD(&l, 2, crlf, "X-Mailer", "PHP/8.2");
	smtp_header_list_destroy(&l);

	CHECK_INT(PARSE(&l, lf, &err), SMTP_OK);
	CHECK_INT(l.count, 5);
	FIELD(&l, 0, lf, "From", "a@x.example");
	FIELD(&l, 1, lf, "X-Empty", "");
	FIELD(&l, 2, lf, "X-Tab", "v");
	FIELD(&l, 3, lf, "X-NoSpace", "v");
	/* Only the one space after ':' is dropped. */
	FIELD(&l, 4, lf, "X-Two", " v");
	smtp_header_list_destroy(&l);
}

static void test_empty_and_trailing(void)
{
	smtp_header_list_t l;
	smtp_error_t err;
	static const char one_crlf[] = "A: 1\r\n";
	static const char one_lf[] = "A: 1\n";

	smtp_header_list_init(&l);
	CHECK_INT(smtp_headers_parse(&l, "", 0, &err), SMTP_OK);
	CHECK_INT(smtp_headers_parse(&l, NULL, 0, &err), SMTP_OK);
	CHECK_INT(smtp_headers_parse(&l, "\r\n", 2, &err), SMTP_OK);
	CHECK_INT(smtp_headers_parse(&l, "\n", 1, &err), SMTP_OK);
	CHECK_INT(l.count, 0);
	CHECK_INT(PARSE(&l, one_crlf, &err), SMTP_OK);
	CHECK_INT(PARSE(&l, one_lf, &err), SMTP_OK);
	CHECK_INT(l.count, 2);
	FIELD(&l, 0, one_crlf, "A", "1");
	FIELD(&l, 1, one_lf, "A", "1");
	smtp_header_list_destroy(&l);
	PARSE_ERR("A: 1\r\n\r\n", "the header block ends with an empty line: it would start the body");
	PARSE_ERR("A: 1\n\n", "the header block ends with an empty line: it would start the body");
	PARSE_ERR("\r\n\r\n", "the header block ends with an empty line: it would start the body");
	PARSE_ERR("\r\nA: 1",
	          "empty line in the header block: it would end the header and start the body (header "
	          "injection?), before: 'A: 1'");
}

static void test_folding(void)
{
	smtp_header_list_t l;
	smtp_error_t err;
	static const char block[] = "Subject: a long\r\n subject\r\n\tline\r\nTo: a@x.example,\n b@y.example\n"
	                            "X-Fold:\r\n starts folded";

	smtp_header_list_init(&l);
	CHECK_INT(PARSE(&l, block, &err), SMTP_OK);
	CHECK_INT(l.count, 3);
	FIELD(&l, 0, block, "Subject", "a long\r\n subject\r\n\tline");
	FIELD(&l, 1, block, "To", "a@x.example,\n b@y.example");
	FIELD(&l, 2, block, "X-Fold", "\r\n starts folded");
	smtp_header_list_destroy(&l);

	PARSE_ERR(" continued: x", "the header block starts with a continuation line: ' continued: x'");
	PARSE_ERR("\tA: 1", "the header block starts with a continuation line: '?A: 1'");
	PARSE_ERR("A: 1\r\n \r\nB: 2",
	          "line of only white space in the header block, after field: 'A'");
	PARSE_ERR("A: 1\r\n\t", "line of only white space in the header block, after field: 'A'");
}

static void test_find(void)
{
	smtp_header_list_t l;
	smtp_error_t err;
	static const char block[] = "cc: a@x.example\r\nCC: b@y.example\r\nbcc: c@z.example\r\nX-Cc-Like: d";
	const smtp_header_t *h;

	smtp_header_list_init(&l);
	CHECK_INT(PARSE(&l, block, &err), SMTP_OK);
	h = smtp_headers_find(&l, "Cc");
	CHECK(h == &l.items[0]);
	h = smtp_headers_find(&l, "BCC");
	CHECK(h == &l.items[2]);
	CHECK(smtp_headers_find(&l, "From") == NULL);
	CHECK(smtp_headers_find(&l, "C") == NULL);
	CHECK(smtp_headers_find(&l, "Ccc") == NULL);
	CHECK(smtp_header_is(&l.items[3], "x-cc-like"));
	CHECK(!smtp_header_is(&l.items[3], "x-cc-lik"));
	smtp_header_list_destroy(&l);
	CHECK(smtp_headers_find(&l, "Cc") == NULL);
}

static void test_injection(void)
{
	/* An empty line starts the body: what follows would no longer be a header. */
	PARSE_ERR("From: a@x.example\r\n\r\nBcc: evil@y.example",
	          "empty line in the header block: it would end the header and start the body (header "
	          "injection?), before: 'Bcc: evil@y.example'");
	PARSE_ERR("From: a@x.example\n\n<html>",
	          "empty line in the header block: it would end the header and start the body (header "
	          "injection?), before: '<html>'");
	PARSE_ERR("From: a@x.example\rBcc: evil@y.example",
	          "bare CR in the header block, in line: 'From: a@x.example?'");
	PARSE_ERR("From: a@x.example\r", "bare CR in the header block, in line: 'From: a@x.example?'");
	PARSE_ERR("From: a@x.example\r\r\nX: y", "bare CR in the header block, in line: 'From: a@x.example?'");
	PARSE_ERR("X: a\0b", "NUL byte in the header block, in line: 'X: a?'");
	PARSE_ERR("\0", "NUL byte in the header block, in line: '?'");
	PARSE_ERR("X: a\r\nY\0: b", "NUL byte in the header block, in line: 'Y?'");
}

static void test_bad_lines(void)
{
	PARSE_ERR("From a@x.example", "header line without ':': 'From a@x.example'");
	PARSE_ERR("X: 1\r\n<html><body>", "header line without ':': '<html><body>'");
	PARSE_ERR(": value", "header line with an empty field name: ': value'");
	PARSE_ERR("X-My Header: v", "header field name with a space, control or 8-bit byte: 'X-My Header: v'");
	PARSE_ERR("Subject : v", "header field name with a space, control or 8-bit byte: 'Subject : v'");
	PARSE_ERR("X-\xc3\xa9: v", "header field name with a space, control or 8-bit byte: 'X-??: v'");
	PARSE_ERR("X-\x7f: v", "header field name with a space, control or 8-bit byte: 'X-?: v'");
	PARSE_ERR("X-\x01: v", "header field name with a space, control or 8-bit byte: 'X-?: v'");
	/* Only the bytes before the first ':' form the name; the value may hold anything but NUL/bare CR. */
	{
		smtp_header_list_t l;
		smtp_error_t err;
		static const char block[] = "X-Odd: a:b \x01 \xc3\xa9 \x7f";
		smtp_header_list_init(&l);
		CHECK_INT(PARSE(&l, block, &err), SMTP_OK);
		FIELD(&l, 0, block, "X-Odd", "a:b \x01 \xc3\xa9 \x7f");
		smtp_header_list_destroy(&l);
	}
	/* The excerpt is capped. */
	PARSE_ERR("0123456789012345678901234567890123456789012345678901234567890123456789",
	          "header line without ':': '01234567890123456789012345678901234567890123...'");
}

static void test_many(void)
{
	smtp_header_list_t l;
	smtp_error_t err;
	char block[2000];
	size_t n = 0, i;

	for (i = 0; i < 100; i++) {
		block[n++] = 'H';
		block[n++] = (char)('0' + i / 10);
		block[n++] = (char)('0' + i % 10);
		memcpy(block + n, ": v\r\n", 5);
		n += 5;
	}
	smtp_header_list_init(&l);
	CHECK_INT(smtp_headers_parse(&l, block, n, &err), SMTP_OK);
	CHECK_INT(l.count, 100);
	CHECK_MEM(l.items[99].name, l.items[99].name_len, "H99", 3);
	CHECK_MEM(l.items[0].value, l.items[0].value_len, "v", 1);
	/* Parsing again appends. */
	CHECK_INT(smtp_headers_parse(&l, "Z: z", 4, &err), SMTP_OK);
	CHECK_INT(l.count, 101);
	smtp_header_list_destroy(&l);
	smtp_header_list_destroy(&l);
}

/* mail()'s reading: the header ends at the first line that is no field; the
 * rest is text, still checked for what could end the block early. */
static void test_until_text(void)
{
	static const char block[] = "X-A: 1\r\nKHeaders\r\nBcc: b@x.example\r\n folded\r\nBad Name: v";
	static const char fields_only[] = "X-A: 1\nX-B: 2\n";
	smtp_header_list_t l;
	smtp_error_t err;
	size_t text = 0;

	smtp_header_list_init(&l);
	CHECK_INT(smtp_headers_parse_until_text(&l, block, sizeof(block) - 1, &text, &err), SMTP_OK);
	CHECK_INT(l.count, 1);
	FIELD(&l, 0, block, "X-A", "1");
	CHECK_INT(text, strlen("X-A: 1\r\n"));
	CHECK(smtp_headers_find(&l, "Bcc") == NULL);
	smtp_header_list_destroy(&l);

	/* A field name with a space is no field either (RFC 5322 3.6.8). */
	CHECK_INT(smtp_headers_parse_until_text(&l, "Bad Name: v\nX-A: 1", 18, &text, &err), SMTP_OK);
	CHECK_INT(l.count, 0);
	CHECK_INT(text, 0);
	smtp_header_list_destroy(&l);

	CHECK_INT(smtp_headers_parse_until_text(&l, fields_only, sizeof(fields_only) - 1, &text, &err), SMTP_OK);
	CHECK_INT(l.count, 2);
	CHECK_INT(text, sizeof(fields_only) - 1);
	smtp_header_list_destroy(&l);

	/* The text cannot end the header early nor hide a bare CR. */
	CHECK_INT(smtp_headers_parse_until_text(&l, "KHeaders\r\n\r\nX: 1", 15, &text, &err), SMTP_E_ARG);
	CHECK_INT(l.count, 0);
	CHECK_INT(smtp_headers_parse_until_text(&l, "X: 0\nKHeaders\n \nX: 1", 21, &text, &err), SMTP_E_ARG);
	CHECK_INT(l.count, 0);
	CHECK_INT(text, 21);
	CHECK_INT(smtp_headers_parse_until_text(&l, "KHeaders\rX: 1", 14, &text, &err), SMTP_E_ARG);
	CHECK_INT(smtp_headers_parse_until_text(&l, "KHea\0ders", 9, &text, &err), SMTP_E_ARG);
	/* The strict parser still refuses the line. */
	PARSE_ERR("KHeaders", "header line without ':': 'KHeaders'");
	smtp_header_list_destroy(&l);
}

/* The growing array behind the header list (and the address list, the MIME
 * plan and the spool listing): first size, doubling, contents kept. */
static void test_grow_items(void)
{
	int *items = NULL, *grown;
	size_t cap = 0, count, want = 4;

	for (count = 0; count < 100; count++) {
		grown = smtp_buf_grow_items(items, count, &cap, 4, sizeof(*items));
		CHECK(grown != NULL);
		if (grown == NULL) {
			break;
		}
		items = grown;
		items[count] = (int)count * 3;
		/* Grown only when full: 4, 8, 16, ... */
		if (count == want) {
			want *= 2;
		}
		CHECK_INT(cap, want);
	}
	CHECK_INT(cap, 128);
	for (count = 0; count < 100; count++) {
		if (items[count] != (int)count * 3) {
			break;
		}
	}
	CHECK_INT(count, 100);
	/* Room left: the same array, cap unchanged. */
	CHECK(smtp_buf_grow_items(items, 100, &cap, 4, sizeof(*items)) == items);
	CHECK_INT(cap, 128);
	/* A size that would overflow: NULL, array and cap unchanged. */
	CHECK(smtp_buf_grow_items(items, 128, &cap, 4, (size_t)-1 / 200) == NULL);
	CHECK_INT(cap, 128);
	free(items);
	/* Doubling past SIZE_MAX: NULL before any realloc (a NULL array here, so
	 * a wrapped size could not free anything). */
	cap = (size_t)-1 / 2 + 1;
	CHECK(smtp_buf_grow_items(NULL, cap, &cap, 4, 1) == NULL);
	CHECK(cap == (size_t)-1 / 2 + 1);
}

int main(void)
{
	test_grow_items();
	test_simple();
	test_empty_and_trailing();
	test_folding();
	test_find();
	test_injection();
	test_bad_lines();
	test_many();
	test_until_text();
	return check_report("headers");
}
