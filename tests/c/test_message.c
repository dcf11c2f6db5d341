/* test_message.c: composing the header block and envelope (smtp_core/smtp_message.c). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "smtp_buf.h"
#include "smtp_message.h"
#include "smtp_sasl.h"

#define T0 ((time_t)0)                     /* Thu, 01 Jan 1970 00:00:00 */
#define T1 ((time_t)1700000000)            /* Tue, 14 Nov 2023 22:13:20 */
#define DATE0 "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"
#define DATE1 "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"

static void compose_init(smtp_compose_t *in)
{
	memset(in, 0, sizeof(*in));
	in->msgid_domain = "mail.x.example";
	in->now = T1;
}

#define SET(field, text) do { in.field = (text); in.field##_len = sizeof(text) - 1; } while (0)

/* The head is want followed by "Message-ID: <32 hex@domain>\r\n\r\n". */
static void head_is(int line, const smtp_composed_t *c, const char *want, const char *domain)
{
	const char *h = c->head.data;
	size_t wlen = strlen(want), dlen = strlen(domain), n = c->head.len, i;
	static const char open[] = "Message-ID: <";
	bool ok = h != NULL && n == wlen + (sizeof(open) - 1) + 32 + 1 + dlen + 5;

	ok = ok && memcmp(h, want, wlen) == 0 && memcmp(h + wlen, open, sizeof(open) - 1) == 0;
	for (i = 0; ok && i < 32; i++) {
		char x = h[wlen + sizeof(open) - 1 + i];
		ok = (x >= '0' && x <= '9') || (x >= 'a' && x <= 'f');
	}
	ok = ok && h[wlen + sizeof(open) - 1 + 32] == '@' &&
	     memcmp(h + n - dlen - 5, domain, dlen) == 0 && memcmp(h + n - 5, ">\r\n\r\n", 5) == 0;
	CHECK(ok);
	if (!ok) {
		fprintf(stderr, "  line %d: head differs\n", line);
		CHECK_MEM(h, n, want, wlen);
	}
}

/* The Message-ID takes the From address's domain, else msgid_domain. */
static const char *msgid_domain_of(const smtp_composed_t *c)
{
	const char *at = c->from_addr != NULL ? strrchr(c->from_addr, '@') : NULL;
	return at != NULL ? at + 1 : "mail.x.example";
}

#define HEAD_IS(c, want) head_is(__LINE__, (c), (want), msgid_domain_of(c))

static void rcpts_are(int line, const smtp_composed_t *c, const char *const *want)
{
	size_t n = 0, i;
	bool ok;

	while (want[n] != NULL) {
		n++;
	}
	ok = c->rcpts.count == n;
	for (i = 0; ok && i < n; i++) {
		ok = strcmp(c->rcpts.items[i], want[i]) == 0;
	}
	CHECK(ok);
	if (!ok) {
		fprintf(stderr, "  line %d: got %zu recipients:", line, c->rcpts.count);
		for (i = 0; i < c->rcpts.count; i++) {
			fprintf(stderr, " [%s]", c->rcpts.items[i]);
		}
		fputc('\n', stderr);
	}
}

#define RCPTS(c, ...) rcpts_are(__LINE__, (c), (const char *const[]){__VA_ARGS__, NULL})

/* Expects failure with exactly this message, and an emptied result. */
static void compose_err(int line, const smtp_compose_t *in, smtp_rc_t want_rc, const char *want)
{
	smtp_composed_t c;
	smtp_error_t err;
	smtp_rc_t rc;

	smtp_composed_init(&c);
	smtp_error_clear(&err);
	rc = smtp_message_compose(in, &c, &err);
	CHECK_INT(rc, want_rc);
	CHECK_INT(err.stage, SMTP_STAGE_MESSAGE);
	CHECK_STR(err.message, want);
	CHECK_INT(c.head.len, 0);
	CHECK_INT(c.rcpts.count, 0);
	CHECK(c.from_addr == NULL);
	if (rc != want_rc || strcmp(err.message, want) != 0) {
		fprintf(stderr, "  line %d\n", line);
	}
	smtp_composed_destroy(&c);
}

#define COMPOSE_ERR(in, msg) compose_err(__LINE__, (in), SMTP_E_ARG, (msg))

static void test_mail_like(void)
{
	smtp_compose_t in;
	smtp_composed_t c;
	smtp_error_t err;

	compose_init(&in);
	SET(to, "a@x.example");
	SET(subject, "Hi");
	SET(headers, "From: Me <me@x.example>\r\nX-Mailer: t");
	in.now = T0;
	smtp_composed_init(&c);
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "To: a@x.example\r\nSubject: Hi\r\nFrom: Me <me@x.example>\r\nX-Mailer: t\r\n" DATE0);
	RCPTS(&c, "a@x.example");
	CHECK_STR(c.from_addr, "me@x.example");

	/* Composing again into the same result replaces it. */
	SET(to, "b@y.example, \"Doe, J\" <j@y.example>");
	SET(headers, "From: me@x.example\n");
	in.now = T1;
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "To: b@y.example, \"Doe, J\" <j@y.example>\r\nSubject: Hi\r\nFrom: me@x.example\r\n" DATE1);
	RCPTS(&c, "b@y.example", "j@y.example");
	smtp_composed_destroy(&c);
	smtp_composed_destroy(&c);
}

static void test_dates(void)
{
	static const struct { time_t t; const char *line; } cases[] = {
		{ 0, DATE0 },
		{ 1700000000, DATE1 },
		{ 951782400, "Date: Tue, 29 Feb 2000 00:00:00 +0000\r\n" },
		{ 946684799, "Date: Fri, 31 Dec 1999 23:59:59 +0000\r\n" },
		{ 1234567890, "Date: Fri, 13 Feb 2009 23:31:30 +0000\r\n" },
		{ (time_t)253402300799LL, "Date: Fri, 31 Dec 9999 23:59:59 +0000\r\n" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		smtp_compose_t in;
		smtp_composed_t c;
		smtp_error_t err;
		compose_init(&in);
		in.now = cases[i].t;
		smtp_composed_init(&c);
		CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
		HEAD_IS(&c, cases[i].line);
		smtp_composed_destroy(&c);
	}
	{
		smtp_compose_t in;
		compose_init(&in);
		/* RFC 5322 3.3: four-digit years from 1900 on. */
		in.now = (time_t)253402300800LL;
		COMPOSE_ERR(&in, "the time for the Date field is out of range");
		in.now = (time_t)-2208988801LL;
		COMPOSE_ERR(&in, "the time for the Date field is out of range");
		/* With a Date field of the caller's, now is not used at all. */
		SET(headers, "Date: Mon, 1 Jan 2024 00:00:00 +0100");
		{
			smtp_composed_t c;
			smtp_composed_init(&c);
			CHECK_INT(smtp_message_compose(&in, &c, NULL), SMTP_OK);
			HEAD_IS(&c, "Date: Mon, 1 Jan 2024 00:00:00 +0100\r\n");
			smtp_composed_destroy(&c);
		}
	}
}

static void test_generated_fields(void)
{
	smtp_compose_t in;
	smtp_composed_t c;
	smtp_error_t err;
	static const char want_all[] =
		"To: a@x.example\r\nX-A: 1\r\nmessage-id: <given@x.example>\r\nDATE: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n";

	/* The caller's Date and Message-ID (any case) suppress ours; nothing is added after them. */
	compose_init(&in);
	SET(to, "a@x.example");
	SET(headers, "X-A: 1\r\nmessage-id: <given@x.example>\r\nDATE: Mon, 1 Jan 2024 00:00:00 +0000");
	in.from = "me@x.example";
	smtp_composed_init(&c);
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	CHECK_MEM(c.head.data, c.head.len, "To: a@x.example\r\nX-A: 1\r\nmessage-id: <given@x.example>\r\n"
	          "DATE: Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: me@x.example\r\n\r\n",
	          sizeof("To: a@x.example\r\nX-A: 1\r\nmessage-id: <given@x.example>\r\n"
	                 "DATE: Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: me@x.example\r\n\r\n") - 1);
	CHECK_STR(c.from_addr, "me@x.example");
	in.from = NULL;
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	CHECK_MEM(c.head.data, c.head.len, want_all, sizeof(want_all) - 1);
	CHECK(c.from_addr == NULL);

	/* in->from is written as given (a display name stays) when the block has no From. */
	compose_init(&in);
	in.from = "Site (robot) <noreply@x.example>";
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "From: Site (robot) <noreply@x.example>\r\n" DATE1);
	CHECK_STR(c.from_addr, "noreply@x.example");
	CHECK_INT(c.rcpts.count, 0);

	/* Not ASCII: rebuilt, since raw UTF-8 in a header needs SMTPUTF8 (RFC 6532): the
	 * name as RFC 2047 words (quotes and quoted-pairs undone first), the address
	 * as parsed, its domain an A-label. */
	in.from = "\"J\\\"org M\xc3\xbc" "ller\" <me@b\xc3\xbc" "cher.example>";
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "From: =?UTF-8?B?SiJvcmcgTcO8bGxlcg==?= <me@xn--bcher-kva.example>\r\n" DATE1);
	CHECK_STR(c.from_addr, "me@xn--bcher-kva.example");
	in.from = "Jo Doe <me@b\xc3\xbc" "cher.example>";
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "From: \"Jo Doe\" <me@xn--bcher-kva.example>\r\n" DATE1);
	in.from = "me@b\xc3\xbc" "cher.example";
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "From: me@xn--bcher-kva.example\r\n" DATE1);
	/* A long name takes several words, each at most 75 octets, on folded lines. */
	in.from = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	          "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	          "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 <me@x.example>";
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "From: =?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOp?=\r\n"
	            " =?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOp?= <me@x.example>\r\n" DATE1);
	/* A name in another 8-bit charset cannot be labelled: the address alone. */
	in.from = "J\xf6rg <me@x.example>";
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "From: me@x.example\r\n" DATE1);
	in.from = "Site (robot) <noreply@x.example>";

	/* A From field wins over in->from, for the head and for from_addr. */
	SET(headers, "from: \"Doe, J\" <J@Y.example>");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "from: \"Doe, J\" <J@Y.example>\r\n" DATE1);
	CHECK_STR(c.from_addr, "J@Y.example");

	/* Message-ID domain: the From domain, else msgid_domain, else an error. */
	compose_init(&in);
	in.msgid_domain = NULL;
	in.from = "me@From.example";
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	head_is(__LINE__, &c, "From: me@From.example\r\n" DATE1, "From.example");
	in.msgid_domain = "";
	SET(headers, "From: \"a@b\"@[192.0.2.1]");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	head_is(__LINE__, &c, "From: \"a@b\"@[192.0.2.1]\r\n" DATE1, "[192.0.2.1]");
	in.from = NULL;
	in.headers = NULL;
	COMPOSE_ERR(&in, "no domain for the Message-ID: give a HELO name or a From address");
	in.msgid_domain = "bad domain";
	COMPOSE_ERR(&in, "'bad domain' cannot be the domain of a Message-ID (RFC 5322 3.6.4)");
	in.msgid_domain = "x..example";
	COMPOSE_ERR(&in, "'x..example' cannot be the domain of a Message-ID (RFC 5322 3.6.4)");
	in.msgid_domain = "x.example>\r\nBcc: e@v.example";
	COMPOSE_ERR(&in, "'x.example>??Bcc: e@v.example' cannot be the domain of a Message-ID (RFC 5322 3.6.4)");
	in.msgid_domain = "[192.0.2.1]";
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	head_is(__LINE__, &c, DATE1, "[192.0.2.1]");

	/* Two Message-IDs differ. */
	{
		smtp_composed_t d;
		smtp_composed_init(&d);
		CHECK_INT(smtp_message_compose(&in, &d, &err), SMTP_OK);
		CHECK(c.head.len == d.head.len && memcmp(c.head.data, d.head.data, c.head.len) != 0);
		smtp_composed_destroy(&d);
	}
	smtp_composed_destroy(&c);
}

static void test_recipients_and_bcc(void)
{
	smtp_compose_t in;
	smtp_composed_t c;
	smtp_error_t err;

	compose_init(&in);
	SET(to, "t@x.example");
	SET(headers, "Bcc: b1@x.example,\r\n b2@y.example\r\nCc: c@x.example, T@X.EXAMPLE\r\n"
	             "To: t2@x.example\r\nbcc: b3@z.example\r\nX-After: 1\r\nBCC:\r\n");
	smtp_composed_init(&c);
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	/* Bcc fields vanish with their continuation lines. */
	HEAD_IS(&c, "To: t@x.example\r\nCc: c@x.example, T@X.EXAMPLE\r\nTo: t2@x.example\r\nX-After: 1\r\n" DATE1);
	/* $to, then To fields, then Cc, then Bcc; T@X.EXAMPLE differs from t@x.example in its local part. */
	RCPTS(&c, "t@x.example", "t2@x.example", "c@x.example", "T@X.EXAMPLE", "b1@x.example", "b2@y.example",
	      "b3@z.example");

	/* Without $to the recipients come from the fields alone; duplicates collapse. */
	compose_init(&in);
	SET(headers, "To: Team: a@x.example, b@x.example;\r\nCc: a@X.EXAMPLE\r\nBcc: undisclosed-recipients:;");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	RCPTS(&c, "a@x.example", "b@x.example");
	HEAD_IS(&c, "To: Team: a@x.example, b@x.example;\r\nCc: a@X.EXAMPLE\r\n" DATE1);

	/* No recipients at all is not an error here: smtp_send() may bring its own envelope. */
	compose_init(&in);
	SET(to, "undisclosed-recipients:;");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	CHECK_INT(c.rcpts.count, 0);
	HEAD_IS(&c, "To: undisclosed-recipients:;\r\n" DATE1);
	smtp_composed_destroy(&c);

	/* Errors name where the bad address was. */
	compose_init(&in);
	SET(to, "root");
	COMPOSE_ERR(&in, "to: address 'root' has no domain; a relay needs user@domain");
	compose_init(&in);
	SET(to, "a@x.example");
	SET(headers, "X: 1\r\nCC: root");
	COMPOSE_ERR(&in, "Cc field: address 'root' has no domain; a relay needs user@domain");
	SET(headers, "Bcc: a@x.example\r\nbcc: <b@y.example");
	COMPOSE_ERR(&in, "Bcc field: address list has an unbalanced '<' in '<b@y.example'");
	SET(headers, "To: x@y.example (unclosed");
	COMPOSE_ERR(&in, "To field: address list has an unbalanced '(' in '(unclosed'");
	SET(headers, "From: a@x.example, b@y.example");
	COMPOSE_ERR(&in, "From field: 'a@x.example, b@y.example' holds more than one address; one mailbox is "
	            "expected here");
	SET(headers, "From: undisclosed:;");
	COMPOSE_ERR(&in, "From field: 'undisclosed:' starts a group; one mailbox is expected here");
	compose_init(&in);
	in.from = "me";
	COMPOSE_ERR(&in, "from: address 'me' has no domain; a relay needs user@domain");
	in.from = "me@x.example\r\nBcc: e@v.example";
	COMPOSE_ERR(&in, "from contains a line break (header injection?)");
	in.from = "me@x.example\r\n (folded)";
	COMPOSE_ERR(&in, "from contains a line break (header injection?)");
	in.from = "<>";
	COMPOSE_ERR(&in, "from: empty address '<>' is not allowed here");
}

static void test_line_ends_and_folds(void)
{
	smtp_compose_t in;
	smtp_composed_t c;
	smtp_error_t err;

	compose_init(&in);
	SET(to, "a@x.example,\n b@y.example,\r\n\tc@z.example");
	SET(subject, "a folded\n subject\r\n\tline");
	SET(headers, "X-A: 1\nX-B: 2\n continued\r\n\tagain\nX-Empty:\nX-F:\n starts folded\nX-Two:  v\nX-T:\tv\n");
	smtp_composed_init(&c);
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "To: a@x.example,\r\n b@y.example,\r\n\tc@z.example\r\n"
	            "Subject: a folded\r\n subject\r\n\tline\r\n"
	            "X-A: 1\r\nX-B: 2\r\n continued\r\n\tagain\r\nX-Empty:\r\nX-F:\r\n starts folded\r\nX-Two:  v\r\n"
	            "X-T: v\r\n" DATE1);
	RCPTS(&c, "a@x.example", "b@y.example", "c@z.example");

	/* An empty subject is an empty field; a NULL one is none. */
	compose_init(&in);
	in.subject = "";
	in.subject_len = 0;
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "Subject:\r\n" DATE1);
	/* Only subject_len bytes are read. */
	in.subject = "Hi\r\nBcc: e@v.example";
	in.subject_len = 2;
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "Subject: Hi\r\n" DATE1);
	/* An ASCII subject passes unchanged, even one that looks encoded. */
	SET(subject, "=?UTF-8?B?w6k=?= and (parens) \"quotes\" \t tab");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "Subject: =?UTF-8?B?w6k=?= and (parens) \"quotes\" \t tab\r\n" DATE1);
	/* A duplicate Subject or To from the block is passed on as mail() does. */
	SET(headers, "Subject: second\r\nTo: b@y.example");
	SET(to, "a@x.example");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "To: a@x.example\r\nSubject: =?UTF-8?B?w6k=?= and (parens) \"quotes\" \t tab\r\n"
	            "Subject: second\r\nTo: b@y.example\r\n" DATE1);
	RCPTS(&c, "a@x.example", "b@y.example");
	smtp_composed_destroy(&c);
}

static void test_injection(void)
{
	smtp_compose_t in;

	compose_init(&in);
	SET(subject, "Hi\r\nBcc: evil@y.example");
	COMPOSE_ERR(&in, "subject contains a line break that is not part of a fold (header injection?) at "
	            "'??Bcc: evil@y.example'");
	SET(subject, "Hi\nBcc: evil@y.example");
	COMPOSE_ERR(&in, "subject contains a line break that is not part of a fold (header injection?) at "
	            "'?Bcc: evil@y.example'");
	SET(subject, "Hi\rBcc: evil@y.example");
	COMPOSE_ERR(&in, "subject contains a line break that is not part of a fold (header injection?) at "
	            "'?Bcc: evil@y.example'");
	SET(subject, "Hi\r\n\r\nbody text");
	COMPOSE_ERR(&in, "subject contains a line break that is not part of a fold (header injection?) at "
	            "'????body text'");
	SET(subject, "Hi\r\n");
	COMPOSE_ERR(&in, "subject contains a line break that is not part of a fold (header injection?) at '?\?'");
	SET(subject, "Hi\r\n ");
	COMPOSE_ERR(&in, "subject contains a folded line of only white space");
	SET(subject, "Hi\r\n \r\n x");
	COMPOSE_ERR(&in, "subject contains a folded line of only white space");
	SET(subject, "Hi\n\t\nBcc: x@y.example");
	COMPOSE_ERR(&in, "subject contains a folded line of only white space");
	SET(subject, "H\xc3\xa9\r\nBcc: evil@y.example");
	COMPOSE_ERR(&in, "subject contains a line break that is not part of a fold (header injection?) at "
	            "'??Bcc: evil@y.example'");
	SET(subject, "Hi\0Bcc");
	COMPOSE_ERR(&in, "subject contains a NUL byte, after 'Hi?'");

	compose_init(&in);
	SET(to, "a@x.example\r\nBcc: evil@y.example");
	COMPOSE_ERR(&in, "to contains a line break that is not part of a fold (header injection?) at "
	            "'??Bcc: evil@y.example'");
	SET(to, "a@x.example\nRCPT TO:<x@y.example>");
	COMPOSE_ERR(&in, "to contains a line break that is not part of a fold (header injection?) at "
	            "'?RCPT TO:<x@y.example>'");
	SET(to, "a@x.example\0b@y.example");
	COMPOSE_ERR(&in, "to contains a NUL byte, after 'a@x.example?'");
	SET(to, "a@x.example\r\n");
	COMPOSE_ERR(&in, "to contains a line break that is not part of a fold (header injection?) at '?\?'");

	compose_init(&in);
	SET(headers, "X-A: 1\r\n\r\nBcc: evil@y.example");
	COMPOSE_ERR(&in, "additional headers: empty line in the header block: it would end the header and start "
	            "the body (header injection?), before: 'Bcc: evil@y.example'");
	SET(headers, "X-A: 1\rBcc: evil@y.example");
	COMPOSE_ERR(&in, "additional headers: bare CR in the header block, in line: 'X-A: 1?'");
	SET(headers, "X-A: 1\r\n\0");
	COMPOSE_ERR(&in, "additional headers: NUL byte in the header block, in line: '?'");
	SET(headers, "<html>");
	COMPOSE_ERR(&in, "additional headers: header line without ':': '<html>'");
}

static void test_encoded_subject(void)
{
	smtp_compose_t in;
	smtp_composed_t c;
	smtp_error_t err;

	compose_init(&in);
	smtp_composed_init(&c);
	SET(subject, "Gr\xc3\xbc\xc3\x9f" "e");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n" DATE1);

	/* 30 x U+00E9: the first word can hold 39 octets, but that would split a
	 * character, so it takes 38; the next words hold up to 45. */
	SET(subject, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	             "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	             "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "Subject: =?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6k=?=\r\n"
	            " =?UTF-8?B?w6nDqcOpw6nDqcOpw6nDqcOpw6nDqQ==?=\r\n" DATE1);

	/* Mixed text with 2-, 3- and 4-octet characters; a fold is unfolded first
	 * and its white space encoded. */
	SET(subject, "\xc3\x9cn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 subject with ASCII words in it\r\n and a euro "
	             "\xe2\x82\xac sign plus \xf0\x9f\x98\x80 emoji at the end");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "Subject: =?UTF-8?B?w5xuw69jw7Zkw6kgc3ViamVjdCB3aXRoIEFTQ0lJIHdvcmRzIGlu?=\r\n"
	            " =?UTF-8?B?IGl0IGFuZCBhIGV1cm8g4oKsIHNpZ24gcGx1cyDwn5iAIGVtb2ppIGF0IHRo?=\r\n"
	            " =?UTF-8?B?ZSBlbmQ=?=\r\n" DATE1);

	/* Not UTF-8: refused rather than mislabelled. */
	SET(subject, "caf\xe9");
	COMPOSE_ERR(&in, "subject is neither ASCII nor valid UTF-8, at 'caf?'; convert it to UTF-8 first, or declare its single-octet charset in Content-Type");
	SET(subject, "a\xc0\x80");
	COMPOSE_ERR(&in, "subject is neither ASCII nor valid UTF-8, at 'a?'; convert it to UTF-8 first, or declare its single-octet charset in Content-Type");
	SET(subject, "\xed\xa0\x80");
	COMPOSE_ERR(&in, "subject is neither ASCII nor valid UTF-8, at '?'; convert it to UTF-8 first, or declare its single-octet charset in Content-Type");
	SET(subject, "\xf4\x90\x80\x80");
	COMPOSE_ERR(&in, "subject is neither ASCII nor valid UTF-8, at '?'; convert it to UTF-8 first, or declare its single-octet charset in Content-Type");
	SET(subject, "ok \xe2\x82");
	COMPOSE_ERR(&in, "subject is neither ASCII nor valid UTF-8, at 'ok ?'; convert it to UTF-8 first, or declare its single-octet charset in Content-Type");
	smtp_composed_destroy(&c);
}

/* Every line of the encoded subject obeys RFC 2047 and the words decode to the input. */
static void test_encoded_subject_long(void)
{
	smtp_compose_t in;
	smtp_composed_t c;
	smtp_error_t err;
	char subject[3000];
	size_t n = 0, i, pos;
	smtp_buf_t decoded;
	bool ok = true;

	/* 1-, 2-, 3- and 4-octet characters in a rotating pattern. */
	while (n + 10 < sizeof(subject)) {
		static const char *const parts[] = { "a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", " " };
		const char *p = parts[(n / 3) % 5];
		memcpy(subject + n, p, strlen(p));
		n += strlen(p);
	}
	compose_init(&in);
	in.subject = subject;
	in.subject_len = n;
	smtp_composed_init(&c);
	smtp_buf_init(&decoded, 10000);
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	pos = strlen("Subject: ");
	CHECK(memcmp(c.head.data, "Subject: ", pos) == 0);
	for (i = 0; ok; i++) {
		const char *line = c.head.data + pos, *end = strstr(line, "\r\n");
		size_t start = decoded.len;
		ok = end != NULL && (size_t)(end - line) + (i == 0 ? 9 : 0) <= 76 && end - line >= 12 &&
		     memcmp(line + (i == 0 ? 0 : 1), "=?UTF-8?B?", 10) == 0 && memcmp(end - 2, "?=", 2) == 0 &&
		     (i == 0 || line[0] == ' ');
		if (!ok) {
			break;
		}
		line += i == 0 ? 10 : 11;
		ok = smtp_base64_decode(&decoded, line, (size_t)(end - 2 - line), NULL) == SMTP_OK;
		/* Each word starts on a character boundary. */
		ok = ok && ((unsigned char)decoded.data[start] & 0xc0) != 0x80;
		pos = (size_t)(end - c.head.data) + 2;
		if (c.head.data[pos] != ' ') {
			break;
		}
	}
	CHECK(ok);
	CHECK(i > 60);
	CHECK_MEM(decoded.data, decoded.len, subject, n);
	CHECK(memcmp(c.head.data + pos, "Date: ", 6) == 0);
	smtp_buf_destroy(&decoded);
	smtp_composed_destroy(&c);
}

/* No line we write exceeds 998 octets where a space allows a fold; folding is invisible. */
static void test_long_lines(void)
{
	smtp_compose_t in;
	smtp_composed_t c;
	smtp_error_t err;
	char to[4000], unfolded[4000];
	size_t n = 0, i, line, un = 0, count;

	for (i = 0; i < 150; i++) {
		memcpy(to + n, "user", 4);
		to[n + 4] = (char)('0' + i / 100);
		to[n + 5] = (char)('0' + i / 10 % 10);
		to[n + 6] = (char)('0' + i % 10);
		memcpy(to + n + 7, "@x.example, ", 12);
		n += 19;
	}
	n -= 2;
	compose_init(&in);
	in.to = to;
	in.to_len = n;
	smtp_composed_init(&c);
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	CHECK_INT(c.rcpts.count, 150);
	CHECK_STR(c.rcpts.items[149], "user149@x.example");
	/* Lines of the To field: at most 78 octets, each fold between two
	 * addresses, and unfolding gives "To: " + $to back. */
	count = 0;
	for (line = 0; line < c.head.len;) {
		const char *end = strstr(c.head.data + line, "\r\n");
		size_t len = (size_t)(end - (c.head.data + line));
		if (line > 0 && c.head.data[line] != ' ') {
			break;
		}
		CHECK(len <= 78);
		CHECK(line == 0 || memcmp(c.head.data + line, " user", 5) == 0);
		CHECK(line == 0 || c.head.data[line - 3] == ',');
		memcpy(unfolded + un, c.head.data + line, len);
		un += len;
		line += len + 2;
		count++;
	}
	CHECK(count > 30);
	CHECK(un == n + 4 && memcmp(unfolded, "To: ", 4) == 0 && memcmp(unfolded + 4, to, n) == 0);

	/* A line without any space cannot be folded: an error naming the field. */
	memset(to, 'x', 1200);
	compose_init(&in);
	in.subject = to;
	in.subject_len = 1200;
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_E_LIMIT);
	CHECK(strstr(err.message, "header field 'Subject' cannot be folded") != NULL);
	CHECK(c.head.len == 0);
	/* Leading white space is no place to fold: that would leave an empty line. */
	memset(to, ' ', 5);
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_E_LIMIT);
	/* A space late enough is; the rest has no space, and is short enough. */
	to[900] = ' ';
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	CHECK(memcmp(c.head.data + 909, "\r\n x", 4) == 0);
	CHECK(memcmp(c.head.data + 1211, "\r\nDate: ", 8) == 0);
	/* The caller's own long field is folded too (issue 11: only To and
	 * Subject were, and a long Cc made mail() fail). */
	compose_init(&in);
	memcpy(to, "X-Long: ", 8);
	memset(to + 8, 'y', 1100);
	to[600] = ' ';
	in.headers = to;
	in.headers_len = 1108;
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	CHECK(c.head.len > 1110 && memcmp(c.head.data, to, 600) == 0 && memcmp(c.head.data + 600, "\r\n", 2) == 0 &&
	      memcmp(c.head.data + 602, to + 600, 508) == 0 && memcmp(c.head.data + 1110, "\r\n", 2) == 0);
	/* ... but not when the block carries a DKIM-Signature: the signature
	 * covers the field as written. */
	memcpy(to + 1108, "\nDKIM-Signature: v=1", 20);
	in.headers_len = 1128;
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	CHECK(c.head.len > 1108 && memcmp(c.head.data, to, 1108) == 0 && memcmp(c.head.data + 1108, "\r\n", 2) == 0);
	/* A field of short lines stays as written, however many. */
	compose_init(&in);
	in.headers = "X-A: one two\r\n three";
	in.headers_len = strlen(in.headers);
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	CHECK(memcmp(c.head.data, "X-A: one two\r\n three\r\n", 22) == 0);
	smtp_composed_destroy(&c);
}

static void test_head_limit(void)
{
	smtp_compose_t in;
	smtp_composed_t c;
	smtp_error_t err;
	size_t n = SMTP_MESSAGE_HEAD_MAX, i;
	char *block = malloc(n);

	CHECK(block != NULL);
	if (block == NULL) {
		return;
	}
	/* Fields of 100 octets each, filling the whole limit: with Date and Message-ID it is too much. */
	for (i = 0; i + 100 <= n; i += 100) {
		memcpy(block + i, "X-Fill: ", 8);
		memset(block + i + 8, 'f', 90);
		memcpy(block + i + 98, "\r\n", 2);
	}
	compose_init(&in);
	in.headers = block;
	in.headers_len = i;
	smtp_composed_init(&c);
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_E_LIMIT);
	CHECK_STR(err.message, "the message header exceeds 1048576 octets");
	CHECK_INT(c.head.len, 0);
	/* Somewhat less fits. */
	in.headers_len = i - 1000;
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	CHECK_INT(c.head.len, i - 1000 + strlen(DATE1) + strlen("Message-ID: <@mail.x.example>\r\n") + 32 + 2);
	smtp_composed_destroy(&c);
	free(block);
}

/* mail() parity: text lines in the block, an empty From, a non-UTF-8 subject. */
static void test_mail_parity(void)
{
	smtp_compose_t in;
	smtp_composed_t c;
	smtp_error_t err;

	compose_init(&in);
	in.mail_parity = true;
	in.from = "dflt@x.example";
	SET(to, "a@x.example");
	SET(subject, "Hi");
	/* The header ends at KHeaders: the generated fields go before it, the
	 * rest (a Bcc included) is body text followed by mail()'s empty line. */
	SET(headers, "X-A: 1\nKHeaders\nBcc: hidden@x.example");
	smtp_composed_init(&c);
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	RCPTS(&c, "a@x.example");
	CHECK(c.head.len > 4 && memcmp(c.head.data + c.head.len - 39, "\r\n\r\nKHeaders\r\nBcc: hidden@x.example\r\n\r\n", 39) == 0);
	CHECK(memcmp(c.head.data, "To: a@x.example\r\nSubject: Hi\r\nX-A: 1\r\nFrom: dflt@x.example\r\n" DATE1,
	             strlen("To: a@x.example\r\nSubject: Hi\r\nX-A: 1\r\nFrom: dflt@x.example\r\n" DATE1)) == 0);
	/* Without mail_parity the line is refused, as before. */
	in.mail_parity = false;
	COMPOSE_ERR(&in, "additional headers: header line without ':': 'KHeaders'");
	in.mail_parity = true;

	/* An empty From is dropped and replaced as if absent. */
	SET(headers, "From: \r\nX-A: 1");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "To: a@x.example\r\nSubject: Hi\r\nX-A: 1\r\nFrom: dflt@x.example\r\n" DATE1);
	CHECK_STR(c.from_addr, "dflt@x.example");
	/* A later From that is not empty is the From; the empty one is dropped. */
	SET(headers, "From:\r\nFrom: real@y.example");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "To: a@x.example\r\nSubject: Hi\r\nFrom: real@y.example\r\n" DATE1);
	CHECK_STR(c.from_addr, "real@y.example");

	/* Latin-1 with a declared single-octet charset: encoded in it. */
	SET(subject, "caf\xe9 cr\xe8me");
	SET(headers, "Content-Type: text/plain; charset=\"ISO-8859-1\"");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "To: a@x.example\r\nSubject: =?ISO-8859-1?B?Y2Fm6SBjcuhtZQ==?=\r\n"
	            "Content-Type: text/plain; charset=\"ISO-8859-1\"\r\nFrom: dflt@x.example\r\n" DATE1);
	/* Without a declared charset: as written, as PHP's mail() sends it. */
	SET(headers, "Content-Type: text/plain");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "To: a@x.example\r\nSubject: caf\xe9 cr\xe8me\r\n"
	            "Content-Type: text/plain\r\nFrom: dflt@x.example\r\n" DATE1);
	/* A multi-octet charset cannot be cut safely: as written too. */
	SET(headers, "Content-Type: text/plain; charset=Shift_JIS");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "To: a@x.example\r\nSubject: caf\xe9 cr\xe8me\r\n"
	            "Content-Type: text/plain; charset=Shift_JIS\r\nFrom: dflt@x.example\r\n" DATE1);
	/* smtp_send() refuses rather than mislabel. */
	in.mail_parity = false;
	SET(headers, "Content-Type: text/plain");
	COMPOSE_ERR(&in, "subject is neither ASCII nor valid UTF-8, at 'caf?'; convert it to UTF-8 first, or "
	                 "declare its single-octet charset in Content-Type");
	SET(headers, "Content-Type: text/plain; charset=windows-1252");
	CHECK_INT(smtp_message_compose(&in, &c, &err), SMTP_OK);
	HEAD_IS(&c, "To: a@x.example\r\nSubject: =?windows-1252?B?Y2Fm6SBjcuhtZQ==?=\r\n"
	            "Content-Type: text/plain; charset=windows-1252\r\nFrom: dflt@x.example\r\n" DATE1);
	smtp_composed_destroy(&c);
}

int main(void)
{
	test_mail_like();
	test_dates();
	test_generated_fields();
	test_recipients_and_bcc();
	test_line_ends_and_folds();
	test_injection();
	test_encoded_subject();
	test_encoded_subject_long();
	test_long_lines();
	test_head_limit();
	test_mail_parity();
	return check_report("message");
}
