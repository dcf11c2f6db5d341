/* test_addr.c: RFC 5322 address lists and mailboxes (smtp_core/smtp_addr.c). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "smtp_addr.h"

/* Parses text (len bytes) into an empty list and expects exactly the
 * addresses in want (NULL-terminated). */
static void list_ok(int line, const char *text, size_t len, const char *const *want)
{
	smtp_addr_list_t l;
	smtp_error_t err;
	smtp_rc_t rc;
	size_t n = 0, i;
	bool ok;

	smtp_addr_list_init(&l);
	smtp_error_clear(&err);
	rc = smtp_addr_list_parse(&l, text, len, &err);
	while (want[n] != NULL) {
		n++;
	}
	ok = rc == SMTP_OK && l.count == n;
	for (i = 0; ok && i < n; i++) {
		ok = strcmp(l.items[i], want[i]) == 0;
	}
	CHECK(ok);
	if (!ok) {
		fprintf(stderr, "  line %d: rc %d \"%s\", got %zu:", line, (int)rc, err.message, l.count);
		for (i = 0; i < l.count; i++) {
			fprintf(stderr, " [%s]", l.items[i]);
		}
		fputc('\n', stderr);
	}
	smtp_addr_list_destroy(&l);
}

/* Expects SMTP_E_ARG at stage message with exactly the message want, and a
 * list left as it was before the call. */
static void list_err(int line, const char *text, size_t len, const char *want)
{
	smtp_addr_list_t l;
	smtp_error_t err;
	smtp_rc_t rc;
	bool ok;

	smtp_addr_list_init(&l);
	smtp_error_clear(&err);
	smtp_addr_list_add(&l, "pre@x.example", 13, NULL);
	rc = smtp_addr_list_parse(&l, text, len, &err);
	ok = rc == SMTP_E_ARG && err.rc == SMTP_E_ARG && err.stage == SMTP_STAGE_MESSAGE &&
	     strcmp(err.message, want) == 0 && l.count == 1 && strcmp(l.items[0], "pre@x.example") == 0;
	CHECK(ok);
	if (!ok) {
		fprintf(stderr, "  line %d: rc %d count %zu\n    got:  %s\n    want: %s\n", line, (int)rc,
		        l.count, err.message, want);
	}
	smtp_addr_list_destroy(&l);
}

#define LIST_OK(text, ...) list_ok(__LINE__, text, sizeof(text) - 1, (const char *const[]){__VA_ARGS__, NULL})
#define LIST_NONE(text) list_ok(__LINE__, text, sizeof(text) - 1, (const char *const[]){NULL})
#define LIST_ERR(text, msg) list_err(__LINE__, text, sizeof(text) - 1, msg)

static void mailbox_ok(int line, const char *text, const char *want)
{
	smtp_error_t err;
	char *out = (char *)"unset";
	smtp_rc_t rc;

	smtp_error_clear(&err);
	rc = smtp_addr_parse_mailbox(text, strlen(text), &out, &err);
	CHECK_INT(rc, SMTP_OK);
	if (rc != SMTP_OK) {
		fprintf(stderr, "  line %d: %s\n", line, err.message);
		return;
	}
	CHECK_STR(out, want);
	free(out);
}

static void mailbox_err(int line, const char *text, size_t len, const char *want)
{
	smtp_error_t err;
	char *out = (char *)"unset";
	smtp_rc_t rc;

	smtp_error_clear(&err);
	rc = smtp_addr_parse_mailbox(text, len, &out, &err);
	CHECK_INT(rc, SMTP_E_ARG);
	CHECK(out == NULL);
	CHECK_INT(err.stage, SMTP_STAGE_MESSAGE);
	CHECK_STR(err.message, want);
	if (strcmp(err.message, want) != 0) {
		fprintf(stderr, "  line %d\n", line);
	}
}

#define MAILBOX_OK(text, want) mailbox_ok(__LINE__, text, want)
#define MAILBOX_ERR(text, msg) mailbox_err(__LINE__, text, sizeof(text) - 1, msg)

static void test_basic(void)
{
	LIST_OK("a@x.example", "a@x.example");
	LIST_NONE("");
	LIST_NONE("   \t ");
	LIST_NONE(" , ,, ");
	LIST_OK("Doe <j@y.example>", "j@y.example");
	LIST_OK("<j@y.example>", "j@y.example");
	LIST_OK("\"Doe, J\" <j@y.example>", "j@y.example");
	LIST_OK("\"Doe, J\" <j@y.example>, k@z.example", "j@y.example", "k@z.example");
	LIST_OK("a@x.example, ,b@y.example,,", "a@x.example", "b@y.example");
	LIST_OK("a@x.example,b@y.example", "a@x.example", "b@y.example");
	LIST_OK("John Q. Public <jqp@x.example>", "jqp@x.example");
	LIST_OK("\"Doe; <J>\" <j@y.example>", "j@y.example");
	/* Display names may be raw UTF-8 (RFC 6532); only the addr-spec must be ASCII. */
	LIST_OK("J\xc3\xb6rg <j@y.example>, \"M\xc3\xbcller\" <m@y.example>", "j@y.example", "m@y.example");
	LIST_OK("first.last+tag@sub.x.example", "first.last+tag@sub.x.example");
	LIST_OK("!#$%&'*+-/=?^_`{|}~@x.example", "!#$%&'*+-/=?^_`{|}~@x.example");
	LIST_OK("a@localhost", "a@localhost");
	LIST_OK("a@123.example, a@x1-2y.example", "a@123.example", "a@x1-2y.example");
}

static void test_dedup(void)
{
	/* RFC 5321 2.4: the local part is case-sensitive, the domain is not. */
	LIST_OK("a@X.Example, a@x.example, A@x.example, a@x.EXAMPLE", "a@X.Example", "A@x.example");
	LIST_OK("\"john.doe\"@x.example, john.doe@X.EXAMPLE", "john.doe@x.example");
	LIST_OK("t: a@x.example;, a@x.example, Al <a@x.example>", "a@x.example");
}

static void test_groups(void)
{
	LIST_NONE("undisclosed-recipients:;");
	LIST_NONE("undisclosed-recipients: ;");
	LIST_NONE("Undisclosed recipients:;");
	LIST_OK("team: a@x.example, b@y.example;", "a@x.example", "b@y.example");
	LIST_OK("team: a@x.example;, c@z.example", "a@x.example", "c@z.example");
	LIST_OK("c@z.example, team: a@x.example, Bo <b@y.example>; , d@w.example", "c@z.example",
	        "a@x.example", "b@y.example", "d@w.example");
	LIST_OK("\"The Team\": , a@x.example,,;", "a@x.example");
}

static void test_comments_and_folds(void)
{
	LIST_OK("a@x.example (Alice)", "a@x.example");
	LIST_OK("(c1 (nested \\) paren) more) a@x.example", "a@x.example");
	LIST_OK("a(c)@(d)x.example(e)", "a@x.example");
	LIST_OK("Al (x) <(y)a@x.example(z)> (w), b@y.example", "a@x.example", "b@y.example");
	LIST_OK("(\xc3\xa9t\xc3\xa9) a@x.example", "a@x.example");
	LIST_OK("a@x.example,\r\n b@y.example", "a@x.example", "b@y.example");
	LIST_OK("a@x.example,\n\tb@y.example", "a@x.example", "b@y.example");
	LIST_OK("\"Doe,\r\n J\" <j@y.example>", "j@y.example");
	LIST_OK("a@x.example (a comment\r\n folded)", "a@x.example");
	/* obs-FWS (RFC 5322 4.2): a line of white space inside a fold. */
	LIST_OK("a@x.example,\r\n \r\n b@y.example", "a@x.example", "b@y.example");
}

/* RFC 5322 Appendix A, the address fields. */
static void test_rfc5322_appendix_a(void)
{
	/* A.1.1 */
	LIST_OK("John Doe <jdoe@machine.example>", "jdoe@machine.example");
	LIST_OK("Mary Smith <mary@example.net>", "mary@example.net");
	/* A.1.2 */
	LIST_OK("\"Joe Q. Public\" <john.q.public@example.com>", "john.q.public@example.com");
	LIST_OK("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>", "mary@x.test",
	        "jdoe@example.org", "one@y.test");
	LIST_OK("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>", "boss@nil.test",
	        "sysservices@example.net");
	/* A.1.3 */
	LIST_OK("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;", "c@a.test",
	        "joe@where.test", "jdoe@one.test");
	LIST_NONE("Undisclosed recipients:;");
	/* A.5 */
	LIST_OK("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", "pete@silly.test");
	LIST_OK("A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
	        "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)",
	        "c@public.example", "joe@example.org", "jdoe@one.test");
	LIST_NONE("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;");
	/* A.6.1: obsolete route and CFWS around '.' */
	LIST_OK("Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example", "mary@example.net",
	        "jdoe@test.example");
	LIST_OK("<@a.test,,@[192.0.2.1]:b@example.net>", "b@example.net");
	/* A.6.3 */
	LIST_OK("John Doe <jdoe@machine(comment).  example>", "jdoe@machine.example");
	LIST_OK("Mary Smith\r\n  \r\n <mary@example.net>", "mary@example.net");
}

static void test_quoted_local_parts(void)
{
	LIST_OK("\"john.doe\"@x.example", "john.doe@x.example");
	LIST_OK("\"john doe\"@x.example", "\"john doe\"@x.example");
	LIST_OK("\"a\\\"b\"@x.example", "\"a\\\"b\"@x.example");
	LIST_OK("\"a\\\\b\"@x.example", "\"a\\\\b\"@x.example");
	LIST_OK("\"a\\b\"@x.example", "ab@x.example");
	LIST_OK("\"\"@x.example", "\"\"@x.example");
	LIST_OK("\"a\".b@x.example", "a.b@x.example");
	LIST_OK("\"a.\".b@x.example", "\"a..b\"@x.example");
	LIST_OK("\"a@b\"@x.example", "\"a@b\"@x.example");
	LIST_OK("\".a\"@x.example", "\".a\"@x.example");
	LIST_OK("\"a,b\" <\"a,b\"@x.example>", "\"a,b\"@x.example");
	/* A fold inside a quoted string is invisible once unfolded (RFC 5322 3.2.4). */
	LIST_OK("\"john\r\n doe\"@x.example", "\"john doe\"@x.example");
	LIST_OK("a . b @ x . example", "a.b@x.example");
}

static void test_domain_literals(void)
{
	LIST_OK("a@[192.0.2.1]", "a@[192.0.2.1]");
	LIST_OK("a@[0.0.0.0], a@[255.255.255.255]", "a@[0.0.0.0]", "a@[255.255.255.255]");
	LIST_OK("a@[IPv6:2001:db8::1]", "a@[IPv6:2001:db8::1]");
	LIST_OK("a@[IPv6:::1]", "a@[IPv6:::1]");
	LIST_OK("a@[ipv6:1:2:3:4:5:6:7:8]", "a@[ipv6:1:2:3:4:5:6:7:8]");
	LIST_OK("a@[IPv6:::ffff:192.0.2.1]", "a@[IPv6:::ffff:192.0.2.1]");
	LIST_OK("a@[IPv6:1:2:3:4:5:6:192.0.2.1]", "a@[IPv6:1:2:3:4:5:6:192.0.2.1]");
	LIST_OK("a@[IPv6:1::]", "a@[IPv6:1::]");
	LIST_OK("a@[x-tag:some.thing]", "a@[x-tag:some.thing]");
	LIST_ERR("a@[192.0.2]", "address 'a@[192.0.2]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[256.0.0.1]", "address 'a@[256.0.0.1]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[1.2.3.4.5]", "address 'a@[1.2.3.4.5]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[0001.2.3.4]", "address 'a@[0001.2.3.4]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[IPv6:1:2:3:4:5:6:7]",
	         "address 'a@[IPv6:1:2:3:4:5:6:7]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[IPv6:1:2:3:4:5:6:7:8:9]",
	         "address 'a@[IPv6:1:2:3:4:5:6:7:8:9]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[IPv6:1::2::3]", "address 'a@[IPv6:1::2::3]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[IPv6:1:2:3:4:5:6::7]",
	         "address 'a@[IPv6:1:2:3:4:5:6::7]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[IPv6:12345::1]", "address 'a@[IPv6:12345::1]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[IPv6::1]", "address 'a@[IPv6::1]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[IPv6:1:]", "address 'a@[IPv6:1:]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[IPv6:1.2.3.4::]", "address 'a@[IPv6:1.2.3.4::]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[host]", "address 'a@[host]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[tag-:x]", "address 'a@[tag-:x]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[x:\xc3\xa9]", "address 'a@[x:??]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[x:b@c]", "address 'a@[x:b@c]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[x:\"]", "address 'a@[x:\"]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[x:>]", "address 'a@[x:>]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[x:]", "address 'a@[x:]' has an invalid address literal (RFC 5321 4.1.3)");
	LIST_ERR("a@[1.2.3.4", "address list has an unbalanced '[' in '[1.2.3.4'");
	LIST_ERR("a@[1.2 .3.4]", "address list has an invalid domain literal '[1.2 '");
	LIST_ERR("a@[1.2\\.3.4]", "address list has an invalid domain literal '[1.2\\'");
	LIST_ERR("[1.2.3.4]", "unexpected '[1.2.3.4]' in '[1.2.3.4]'");
}

static void test_syntax_errors(void)
{
	LIST_ERR("root", "address 'root' has no domain; a relay needs user@domain");
	LIST_ERR("a@x.example, root", "address 'root' has no domain; a relay needs user@domain");
	LIST_ERR("Admin <root>", "address 'root' has no domain; a relay needs user@domain");
	LIST_ERR("t: root;", "address 'root' has no domain; a relay needs user@domain");
	LIST_ERR("a@", "address 'a@' is missing the domain after '@'");
	LIST_ERR("<a@>", "address 'a@' is missing the domain after '@'");
	LIST_ERR("a@, b@y.example", "address 'a@' is missing the domain after '@'");
	LIST_ERR("@x.example", "address '@x.example' has no local part before '@'");
	LIST_ERR("\"unterminated@x.example", "address list has an unbalanced '\"' in '\"unterminated@x.example'");
	LIST_ERR("a@x.example (comment", "address list has an unbalanced '(' in '(comment'");
	LIST_ERR("a@x.example (a (b)", "address list has an unbalanced '(' in '(a (b)'");
	LIST_ERR("a@x.example (a \\)", "address list has an unbalanced '(' in '(a \\)'");
	/* A backslash that ends the input quotes nothing: still unbalanced. */
	LIST_ERR("a@x.example (a \\", "address list has an unbalanced '(' in '(a \\'");
	LIST_ERR("\"a\\", "address list has an unbalanced '\"' in '\"a\\'");
	LIST_ERR("Doe <j@y.example", "address list has an unbalanced '<' in '<j@y.example'");
	LIST_ERR("Doe <j@y.example, k@z.example>", "unexpected ',' in 'Doe <j@y.example,'");
	LIST_ERR("j@y.example>", "address list has an unbalanced '>' in 'j@y.example>'");
	LIST_ERR("a@x.example)", "address list has an unbalanced ')' in 'a@x.example)'");
	LIST_ERR("a@x.example]", "address list has an unbalanced ']' in 'a@x.example]'");
	LIST_ERR("a\\b@x.example", "address list has a '\\' outside a quoted string in 'a\\'");
	LIST_ERR("John Doe@x.example",
	         "'John Doe@x.example' is not an address: a display name must be followed by the address "
	         "in angle brackets");
	LIST_ERR("a@b.example <c@d.example>",
	         "unexpected '<' in 'a@b.example <': a display name with '@' must be quoted");
	LIST_ERR("a@x.example b@y.example", "unexpected 'b' in 'a@x.example b'");
	LIST_ERR("a@x.example; b@y.example", "unexpected ';' in 'a@x.example;'");
	LIST_ERR("a@x@y.example", "unexpected '@' in 'a@x@'");
	LIST_ERR("a..b@x.example", "address 'a..' has a misplaced '.'");
	LIST_ERR("a.@x.example", "address 'a.@' has a misplaced '.'");
	LIST_ERR(".a@x.example", "address '.a@x.example': the local part starts with '.' (dots may only separate words, RFC 5322 3.2.3)");
	LIST_ERR("a@x..example", "address 'a@x..' has an empty label in its domain");
	LIST_ERR("a@x.example.", "address 'a@x.example.' has an empty label in its domain");
	LIST_ERR("a@.x.example", "address 'a@.x.example': the domain starts with '.'");
	LIST_ERR("a@-x.example",
	         "address 'a@-x' has an invalid domain: labels are letters, digits and inner hyphens, at most "
	         "63 octets (RFC 5321 4.1.2)");
	LIST_ERR("a@x_y.example",
	         "address 'a@x_y' has an invalid domain: labels are letters, digits and inner hyphens, at "
	         "most 63 octets (RFC 5321 4.1.2)");
	LIST_ERR("a@\"x\".example", "unexpected '\"x\"' in 'a@\"x\"'");
	LIST_ERR("team: a@x.example", "group 'team: a@x.example' is missing its closing ';'");
	LIST_ERR("outer: inner: a@x.example;;", "group 'inner:' is inside another group");
	LIST_ERR(": a@x.example;", "group ':' has no name before ':'");
	LIST_ERR("<>", "empty address '<>' is not allowed here");
	LIST_ERR("Nobody <>", "empty address '<>' is not allowed here");
	LIST_ERR("<<a@x.example>>", "unexpected '<' in '<<'");
	LIST_ERR("\"a\tb\"@x.example", "address '\"a?b\"' has a tab or control character in its local part");
}

static void test_injection_and_bytes(void)
{
	LIST_ERR("a@x.example\r\nBcc: evil@y.example",
	         "address list contains a line break that is not part of a fold (header injection?) near "
	         "'a@x.example??Bcc: evil@y.example'");
	LIST_ERR("a@x.example\nRCPT TO:<x>",
	         "address list contains a line break that is not part of a fold (header injection?) near "
	         "'a@x.example?RCPT TO:<x>'");
	LIST_ERR("a@x.example\rRCPT TO:<x>",
	         "address list contains a line break that is not part of a fold (header injection?) near "
	         "'a@x.example?RCPT TO:<x>'");
	LIST_ERR("a@x.example\r\n", "address list contains a line break that is not part of a fold "
	         "(header injection?) near 'a@x.example?\?'");
	LIST_ERR("a@x.example\r\n\r\nbody", "address list contains a line break that is not part of a fold "
	         "(header injection?) near 'a@x.example????body'");
	LIST_ERR("\"a\r\nb\"@x.example", "address list contains a line break that is not part of a fold "
	         "(header injection?) near '\"a??b\"@x.example'");
	LIST_ERR("a@x.example (x\ny)", "address list contains a line break that is not part of a fold "
	         "(header injection?) near 'a@x.example (x?y)'");
	LIST_ERR("\"a\\\r\n b\"@x.example", "address list contains a line break that is not part of a fold "
	         "(header injection?) near '\"a\\?? b\"@x.example'");
	LIST_ERR("a@x.exa\0mple", "address list contains a NUL byte near 'a@x.exa?mple'");
	LIST_ERR("\0", "address list contains a NUL byte near '?'");
	LIST_ERR("\"a\0\"@x.example", "address list contains a NUL byte near '\"a?\"@x.example'");
	LIST_ERR("a@x.example\x01", "address list contains control byte 0x01 near 'a@x.example?'");
	LIST_ERR("a\x7f@x.example", "address list contains control byte 0x7F near 'a?@x.example'");
	LIST_ERR("a@x.example\x1b[31m", "address list contains control byte 0x1B near 'a@x.example?[31m'");
	/* The excerpt is bounded: 24 bytes each side of the bad byte. */
	LIST_ERR("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.example\nbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	         "address list contains a line break that is not part of a fold (header injection?) near "
	         "'aaaaaaaaaaaaaa@x.example?bbbbbbbbbbbbbbbbbbbbbbb'");
}

/* RFC 6531 3.3 / RFC 6532: UTF-8 local parts as written; UTF-8 domains as
 * A-labels when smtp_idna can check them, else as written; never-valid code
 * points and bad UTF-8 refused. */
static void test_utf8(void)
{
	LIST_OK("j\xc3\xb6hn@x.example", "j\xc3\xb6hn@x.example");
	LIST_OK("\"j\xc3\xb6hn\"@x.example", "j\xc3\xb6hn@x.example");
	LIST_OK("\"j\xc3\xb6 hn\"@x.example", "\"j\xc3\xb6 hn\"@x.example");
	LIST_OK("J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc" "cher.example>", "j\xc3\xb6rg@xn--bcher-kva.example");
	LIST_OK("a@b\xc3\xbc" "cher.example", "a@xn--bcher-kva.example");
	LIST_OK("a@B\xc3\x9c" "CHER.Example", "a@xn--bcher-kva.Example");
	/* 用户@例子.广告 */
	LIST_OK("\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a",
	        "\xe7\x94\xa8\xe6\x88\xb7@xn--fsqu00a.xn--4rr70v");
	/* The same mailbox spelled with U-labels and with A-labels is one recipient. */
	LIST_OK("a@b\xc3\xbc" "cher.example, a@xn--bcher-kva.example", "a@xn--bcher-kva.example");
	/* Arabic is outside the checked subset: kept as written (SMTPUTF8 only). */
	LIST_OK("a@\xd9\x85\xd8\xab\xd8\xa7\xd9\x84.example", "a@\xd9\x85\xd8\xab\xd8\xa7\xd9\x84.example");
	LIST_ERR("j\xc3hn@x.example",
	         "address 'j?hn' has a local part that is neither ASCII nor valid UTF-8");
	LIST_ERR("a\xc2\x85" "b@x.example", "address 'a??b' has a control character in its local part");
	LIST_ERR("a@b\xff.example", "address 'a@b?' has a domain that is neither ASCII nor valid UTF-8");
	LIST_ERR("a@x\xe2\x80\x8by.example",
	         "address 'a@x???y' has U+200B in its domain, which no domain name may contain (IDNA 2008, RFC 5892)");
	LIST_ERR("a@e\xcc\x81x.example",
	         "address 'a@e??x' has U+0301 in its domain, which no domain name may contain (IDNA 2008, RFC 5892); "
	         "write the accented letter precomposed (NFC)");
	LIST_ERR("a@\xe4\xbe\x8b\xe5\xad\x90\xe3\x80\x82\xe5\xb9\xbf\xe5\x91\x8a",
	         "address 'a@??????????????" "?' has U+3002 in its domain, which no domain name may contain (IDNA 2008, "
	         "RFC 5892); separate labels with '.'");
	LIST_ERR("a@ab--\xc3\xbc.example", "address 'a@ab--?" "?' has a domain label that starts or ends with '-' or has "
	         "\"--\" in its 3rd and 4th position (RFC 5891 4.2.3.1)");
	LIST_ERR("a@\xc3\xbc" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
	         "address 'a@??aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' has a domain label longer than "
	         "63 octets in its A-label (xn--) form (RFC 5890 2.3.2.1)");
}

static void test_lengths(void)
{
	char text[600];
	char want[600];
	size_t n;

	/* 64 octets of local part pass, 65 do not (RFC 5321 4.5.3.1.1). */
	memset(text, 'a', 64);
	memcpy(text + 64, "@x.example", 11);
	list_ok(__LINE__, text, strlen(text), (const char *const[]){text, NULL});
	memset(text, 'a', 65);
	memcpy(text + 65, "@x.example", 11);
	list_err(__LINE__, text, strlen(text),
	         "address 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' has a local part "
	         "longer than 64 octets (RFC 5321 4.5.3.1.1)");
	/* Quoting counts: 62 octets plus the two quotes pass, 63 do not. */
	text[0] = '"';
	memset(text + 1, ' ', 62);
	memcpy(text + 63, "\"@x.example", 12);
	list_ok(__LINE__, text, strlen(text), (const char *const[]){text, NULL});
	memset(text + 1, ' ', 63);
	memcpy(text + 64, "\"@x.example", 12);
	list_err(__LINE__, text, strlen(text),
	         "address '\"                                                           ...' has a local "
	         "part longer than 64 octets (RFC 5321 4.5.3.1.1)");
	/* Escapes count as well. */
	text[0] = '"';
	for (n = 0; n < 32; n++) {
		text[1 + 2 * n] = '\\';
		text[2 + 2 * n] = '"';
	}
	memcpy(text + 65, "\"@x.example", 12);
	list_err(__LINE__, text, strlen(text),
	         "address '\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\...' "
	         "has a local part longer than 64 octets (RFC 5321 4.5.3.1.1)");
	/* 63-octet labels pass, 64 do not (RFC 1035 2.3.4). */
	memcpy(text, "a@", 2);
	memset(text + 2, 'b', 63);
	memcpy(text + 65, ".example", 9);
	list_ok(__LINE__, text, strlen(text), (const char *const[]){text, NULL});
	memset(text + 2, 'b', 64);
	memcpy(text + 66, ".example", 9);
	list_err(__LINE__, text, strlen(text),
	         "address 'a@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...' has an invalid "
	         "domain: labels are letters, digits and inner hyphens, at most 63 octets (RFC 5321 4.1.2)");
	/* 254 octets in all pass, 255 do not (RFC 5321 4.5.3.1.3). */
	memset(text, 'a', 64);
	text[64] = '@';
	for (n = 65; n + 64 <= 254; n += 64) {
		memset(text + n, 'c', 63);
		text[n + 63] = '.';
	}
	/* n == 257 - 64 = 193: 61 octets remain to reach 254 */
	memset(text + n, 'd', 254 - n);
	text[254] = '\0';
	memcpy(want, text, 255);
	list_ok(__LINE__, text, 254, (const char *const[]){want, NULL});
	text[254] = 'd';
	text[255] = '\0';
	list_err(__LINE__, text, 255,
	         "address 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is longer than 254 "
	         "octets (RFC 5321 4.5.3.1.3)");
}

static void test_list_add(void)
{
	smtp_addr_list_t l;
	smtp_error_t err;
	/* RFC 5321 4.5.3.1.3: a path is at most 256 octets with its "<>": 254 for the address. */
	char big[254 + 1];
	size_t i;

	smtp_addr_list_init(&l);
	CHECK_INT(smtp_addr_list_add(&l, "a@x.example", 11, &err), SMTP_OK);
	CHECK_INT(smtp_addr_list_add(&l, "a@X.EXAMPLE", 11, &err), SMTP_OK);
	CHECK_INT(smtp_addr_list_add(&l, "A@x.example", 11, &err), SMTP_OK);
	/* Only the first len bytes count. */
	CHECK_INT(smtp_addr_list_add(&l, "b@y.exampleJUNK", 11, &err), SMTP_OK);
	CHECK_INT(l.count, 3);
	CHECK_STR(l.items[0], "a@x.example");
	CHECK_STR(l.items[1], "A@x.example");
	CHECK_STR(l.items[2], "b@y.example");
	/* The domain is after the last '@'; a quoted '@' is part of the local part. */
	CHECK_INT(smtp_addr_list_add(&l, "\"a@x\"@y.example", 15, &err), SMTP_OK);
	CHECK_INT(smtp_addr_list_add(&l, "\"a@X\"@y.example", 15, &err), SMTP_OK);
	CHECK_INT(smtp_addr_list_add(&l, "\"a@x\"@Y.example", 15, &err), SMTP_OK);
	CHECK_INT(l.count, 5);
	CHECK_INT(smtp_addr_list_add(&l, "c@x.example\r\nRSET", 17, &err), SMTP_E_ARG);
	CHECK_STR(err.message, "an address cannot contain CR, LF or NUL");
	CHECK_INT(smtp_addr_list_add(&l, "c@x\0.example", 12, &err), SMTP_E_ARG);
	CHECK_INT(smtp_addr_list_add(&l, "", 0, &err), SMTP_E_ARG);
	CHECK_STR(err.message, "an address must have 1 to 254 octets");
	memset(big, 'a', sizeof(big));
	CHECK_INT(smtp_addr_list_add(&l, big, 254 + 1, &err), SMTP_E_ARG);
	CHECK_INT(smtp_addr_list_add(&l, big, 254, &err), SMTP_OK);
	CHECK_INT(l.count, 6);
	/* Growth past the first allocation keeps every item. */
	for (i = 0; i < 100; i++) {
		char a[16];
		a[0] = (char)('a' + i % 26);
		a[1] = (char)('a' + i / 26);
		memcpy(a + 2, "@z.example", 10);
		CHECK_INT(smtp_addr_list_add(&l, a, 12, &err), SMTP_OK);
	}
	CHECK_INT(l.count, 106);
	CHECK_STR(l.items[105], "vd@z.example");
	smtp_addr_list_destroy(&l);
	CHECK_INT(l.count, 0);
	CHECK(l.items == NULL);
	/* Usable again after destroy; destroying twice is harmless. */
	CHECK_INT(smtp_addr_list_add(&l, "a@x.example", 11, NULL), SMTP_OK);
	smtp_addr_list_destroy(&l);
	smtp_addr_list_destroy(&l);
}

/* De-duplication through the index at the size the cap allows, the cap itself
 * (10000: a literal, not the constant, so a changed limit shows here), and a
 * failed parse that rolls the list back keeps the index right. */
static void test_list_many(void)
{
	smtp_addr_list_t l;
	smtp_error_t err;
	char a[32];
	size_t i;
	int n;

	smtp_addr_list_init(&l);
	for (i = 0; i < 10000; i++) {
		n = snprintf(a, sizeof(a), "user%zu@Host%zu.example", i, i % 7);
		CHECK_INT(smtp_addr_list_add(&l, a, (size_t)n, &err), SMTP_OK);
	}
	CHECK_INT(l.count, 10000);
	/* The same again, the domain in other case: all duplicates, none added. */
	for (i = 0; i < 10000; i += 3) {
		n = snprintf(a, sizeof(a), "user%zu@HOST%zu.EXAMPLE", i, i % 7);
		CHECK_INT(smtp_addr_list_add(&l, a, (size_t)n, &err), SMTP_OK);
	}
	CHECK_INT(l.count, 10000);
	/* The local part is case-sensitive: a new address, refused past the cap. */
	CHECK_INT(smtp_addr_list_add(&l, "USER1@host1.example", 19, &err), SMTP_E_LIMIT);
	CHECK_STR(err.message, "more than 10000 recipients in one message");
	smtp_addr_list_destroy(&l);

	smtp_addr_list_init(&l);
	CHECK_INT(smtp_addr_list_parse(&l, "a@x.example, b@x.example", 24, &err), SMTP_OK);
	CHECK_INT(smtp_addr_list_parse(&l, "c@x.example, d@x.example, <broken", 33, &err), SMTP_E_ARG);
	CHECK_INT(l.count, 2);
	CHECK_INT(smtp_addr_list_add(&l, "c@x.example", 11, &err), SMTP_OK);
	CHECK_INT(smtp_addr_list_add(&l, "A@x.example", 11, &err), SMTP_OK);
	CHECK_INT(smtp_addr_list_add(&l, "b@X.example", 11, &err), SMTP_OK);
	CHECK_INT(l.count, 4);
	smtp_addr_list_destroy(&l);
}

static void test_parse_appends(void)
{
	smtp_addr_list_t l;
	smtp_error_t err;

	smtp_addr_list_init(&l);
	CHECK_INT(smtp_addr_list_parse(&l, "a@x.example, b@y.example", 24, &err), SMTP_OK);
	CHECK_INT(smtp_addr_list_parse(&l, "B@Y.EXAMPLE, c@z.example", 24, &err), SMTP_OK);
	CHECK_INT(l.count, 4);
	CHECK_STR(l.items[2], "B@Y.EXAMPLE");
	CHECK_STR(l.items[3], "c@z.example");
	/* An error keeps what an earlier call added, and drops this call's addresses. */
	CHECK_INT(smtp_addr_list_parse(&l, "d@w.example, e@v.example, root", 30, &err), SMTP_E_ARG);
	CHECK_INT(l.count, 4);
	CHECK_INT(smtp_addr_list_parse(&l, NULL, 0, &err), SMTP_OK);
	CHECK_INT(l.count, 4);
	/* Only len bytes are read. */
	CHECK_INT(smtp_addr_list_parse(&l, "f@u.example\r\nBcc: x@y.example", 11, &err), SMTP_OK);
	CHECK_INT(l.count, 5);
	CHECK_STR(l.items[4], "f@u.example");
	/* A NULL error pointer is allowed. */
	CHECK_INT(smtp_addr_list_parse(&l, "root", 4, NULL), SMTP_E_ARG);
	smtp_addr_list_destroy(&l);
}

static void test_mailbox(void)
{
	MAILBOX_OK("a@b.example", "a@b.example");
	MAILBOX_OK("<a@b.example>", "a@b.example");
	MAILBOX_OK("Name <a@b.example>", "a@b.example");
	MAILBOX_OK("\"Doe, J\" <j@y.example>", "j@y.example");
	MAILBOX_OK(" (c) <a@b.example> (d) ", "a@b.example");
	MAILBOX_OK("\"a b\"@b.example", "\"a b\"@b.example");
	MAILBOX_OK("\"ab\"@[IPv6:::1]", "ab@[IPv6:::1]");
	MAILBOX_OK("<@relay.example:a@b.example>", "a@b.example");
	MAILBOX_ERR("", "the address is empty");
	MAILBOX_ERR("  (just a comment) ", "the address is empty");
	MAILBOX_ERR("<>", "empty address '<>' is not allowed here");
	MAILBOX_ERR("a@b.example, c@d.example",
	            "'a@b.example, c@d.example' holds more than one address; one mailbox is expected here");
	MAILBOX_ERR("a@b.example,", "'a@b.example,' holds more than one address; one mailbox is expected here");
	MAILBOX_ERR("team: a@b.example;", "'team:' starts a group; one mailbox is expected here");
	MAILBOX_ERR("root", "address 'root' has no domain; a relay needs user@domain");
	MAILBOX_ERR("a@b.example\r\nBcc: x@y.example",
	            "address contains a line break that is not part of a fold (header injection?) near "
	            "'a@b.example??Bcc: x@y.example'");
	MAILBOX_ERR("a@b.example\0", "address contains a NUL byte near 'a@b.example?'");
	MAILBOX_ERR("a@b.example c", "unexpected 'c' in 'a@b.example c'");
	MAILBOX_ERR("Name <a@b.example", "address has an unbalanced '<' in '<a@b.example'");
	MAILBOX_ERR("a@b.example <a@b.example>",
	            "unexpected '<' in 'a@b.example <': a display name with '@' must be quoted");
	MAILBOX_OK("\"a@b.example\" <a@b.example>", "a@b.example");
}

/* Whatever the parser returns must itself parse back to the same string. */
static void test_canonical_round_trip(void)
{
	static const char *const inputs[] = {
		"\"john doe\"@x.example", "\"a\\\"b\"@x.example", "\"\"@x.example", "\"a@b\"@x.example",
		"\"a..b\"@x.example", "a@[IPv6:::1]", "x@[x-tag:a.b]", "\"a\\\\\"@x.example",
	};
	size_t i;

	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		char *once = NULL, *twice = NULL;
		CHECK_INT(smtp_addr_parse_mailbox(inputs[i], strlen(inputs[i]), &once, NULL), SMTP_OK);
		CHECK(once != NULL);
		if (once == NULL) {
			continue;
		}
		CHECK_STR(once, inputs[i]);
		CHECK_INT(smtp_addr_parse_mailbox(once, strlen(once), &twice, NULL), SMTP_OK);
		CHECK_STR(twice, once);
		free(once);
		free(twice);
	}
}

int main(void)
{
	test_utf8();
	test_basic();
	test_dedup();
	test_list_many();
	test_groups();
	test_comments_and_folds();
	test_rfc5322_appendix_a();
	test_quoted_local_parts();
	test_domain_literals();
	test_syntax_errors();
	test_injection_and_bytes();
	test_lengths();
	test_list_add();
	test_parse_appends();
	test_mailbox();
	test_canonical_round_trip();
	return check_report("addr");
}
