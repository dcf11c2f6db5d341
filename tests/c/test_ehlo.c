/*
 * test_ehlo.c: EHLO capability parsing (smtp_ehlo.c), on replies as real
 * servers send them and on hostile ones. Replies go through the reply parser
 * first, as in a session.
 */
#include "check.h"

#include <stdint.h>

#include "smtp_ehlo.h"

/* Parses the reply in lit and its capabilities into *caps; false if the reply did not parse. */
static bool caps_of(smtp_caps_t *caps, const char *in, size_t len)
{
	smtp_reply_parser_t p;
	size_t used;
	bool done = false;
	smtp_rc_t rc;

	smtp_reply_parser_init(&p);
	rc = smtp_reply_feed(&p, in, len, &used, &done, SMTP_STAGE_EHLO, NULL);
	if (rc == SMTP_OK && done && used == len) {
		/* Stale values must not survive: parse always starts from nothing. */
		memset(caps, 0xff, sizeof(*caps));
		smtp_caps_parse(caps, &p.reply);
	}
	smtp_reply_parser_destroy(&p);
	return rc == SMTP_OK && done && used == len;
}

#define CAPS(c, lit) CHECK(caps_of((c), (lit), sizeof(lit) - 1))

/* The flags as a string, so one CHECK_STR shows every difference at once. */
static const char *flags(const smtp_caps_t *c)
{
	static char s[128];
	size_t n = 0;

#define FLAG(f, name) do { if (c->f) { memcpy(s + n, name " ", sizeof(name)); n += sizeof(name); } } while (0)
	FLAG(pipelining, "PIPELINING");
	FLAG(starttls, "STARTTLS");
	FLAG(eightbitmime, "8BITMIME");
	FLAG(smtputf8, "SMTPUTF8");
	FLAG(enhancedstatuscodes, "ENHANCEDSTATUSCODES");
	FLAG(chunking, "CHUNKING");
	FLAG(dsn, "DSN");
	FLAG(size_announced, "SIZE");
#undef FLAG
	s[n] = '\0';
	return s;
}

static void test_postfix(void)
{
	smtp_caps_t c;

	CAPS(&c, "250-mail.example.com\r\n"
	         "250-PIPELINING\r\n"
	         "250-SIZE 10240000\r\n"
	         "250-VRFY\r\n"
	         "250-ETRN\r\n"
	         "250-STARTTLS\r\n"
	         "250-ENHANCEDSTATUSCODES\r\n"
	         "250-8BITMIME\r\n"
	         "250-DSN\r\n"
	         "250-SMTPUTF8\r\n"
	         "250 CHUNKING\r\n");
	CHECK_STR(flags(&c), "PIPELINING STARTTLS 8BITMIME SMTPUTF8 ENHANCEDSTATUSCODES CHUNKING DSN SIZE ");
	CHECK_INT(c.size, 10240000);
	CHECK_INT(c.auth, 0);

	/* After STARTTLS, submission port: AUTH offered in both forms, no STARTTLS. */
	CAPS(&c, "250-mail.example.com\r\n"
	         "250-PIPELINING\r\n"
	         "250-SIZE 52428800\r\n"
	         "250-ETRN\r\n"
	         "250-AUTH PLAIN LOGIN\r\n"
	         "250-AUTH=PLAIN LOGIN\r\n"
	         "250-ENHANCEDSTATUSCODES\r\n"
	         "250-8BITMIME\r\n"
	         "250-DSN\r\n"
	         "250 CHUNKING\r\n");
	CHECK_STR(flags(&c), "PIPELINING 8BITMIME ENHANCEDSTATUSCODES CHUNKING DSN SIZE ");
	CHECK_INT(c.size, 52428800);
	CHECK_INT(c.auth, SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN);
}

static void test_gmail(void)
{
	smtp_caps_t c;

	CAPS(&c, "250-smtp.gmail.com at your service, [203.0.113.5]\r\n"
	         "250-SIZE 35882577\r\n"
	         "250-8BITMIME\r\n"
	         "250-STARTTLS\r\n"
	         "250-ENHANCEDSTATUSCODES\r\n"
	         "250-PIPELINING\r\n"
	         "250-CHUNKING\r\n"
	         "250 SMTPUTF8\r\n");
	CHECK_STR(flags(&c), "PIPELINING STARTTLS 8BITMIME SMTPUTF8 ENHANCEDSTATUSCODES CHUNKING SIZE ");
	CHECK_INT(c.size, 35882577);
	CHECK_INT(c.auth, 0);

	/* PLAIN-CLIENTTOKEN is not PLAIN, XOAUTH is not XOAUTH2. */
	CAPS(&c, "250-smtp.gmail.com at your service, [203.0.113.5]\r\n"
	         "250-SIZE 35882577\r\n"
	         "250-8BITMIME\r\n"
	         "250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n"
	         "250-ENHANCEDSTATUSCODES\r\n"
	         "250-PIPELINING\r\n"
	         "250-CHUNKING\r\n"
	         "250 SMTPUTF8\r\n");
	CHECK_INT(c.auth, SMTP_AUTH_LOGIN | SMTP_AUTH_PLAIN | SMTP_AUTH_XOAUTH2 | SMTP_AUTH_OAUTHBEARER);
	CAPS(&c, "250-smtp.gmail.com\r\n250 AUTH PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n");
	CHECK_INT(c.auth, SMTP_AUTH_OAUTHBEARER);
	CAPS(&c, "250-smtp.gmail.com\r\n250 AUTH PLAIN-CLIENTTOKEN XOAUTH\r\n");
	CHECK_INT(c.auth, 0);
}

static void test_exchange(void)
{
	smtp_caps_t c;

	/* Exchange Online, before STARTTLS. */
	CAPS(&c, "250-LO2P265CA0123.outlook.office365.com Hello [203.0.113.5]\r\n"
	         "250-SIZE 157286400\r\n"
	         "250-PIPELINING\r\n"
	         "250-DSN\r\n"
	         "250-ENHANCEDSTATUSCODES\r\n"
	         "250-STARTTLS\r\n"
	         "250-8BITMIME\r\n"
	         "250-BINARYMIME\r\n"
	         "250-CHUNKING\r\n"
	         "250 SMTPUTF8\r\n");
	CHECK_STR(flags(&c), "PIPELINING STARTTLS 8BITMIME SMTPUTF8 ENHANCEDSTATUSCODES CHUNKING DSN SIZE ");
	CHECK_INT(c.size, 157286400);
	CHECK_INT(c.auth, 0);

	/* Exchange on premises: Microsoft extensions, NTLM/GSSAPI (unknown here) beside LOGIN. */
	CAPS(&c, "250-EXCH01.corp.example.com Hello [10.0.0.5]\r\n"
	         "250-SIZE 37748736\r\n"
	         "250-PIPELINING\r\n"
	         "250-DSN\r\n"
	         "250-ENHANCEDSTATUSCODES\r\n"
	         "250-AUTH GSSAPI NTLM LOGIN\r\n"
	         "250-X-EXPS GSSAPI NTLM\r\n"
	         "250-8BITMIME\r\n"
	         "250-BINARYMIME\r\n"
	         "250-CHUNKING\r\n"
	         "250-XEXCH50\r\n"
	         "250-XRDST\r\n"
	         "250 XSHADOWREQUEST\r\n");
	CHECK_STR(flags(&c), "PIPELINING 8BITMIME ENHANCEDSTATUSCODES CHUNKING DSN SIZE ");
	CHECK_INT(c.auth, SMTP_AUTH_LOGIN);
}

static void test_exim(void)
{
	smtp_caps_t c;

	/* PIPE_CONNECT is not PIPELINING; PRDR and HELP are unknown. */
	CAPS(&c, "250-mx.example.net Hello client.example.org [192.0.2.7]\r\n"
	         "250-SIZE 52428800\r\n"
	         "250-8BITMIME\r\n"
	         "250-PIPE_CONNECT\r\n"
	         "250-AUTH PLAIN LOGIN CRAM-MD5\r\n"
	         "250-CHUNKING\r\n"
	         "250-STARTTLS\r\n"
	         "250-PRDR\r\n"
	         "250 HELP\r\n");
	CHECK_STR(flags(&c), "STARTTLS 8BITMIME CHUNKING SIZE ");
	CHECK_INT(c.auth, SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN | SMTP_AUTH_CRAM_MD5);
}

static void test_case_and_spacing(void)
{
	smtp_caps_t c;

	/* RFC 5321 2.4: keywords and mechanisms are not case sensitive. */
	CAPS(&c, "250-host\r\n250-pipelining\r\n250-StartTLS\r\n250-8bitmime\r\n250-smtpUTF8\r\n"
	         "250-enhancedStatusCodes\r\n250-Chunking\r\n250-dsn\r\n250-size 100\r\n"
	         "250 auth plain Login cram-md5 xoauth2\r\n");
	CHECK_STR(flags(&c), "PIPELINING STARTTLS 8BITMIME SMTPUTF8 ENHANCEDSTATUSCODES CHUNKING DSN SIZE ");
	CHECK_INT(c.size, 100);
	CHECK_INT(c.auth, SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN | SMTP_AUTH_CRAM_MD5 | SMTP_AUTH_XOAUTH2);

	/* Extra spaces and tabs between words; empty lines; bare LF line ends. */
	CAPS(&c, "250-host\n250-\n250-   AUTH \t LOGIN   PLAIN  \n250-SIZE\t\t2048 \n250  STARTTLS\n");
	CHECK_STR(flags(&c), "STARTTLS SIZE ");
	CHECK_INT(c.size, 2048);
	CHECK_INT(c.auth, SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN);

	/* Only whole words: near misses are unknown keywords. */
	CAPS(&c, "250-host\r\n250-STARTTLSX\r\n250-X-STARTTLS\r\n250-DSNX\r\n250-8BITMIMES\r\n"
	         "250-PIPELININ\r\n250-SIZEX 100\r\n250-AUTHX PLAIN\r\n250-XAUTH LOGIN\r\n250 CHUNKING=1\r\n");
	CHECK_STR(flags(&c), "");
	CHECK_INT(c.auth, 0);
	CHECK_INT(c.size, 0);
}

static void test_first_line_ignored(void)
{
	smtp_caps_t c;

	/* A one-line reply announces nothing, whatever the domain is called. */
	CAPS(&c, "250 PIPELINING\r\n");
	CHECK_STR(flags(&c), "");
	CAPS(&c, "250 AUTH PLAIN\r\n");
	CHECK_INT(c.auth, 0);
	CAPS(&c, "250-STARTTLS\r\n250 SIZE 5\r\n");
	CHECK_STR(flags(&c), "SIZE ");
	CHECK_INT(c.size, 5);
	CAPS(&c, "250\r\n");
	CHECK_STR(flags(&c), "");
	CAPS(&c, "250-\r\n250 DSN\r\n");
	CHECK_STR(flags(&c), "DSN ");
}

static void test_auth_forms(void)
{
	smtp_caps_t c;

	CAPS(&c, "250-host\r\n250 AUTH=LOGIN\r\n");
	CHECK_INT(c.auth, SMTP_AUTH_LOGIN);
	CAPS(&c, "250-host\r\n250 AUTH=PLAIN LOGIN\r\n");
	CHECK_INT(c.auth, SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN);
	CAPS(&c, "250-host\r\n250 auth=cram-md5\r\n");
	CHECK_INT(c.auth, SMTP_AUTH_CRAM_MD5);
	/* The two forms and several lines add up. */
	CAPS(&c, "250-host\r\n250-AUTH CRAM-MD5\r\n250-AUTH=LOGIN\r\n250 AUTH XOAUTH2\r\n");
	CHECK_INT(c.auth, SMTP_AUTH_CRAM_MD5 | SMTP_AUTH_LOGIN | SMTP_AUTH_XOAUTH2);
	/* Nothing usable offered. */
	CAPS(&c, "250-host\r\n250-AUTH\r\n250-AUTH=\r\n250-AUTH= \r\n250 AUTH GSSAPI NTLM SCRAM-SHA-256 =PLAIN PLAIN=\r\n");
	CHECK_INT(c.auth, 0);
	/* "AUTH=" glued to a keyword-like mechanism only. */
	CAPS(&c, "250-host\r\n250 AUTH==PLAIN\r\n");
	CHECK_INT(c.auth, 0);
	CAPS(&c, "250-host\r\n250 AUTH=PLAIN=LOGIN\r\n");
	CHECK_INT(c.auth, 0);
}

static void test_size(void)
{
	smtp_caps_t c;

	/* RFC 1870 3: no parameter or 0 means no fixed maximum. */
	CAPS(&c, "250-host\r\n250 SIZE\r\n");
	CHECK(c.size_announced);
	CHECK_INT(c.size, 0);
	CAPS(&c, "250-host\r\n250 SIZE 0\r\n");
	CHECK(c.size_announced);
	CHECK_INT(c.size, 0);
	CAPS(&c, "250-host\r\n250 SIZE 00000000000000000000000000000000000042\r\n");
	CHECK_INT(c.size, 42);
	CAPS(&c, "250-host\r\n250 SIZE 18446744073709551615\r\n");
	CHECK(c.size == UINT64_MAX);
	/* Malformed or overflowing: announced, no limit. */
	CAPS(&c, "250-host\r\n250 SIZE 18446744073709551616\r\n");
	CHECK(c.size_announced);
	CHECK_INT(c.size, 0);
	CAPS(&c, "250-host\r\n250 SIZE 99999999999999999999999999999999\r\n");
	CHECK(c.size_announced);
	CHECK_INT(c.size, 0);
	CAPS(&c, "250-host\r\n250 SIZE abc\r\n");
	CHECK(c.size_announced);
	CHECK_INT(c.size, 0);
	CAPS(&c, "250-host\r\n250 SIZE 12x\r\n");
	CHECK_INT(c.size, 0);
	CAPS(&c, "250-host\r\n250 SIZE -1\r\n");
	CHECK_INT(c.size, 0);
	CAPS(&c, "250-host\r\n250 SIZE +5\r\n");
	CHECK_INT(c.size, 0);
	CAPS(&c, "250-host\r\n250 SIZE=100\r\n");
	CHECK(!c.size_announced);
	/* Only the first parameter counts; a later SIZE line overrides an earlier one. */
	CAPS(&c, "250-host\r\n250 SIZE 1000 2000\r\n");
	CHECK_INT(c.size, 1000);
	CAPS(&c, "250-host\r\n250-SIZE 1000\r\n250 SIZE 3000\r\n");
	CHECK_INT(c.size, 3000);
	CAPS(&c, "250-host\r\n250-SIZE 1000\r\n250 SIZE junk\r\n");
	CHECK(c.size_announced);
	CHECK_INT(c.size, 0);
	/* Absent. */
	CAPS(&c, "250-host\r\n250 PIPELINING\r\n");
	CHECK(!c.size_announced);
	CHECK_INT(c.size, 0);
}

static void test_hostile_and_empty(void)
{
	smtp_caps_t c;
	smtp_reply_parser_t p;
	static char big[SMTP_REPLY_LINE_MAX];
	size_t i, n;

	/* Control and 8-bit bytes: words around them still count, they do not. */
	CAPS(&c, "250-host\r\n250-\x01PIPELINING\r\n250-STARTTLS\x1b\r\n250-\xff\xfe\r\n250 AUTH \x7fPLAIN LOGIN\r\n");
	CHECK_STR(flags(&c), "");
	CHECK_INT(c.auth, SMTP_AUTH_LOGIN);

	/* The longest line full of mechanisms, the last one known. */
	n = 0;
	memcpy(big, "250-host\r\n250 AUTH", 18);
	n = 18;
	for (i = 0; n + 4 + 7 + 2 <= sizeof(big) - 8; i++) {
		memcpy(big + n, " FOO", 4);
		n += 4;
	}
	memcpy(big + n, " XOAUTH2\r\n", 10);
	n += 10;
	CHECK(caps_of(&c, big, n));
	CHECK_INT(c.auth, SMTP_AUTH_XOAUTH2);

	/* NULL reply and a reply that never parsed: everything off. */
	memset(&c, 0xff, sizeof(c));
	smtp_caps_parse(&c, NULL);
	CHECK_STR(flags(&c), "");
	CHECK_INT(c.auth, 0);
	CHECK_INT(c.size, 0);
	smtp_reply_parser_init(&p);
	memset(&c, 0xff, sizeof(c));
	smtp_caps_parse(&c, &p.reply);
	CHECK_STR(flags(&c), "");
	CHECK_INT(c.auth, 0);
	smtp_reply_parser_destroy(&p);
}

int main(void)
{
	test_postfix();
	test_gmail();
	test_exchange();
	test_exim();
	test_case_and_spacing();
	test_first_line_ignored();
	test_auth_forms();
	test_size();
	test_hostile_and_empty();
	return check_report("ehlo");
}
