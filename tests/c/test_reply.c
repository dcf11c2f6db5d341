/*
 * test_reply.c: the SMTP reply parser (smtp_reply.c). Each input is parsed in
 * one chunk, byte by byte and in odd-sized chunks; every way must give the same
 * transcript of replies and errors, and the bytes consumed.
 */
#include "check.h"

#include <stdlib.h>

#include "smtp_reply.h"

/* The limits pinned here are numbers, not smtp_reply.h's constants, so that
 * changing a constant fails this file instead of moving the test with it.
 * README "Design": 2048-octet reply lines (four times RFC 5321 4.5.3.1.5's
 * 512, which real servers overshoot) and 128 lines per reply. */
#define REPLY_LINE_LIMIT 2048
#define REPLY_LINES_LIMIT 128

/* A transcript of everything the parser reported for one input. */
typedef struct {
	char log[20000];
	size_t n;
	size_t consumed;     /* input bytes consumed in total */
	smtp_rc_t rc;        /* SMTP_OK, or the error that stopped the parse */
	smtp_error_t err;
	int replies;
	bool stalled;        /* a feed returned neither a reply nor an error yet left bytes */
} run_t;

static void log_mem(run_t *r, const char *s, size_t n)
{
	if (n > sizeof(r->log) - 1 - r->n) {
		n = sizeof(r->log) - 1 - r->n;
	}
	memcpy(r->log + r->n, s, n);
	r->n += n;
	r->log[r->n] = '\0';
}

static void log_str(run_t *r, const char *s)
{
	log_mem(r, s, strlen(s));
}

static void log_uint(run_t *r, unsigned long v)
{
	char digits[24];
	size_t i = sizeof(digits);

	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	log_mem(r, digits + i, sizeof(digits) - i);
}

/* One reply: "<code> [<enhanced>] <lines> <text>|"; an error: "<rc name>: <message>". */
static void log_reply(run_t *r, const smtp_reply_t *rep)
{
	log_uint(r, (unsigned long)rep->code);
	log_str(r, " [");
	log_str(r, rep->enhanced);
	log_str(r, "] ");
	log_uint(r, (unsigned long)rep->lines);
	log_str(r, " ");
	log_mem(r, rep->text.data, rep->text.len);
	log_str(r, "|");
}

/* Feeds in[0..len) in chunks of `chunk` bytes (0: all at once), offering the
 * unconsumed rest of a chunk again after each reply, as a session would. */
static void run_chunked(run_t *r, const char *in, size_t len, size_t chunk, smtp_stage_t stage)
{
	smtp_reply_parser_t p;
	size_t pos = 0;

	memset(r, 0, sizeof(*r));
	smtp_reply_parser_init(&p);
	while (pos < len) {
		size_t end = chunk == 0 || len - pos < chunk ? len : pos + chunk;
		while (pos < end) {
			size_t used = 12345;
			bool done = true;
			smtp_rc_t rc = smtp_reply_feed(&p, in + pos, end - pos, &used, &done, stage, &r->err);
			if (used > end - pos) {
				r->stalled = true;
				used = end - pos;
			}
			pos += used;
			if (rc != SMTP_OK) {
				r->rc = rc;
				log_str(r, smtp_rc_name(rc));
				log_str(r, ": ");
				log_str(r, r->err.message);
				if (done) {
					r->stalled = true;
				}
				r->consumed = pos;
				smtp_reply_parser_destroy(&p);
				return;
			}
			if (done) {
				r->replies++;
				if (p.reply.text.data == NULL || p.reply.text.data[p.reply.text.len] != '\0') {
					r->stalled = true;
				}
				log_reply(r, &p.reply);
			} else if (pos != end) {
				r->stalled = true;
				pos = end;
			}
		}
	}
	r->consumed = pos;
	smtp_reply_parser_destroy(&p);
}

/* Parses in at once, byte by byte and in chunks of 2, 3, 7 and 64 bytes: all
 * must agree. Leaves the one-chunk run in *r. */
static void run(run_t *r, const char *in, size_t len, smtp_stage_t stage)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 64 };
	run_t *other = malloc(sizeof(*other));
	size_t i;

	run_chunked(r, in, len, 0, stage);
	CHECK(!r->stalled);
	for (i = 0; other != NULL && i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		run_chunked(other, in, len, chunks[i], stage);
		CHECK(!other->stalled);
		CHECK_MEM(other->log, other->n, r->log, r->n);
		CHECK_INT(other->consumed, r->consumed);
		CHECK_INT(other->rc, r->rc);
	}
	CHECK(other != NULL);
	free(other);
}

#define RUN(r, lit, stage) run((r), (lit), sizeof(lit) - 1, (stage))
#define CHECK_LOG(r, lit) CHECK_MEM((r)->log, (r)->n, (lit), sizeof(lit) - 1)

/* Feeds one string in one call to a fresh parser. */
static smtp_rc_t feed_once(smtp_reply_parser_t *p, const char *in, size_t len, size_t *used,
                           bool *done, smtp_error_t *err)
{
	smtp_reply_parser_init(p);
	return smtp_reply_feed(p, in, len, used, done, SMTP_STAGE_MAIL, err);
}

static void test_single_line(void)
{
	run_t r;
	smtp_reply_parser_t p;
	size_t used;
	bool done;
	smtp_error_t err;
	static const char in[] = "220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n";

	RUN(&r, "220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n", SMTP_STAGE_GREETING);
	CHECK_LOG(&r, "220 [] 1 mail.example.com ESMTP Postfix (Debian/GNU)|");
	CHECK_INT(r.rc, SMTP_OK);
	CHECK_INT(r.consumed, sizeof(in) - 1);

	CHECK_INT(feed_once(&p, in, sizeof(in) - 1, &used, &done, &err), SMTP_OK);
	CHECK(done);
	CHECK_INT(used, sizeof(in) - 1);
	CHECK_INT(p.reply.code, 220);
	CHECK_INT(p.reply.lines, 1);
	CHECK_STR(p.reply.enhanced, "");
	CHECK_MEM(p.reply.text.data, p.reply.text.len, "mail.example.com ESMTP Postfix (Debian/GNU)", 43);
	smtp_reply_parser_destroy(&p);
}

static void test_multi_line(void)
{
	run_t r;

	RUN(&r, "250-smtp.example.com Hello [192.0.2.1]\r\n"
	        "250-SIZE 10240000\r\n"
	        "250-AUTH PLAIN LOGIN\r\n"
	        "250 ENHANCEDSTATUSCODES\r\n", SMTP_STAGE_EHLO);
	CHECK_LOG(&r, "250 [] 4 smtp.example.com Hello [192.0.2.1]\nSIZE 10240000\nAUTH PLAIN LOGIN\nENHANCEDSTATUSCODES|");
	CHECK_INT(r.rc, SMTP_OK);

	/* Several replies back to back (pipelining): each is reported on its own. */
	RUN(&r, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <x@example.org>: Recipient address rejected\r\n354 End data with <CR><LF>.<CR><LF>\r\n",
	    SMTP_STAGE_RCPT);
	CHECK_LOG(&r, "250 [2.1.0] 1 2.1.0 Ok|250 [2.1.5] 1 2.1.5 Ok|550 [5.1.1] 1 5.1.1 <x@example.org>: Recipient address rejected|354 [] 1 End data with <CR><LF>.<CR><LF>|");
	CHECK_INT(r.replies, 4);

	/* A bare LF ends a line too (lenient); mixing both is fine. */
	RUN(&r, "250-a\n250-b\r\n250 c\n", SMTP_STAGE_EHLO);
	CHECK_LOG(&r, "250 [] 3 a\nb\nc|");
	CHECK_INT(r.consumed, 19);

	/* Text keeps whatever the server put there, spaces and tabs included. */
	RUN(&r, "250-  two leading\r\n250 tab\there \r\n", SMTP_STAGE_EHLO);
	CHECK_LOG(&r, "250 [] 2   two leading\ntab\there |");
}

static void test_empty_text(void)
{
	run_t r;
	smtp_reply_parser_t p;
	size_t used;
	bool done;
	smtp_error_t err;

	/* RFC 5321 4.2: Reply-code [ SP textstring ] CRLF, the text is optional. */
	RUN(&r, "250\r\n", SMTP_STAGE_RSET);
	CHECK_LOG(&r, "250 [] 1 |");
	RUN(&r, "250 \r\n", SMTP_STAGE_RSET);
	CHECK_LOG(&r, "250 [] 1 |");
	RUN(&r, "250-\r\n250-\r\n250 x\r\n", SMTP_STAGE_EHLO);
	CHECK_LOG(&r, "250 [] 3 \n\nx|");
	RUN(&r, "250-first\r\n250\r\n", SMTP_STAGE_EHLO);
	CHECK_LOG(&r, "250 [] 2 first\n|");

	/* An empty complete text still has NUL-terminated storage. */
	CHECK_INT(feed_once(&p, "221\r\n", 5, &used, &done, &err), SMTP_OK);
	CHECK(done);
	CHECK_INT(p.reply.code, 221);
	CHECK(p.reply.text.data != NULL);
	CHECK_INT(p.reply.text.len, 0);
	CHECK_STR(p.reply.text.data, "");
	smtp_reply_parser_destroy(&p);
}

static void test_enhanced(void)
{
	run_t r;

	RUN(&r, "250 2.0.0 Ok: queued as 4XyZ12\r\n", SMTP_STAGE_DATA);
	CHECK_LOG(&r, "250 [2.0.0] 1 2.0.0 Ok: queued as 4XyZ12|");
	RUN(&r, "550 5.7.1 <a@example.org>: Relay access denied\r\n", SMTP_STAGE_RCPT);
	CHECK_LOG(&r, "550 [5.7.1] 1 5.7.1 <a@example.org>: Relay access denied|");
	RUN(&r, "451 4.123.456 busy\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "451 [4.123.456] 1 4.123.456 busy|");
	/* The code alone, ending the text. */
	RUN(&r, "250 2.1.5\r\n", SMTP_STAGE_RCPT);
	CHECK_LOG(&r, "250 [2.1.5] 1 2.1.5|");
	/* Only the first line's status counts. */
	RUN(&r, "535-Authentication failed\r\n535 5.7.8 Error\r\n", SMTP_STAGE_AUTH);
	CHECK_LOG(&r, "535 [] 2 Authentication failed\n5.7.8 Error|");
	RUN(&r, "535-5.7.8 Username and Password not accepted.\r\n535 5.7.8 Learn more\r\n", SMTP_STAGE_AUTH);
	CHECK_LOG(&r, "535 [5.7.8] 2 5.7.8 Username and Password not accepted.\n5.7.8 Learn more|");

	/* Not a status code: class contradicting the reply, 4 digits, missing parts, glued text. */
	RUN(&r, "250 5.0.0 odd\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "250 [] 1 5.0.0 odd|");
	RUN(&r, "250 2.1234.0 x\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "250 [] 1 2.1234.0 x|");
	RUN(&r, "250 2.1.1234 x\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "250 [] 1 2.1.1234 x|");
	RUN(&r, "250 2.1. x\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "250 [] 1 2.1. x|");
	RUN(&r, "250 2..0 x\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "250 [] 1 2..0 x|");
	RUN(&r, "250 2.1.0x\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "250 [] 1 2.1.0x|");
	RUN(&r, "250 2.1\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "250 [] 1 2.1|");
	RUN(&r, "250 3.1.0 x\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "250 [] 1 3.1.0 x|");
	RUN(&r, "354 3.0.0 go ahead\r\n", SMTP_STAGE_DATA);
	CHECK_LOG(&r, "354 [] 1 3.0.0 go ahead|");
	RUN(&r, "250  2.1.0 x\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "250 [] 1  2.1.0 x|");
}

static void test_bad_codes(void)
{
	run_t r;

	RUN(&r, "199 too low\r\n", SMTP_STAGE_GREETING);
	CHECK_INT(r.rc, SMTP_E_PROTOCOL);
	CHECK_LOG(&r, "protocol error: bad greeting reply: no 3-digit code 200-599: \"199 too low\"");
	CHECK_INT(r.consumed, 13);
	CHECK_INT(r.err.rc, SMTP_E_PROTOCOL);
	CHECK_INT(r.err.stage, SMTP_STAGE_GREETING);
	CHECK_INT(r.err.code, 0);

	RUN(&r, "600 too high\r\n", SMTP_STAGE_GREETING);
	CHECK_LOG(&r, "protocol error: bad greeting reply: no 3-digit code 200-599: \"600 too high\"");
	RUN(&r, "2a0 letter\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "protocol error: bad mail reply: no 3-digit code 200-599: \"2a0 letter\"");
	RUN(&r, "25 short\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "protocol error: bad mail reply: no 3-digit code 200-599: \"25 short\"");
	RUN(&r, "25\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "protocol error: bad mail reply: no 3-digit code 200-599: \"25\"");
	RUN(&r, "\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "protocol error: bad mail reply: no 3-digit code 200-599: \"\"");
	RUN(&r, "2500 four digits\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "protocol error: bad mail reply: code not followed by ' ', '-' or end of line: \"2500 four digits\"");
	RUN(&r, "250_x\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "protocol error: bad mail reply: code not followed by ' ', '-' or end of line: \"250_x\"");
	RUN(&r, "250\tx\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "protocol error: bad mail reply: code not followed by ' ', '-' or end of line: \"250?x\"");
	RUN(&r, " 250 x\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "protocol error: bad mail reply: no 3-digit code 200-599: \" 250 x\"");
	/* Extremes of the accepted range. */
	RUN(&r, "200 a\r\n599 b\r\n290 c\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "200 [] 1 a|599 [] 1 b|290 [] 1 c|");

	/* A non-SMTP peer is refused as soon as the line fills a quote, not after 2 KB. */
	{
		char in[1000];
		memset(in, 'A', sizeof(in));
		memcpy(in, "HTTP/1.1 400 Bad Request", 24);
		run(&r, in, sizeof(in), SMTP_STAGE_GREETING);
		CHECK_INT(r.rc, SMTP_E_PROTOCOL);
		CHECK_INT(r.consumed, SMTP_REPLY_QUOTE_MAX);
		CHECK_LOG(&r, "protocol error: bad greeting reply: no 3-digit code 200-599: \"HTTP/1.1 400 Bad RequestAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...\"");
	}
}

static void test_mismatched_continuation(void)
{
	run_t r;

	RUN(&r, "250-mail.example.com\r\n251 done\r\n", SMTP_STAGE_EHLO);
	CHECK_INT(r.rc, SMTP_E_PROTOCOL);
	CHECK_LOG(&r, "protocol error: bad ehlo reply: code differs from the first line's: \"251 done\"");
	CHECK_INT(r.consumed, 32);
	RUN(&r, "250-a\r\n250-b\r\n550 c\r\n", SMTP_STAGE_EHLO);
	CHECK_LOG(&r, "protocol error: bad ehlo reply: code differs from the first line's: \"550 c\"");
	/* A malformed continuation is still malformed. */
	RUN(&r, "250-a\r\nxyz\r\n", SMTP_STAGE_EHLO);
	CHECK_LOG(&r, "protocol error: bad ehlo reply: no 3-digit code 200-599: \"xyz\"");
	/* The next reply may carry another code: only lines of one reply must agree. */
	RUN(&r, "250-a\r\n250 b\r\n220 c\r\n", SMTP_STAGE_EHLO);
	CHECK_LOG(&r, "250 [] 2 a\nb|220 [] 1 c|");
}

static void test_nul_and_cr(void)
{
	run_t r;

	RUN(&r, "250 ab\0cd\r\n", SMTP_STAGE_MAIL);
	CHECK_INT(r.rc, SMTP_E_PROTOCOL);
	CHECK_LOG(&r, "protocol error: bad mail reply: NUL byte: \"250 ab\"");
	CHECK_INT(r.consumed, 7);
	RUN(&r, "\0", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "protocol error: bad mail reply: NUL byte: \"\"");

	RUN(&r, "250 ab\rcd\r\n", SMTP_STAGE_MAIL);
	CHECK_INT(r.rc, SMTP_E_PROTOCOL);
	CHECK_LOG(&r, "protocol error: bad mail reply: CR not followed by LF: \"250 ab\"");
	CHECK_INT(r.consumed, 8);
	RUN(&r, "250 ab\r\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "protocol error: bad mail reply: CR not followed by LF: \"250 ab\"");
	RUN(&r, "250-a\r\n\r250 b\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "protocol error: bad mail reply: CR not followed by LF: \"\"");

	/* A CR at the very end of the input waits for its LF; it is not an error yet. */
	{
		smtp_reply_parser_t p;
		size_t used;
		bool done;
		smtp_error_t err;

		CHECK_INT(feed_once(&p, "250 ok\r", 7, &used, &done, &err), SMTP_OK);
		CHECK_INT(used, 7);
		CHECK(!done);
		CHECK_INT(smtp_reply_feed(&p, "\n", 1, &used, &done, SMTP_STAGE_MAIL, &err), SMTP_OK);
		CHECK_INT(used, 1);
		CHECK(done);
		CHECK_MEM(p.reply.text.data, p.reply.text.len, "ok", 2);
		smtp_reply_parser_destroy(&p);
	}
	/* Control bytes and 8-bit bytes other than CR, LF and NUL are text. */
	RUN(&r, "250 a\x1b[31mb\xc3\xa9\r\n", SMTP_STAGE_MAIL);
	CHECK_LOG(&r, "250 [] 1 a\x1b[31mb\xc3\xa9|");
}

static void test_long_line(void)
{
	static char in[REPLY_LINE_LIMIT * 4];
	run_t r;
	smtp_reply_parser_t p;
	size_t used;
	bool done;
	smtp_error_t err;

	/* The longest accepted line: REPLY_LINE_LIMIT octets with its CRLF. */
	memset(in, 'x', sizeof(in));
	memcpy(in, "250 ", 4);
	in[REPLY_LINE_LIMIT - 2] = '\r';
	in[REPLY_LINE_LIMIT - 1] = '\n';
	CHECK_INT(feed_once(&p, in, REPLY_LINE_LIMIT, &used, &done, &err), SMTP_OK);
	CHECK(done);
	CHECK_INT(used, REPLY_LINE_LIMIT);
	CHECK_INT(p.reply.text.len, REPLY_LINE_LIMIT - 6);
	smtp_reply_parser_destroy(&p);
	/* Same with a bare LF: the limit does not depend on the line ending. */
	in[REPLY_LINE_LIMIT - 2] = '\n';
	CHECK_INT(feed_once(&p, in, REPLY_LINE_LIMIT - 1, &used, &done, &err), SMTP_OK);
	CHECK(done);
	smtp_reply_parser_destroy(&p);

	/* One octet more is refused, at that octet, not when the line ends. */
	memset(in, 'x', sizeof(in));
	memcpy(in, "250 ", 4);
	run(&r, in, sizeof(in), SMTP_STAGE_DATA);
	CHECK_INT(r.rc, SMTP_E_LIMIT);
	CHECK_INT(r.consumed, REPLY_LINE_LIMIT - 1);
	CHECK_LOG(&r, "limit exceeded: bad data reply: line longer than 2048 octets: \"250 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"");
	CHECK_INT(r.err.rc, SMTP_E_LIMIT);

	/* An endless line fed in large chunks: still stops right at the limit. */
	CHECK_INT(feed_once(&p, in, sizeof(in), &used, &done, &err), SMTP_E_LIMIT);
	CHECK_INT(used, REPLY_LINE_LIMIT - 1);
	CHECK(!done);
	smtp_reply_parser_destroy(&p);

	/* A long continuation line counts too. */
	memcpy(in, "250-a\r\n250-", 11);
	memset(in + 11, 'y', sizeof(in) - 11);
	run(&r, in, sizeof(in), SMTP_STAGE_EHLO);
	CHECK_INT(r.rc, SMTP_E_LIMIT);
	CHECK_INT(r.consumed, 7 + REPLY_LINE_LIMIT - 1);
}

static void test_many_lines(void)
{
	/* 200 lines of "250-x\r\n" and no last line. */
	static char in[200 * 7];
	static char text[REPLY_LINE_LIMIT];
	run_t r;
	size_t i, n = 0;

	for (i = 0; i < 200; i++) {
		memcpy(in + i * 7, "250-x\r\n", 7);
	}
	run(&r, in, sizeof(in), SMTP_STAGE_EHLO);
	CHECK_INT(r.rc, SMTP_E_LIMIT);
	CHECK_LOG(&r, "limit exceeded: bad ehlo reply: more than 128 lines: \"250-x\"");
	/* Refused at the end of line 129, not after reading everything. */
	CHECK_INT(r.consumed, (REPLY_LINES_LIMIT + 1) * 7);

	/* Exactly REPLY_LINES_LIMIT lines is fine. */
	memcpy(in + (REPLY_LINES_LIMIT - 1) * 7, "250 x\r\n", 7);
	run(&r, in, REPLY_LINES_LIMIT * 7, SMTP_STAGE_EHLO);
	CHECK_INT(r.rc, SMTP_OK);
	CHECK_INT(r.replies, 1);

	/* Text limit: long lines run out of text before lines. */
	memset(text, 'z', sizeof(text));
	memcpy(text, "250-", 4);
	text[REPLY_LINE_LIMIT - 2] = '\r';
	text[REPLY_LINE_LIMIT - 1] = '\n';
	{
		/* Each line adds 2042 octets of text plus a "\n" join: the 9th passes 16384. */
		static char big[REPLY_LINE_LIMIT * 20];
		for (i = 0; i < 20; i++) {
			memcpy(big + n, text, sizeof(text));
			n += sizeof(text);
		}
		run(&r, big, n, SMTP_STAGE_EHLO);
		CHECK_INT(r.rc, SMTP_E_LIMIT);
		CHECK_INT(r.consumed, 9 * REPLY_LINE_LIMIT);
		CHECK(strstr(r.log, "limit exceeded: bad ehlo reply: text longer than 16384 octets: \"250-zzz") == r.log);
		/* 8 lines (8 * 2042 + 7 = 16343 octets) are fine. */
		memcpy(big + 7 * REPLY_LINE_LIMIT, "250 ", 4);
		run(&r, big, 8 * REPLY_LINE_LIMIT, SMTP_STAGE_EHLO);
		CHECK_INT(r.rc, SMTP_OK);
		CHECK_INT(r.replies, 1);
		CHECK_INT(r.n, 16343 + strlen("250 [] 8 |"));
	}
}

static void test_leftover(void)
{
	smtp_reply_parser_t p;
	size_t used;
	bool done;
	smtp_error_t err;
	/* A STARTTLS 220 with plaintext injected behind it. */
	static const char in[] = "220 2.0.0 Ready to start TLS\r\n250 injected\r\n";

	CHECK_INT(feed_once(&p, in, sizeof(in) - 1, &used, &done, &err), SMTP_OK);
	CHECK(done);
	CHECK_INT(used, 30);
	CHECK_INT(p.reply.code, 220);
	CHECK_STR(p.reply.enhanced, "2.0.0");
	/* The rest is a reply of its own. */
	CHECK_INT(smtp_reply_feed(&p, in + used, sizeof(in) - 1 - used, &used, &done, SMTP_STAGE_TLS, &err), SMTP_OK);
	CHECK(done);
	CHECK_INT(used, 14);
	CHECK_INT(p.reply.code, 250);
	CHECK_STR(p.reply.enhanced, "");
	CHECK_MEM(p.reply.text.data, p.reply.text.len, "injected", 8);
	CHECK_INT(p.reply.lines, 1);
	smtp_reply_parser_destroy(&p);

	/* Leftover after a bare-LF line, and a partial next line. */
	CHECK_INT(feed_once(&p, "250 ok\n2", 8, &used, &done, &err), SMTP_OK);
	CHECK(done);
	CHECK_INT(used, 7);
	/* A zero-length feed after a reply clears it and waits. */
	CHECK_INT(smtp_reply_feed(&p, "", 0, &used, &done, SMTP_STAGE_MAIL, &err), SMTP_OK);
	CHECK(!done);
	CHECK_INT(used, 0);
	CHECK_INT(p.reply.lines, 0);
	CHECK_INT(p.reply.code, 0);
	smtp_reply_parser_destroy(&p);
}

static void test_sticky(void)
{
	smtp_reply_parser_t p;
	size_t used;
	bool done;
	smtp_error_t err, err2;

	CHECK_INT(feed_once(&p, "250-a\r\n251 b\r\n250 c\r\n", 21, &used, &done, &err), SMTP_E_PROTOCOL);
	CHECK_INT(used, 14);
	CHECK(!done);
	CHECK_STR(err.message, "bad mail reply: code differs from the first line's: \"251 b\"");
	/* Every later call fails the same way, consumes nothing, whatever the input and stage. */
	memset(&err2, 0, sizeof(err2));
	CHECK_INT(smtp_reply_feed(&p, "250 c\r\n", 7, &used, &done, SMTP_STAGE_QUIT, &err2), SMTP_E_PROTOCOL);
	CHECK_INT(used, 0);
	CHECK(!done);
	CHECK_STR(err2.message, err.message);
	CHECK_INT(err2.stage, SMTP_STAGE_MAIL);
	CHECK_INT(err2.rc, SMTP_E_PROTOCOL);
	CHECK_INT(smtp_reply_feed(&p, "", 0, &used, &done, SMTP_STAGE_MAIL, NULL), SMTP_E_PROTOCOL);
	CHECK_INT(smtp_reply_feed(&p, "250 c\r\n", 7, &used, &done, SMTP_STAGE_MAIL, &err2), SMTP_E_PROTOCOL);
	CHECK_STR(err2.message, err.message);
	smtp_reply_parser_destroy(&p);

	/* A limit error is sticky too; err may be NULL. */
	{
		static char in[REPLY_LINE_LIMIT + 10];
		memset(in, 'x', sizeof(in));
		memcpy(in, "250 ", 4);
		CHECK_INT(feed_once(&p, in, sizeof(in), &used, &done, NULL), SMTP_E_LIMIT);
		CHECK_INT(smtp_reply_feed(&p, "250 ok\r\n", 8, &used, &done, SMTP_STAGE_MAIL, &err2), SMTP_E_LIMIT);
		CHECK_INT(used, 0);
		CHECK_INT(err2.rc, SMTP_E_LIMIT);
		smtp_reply_parser_destroy(&p);
	}
	/* destroy(NULL) is a no-op; a parser can be reused after destroy + init. */
	smtp_reply_parser_destroy(NULL);
	CHECK_INT(feed_once(&p, "250 ok\r\n", 8, &used, &done, &err), SMTP_OK);
	CHECK(done);
	smtp_reply_parser_destroy(&p);
}

static void test_queue_id(void)
{
	smtp_reply_parser_t p;
	size_t used;
	bool done;
	smtp_error_t err;
	char id[64];
	char small[5];

#define QID(lit) (feed_once(&p, (lit), sizeof(lit) - 1, &used, &done, &err) == SMTP_OK && done)
	CHECK(QID("250 2.0.0 Ok: queued as 4XyZ12abC\r\n"));
	CHECK(smtp_reply_queue_id(&p.reply, id, sizeof(id)));
	CHECK_STR(id, "4XyZ12abC");
	/* Truncated to cap - 1. */
	CHECK(smtp_reply_queue_id(&p.reply, small, sizeof(small)));
	CHECK_STR(small, "4XyZ");
	CHECK(!smtp_reply_queue_id(&p.reply, small, 0));
	smtp_reply_parser_destroy(&p);

	CHECK(QID("250 OK id=1abc2D-0007Xy-Q9\r\n"));
	CHECK(smtp_reply_queue_id(&p.reply, id, sizeof(id)));
	CHECK_STR(id, "1abc2D-0007Xy-Q9");
	smtp_reply_parser_destroy(&p);

	/* Case-insensitive markers, id cut at the first character outside the set. */
	CHECK(QID("250 Queued As ABC/def+1=@x.y_z;rest\r\n"));
	CHECK(smtp_reply_queue_id(&p.reply, id, sizeof(id)));
	CHECK_STR(id, "ABC/def+1=@x.y_z");
	smtp_reply_parser_destroy(&p);

	/* On a later line of a multi-line reply. */
	CHECK(QID("250-Message accepted\r\n250 ID=xyz\r\n"));
	CHECK(smtp_reply_queue_id(&p.reply, id, sizeof(id)));
	CHECK_STR(id, "xyz");
	smtp_reply_parser_destroy(&p);

	/* No id: nothing stated, marker inside a word, nothing after the marker, hostile bytes. */
	memcpy(id, "junk", 5);
	CHECK(QID("250 2.0.0 Ok\r\n"));
	CHECK(!smtp_reply_queue_id(&p.reply, id, sizeof(id)));
	CHECK_STR(id, "");
	smtp_reply_parser_destroy(&p);
	CHECK(QID("250 uid=123 messageid=456\r\n"));
	CHECK(!smtp_reply_queue_id(&p.reply, id, sizeof(id)));
	smtp_reply_parser_destroy(&p);
	CHECK(QID("250 queued as \r\n"));
	CHECK(!smtp_reply_queue_id(&p.reply, id, sizeof(id)));
	smtp_reply_parser_destroy(&p);
	CHECK(QID("250 queued as <\x1b[2J>\r\n"));
	CHECK(!smtp_reply_queue_id(&p.reply, id, sizeof(id)));
	smtp_reply_parser_destroy(&p);
	CHECK(QID("250 queued as\r\n"));
	CHECK(!smtp_reply_queue_id(&p.reply, id, sizeof(id)));
	smtp_reply_parser_destroy(&p);
	/* A control byte ends the id: nothing but the allowed set is copied. */
	CHECK(QID("250 queued as AB\x07\x1b" "CD\r\n"));
	CHECK(smtp_reply_queue_id(&p.reply, id, sizeof(id)));
	CHECK_STR(id, "AB");
	smtp_reply_parser_destroy(&p);
	/* Postfix first when both appear. */
	CHECK(QID("250 id=exim queued as postfix\r\n"));
	CHECK(smtp_reply_queue_id(&p.reply, id, sizeof(id)));
	CHECK_STR(id, "postfix");
	smtp_reply_parser_destroy(&p);
#undef QID
}

static void test_format(void)
{
	smtp_reply_parser_t p;
	size_t used, n;
	bool done;
	smtp_error_t err;
	char out[128];
	char tiny[8];

#define FMT(lit) (feed_once(&p, (lit), sizeof(lit) - 1, &used, &done, &err) == SMTP_OK && done)
	CHECK(FMT("250 2.0.0 Ok: queued as 4XyZ\r\n"));
	n = smtp_reply_format(&p.reply, out, sizeof(out));
	CHECK_STR(out, "250 2.0.0 Ok: queued as 4XyZ");
	CHECK_INT(n, 28);
	smtp_reply_parser_destroy(&p);

	CHECK(FMT("250-mx.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n"));
	smtp_reply_format(&p.reply, out, sizeof(out));
	CHECK_STR(out, "250 mx.example.com / PIPELINING / 8BITMIME");
	smtp_reply_parser_destroy(&p);

	CHECK(FMT("250\r\n"));
	n = smtp_reply_format(&p.reply, out, sizeof(out));
	CHECK_STR(out, "250");
	CHECK_INT(n, 3);
	smtp_reply_parser_destroy(&p);

	CHECK(FMT("250-\r\n250 x\r\n"));
	smtp_reply_format(&p.reply, out, sizeof(out));
	CHECK_STR(out, "250  / x");
	smtp_reply_parser_destroy(&p);

	/* Control and 8-bit bytes from the server become '?': no terminal escapes in logs. */
	CHECK(FMT("554 5.7.1 \x1b[2Jspam\x07\t\xff\x7f ok\r\n"));
	smtp_reply_format(&p.reply, out, sizeof(out));
	CHECK_STR(out, "554 5.7.1 ?[2Jspam???? ok");
	/* Cut to the capacity, marked with "...". */
	n = smtp_reply_format(&p.reply, tiny, sizeof(tiny));
	CHECK_STR(tiny, "554 ...");
	CHECK_INT(n, 7);
	CHECK_INT(smtp_reply_format(&p.reply, tiny, 0), 0);
	n = smtp_reply_format(&p.reply, tiny, 4);
	CHECK_STR(tiny, "554");
	n = smtp_reply_format(&p.reply, tiny, 1);
	CHECK_STR(tiny, "");
	CHECK_INT(n, 0);
	smtp_reply_parser_destroy(&p);

	/* Exactly filling the capacity is not a cut. */
	CHECK(FMT("250 abc\r\n"));
	n = smtp_reply_format(&p.reply, tiny, 8);
	CHECK_STR(tiny, "250 abc");
	CHECK_INT(n, 7);
	n = smtp_reply_format(&p.reply, tiny, 7);
	CHECK_STR(tiny, "250...");
	smtp_reply_parser_destroy(&p);

	/* The longest reply still fits the caller's buffer and stays terminated. */
	{
		static char in[REPLY_LINE_LIMIT];
		char big[300];
		memset(in, '\x01', sizeof(in));
		memcpy(in, "250 ", 4);
		memcpy(in + sizeof(in) - 2, "\r\n", 2);
		CHECK_INT(feed_once(&p, in, sizeof(in), &used, &done, &err), SMTP_OK);
		n = smtp_reply_format(&p.reply, big, sizeof(big));
		CHECK_INT(n, sizeof(big) - 1);
		CHECK_INT(strlen(big), sizeof(big) - 1);
		CHECK(memcmp(big, "250 ????", 8) == 0);
		CHECK(memcmp(big + sizeof(big) - 4, "...", 3) == 0);
		smtp_reply_parser_destroy(&p);
	}
#undef FMT
	/* An error quote is sanitised the same way. */
	CHECK_INT(feed_once(&p, "\x1b[1m\xff\r\n", 7, &used, &done, &err), SMTP_E_PROTOCOL);
	CHECK_STR(err.message, "bad mail reply: no 3-digit code 200-599: \"?[1m?\"");
	smtp_reply_parser_destroy(&p);
}

int main(void)
{
	test_single_line();
	test_multi_line();
	test_empty_text();
	test_enhanced();
	test_bad_codes();
	test_mismatched_continuation();
	test_nul_and_cr();
	test_long_line();
	test_many_lines();
	test_leftover();
	test_sticky();
	test_queue_id();
	test_format();
	return check_report("reply");
}
