/*
 * test_session.c: the SMTP session state machine against scripted servers.
 *
 * Each case replays a server script through mem_transport.h and compares what
 * the client wrote with a golden transcript, byte for byte, plus the return
 * code, the error's stage, code, enhanced status and message, and whether the
 * session (and a polite QUIT) is still possible afterwards.
 */
#include "check.h"
#include "mem_transport.h"
#include "smtp_error.h"
#include "smtp_session.h"
#include "smtp_sasl.h"

#include <stdlib.h>

#define GREETING "220 mx.example.net ESMTP Postfix\r\n"
#define C_EHLO "EHLO client.example\r\n"
#define C_QUIT "QUIT\r\n"
/* RFC 4616: base64("\0alice\0s3cr3t-pw"), computed independently. */
#define PLAIN_B64 "AGFsaWNlAHMzY3IzdC1wdw=="
#define PASSWORD "s3cr3t-pw"
#define PASSWORD_B64 "czNjcjN0LXB3"
#define ENVELOPE3 "MAIL FROM:<sender@example.org>\r\nRCPT TO:<a@example.net>\r\n" \
	"RCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n"
/* The same after an EHLO with SIZE: the pieces' total is declared (RFC 1870). */
#define ENVELOPE3_SIZE "MAIL FROM:<sender@example.org> SIZE=28\r\nRCPT TO:<a@example.net>\r\n" \
	"RCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n"
#define ENVELOPE1 "MAIL FROM:<sender@example.org>\r\nRCPT TO:<a@example.net>\r\nDATA\r\n"
#define S_354 "354 End data with <CR><LF>.<CR><LF>\r\n"
#define S_QUEUED "250 2.0.0 Ok: queued as 4ABC12\r\n"
/* The message most cases send, and what must reach the wire: bare LF becomes
 * CRLF, a leading dot is doubled, and the data ends with CRLF.CRLF. */
#define BODY "Subject: hi\n\n.hello\nbye"
#define BODY_WIRE "Subject: hi\r\n\r\n..hello\r\nbye\r\n.\r\n"

#define PIECE(lit) { (lit), sizeof(lit) - 1 }

static const char *const RCPT3[] = { "a@example.net", "b@example.net", "c@example.net" };
static const char *const RCPT1[] = { "a@example.net" };
static const smtp_piece_t BODY_PIECES[] = { PIECE(BODY) };

#define CHECK_HAS(hay, needle) check_has_(__FILE__, __LINE__, (hay), (needle), true)
#define CHECK_HASNT(hay, needle) check_has_(__FILE__, __LINE__, (hay), (needle), false)

static void check_has_(const char *file, int line, const char *hay, const char *needle, bool want)
{
	if ((strstr(hay, needle) != NULL) == want) {
		check_passed++;
		return;
	}
	check_failed++;
	fprintf(stderr, "%s:%d: \"%s\" %s \"%s\"\n", file, line, hay, want ? "lacks" : "contains", needle);
}

/* The error as a whole: category, stage and reply code. */
#define CHECK_ERR(e, want_rc, want_stage, want_code) do { \
	CHECK_INT((e).rc, (want_rc)); \
	CHECK_INT((e).stage, (want_stage)); \
	CHECK_INT((e).code, (want_code)); \
} while (0)

/* The whole client transcript. */
#define CHECK_WIRE(m, golden) CHECK_MEM((m).out, (m).out_len, (golden), sizeof(golden) - 1)

/* The end of every scripted session: the server script was played to its
 * last step, then the session and the transport are freed. A macro, so a
 * failure names the test's line. */
#define END_SESSION(s, m) do { \
	CHECK_INT(mem_finish(&(m)), 0); \
	smtp_session_free(s); \
	mem_destroy(&(m)); \
} while (0)

static smtp_session_config_t cfg_starttls(void)
{
	smtp_session_config_t c;

	memset(&c, 0, sizeof(c));
	c.helo = "client.example";
	c.tls = SMTP_TLS_STARTTLS;
	c.user = "alice";
	c.password = PASSWORD;
	c.timeout_ms = 5000;
	return c;
}

static smtp_session_config_t cfg_plain(void)
{
	smtp_session_config_t c = cfg_starttls();

	c.tls = SMTP_TLS_NONE;
	c.user = NULL;
	c.password = NULL;
	return c;
}

static smtp_session_config_t cfg_implicit(void)
{
	smtp_session_config_t c = cfg_starttls();

	c.tls = SMTP_TLS_IMPLICIT;
	return c;
}

/* Greeting, EHLO and its reply: the start of most scripts. */
static void script_ehlo(mem_transport_t *m, const char *ehlo_reply)
{
	mem_send(m, GREETING);
	mem_expect(m, C_EHLO);
	mem_send(m, ehlo_reply);
}

/* Calls quit, and checks that it wrote exactly `quit_bytes` ("" for nothing). */
static void quit_and_check(smtp_session_t *s, mem_transport_t *m, const char *quit_bytes)
{
	size_t before = m->out_len;

	smtp_session_quit(s);
	/* out stays NULL until the first write. */
	CHECK_MEM(m->out != NULL ? m->out + before : "", m->out_len - before, quit_bytes, strlen(quit_bytes));
	CHECK(!smtp_session_is_usable(s));
}

static smtp_rc_t send_body(smtp_session_t *s, const char *const *rcpts, size_t n, smtp_send_result_t *res,
                           smtp_error_t *err)
{
	return smtp_session_send(s, "sender@example.org", rcpts, n, NULL, BODY_PIECES, 1, res, err);
}

/* The session is dead: another transaction is refused and writes nothing. */
static void check_dead(smtp_session_t *s, mem_transport_t *m)
{
	smtp_send_result_t res;
	smtp_error_t err;
	unsigned writes = m->writes;

	smtp_send_result_init(&res);
	CHECK(!smtp_session_is_usable(s));
	CHECK_INT(send_body(s, RCPT1, 1, &res, &err), SMTP_E_STATE);
	CHECK_INT(err.rc, SMTP_E_STATE);
	CHECK_INT(m->writes, writes);
	smtp_send_result_destroy(&res);
}

/* STARTTLS, EHLO again, AUTH PLAIN, a pipelined transaction to three
 * recipients, a second transaction on the same session, QUIT. What the server
 * said before TLS (SIZE 10, CRAM-MD5) must be forgotten after it. */
static void test_happy_starttls_plain_pipelined(void)
{
	static const smtp_piece_t pieces[] = { PIECE("Subject: hi\n\n.hello\r"), PIECE("\n..x\nend") };
	static const char golden[] =
		C_EHLO "STARTTLS\r\n<<STARTTLS>>" C_EHLO "AUTH PLAIN " PLAIN_B64 "\r\n"
		ENVELOPE3_SIZE "Subject: hi\r\n\r\n..hello\r\n...x\r\nend\r\n.\r\n"
		"MAIL FROM:<sender@example.org> SIZE=0\r\nRCPT TO:<d@example.net>\r\nDATA\r\n.\r\n" C_QUIT;
	static const char *const rcpt_d[] = { "d@example.net" };
	smtp_session_config_t c = cfg_starttls();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;
	const char *w;
	size_t wlen;

	mem_init(&m);
	script_ehlo(&m, "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10\r\n250-AUTH CRAM-MD5\r\n250 STARTTLS\r\n");
	mem_expect(&m, "STARTTLS\r\n");
	mem_send(&m, "220 2.0.0 Ready to start TLS\r\n");
	mem_tls(&m);
	mem_expect(&m, C_EHLO);
	mem_send(&m, "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
	             "250-ENHANCEDSTATUSCODES\r\n250 AUTH PLAIN LOGIN\r\n");
	mem_expect(&m, "AUTH PLAIN " PLAIN_B64 "\r\n");
	mem_send(&m, "235 2.7.0 Authentication successful\r\n");
	mem_expect(&m, ENVELOPE3_SIZE);
	/* Replies split mid-line across reads, several in one read. */
	mem_send(&m, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5");
	mem_send(&m, " Ok\r\n250 2.1.5 Ok\r\n" S_354);
	mem_expect(&m, "Subject: hi\r\n\r\n..hello\r\n...x\r\nend\r\n.\r\n");
	mem_send(&m, S_QUEUED);
	/* An empty message is just the final dot. */
	mem_expect(&m, "MAIL FROM:<sender@example.org> SIZE=0\r\nRCPT TO:<d@example.net>\r\nDATA\r\n");
	mem_send(&m, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n");
	mem_expect(&m, ".\r\n");
	mem_send(&m, "250 2.0.0 Ok: queued as 5DEF34\r\n");
	mem_expect(&m, C_QUIT);

	s = smtp_session_new(&c, &t);
	CHECK(s != NULL);
	CHECK(!smtp_session_is_usable(s));
	CHECK_INT(smtp_session_open(s, &err), SMTP_OK);
	CHECK(smtp_session_is_usable(s));
	CHECK(smtp_session_is_tls(s));
	CHECK(m.tls);
	CHECK_INT(m.starttls_calls, 1);
	CHECK_INT(smtp_session_auth_mech(s), SMTP_AUTH_PLAIN);
	CHECK(smtp_session_caps(s)->pipelining);
	CHECK(!smtp_session_caps(s)->starttls);
	CHECK_INT(smtp_session_caps(s)->size, 10240000);
	CHECK_INT(smtp_session_caps(s)->auth, SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN);

	smtp_send_result_init(&res);
	CHECK_INT(smtp_session_send(s, "sender@example.org", RCPT3, 3, NULL, pieces, 2, &res, &err), SMTP_OK);
	CHECK_INT(res.nrcpts, 3);
	CHECK_INT(res.accepted, 3);
	CHECK_INT(res.rcpt[0].code, 250);
	CHECK_INT(res.rcpt[2].code, 250);
	CHECK_INT(res.code, 250);
	CHECK_STR(res.reply, "250 2.0.0 Ok: queued as 4ABC12");
	CHECK_STR(res.queue_id, "4ABC12");
	CHECK(res.data_sent);
	CHECK(smtp_session_is_usable(s));
	/* PIPELINING: MAIL, the three RCPTs and DATA in a single write (the fifth). */
	w = mem_write_data(&m, 4, &wlen);
	CHECK_MEM(w, wlen, ENVELOPE3_SIZE, sizeof(ENVELOPE3_SIZE) - 1);

	CHECK_INT(smtp_session_send(s, "sender@example.org", rcpt_d, 1, NULL, NULL, 0, &res, &err), SMTP_OK);
	CHECK_INT(res.nrcpts, 1);
	CHECK_INT(res.accepted, 1);
	CHECK_STR(res.queue_id, "5DEF34");
	CHECK(smtp_session_is_usable(s));

	quit_and_check(s, &m, C_QUIT);
	CHECK_WIRE(m, golden);
	CHECK_INT(m.writes, 9);
	CHECK_INT(mem_finish(&m), 0);
	check_dead(s, &m);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* AUTH offered only before TLS must not be used: the EHLO inside TLS decides. */
static void test_starttls_forgets_auth(void)
{
	static const char golden[] = C_EHLO "STARTTLS\r\n<<STARTTLS>>" C_EHLO C_QUIT;
	smtp_session_config_t c = cfg_starttls();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;

	mem_init(&m);
	script_ehlo(&m, "250-mx.example.net\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n");
	mem_expect(&m, "STARTTLS\r\n");
	mem_send(&m, "220 go ahead\r\n");
	mem_tls(&m);
	mem_expect(&m, C_EHLO);
	mem_send(&m, "250-mx.example.net\r\n250 PIPELINING\r\n");
	mem_expect(&m, C_QUIT);

	s = smtp_session_new(&c, &t);
	CHECK_INT(smtp_session_open(s, &err), SMTP_E_AUTH);
	CHECK_ERR(err, SMTP_E_AUTH, SMTP_STAGE_AUTH, 0);
	CHECK_HAS(err.message, "offers no AUTH");
	CHECK_INT(smtp_session_caps(s)->auth, 0);
	CHECK_INT(smtp_session_auth_mech(s), 0);
	check_dead(s, &m);
	quit_and_check(s, &m, C_QUIT);
	CHECK_WIRE(m, golden);
	END_SESSION(s, m);
}

/* No PIPELINING inside TLS (though offered before it): one command per write,
 * each reply read before the next command. */
static void test_no_pipelining(void)
{
	static const char golden[] =
		C_EHLO "STARTTLS\r\n<<STARTTLS>>" C_EHLO "AUTH PLAIN " PLAIN_B64 "\r\n" ENVELOPE3 BODY_WIRE C_QUIT;
	smtp_session_config_t c = cfg_starttls();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;
	unsigned k;

	mem_init(&m);
	script_ehlo(&m, "250-mx.example.net\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
	mem_expect(&m, "STARTTLS\r\n");
	mem_send(&m, "220 2.0.0 Ready to start TLS\r\n");
	mem_tls(&m);
	mem_expect(&m, C_EHLO);
	mem_send(&m, "250-mx.example.net\r\n250 AUTH PLAIN\r\n");
	mem_expect(&m, "AUTH PLAIN " PLAIN_B64 "\r\n");
	mem_send(&m, "235 2.7.0 Authentication successful\r\n");
	mem_expect(&m, "MAIL FROM:<sender@example.org>\r\n");
	mem_send(&m, "250 2.1.0 Ok\r\n");
	mem_expect(&m, "RCPT TO:<a@example.net>\r\n");
	mem_send(&m, "250 2.1.5 Ok\r\n");
	mem_expect(&m, "RCPT TO:<b@example.net>\r\n");
	mem_send(&m, "250 2.1.5 Ok\r\n");
	mem_expect(&m, "RCPT TO:<c@example.net>\r\n");
	mem_send(&m, "250 2.1.5 Ok\r\n");
	mem_expect(&m, "DATA\r\n");
	mem_send(&m, S_354);
	mem_expect(&m, BODY_WIRE);
	mem_send(&m, S_QUEUED);
	mem_expect(&m, C_QUIT);

	s = smtp_session_new(&c, &t);
	CHECK_INT(smtp_session_open(s, &err), SMTP_OK);
	CHECK(!smtp_session_caps(s)->pipelining);
	smtp_send_result_init(&res);
	CHECK_INT(send_body(s, RCPT3, 3, &res, &err), SMTP_OK);
	CHECK_INT(res.accepted, 3);
	CHECK_STR(res.queue_id, "4ABC12");
	CHECK(res.data_sent);
	/* EHLO, STARTTLS, EHLO, AUTH, then MAIL, 3 RCPT, DATA, body: one each. */
	CHECK_INT(m.writes, 10);
	for (k = 4; k < 9; k++) {
		size_t wlen;
		const char *w = mem_write_data(&m, k, &wlen);
		/* Each command is one whole line in a write of its own. */
		CHECK(wlen > 2 && memchr(w, '\n', wlen) == w + wlen - 1);
	}
	quit_and_check(s, &m, C_QUIT);
	CHECK_WIRE(m, golden);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* Implicit TLS: no STARTTLS, even when offered; AUTH right after EHLO. */
static void test_implicit_tls(void)
{
	static const char golden[] = C_EHLO "AUTH PLAIN " PLAIN_B64 "\r\n" C_QUIT;
	smtp_session_config_t c = cfg_implicit();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;

	mem_init(&m);
	script_ehlo(&m, "250-mx.example.net\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n");
	mem_expect(&m, "AUTH PLAIN " PLAIN_B64 "\r\n");
	mem_send(&m, "235 2.7.0 Authentication successful\r\n");
	mem_expect(&m, C_QUIT);

	s = smtp_session_new(&c, &t);
	CHECK_INT(smtp_session_open(s, &err), SMTP_OK);
	CHECK(smtp_session_is_tls(s));
	CHECK_INT(m.starttls_calls, 0);
	CHECK_INT(smtp_session_auth_mech(s), SMTP_AUTH_PLAIN);
	quit_and_check(s, &m, C_QUIT);
	CHECK_WIRE(m, golden);
	END_SESSION(s, m);
}

/* tls=none without a user: neither STARTTLS nor AUTH, though both are offered. */
static void test_tls_none_no_auth(void)
{
	static const char golden[] = C_EHLO ENVELOPE1 BODY_WIRE C_QUIT;
	smtp_session_config_t c = cfg_plain();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;

	mem_init(&m);
	script_ehlo(&m, "250-mx.example.net\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n");
	mem_expect(&m, ENVELOPE1);
	mem_send(&m, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" S_354);
	mem_expect(&m, BODY_WIRE);
	/* Exim's style of queue id. */
	mem_send(&m, "250 OK id=1rXyZa-0007Ab-QQ\r\n");
	mem_expect(&m, C_QUIT);

	s = smtp_session_new(&c, &t);
	CHECK_INT(smtp_session_open(s, &err), SMTP_OK);
	CHECK(!smtp_session_is_tls(s));
	CHECK_INT(smtp_session_auth_mech(s), 0);
	smtp_send_result_init(&res);
	CHECK_INT(send_body(s, RCPT1, 1, &res, &err), SMTP_OK);
	CHECK_STR(res.queue_id, "1rXyZa-0007Ab-QQ");
	CHECK_STR(res.reply, "250 OK id=1rXyZa-0007Ab-QQ");
	quit_and_check(s, &m, C_QUIT);
	CHECK_WIRE(m, golden);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* RFC 5321 3.2: an old server refuses EHLO; HELO is fine when nothing secure is wanted. */
static void test_helo_fallback(void)
{
	static const char golden[] = C_EHLO "HELO client.example\r\n" "MAIL FROM:<sender@example.org>\r\n"
		"RCPT TO:<a@example.net>\r\nDATA\r\n" BODY_WIRE;
	smtp_session_config_t c = cfg_plain();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;
	smtp_caps_t none;

	mem_init(&m);
	script_ehlo(&m, "502 5.5.2 Error: command not recognized\r\n");
	mem_expect(&m, "HELO client.example\r\n");
	mem_send(&m, "250 mx.example.net\r\n");
	mem_expect(&m, "MAIL FROM:<sender@example.org>\r\n");
	mem_send(&m, "250 Ok\r\n");
	mem_expect(&m, "RCPT TO:<a@example.net>\r\n");
	mem_send(&m, "250 Ok\r\n");
	mem_expect(&m, "DATA\r\n");
	mem_send(&m, "354 go\r\n");
	mem_expect(&m, BODY_WIRE);
	mem_send(&m, "250 Ok\r\n");

	s = smtp_session_new(&c, &t);
	CHECK_INT(smtp_session_open(s, &err), SMTP_OK);
	memset(&none, 0, sizeof(none));
	CHECK(memcmp(smtp_session_caps(s), &none, sizeof(none)) == 0);
	smtp_send_result_init(&res);
	CHECK_INT(send_body(s, RCPT1, 1, &res, &err), SMTP_OK);
	CHECK_INT(res.accepted, 1);
	CHECK_STR(res.queue_id, "");
	CHECK_STR(res.reply, "250 Ok");
	CHECK_WIRE(m, golden);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* No HELO when TLS or AUTH is needed (HELO would talk us out of both), nor
 * after a 4xx to EHLO. */
static void test_no_helo_fallback(void)
{
	static const char golden[] = C_EHLO C_QUIT;
	int k;

	for (k = 0; k < 3; k++) {
		smtp_session_config_t c = k == 0 ? cfg_starttls() : cfg_plain();
		mem_transport_t m;
		smtp_transport_t t = mem_transport(&m);
		smtp_session_t *s;
		smtp_error_t err;

		if (k == 1) {
			c.user = "alice";
			c.password = PASSWORD;
			c.allow_cleartext_auth = true;
		}
		mem_init(&m);
		script_ehlo(&m, k == 2 ? "421 4.3.2 Service shutting down\r\n" : "502 5.5.2 Error: command not recognized\r\n");
		/* RFC 5321 3.8: a server that said 421 is closing: no QUIT to it. */
		if (k != 2) {
			mem_expect(&m, C_QUIT);
		}

		s = smtp_session_new(&c, &t);
		CHECK_INT(smtp_session_open(s, &err), SMTP_E_REPLY);
		CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_EHLO, k == 2 ? 421 : 502);
		CHECK_STR(err.enhanced, k == 2 ? "4.3.2" : "5.5.2");
		CHECK_HAS(err.message, "refused EHLO");
		CHECK_INT(smtp_error_is_transient(&err), k == 2);
		check_dead(s, &m);
		quit_and_check(s, &m, k == 2 ? "" : C_QUIT);
		if (k == 2) {
			CHECK_WIRE(m, C_EHLO);
		} else {
			CHECK_WIRE(m, golden);
		}
		END_SESSION(s, m);
	}
}

/* STARTTLS required but not offered: nothing but QUIT after EHLO. */
static void test_starttls_not_offered(void)
{
	static const char golden[] = C_EHLO C_QUIT;
	smtp_session_config_t c = cfg_starttls();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;

	mem_init(&m);
	script_ehlo(&m, "250-mx.example.net\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n");
	mem_expect(&m, C_QUIT);

	s = smtp_session_new(&c, &t);
	CHECK_INT(smtp_session_open(s, &err), SMTP_E_TLS);
	CHECK_ERR(err, SMTP_E_TLS, SMTP_STAGE_TLS, 0);
	CHECK_HAS(err.message, "does not offer STARTTLS");
	CHECK(!smtp_session_is_tls(s));
	CHECK_INT(m.starttls_calls, 0);
	check_dead(s, &m);
	CHECK_INT(smtp_session_open(s, &err), SMTP_E_STATE);
	CHECK_INT(m.writes, 1);
	quit_and_check(s, &m, C_QUIT);
	CHECK_WIRE(m, golden);
	END_SESSION(s, m);
}

static void test_starttls_refused(void)
{
	static const char golden[] = C_EHLO "STARTTLS\r\n" C_QUIT;
	smtp_session_config_t c = cfg_starttls();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;

	mem_init(&m);
	script_ehlo(&m, "250-mx.example.net\r\n250 STARTTLS\r\n");
	mem_expect(&m, "STARTTLS\r\n");
	mem_send(&m, "454 4.7.0 TLS not available due to local problem\r\n");
	mem_expect(&m, C_QUIT);

	s = smtp_session_new(&c, &t);
	CHECK_INT(smtp_session_open(s, &err), SMTP_E_TLS);
	CHECK_ERR(err, SMTP_E_TLS, SMTP_STAGE_TLS, 454);
	CHECK_HAS(err.message, "refused STARTTLS: 454 4.7.0 TLS not available due to local problem");
	CHECK_INT(m.starttls_calls, 0);
	check_dead(s, &m);
	quit_and_check(s, &m, C_QUIT);
	CHECK_WIRE(m, golden);
	END_SESSION(s, m);
}

/* CVE-2021-22947 style: plaintext queued behind the 220 must not be read as
 * if it came through TLS. k = 0: in the same read; k = 1: reported by
 * pending() (the parser holds nothing extra). The handshake is never tried,
 * and no QUIT follows (the dialogue is out of step). */
static void test_starttls_injection(void)
{
	static const char golden[] = C_EHLO "STARTTLS\r\n";
	int k;

	for (k = 0; k < 2; k++) {
		smtp_session_config_t c = cfg_starttls();
		mem_transport_t m;
		smtp_transport_t t = mem_transport(&m);
		smtp_session_t *s;
		smtp_error_t err;

		mem_init(&m);
		script_ehlo(&m, "250-mx.example.net\r\n250 STARTTLS\r\n");
		mem_expect(&m, "STARTTLS\r\n");
		if (k == 0) {
			mem_send(&m, "220 go ahead\r\n250-mx.example.net\r\n250 AUTH PLAIN\r\n");
		} else {
			mem_send(&m, "220 go ahead\r\n");
			mem_send(&m, "250-mx.example.net\r\n250 AUTH PLAIN\r\n");
		}
		s = smtp_session_new(&c, &t);
		CHECK_INT(smtp_session_open(s, &err), SMTP_E_PROTOCOL);
		CHECK_ERR(err, SMTP_E_PROTOCOL, SMTP_STAGE_TLS, 0);
		CHECK_HAS(err.message, "injection");
		CHECK_INT(m.starttls_calls, 0);
		CHECK(!smtp_session_is_tls(s));
		if (k == 1) {
			CHECK(m.pending_calls >= 1);
			CHECK_INT(mem_steps_left(&m), 1);
			m.cur = m.nsteps;
		}
		check_dead(s, &m);
		quit_and_check(s, &m, "");
		CHECK_WIRE(m, golden);
		END_SESSION(s, m);
	}
}

/* The handshake itself fails (say, the certificate): no QUIT in the clear. */
static void test_starttls_handshake_fails(void)
{
	static const char golden[] = C_EHLO "STARTTLS\r\n<<STARTTLS FAILED>>";
	smtp_session_config_t c = cfg_starttls();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;

	mem_init(&m);
	script_ehlo(&m, "250-mx.example.net\r\n250 STARTTLS\r\n");
	mem_expect(&m, "STARTTLS\r\n");
	mem_send(&m, "220 go ahead\r\n");
	mem_tls_fail(&m);

	s = smtp_session_new(&c, &t);
	CHECK_INT(smtp_session_open(s, &err), SMTP_E_TLS);
	CHECK_ERR(err, SMTP_E_TLS, SMTP_STAGE_TLS, 0);
	CHECK_HAS(err.message, "certificate verify failed");
	CHECK(!smtp_session_is_tls(s));
	check_dead(s, &m);
	quit_and_check(s, &m, "");
	CHECK_WIRE(m, golden);
	END_SESSION(s, m);
}

/* Runs one AUTH dialogue over implicit TLS: `script` fills the steps after EHLO. */
typedef struct {
	const char *user, *password, *token;
	const char *ehlo;
	const char *const *steps;   /* alternating client line, server reply; NULL-terminated */
	const char *golden;         /* client bytes after EHLO */
	smtp_rc_t rc;
	unsigned mech;
} auth_case_t;

static void run_auth(const auth_case_t *ac, smtp_error_t *err, bool expect_quit)
{
	smtp_session_config_t c = cfg_implicit();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	size_t k;

	c.user = ac->user;
	c.password = ac->password;
	c.oauth_token = ac->token;
	mem_init(&m);
	script_ehlo(&m, ac->ehlo);
	for (k = 0; ac->steps[k] != NULL; k += 2) {
		mem_expect(&m, ac->steps[k]);
		mem_send(&m, ac->steps[k + 1]);
	}
	if (expect_quit) {
		mem_expect(&m, C_QUIT);
	}
	s = smtp_session_new(&c, &t);
	CHECK_INT(smtp_session_open(s, err), ac->rc);
	CHECK_INT(smtp_session_auth_mech(s), ac->mech);
	CHECK_INT(smtp_session_is_usable(s), ac->rc == SMTP_OK);
	quit_and_check(s, &m, expect_quit ? C_QUIT : "");
	CHECK(m.out_len >= strlen(C_EHLO) && memcmp(m.out, C_EHLO, strlen(C_EHLO)) == 0);
	CHECK_MEM(m.out + strlen(C_EHLO), m.out_len - strlen(C_EHLO) - (expect_quit ? strlen(C_QUIT) : 0),
	          ac->golden, strlen(ac->golden));
	END_SESSION(s, m);
}

static void test_auth_login(void)
{
	static const char *const steps[] = {
		"AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n",
		"YWxpY2U=\r\n", "334 UGFzc3dvcmQ6\r\n",
		PASSWORD_B64 "\r\n", "235 2.7.0 Authentication successful\r\n", NULL
	};
	auth_case_t ac = { "alice", PASSWORD, NULL, "250-mx.example.net\r\n250 AUTH LOGIN\r\n", steps,
	                   "AUTH LOGIN\r\nYWxpY2U=\r\n" PASSWORD_B64 "\r\n", SMTP_OK, SMTP_AUTH_LOGIN };
	smtp_error_t err;

	run_auth(&ac, &err, true);
}

/* RFC 2195 2: the example challenge and response, verbatim. Inside TLS it is
 * the last choice (PLAIN costs one round trip less), so the server offers only it. */
static void test_auth_cram_md5(void)
{
	static const char *const steps[] = {
		"AUTH CRAM-MD5\r\n", "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n",
		"dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n", "235 Authentication successful\r\n", NULL
	};
	auth_case_t ac = { "tim", "tanstaaftanstaaf", NULL, "250-mx.example.net\r\n250 AUTH CRAM-MD5\r\n",
	                   steps, "AUTH CRAM-MD5\r\ndGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n",
	                   SMTP_OK, SMTP_AUTH_CRAM_MD5 };
	smtp_error_t err;

	run_auth(&ac, &err, true);
}

#define XOAUTH2_B64 "dXNlcj1hbGljZUBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnQwa2VuAQE="
#define TOKEN "ya29.t0ken"
#define TOKEN_B64 "eWEyOS50MGtlbg=="

static void test_auth_xoauth2(void)
{
	static const char *const ok_steps[] = {
		"AUTH XOAUTH2 " XOAUTH2_B64 "\r\n", "235 2.7.0 Accepted\r\n", NULL
	};
	/* Google's failure: a 334 with a base64 JSON status, an empty client line, then 535. */
	static const char *const bad_steps[] = {
		"AUTH XOAUTH2 " XOAUTH2_B64 "\r\n",
		"334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==\r\n",
		"\r\n", "535-5.7.8 Username and Password not accepted. Learn more at\r\n"
		        "535 5.7.8  https://support.google.com/mail/?p=BadCredentials\r\n", NULL
	};
	auth_case_t ok = { "alice@example.com", NULL, TOKEN, "250-mx.example.net\r\n250 AUTH PLAIN LOGIN XOAUTH2\r\n",
	                   ok_steps, "AUTH XOAUTH2 " XOAUTH2_B64 "\r\n", SMTP_OK, SMTP_AUTH_XOAUTH2 };
	auth_case_t bad = { "alice@example.com", NULL, TOKEN, "250-mx.example.net\r\n250 AUTH XOAUTH2 PLAIN\r\n",
	                    bad_steps, "AUTH XOAUTH2 " XOAUTH2_B64 "\r\n\r\n", SMTP_E_REPLY, SMTP_AUTH_XOAUTH2 };
	smtp_error_t err;

	run_auth(&ok, &err, true);
	run_auth(&bad, &err, true);
	CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_AUTH, 535);
	CHECK_STR(err.enhanced, "5.7.8");
	CHECK_HAS(err.message, "alice@example.com");
	CHECK_HAS(err.message, "XOAUTH2");
	CHECK_HAS(err.message, "Username and Password not accepted");
	CHECK_HASNT(err.message, TOKEN);
	CHECK_HASNT(err.message, TOKEN_B64);
	CHECK_HASNT(err.message, XOAUTH2_B64);
	CHECK_HASNT(err.message, "eyJzdGF0dXMi");
	CHECK(!smtp_error_is_transient(&err));
}

#define OAUTHBEARER_B64 "bixhPWFsaWNlQGV4YW1wbGUuY29tLAFhdXRoPUJlYXJlciB5YTI5LnQwa2VuAQE="

/* RFC 7628: OAUTHBEARER when the server offers no XOAUTH2; its failure is a
 * 334 with a JSON status, answered by a single 0x01 ("AQ=="), then 535. */
static void test_auth_oauthbearer(void)
{
	static const char *const ok_steps[] = {
		"AUTH OAUTHBEARER " OAUTHBEARER_B64 "\r\n", "235 2.7.0 Accepted\r\n", NULL
	};
	static const char *const bad_steps[] = {
		"AUTH OAUTHBEARER " OAUTHBEARER_B64 "\r\n",
		"334 eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=\r\n",
		"AQ==\r\n", "535 5.7.8 Username and Password not accepted\r\n", NULL
	};
	auth_case_t ok = { "alice@example.com", NULL, TOKEN, "250-mx.example.net\r\n250 AUTH PLAIN OAUTHBEARER\r\n",
	                   ok_steps, "AUTH OAUTHBEARER " OAUTHBEARER_B64 "\r\n", SMTP_OK, SMTP_AUTH_OAUTHBEARER };
	auth_case_t bad = { "alice@example.com", NULL, TOKEN, "250-mx.example.net\r\n250 AUTH OAUTHBEARER\r\n",
	                    bad_steps, "AUTH OAUTHBEARER " OAUTHBEARER_B64 "\r\nAQ==\r\n", SMTP_E_REPLY,
	                    SMTP_AUTH_OAUTHBEARER };
	/* Both offered: XOAUTH2 first (Microsoft 365 has only it). */
	static const char *const both_steps[] = {
		"AUTH XOAUTH2 " XOAUTH2_B64 "\r\n", "235 2.7.0 Accepted\r\n", NULL
	};
	auth_case_t both = { "alice@example.com", NULL, TOKEN, "250-mx.example.net\r\n250 AUTH OAUTHBEARER XOAUTH2\r\n",
	                     both_steps, "AUTH XOAUTH2 " XOAUTH2_B64 "\r\n", SMTP_OK, SMTP_AUTH_XOAUTH2 };
	smtp_error_t err;
	smtp_buf_t b;

	run_auth(&ok, &err, true);
	run_auth(&bad, &err, true);
	CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_AUTH, 535);
	CHECK_HAS(err.message, "OAUTHBEARER");
	CHECK_HASNT(err.message, TOKEN);
	run_auth(&both, &err, true);
	/* RFC 5801 5.1 escaping of the authzid, and the host and port pairs. */
	smtp_buf_init(&b, 4096);
	CHECK_INT(smtp_sasl_oauthbearer(&b, "a=b,c@x", 7, "smtp.example.com", 587, "tok", 3, &err), SMTP_OK);
	CHECK_MEM(b.data, b.len, "bixhPWE9M0RiPTJDY0B4LAFob3N0PXNtdHAuZXhhbXBsZS5jb20BcG9ydD01ODcBYXV0aD1CZWFyZXIgdG9rAQE=", 88);
	smtp_buf_destroy(&b);
}

/* RFC 4954 4: an initial response that would make the AUTH line longer than
 * 512 octets (a Gmail service-account token is about 1 KB) goes alone, after
 * the server's empty 334 (Dovecot refuses the long line). */
static void test_auth_long_token(void)
{
	char token[1201], *golden, *line;
	const char *steps[5];
	smtp_buf_t b;
	smtp_error_t err;
	auth_case_t ac;
	size_t n;

	memset(token, 'T', 1200);
	token[1200] = '\0';
	smtp_buf_init(&b, 8192);
	CHECK_INT(smtp_sasl_xoauth2(&b, "alice@example.com", 17, token, 1200, &err), SMTP_OK);
	n = b.len;
	line = malloc(n + 3);
	memcpy(line, b.data, n);
	memcpy(line + n, "\r\n", 3);
	steps[0] = "AUTH XOAUTH2\r\n";
	steps[1] = "334 \r\n";
	steps[2] = line;
	steps[3] = "235 2.7.0 Accepted\r\n";
	steps[4] = NULL;
	golden = malloc(n + 32);
	snprintf(golden, n + 32, "AUTH XOAUTH2\r\n%s", line);
	ac.user = "alice@example.com";
	ac.password = NULL;
	ac.token = token;
	ac.ehlo = "250-mx.example.net\r\n250 AUTH XOAUTH2\r\n";
	ac.steps = steps;
	ac.golden = golden;
	ac.rc = SMTP_OK;
	ac.mech = SMTP_AUTH_XOAUTH2;
	run_auth(&ac, &err, true);
	free(line);
	free(golden);
	smtp_buf_destroy(&b);
}

/* 535: the user is named, the password never appears, plain or in base64. */
static void test_auth_535(void)
{
	static const char *const steps[] = {
		"AUTH PLAIN " PLAIN_B64 "\r\n", "535 5.7.8 Error: authentication failed: authentication failure\r\n", NULL
	};
	static const char *const temp_steps[] = {
		"AUTH PLAIN " PLAIN_B64 "\r\n", "454 4.7.0 Temporary authentication failure\r\n", NULL
	};
	auth_case_t ac = { "alice", PASSWORD, NULL, "250-mx.example.net\r\n250 AUTH PLAIN\r\n", steps,
	                   "AUTH PLAIN " PLAIN_B64 "\r\n", SMTP_E_REPLY, SMTP_AUTH_PLAIN };
	smtp_error_t err;

	run_auth(&ac, &err, true);
	CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_AUTH, 535);
	CHECK_STR(err.enhanced, "5.7.8");
	CHECK_STR(err.message, "authentication failed for user 'alice' with PLAIN: "
	                       "535 5.7.8 Error: authentication failed: authentication failure");
	CHECK_HASNT(err.message, PASSWORD);
	CHECK_HASNT(err.message, PASSWORD_B64);
	CHECK_HASNT(err.message, PLAIN_B64);
	CHECK(!smtp_error_is_transient(&err));

	ac.steps = temp_steps;
	run_auth(&ac, &err, true);
	CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_AUTH, 454);
	CHECK(smtp_error_is_transient(&err));

	/* LOGIN refused at its first step: nothing secret was sent. */
	{
		static const char *const login_steps[] = { "AUTH LOGIN\r\n", "504 5.5.4 Unrecognized authentication type\r\n", NULL };
		auth_case_t lc = { "alice", PASSWORD, NULL, "250-mx.example.net\r\n250 AUTH LOGIN\r\n", login_steps,
		                   "AUTH LOGIN\r\n", SMTP_E_REPLY, SMTP_AUTH_LOGIN };
		run_auth(&lc, &err, true);
		CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_AUTH, 504);
		CHECK_HASNT(err.message, PASSWORD);
	}
}

/* No usable mechanism: nothing sent after EHLO, QUIT still possible. */
static void test_auth_no_mechanism(void)
{
	static const char *const none[] = { NULL };
	auth_case_t gss = { "alice", PASSWORD, NULL, "250-mx.example.net\r\n250 AUTH GSSAPI NTLM\r\n", none, "",
	                    SMTP_E_AUTH, 0 };
	auth_case_t noauth = { "alice", PASSWORD, NULL, "250-mx.example.net\r\n250 PIPELINING\r\n", none, "",
	                       SMTP_E_AUTH, 0 };
	auth_case_t token = { "alice", NULL, TOKEN, "250-mx.example.net\r\n250 AUTH PLAIN LOGIN\r\n", none, "",
	                      SMTP_E_AUTH, 0 };
	smtp_error_t err;

	/* Mechanisms this client does not know are named, so the user sees the real problem. */
	run_auth(&gss, &err, true);
	CHECK_ERR(err, SMTP_E_AUTH, SMTP_STAGE_AUTH, 0);
	CHECK_HAS(err.message, "the server offers GSSAPI NTLM");
	run_auth(&noauth, &err, true);
	CHECK_ERR(err, SMTP_E_AUTH, SMTP_STAGE_AUTH, 0);
	CHECK_HAS(err.message, "offers no AUTH");
	run_auth(&token, &err, true);
	CHECK_ERR(err, SMTP_E_AUTH, SMTP_STAGE_AUTH, 0);
	CHECK_HAS(err.message, "the server offers PLAIN LOGIN");
	CHECK_HASNT(err.message, TOKEN);
}

/* Credentials go out in clear text only when the user explicitly allowed it. */
static void test_auth_cleartext(void)
{
	int allow;

	for (allow = 0; allow < 2; allow++) {
		smtp_session_config_t c = cfg_plain();
		mem_transport_t m;
		smtp_transport_t t = mem_transport(&m);
		smtp_session_t *s;
		smtp_error_t err;

		c.user = "alice";
		c.password = PASSWORD;
		c.allow_cleartext_auth = allow != 0;
		mem_init(&m);
		script_ehlo(&m, "250-mx.example.net\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n");
		if (allow) {
			mem_expect(&m, "AUTH PLAIN " PLAIN_B64 "\r\n");
			mem_send(&m, "235 2.7.0 Authentication successful\r\n");
		}
		s = smtp_session_new(&c, &t);
		CHECK_INT(smtp_session_open(s, &err), allow ? SMTP_OK : SMTP_E_AUTH);
		if (allow) {
			CHECK_WIRE(m, C_EHLO "AUTH PLAIN " PLAIN_B64 "\r\n");
			CHECK(smtp_session_is_usable(s));
		} else {
			CHECK_ERR(err, SMTP_E_AUTH, SMTP_STAGE_AUTH, 0);
			CHECK_HAS(err.message, "unencrypted");
			CHECK_WIRE(m, C_EHLO);
			CHECK_INT(m.starttls_calls, 0);
		}
		END_SESSION(s, m);
	}
}

/* 421 and 554 greetings: no EHLO; transient versus permanent; QUIT allowed. */
static void test_greeting_refused(void)
{
	int k;

	for (k = 0; k < 2; k++) {
		smtp_session_config_t c = cfg_starttls();
		mem_transport_t m;
		smtp_transport_t t = mem_transport(&m);
		smtp_session_t *s;
		smtp_error_t err;

		mem_init(&m);
		mem_send(&m, k == 0 ? "421 4.3.2 mx.example.net Service not available, closing channel\r\n"
		                    : "554-5.7.1 mx.example.net\r\n554 5.7.1 No SMTP service for you\r\n");
		/* RFC 5321 3.8: after a 421 the server closes the channel: no QUIT. */
		if (k != 0) {
			mem_expect(&m, C_QUIT);
		}
		s = smtp_session_new(&c, &t);
		CHECK_INT(smtp_session_open(s, &err), SMTP_E_REPLY);
		CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_GREETING, k == 0 ? 421 : 554);
		CHECK_STR(err.enhanced, k == 0 ? "4.3.2" : "5.7.1");
		CHECK_HAS(err.message, k == 0 ? "421 4.3.2 mx.example.net Service not available"
		                              : "554 5.7.1 mx.example.net / 5.7.1 No SMTP service for you");
		CHECK_INT(smtp_error_is_transient(&err), k == 0);
		CHECK_INT(m.out_len, 0);
		check_dead(s, &m);
		quit_and_check(s, &m, k == 0 ? "" : C_QUIT);
		END_SESSION(s, m);
	}
}

/* The server hangs up during the greeting; a timeout during EHLO. Neither
 * leaves the dialogue in step: no QUIT. */
static void test_greeting_closed_ehlo_timeout(void)
{
	int k;

	for (k = 0; k < 2; k++) {
		smtp_session_config_t c = cfg_starttls();
		mem_transport_t m;
		smtp_transport_t t = mem_transport(&m);
		smtp_session_t *s;
		smtp_error_t err;

		mem_init(&m);
		if (k == 0) {
			mem_send(&m, "220-mx.example.net ESMTP\r\n");
			mem_closed(&m);
		} else {
			mem_send(&m, GREETING);
			mem_expect(&m, C_EHLO);
			mem_send(&m, "250-mx.example.net\r\n");
			mem_timeout(&m);
		}
		s = smtp_session_new(&c, &t);
		CHECK_INT(smtp_session_open(s, &err), k == 0 ? SMTP_E_CLOSED : SMTP_E_TIMEOUT);
		CHECK_ERR(err, k == 0 ? SMTP_E_CLOSED : SMTP_E_TIMEOUT, k == 0 ? SMTP_STAGE_GREETING : SMTP_STAGE_EHLO, 0);
		CHECK_HAS(err.message, k == 0 ? "closed the connection" : "no reply from the server within 5000 ms");
		CHECK(smtp_error_is_transient(&err));
		check_dead(s, &m);
		quit_and_check(s, &m, "");
		CHECK_MEM(m.out, m.out_len, k == 0 ? "" : C_EHLO, k == 0 ? 0 : strlen(C_EHLO));
		END_SESSION(s, m);
	}
}

/* A greeting delivered one byte per read, and a malformed EHLO reply. */
static void test_greeting_trickle_and_garbage(void)
{
	static const char greeting[] = "220-mx.example.net ESMTP\r\n220 ready\r\n";
	smtp_session_config_t c = cfg_plain();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	size_t k;

	mem_init(&m);
	for (k = 0; k < sizeof(greeting) - 1; k++) {
		mem_send_n(&m, greeting + k, 1);
	}
	mem_expect(&m, C_EHLO);
	mem_send(&m, "250-mx.example.net\r\nHELLO THERE\r\n");
	s = smtp_session_new(&c, &t);
	CHECK_INT(smtp_session_open(s, &err), SMTP_E_PROTOCOL);
	CHECK_ERR(err, SMTP_E_PROTOCOL, SMTP_STAGE_EHLO, 0);
	CHECK_INT(m.reads, sizeof(greeting) - 1 + 1);
	check_dead(s, &m);
	quit_and_check(s, &m, "");
	CHECK_WIRE(m, C_EHLO);
	END_SESSION(s, m);
}

/* A write failure while sending EHLO. */
static void test_write_fails(void)
{
	smtp_session_config_t c = cfg_plain();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;

	mem_init(&m);
	mem_send(&m, GREETING);
	mem_write_fail(&m);
	s = smtp_session_new(&c, &t);
	CHECK_INT(smtp_session_open(s, &err), SMTP_E_IO);
	CHECK_ERR(err, SMTP_E_IO, SMTP_STAGE_EHLO, 0);
	CHECK(smtp_error_is_transient(&err));
	quit_and_check(s, &m, "");
	CHECK_INT(m.writes, 1);
	CHECK_INT(m.out_len, 0);
	END_SESSION(s, m);
}

#define EHLO_PIPE "250-mx.example.net\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n"
#define EHLO_NOPIPE "250-mx.example.net\r\n250 ENHANCEDSTATUSCODES\r\n"

/* An opened tls=none session over m, whose script starts with greeting and EHLO. */
static smtp_session_t *open_plain(mem_transport_t *m, smtp_transport_t *t)
{
	smtp_session_config_t c = cfg_plain();
	smtp_session_t *s = smtp_session_new(&c, t);
	smtp_error_t err;

	CHECK(s != NULL);
	CHECK_INT(smtp_session_open(s, &err), SMTP_OK);
	(void)m;
	return s;
}

#define R550B "550 5.1.1 <b@example.net>: Recipient address rejected: User unknown in virtual mailbox table"

/* Two of three recipients accepted: the message goes to them, the third is reported. */
static void test_rcpt_partial(void)
{
	static const char golden[] = C_EHLO ENVELOPE3 BODY_WIRE;
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;

	mem_init(&m);
	script_ehlo(&m, EHLO_PIPE);
	mem_expect(&m, ENVELOPE3);
	mem_send(&m, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" R550B "\r\n250 2.1.5 Ok\r\n" S_354);
	mem_expect(&m, BODY_WIRE);
	mem_send(&m, S_QUEUED);

	s = open_plain(&m, &t);
	smtp_send_result_init(&res);
	CHECK_INT(send_body(s, RCPT3, 3, &res, &err), SMTP_OK);
	CHECK_INT(res.nrcpts, 3);
	CHECK_INT(res.accepted, 2);
	CHECK_INT(res.rcpt[0].code, 250);
	CHECK_INT(res.rcpt[1].code, 550);
	CHECK_INT(res.rcpt[2].code, 250);
	CHECK_STR(res.rcpt[1].reply, R550B);
	CHECK_STR(res.rcpt[0].reply, "");
	CHECK_STR(res.rcpt[0].enhanced, "2.1.5");
	CHECK_STR(res.queue_id, "4ABC12");
	CHECK(smtp_session_is_usable(s));
	CHECK_WIRE(m, golden);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* Every recipient refused: no message body; the first refusal is the error. */
static void test_rcpt_all_refused(void)
{
	int pipelined;

	for (pipelined = 0; pipelined < 2; pipelined++) {
		mem_transport_t m;
		smtp_transport_t t = mem_transport(&m);
		smtp_session_t *s;
		smtp_error_t err;
		smtp_send_result_t res;

		mem_init(&m);
		script_ehlo(&m, pipelined ? EHLO_PIPE : EHLO_NOPIPE);
		if (pipelined) {
			mem_expect(&m, ENVELOPE3);
			mem_send(&m, "250 2.1.0 Ok\r\n550 5.1.1 <a@example.net>: User unknown\r\n" R550B "\r\n"
			             "450 4.2.0 <c@example.net>: Recipient address rejected: Greylisted\r\n"
			             "554 5.5.1 Error: no valid recipients\r\n");
		} else {
			mem_expect(&m, "MAIL FROM:<sender@example.org>\r\n");
			mem_send(&m, "250 2.1.0 Ok\r\n");
			mem_expect(&m, "RCPT TO:<a@example.net>\r\n");
			mem_send(&m, "550 5.1.1 <a@example.net>: User unknown\r\n");
			mem_expect(&m, "RCPT TO:<b@example.net>\r\n");
			mem_send(&m, R550B "\r\n");
			mem_expect(&m, "RCPT TO:<c@example.net>\r\n");
			mem_send(&m, "450 4.2.0 <c@example.net>: Recipient address rejected: Greylisted\r\n");
		}
		mem_expect(&m, C_QUIT);

		s = open_plain(&m, &t);
		smtp_send_result_init(&res);
		CHECK_INT(send_body(s, RCPT3, 3, &res, &err), SMTP_E_REPLY);
		CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_RCPT, 550);
		CHECK_STR(err.enhanced, "5.1.1");
		CHECK_STR(err.message, "the server refused all 3 recipients; first <a@example.net>: "
		                       "550 5.1.1 <a@example.net>: User unknown");
		CHECK_INT(res.accepted, 0);
		CHECK_INT(res.rcpt[2].code, 450);
		/* Each recipient keeps its reply's enhanced status. */
		CHECK_STR(res.rcpt[0].enhanced, "5.1.1");
		CHECK_STR(res.rcpt[2].enhanced, "4.2.0");
		CHECK(!res.data_sent);
		check_dead(s, &m);
		quit_and_check(s, &m, C_QUIT);
		if (pipelined) {
			CHECK_WIRE(m, C_EHLO ENVELOPE3 C_QUIT);
		} else {
			CHECK_WIRE(m, C_EHLO "MAIL FROM:<sender@example.org>\r\nRCPT TO:<a@example.net>\r\n"
			              "RCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\n" C_QUIT);
		}
		CHECK_INT(mem_finish(&m), 0);
		smtp_send_result_destroy(&res);
		smtp_session_free(s);
		mem_destroy(&m);
	}
}

/* A single refused recipient names it. */
static void test_rcpt_single_refused(void)
{
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;

	mem_init(&m);
	script_ehlo(&m, EHLO_PIPE);
	mem_expect(&m, ENVELOPE1);
	mem_send(&m, "250 2.1.0 Ok\r\n550 5.7.1 <a@example.net>: Relay access denied\r\n"
	             "554 5.5.1 Error: no valid recipients\r\n");
	s = open_plain(&m, &t);
	smtp_send_result_init(&res);
	CHECK_INT(send_body(s, RCPT1, 1, &res, &err), SMTP_E_REPLY);
	CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_RCPT, 550);
	CHECK_STR(err.enhanced, "5.7.1");
	CHECK_STR(err.message, "the server refused the recipient <a@example.net>: "
	                       "550 5.7.1 <a@example.net>: Relay access denied");
	CHECK_WIRE(m, C_EHLO ENVELOPE1);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* Pipelined, all recipients refused, yet DATA got 354: the message is not
 * sent, and the server now waits for data, so no QUIT either. */
static void test_rcpt_all_refused_data_354(void)
{
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;

	mem_init(&m);
	script_ehlo(&m, EHLO_PIPE);
	mem_expect(&m, ENVELOPE1);
	mem_send(&m, "250 2.1.0 Ok\r\n550 5.1.1 User unknown\r\n" S_354);
	s = open_plain(&m, &t);
	smtp_send_result_init(&res);
	CHECK_INT(send_body(s, RCPT1, 1, &res, &err), SMTP_E_REPLY);
	CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_RCPT, 550);
	CHECK(!res.data_sent);
	quit_and_check(s, &m, "");
	CHECK_WIRE(m, C_EHLO ENVELOPE1);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* MAIL FROM refused under PIPELINING: the RCPT and DATA replies are drained,
 * so QUIT still goes out and is answered; if draining fails, no QUIT. */
static void test_mail_refused_pipelined(void)
{
	int k;

	for (k = 0; k < 2; k++) {
		mem_transport_t m;
		smtp_transport_t t = mem_transport(&m);
		smtp_session_t *s;
		smtp_error_t err;
		smtp_send_result_t res;

		mem_init(&m);
		script_ehlo(&m, EHLO_PIPE);
		mem_expect(&m, ENVELOPE3);
		mem_send(&m, "553 5.7.1 <sender@example.org>: Sender address rejected: not owned by user alice\r\n"
		             "503 5.5.1 Error: need MAIL command\r\n503 5.5.1 Error: need MAIL command\r\n");
		if (k == 0) {
			mem_send(&m, "503 5.5.1 Error: need MAIL command\r\n503 5.5.1 Error: need RCPT command\r\n");
			mem_expect(&m, C_QUIT);
		} else {
			mem_closed(&m);
		}
		s = open_plain(&m, &t);
		smtp_send_result_init(&res);
		CHECK_INT(send_body(s, RCPT3, 3, &res, &err), SMTP_E_REPLY);
		CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_MAIL, 553);
		CHECK_STR(err.enhanced, "5.7.1");
		CHECK_HAS(err.message, "refused the sender: 553 5.7.1 <sender@example.org>: Sender address rejected");
		CHECK(!smtp_error_is_transient(&err));
		CHECK(!res.data_sent);
		check_dead(s, &m);
		quit_and_check(s, &m, k == 0 ? C_QUIT : "");
		if (k == 0) {
			CHECK_WIRE(m, C_EHLO ENVELOPE3 C_QUIT);
		} else {
			CHECK_WIRE(m, C_EHLO ENVELOPE3);
		}
		CHECK_INT(mem_finish(&m), 0);
		smtp_send_result_destroy(&res);
		smtp_session_free(s);
		mem_destroy(&m);
	}
}

/* pipeline_auth: AUTH PLAIN rides in the first transaction's pipelined group,
 * written with MAIL, RCPT and DATA at once. Then: 235 (sent); 535 with the rest
 * refused (an auth error, no body, QUIT); 503 to all (pipelining refused:
 * flagged for a retry, QUIT); 535 but a 354 to DATA (no body, no QUIT: the
 * server waits for one); a hang-up instead of AUTH's reply (flagged). */
static void test_auth_pipelined(void)
{
	static const char group[] = "AUTH PLAIN " PLAIN_B64 "\r\n" ENVELOPE1;
	int k;

	for (k = 0; k < 5; k++) {
		smtp_session_config_t c = cfg_implicit();
		mem_transport_t m;
		smtp_transport_t t = mem_transport(&m);
		smtp_session_t *s;
		smtp_error_t err;
		smtp_send_result_t res;
		unsigned writes;

		c.pipeline_auth = true;
		mem_init(&m);
		script_ehlo(&m, "250-mx.example.net\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n");
		mem_expect(&m, group);
		if (k == 0) {
			mem_send(&m, "235 2.7.0 Authentication successful\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" S_354);
			mem_expect(&m, BODY_WIRE);
			mem_send(&m, S_QUEUED);
		} else if (k == 1) {
			mem_send(&m, "535 5.7.8 Error: authentication failed\r\n530 5.7.0 Authentication required\r\n"
			             "530 5.7.0 Authentication required\r\n554 5.5.1 Error: no valid recipients\r\n");
		} else if (k == 2) {
			mem_send(&m, "503 5.5.0 Error: pipelining after AUTH\r\n503 5.5.1 Error: need AUTH\r\n"
			             "503 5.5.1 Error: need MAIL\r\n503 5.5.1 Error: need RCPT\r\n");
		} else if (k == 3) {
			mem_send(&m, "535 5.7.8 Error: authentication failed\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" S_354);
		} else {
			mem_closed(&m);
		}
		if (k != 3 && k != 4) {
			mem_expect(&m, C_QUIT);
		}
		s = smtp_session_new(&c, &t);
		CHECK_INT(smtp_session_open(s, &err), SMTP_OK);
		/* Opened without a write: AUTH waits for the envelope. */
		CHECK_INT(m.writes, 1);
		CHECK_INT(smtp_session_auth_mech(s), SMTP_AUTH_PLAIN);
		smtp_send_result_init(&res);
		writes = m.writes;
		CHECK_INT(send_body(s, RCPT1, 1, &res, &err), k == 0 ? SMTP_OK : k == 4 ? SMTP_E_CLOSED : SMTP_E_REPLY);
		CHECK_INT(m.writes - writes, k == 0 ? 2u : 1u);
		CHECK(k == 0 || !res.data_sent);
		CHECK(smtp_session_auth_pipeline_refused(s) == (k == 2 || k == 4));
		if (k == 1 || k == 3) {
			CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_AUTH, 535);
			CHECK_HAS(err.message, "authentication failed for user 'alice' with PLAIN: 535 5.7.8");
			CHECK_HASNT(err.message, PASSWORD);
		} else if (k == 2) {
			CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_AUTH, 503);
		}
		quit_and_check(s, &m, k == 3 || k == 4 ? "" : C_QUIT);
		CHECK_INT(mem_finish(&m), 0);
		smtp_send_result_destroy(&res);
		smtp_session_free(s);
		mem_destroy(&m);
	}
}

/* pipeline_auth with a mechanism that needs the server's challenge (LOGIN):
 * AUTH in round trips of its own while opening, as without the setting. */
static void test_auth_pipelined_login(void)
{
	smtp_session_config_t c = cfg_implicit();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;

	c.pipeline_auth = true;
	c.auth_allowed = SMTP_AUTH_LOGIN;
	mem_init(&m);
	script_ehlo(&m, "250-mx.example.net\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n");
	mem_expect(&m, "AUTH LOGIN\r\n");
	mem_send(&m, "334 VXNlcm5hbWU6\r\n");
	mem_expect(&m, "YWxpY2U=\r\n");
	mem_send(&m, "334 UGFzc3dvcmQ6\r\n");
	mem_expect(&m, PASSWORD_B64 "\r\n");
	mem_send(&m, "235 2.7.0 Authentication successful\r\n");
	mem_expect(&m, C_QUIT);
	s = smtp_session_new(&c, &t);
	CHECK_INT(smtp_session_open(s, &err), SMTP_OK);
	quit_and_check(s, &m, C_QUIT);
	END_SESSION(s, m);
}

/* MAIL FROM refused without pipelining: nothing else is sent. */
static void test_mail_refused_plain(void)
{
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;

	mem_init(&m);
	script_ehlo(&m, EHLO_NOPIPE);
	mem_expect(&m, "MAIL FROM:<sender@example.org>\r\n");
	mem_send(&m, "451 4.3.0 Temporary lookup failure\r\n");
	mem_expect(&m, C_QUIT);
	s = open_plain(&m, &t);
	smtp_send_result_init(&res);
	CHECK_INT(send_body(s, RCPT3, 3, &res, &err), SMTP_E_REPLY);
	CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_MAIL, 451);
	CHECK(smtp_error_is_transient(&err));
	quit_and_check(s, &m, C_QUIT);
	CHECK_WIRE(m, C_EHLO "MAIL FROM:<sender@example.org>\r\n" C_QUIT);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* DATA answered 250: the server is not reading a message, so it is not sent. */
static void test_data_250(void)
{
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;

	mem_init(&m);
	script_ehlo(&m, EHLO_PIPE);
	mem_expect(&m, ENVELOPE1);
	mem_send(&m, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok\r\n");
	s = open_plain(&m, &t);
	smtp_send_result_init(&res);
	CHECK_INT(send_body(s, RCPT1, 1, &res, &err), SMTP_E_PROTOCOL);
	CHECK_ERR(err, SMTP_E_PROTOCOL, SMTP_STAGE_DATA, 250);
	CHECK_HAS(err.message, "instead of 354");
	CHECK(!res.data_sent);
	check_dead(s, &m);
	quit_and_check(s, &m, "");
	CHECK_WIRE(m, C_EHLO ENVELOPE1);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* DATA refused with 554: stage data, QUIT still possible. */
static void test_data_554(void)
{
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;

	mem_init(&m);
	script_ehlo(&m, EHLO_PIPE);
	mem_expect(&m, ENVELOPE1);
	mem_send(&m, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n554 5.3.0 Transaction failed\r\n");
	mem_expect(&m, C_QUIT);
	s = open_plain(&m, &t);
	smtp_send_result_init(&res);
	CHECK_INT(send_body(s, RCPT1, 1, &res, &err), SMTP_E_REPLY);
	CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_DATA, 554);
	CHECK_STR(err.enhanced, "5.3.0");
	CHECK_HAS(err.message, "554 5.3.0 Transaction failed");
	CHECK_INT(res.accepted, 1);
	CHECK(!res.data_sent);
	quit_and_check(s, &m, C_QUIT);
	CHECK_WIRE(m, C_EHLO ENVELOPE1 C_QUIT);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* The reply to the final dot is lost (k=0 closed, k=1 timeout): the outcome is
 * unknown, which data_sent tells; no QUIT. */
static void test_final_reply_lost(void)
{
	int k;

	for (k = 0; k < 2; k++) {
		mem_transport_t m;
		smtp_transport_t t = mem_transport(&m);
		smtp_session_t *s;
		smtp_error_t err;
		smtp_send_result_t res;

		mem_init(&m);
		script_ehlo(&m, EHLO_PIPE);
		mem_expect(&m, ENVELOPE1);
		mem_send(&m, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" S_354);
		mem_expect(&m, BODY_WIRE);
		if (k == 0) {
			mem_closed(&m);
		} else {
			mem_send(&m, "250 2.0.0 Ok: que");
			mem_timeout(&m);
		}
		s = open_plain(&m, &t);
		smtp_send_result_init(&res);
		CHECK_INT(send_body(s, RCPT1, 1, &res, &err), k == 0 ? SMTP_E_CLOSED : SMTP_E_TIMEOUT);
		CHECK_ERR(err, k == 0 ? SMTP_E_CLOSED : SMTP_E_TIMEOUT, SMTP_STAGE_DATA, 0);
		CHECK(res.data_sent);
		CHECK_INT(res.code, 0);
		check_dead(s, &m);
		quit_and_check(s, &m, "");
		CHECK_WIRE(m, C_EHLO ENVELOPE1 BODY_WIRE);
		CHECK_INT(mem_finish(&m), 0);
		smtp_send_result_destroy(&res);
		smtp_session_free(s);
		mem_destroy(&m);
	}
}

/* The message refused after the final dot. */
static void test_final_552(void)
{
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;

	mem_init(&m);
	script_ehlo(&m, EHLO_PIPE);
	mem_expect(&m, ENVELOPE1);
	mem_send(&m, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" S_354);
	mem_expect(&m, BODY_WIRE);
	mem_send(&m, "552 5.3.4 Error: message file too big\r\n");
	mem_expect(&m, C_QUIT);
	s = open_plain(&m, &t);
	smtp_send_result_init(&res);
	CHECK_INT(send_body(s, RCPT1, 1, &res, &err), SMTP_E_REPLY);
	CHECK_ERR(err, SMTP_E_REPLY, SMTP_STAGE_DATA, 552);
	CHECK_STR(err.enhanced, "5.3.4");
	CHECK_STR(err.message, "the server refused the message: 552 5.3.4 Error: message file too big");
	CHECK_INT(res.code, 552);
	CHECK_STR(res.reply, "552 5.3.4 Error: message file too big");
	CHECK_STR(res.queue_id, "");
	CHECK(res.data_sent);
	quit_and_check(s, &m, C_QUIT);
	CHECK_WIRE(m, C_EHLO ENVELOPE1 BODY_WIRE C_QUIT);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* A write of the message body fails: stage data, no final dot, no QUIT. */
static void test_body_write_fails(void)
{
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;

	mem_init(&m);
	script_ehlo(&m, EHLO_PIPE);
	mem_expect(&m, ENVELOPE1);
	mem_send(&m, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" S_354);
	mem_write_fail(&m);
	s = open_plain(&m, &t);
	smtp_send_result_init(&res);
	CHECK_INT(send_body(s, RCPT1, 1, &res, &err), SMTP_E_IO);
	CHECK_ERR(err, SMTP_E_IO, SMTP_STAGE_DATA, 0);
	CHECK(!res.data_sent);
	quit_and_check(s, &m, "");
	CHECK_WIRE(m, C_EHLO ENVELOPE1);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* A line over 998 octets (RFC 5321 4.5.3.1.6) found while streaming: the data
 * is never ended with a final dot, so the server cannot take a truncated
 * message; the session is dead and out of step. */
static void test_body_line_too_long(void)
{
	static char line[1100];
	smtp_piece_t p[2];
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;

	memset(line, 'y', sizeof(line));
	p[0].data = "Subject: long\r\n\r\n";
	p[0].len = strlen(p[0].data);
	p[1].data = line;
	p[1].len = 999;
	mem_init(&m);
	script_ehlo(&m, EHLO_PIPE);
	mem_expect(&m, ENVELOPE1);
	mem_send(&m, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" S_354);
	s = open_plain(&m, &t);
	smtp_send_result_init(&res);
	CHECK_INT(smtp_session_send(s, "sender@example.org", RCPT1, 1, NULL, p, 2, &res, &err), SMTP_E_LIMIT);
	CHECK_INT(err.rc, SMTP_E_LIMIT);
	CHECK_INT(err.stage, SMTP_STAGE_DATA);
	CHECK(!res.data_sent);
	check_dead(s, &m);
	quit_and_check(s, &m, "");
	CHECK_WIRE(m, C_EHLO ENVELOPE1);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* RFC 1870: a message over the announced SIZE is refused before MAIL; one of
 * exactly that size goes out. */
static void test_size_limit(void)
{
	char big[101];
	smtp_piece_t p;
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;
	static char wire[200];
	size_t wl;

	memset(big, 'x', sizeof(big));
	big[48] = '\r';
	big[49] = '\n';
	big[98] = '\r';
	big[99] = '\n';
	wl = 0;
	memcpy(wire + wl, big, 100);
	wl += 100;
	memcpy(wire + wl, ".\r\n", 3);
	wl += 3;

	mem_init(&m);
	script_ehlo(&m, "250-mx.example.net\r\n250-PIPELINING\r\n250 SIZE 100\r\n");
	/* RFC 1870: the size is declared; with no info, the pieces' total. */
	mem_expect(&m, "MAIL FROM:<sender@example.org> SIZE=100\r\nRCPT TO:<a@example.net>\r\nDATA\r\n");
	mem_send(&m, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" S_354);
	mem_expect_n(&m, wire, wl);
	mem_send(&m, S_QUEUED);
	mem_expect(&m, C_QUIT);
	s = open_plain(&m, &t);
	CHECK_INT(smtp_session_caps(s)->size, 100);
	smtp_send_result_init(&res);
	p.data = big;
	p.len = 100;
	CHECK_INT(smtp_session_send(s, "sender@example.org", RCPT1, 1, NULL, &p, 1, &res, &err), SMTP_OK);
	p.len = 101;
	CHECK_INT(smtp_session_send(s, "sender@example.org", RCPT1, 1, NULL, &p, 1, &res, &err), SMTP_E_LIMIT);
	CHECK_INT(err.rc, SMTP_E_LIMIT);
	CHECK_INT(err.stage, SMTP_STAGE_MAIL);
	CHECK_HAS(err.message, "101 bytes exceeds the server's size limit of 100 bytes");
	CHECK(!smtp_error_is_transient(&err));
	CHECK_INT(m.writes, 3);
	check_dead(s, &m);
	quit_and_check(s, &m, C_QUIT);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* CR or LF in an address: SMTP_E_ARG and that command is never written. */
static void test_crlf_in_address(void)
{
	static const char *const evil_rcpts[] = { "a@example.net", "b@example.net\r\nRCPT TO:<evil@x>",
	                                          "c@example.net" };
	static const char *const lf_rcpts[] = { "a@example.net", "b@example.net", "c@example.net\nDATA" };
	int k;

	for (k = 0; k < 3; k++) {
		mem_transport_t m;
		smtp_transport_t t = mem_transport(&m);
		smtp_session_t *s;
		smtp_error_t err;
		smtp_send_result_t res;
		smtp_rc_t rc;

		mem_init(&m);
		/* k=0: the sender, pipelined; k=1: a recipient, pipelined (MAIL is not
		 * sent either); k=2: a recipient, not pipelined (MAIL and the first
		 * RCPT went out and were answered). */
		script_ehlo(&m, k == 2 ? EHLO_NOPIPE : EHLO_PIPE);
		if (k == 2) {
			mem_expect(&m, "MAIL FROM:<sender@example.org>\r\n");
			mem_send(&m, "250 Ok\r\n");
			mem_expect(&m, "RCPT TO:<a@example.net>\r\n");
			mem_send(&m, "250 Ok\r\n");
		}
		mem_expect(&m, C_QUIT);
		s = open_plain(&m, &t);
		smtp_send_result_init(&res);
		if (k == 0) {
			rc = smtp_session_send(s, "sender@example.org>\r\nRSET\r\nMAIL FROM:<x", RCPT1, 1, NULL, BODY_PIECES, 1,
			                       &res, &err);
		} else {
			rc = send_body(s, k == 1 ? lf_rcpts : evil_rcpts, 3, &res, &err);
		}
		CHECK_INT(rc, SMTP_E_ARG);
		CHECK_INT(err.rc, SMTP_E_ARG);
		CHECK_INT(err.stage, k == 0 ? SMTP_STAGE_MAIL : SMTP_STAGE_RCPT);
		CHECK_HAS(err.message, "CR, LF or NUL");
		check_dead(s, &m);
		quit_and_check(s, &m, C_QUIT);
		if (k == 2) {
			CHECK_WIRE(m, C_EHLO "MAIL FROM:<sender@example.org>\r\nRCPT TO:<a@example.net>\r\n" C_QUIT);
		} else {
			CHECK_WIRE(m, C_EHLO C_QUIT);
		}
		CHECK_INT(mem_finish(&m), 0);
		smtp_send_result_destroy(&res);
		smtp_session_free(s);
		mem_destroy(&m);
	}
}

/* CR or LF in the HELO name: EHLO is never written. */
static void test_crlf_in_helo(void)
{
	smtp_session_config_t c = cfg_plain();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;

	c.helo = "client.example\r\nMAIL FROM:<spam@x>";
	mem_init(&m);
	mem_send(&m, GREETING);
	s = smtp_session_new(&c, &t);
	CHECK_INT(smtp_session_open(s, &err), SMTP_E_ARG);
	CHECK_INT(err.rc, SMTP_E_ARG);
	CHECK_INT(err.stage, SMTP_STAGE_EHLO);
	CHECK_HAS(err.message, "CR, LF or NUL");
	CHECK_INT(m.writes, 0);
	check_dead(s, &m);
	smtp_session_quit(s);
	CHECK_INT(m.out_len, 0);
	END_SESSION(s, m);
}

/* An address longer than a command line allows. */
static void test_address_too_long(void)
{
	static char addr[600];
	const char *rcpts[1];
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;

	memset(addr, 'a', sizeof(addr) - 1);
	addr[sizeof(addr) - 1] = '\0';
	addr[300] = '@';
	rcpts[0] = addr;
	mem_init(&m);
	script_ehlo(&m, EHLO_PIPE);
	s = open_plain(&m, &t);
	smtp_send_result_init(&res);
	CHECK_INT(send_body(s, rcpts, 1, &res, &err), SMTP_E_LIMIT);
	CHECK_INT(err.stage, SMTP_STAGE_RCPT);
	CHECK_WIRE(m, C_EHLO);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

/* A session not opened, or opened twice; NULL frees. */
static void test_state(void)
{
	smtp_session_config_t c = cfg_plain();
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;

	smtp_session_free(NULL);
	smtp_send_result_destroy(NULL);
	c.helo = NULL;
	CHECK(smtp_session_new(&c, &t) == NULL);
	c.helo = "";
	CHECK(smtp_session_new(&c, &t) == NULL);
	c = cfg_plain();

	mem_init(&m);
	script_ehlo(&m, EHLO_PIPE);
	s = smtp_session_new(&c, &t);
	smtp_send_result_init(&res);
	CHECK_INT(send_body(s, RCPT1, 1, &res, &err), SMTP_E_STATE);
	CHECK_INT(err.rc, SMTP_E_STATE);
	CHECK_INT(smtp_session_open(s, &err), SMTP_OK);
	CHECK_INT(smtp_session_open(s, &err), SMTP_E_STATE);
	CHECK(smtp_session_is_usable(s));
	CHECK_INT(send_body(s, RCPT1, 0, &res, &err), SMTP_E_ARG);
	CHECK_INT(err.stage, SMTP_STAGE_MESSAGE);
	CHECK_WIRE(m, C_EHLO);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);

	/* quit on a session never opened sends nothing. */
	mem_init(&m);
	s = smtp_session_new(&c, &t);
	smtp_session_quit(s);
	CHECK_INT(m.writes, 0);
	END_SESSION(s, m);
}

/* A 1 MB message with long lines, many lines, lines of dots, in pieces split
 * at awkward places: it goes out streamed in bounded writes and, with the
 * dot-stuffing undone, is exactly the input. */
#define LARGE_MIN (1024u * 1024u)

static uint32_t lcg(uint32_t *st)
{
	*st = *st * 1103515245u + 12345u;
	return *st >> 8;
}

static void test_large_body(void)
{
	char *msg = malloc(LARGE_MIN + 4096), *stuffed = malloc(2 * LARGE_MIN + 8192), *back;
	char envelope[160];
	size_t mlen = 0, slen = 0, blen, i, npieces = 0, off;
	smtp_piece_t pieces[64];
	uint32_t st = 12345;
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;
	unsigned k;
	bool writes_ok = true, bol;

	if (msg == NULL || stuffed == NULL) {
		CHECK(0);
		free(msg);
		free(stuffed);
		return;
	}
	while (mlen < LARGE_MIN) {
		uint32_t kind = lcg(&st) % 8, len = lcg(&st) % 999;
		size_t start = mlen;
		if (kind == 0) {
			len = 0;
		} else if (kind == 1) {
			msg[mlen++] = '.';
			len = lcg(&st) % 3;
			memset(msg + mlen, '.', len);
		} else if (kind == 2) {
			/* A long run of one byte, as long as a line may be. */
			len = 998;
			memset(msg + mlen, 'A' + (int)(lcg(&st) % 26), len);
		} else {
			for (i = 0; i < len; i++) {
				msg[mlen + i] = (char)(' ' + lcg(&st) % 95);
			}
		}
		mlen += len;
		if (mlen - start > 998) {
			mlen = start + 998;
		}
		msg[mlen++] = '\r';
		msg[mlen++] = '\n';
	}
	/* What the server must receive, stuffed independently of smtp_canon. */
	bol = true;
	for (i = 0; i < mlen; i++) {
		if (bol && msg[i] == '.') {
			stuffed[slen++] = '.';
		}
		stuffed[slen++] = msg[i];
		bol = msg[i] == '\n';
	}
	memcpy(stuffed + slen, ".\r\n", 3);
	slen += 3;
	/* Pieces of odd sizes, one boundary between a CR and its LF. */
	for (off = 0; off < mlen && npieces < 63; npieces++) {
		size_t n = npieces == 0 ? 1 : (npieces % 3 == 0 ? 7 : 65536 + 13 * npieces);
		if (npieces == 5) {
			const char *cr = memchr(msg + off, '\r', mlen - off);
			n = cr != NULL ? (size_t)(cr - (msg + off)) + 1 : n;
		}
		if (n > mlen - off) {
			n = mlen - off;
		}
		pieces[npieces].data = msg + off;
		pieces[npieces].len = n;
		off += n;
	}
	pieces[npieces].data = msg + off;
	pieces[npieces].len = mlen - off;
	npieces++;

	mem_init(&m);
	script_ehlo(&m, "250-mx.example.net\r\n250-PIPELINING\r\n250 SIZE 20000000\r\n");
	snprintf(envelope, sizeof(envelope), "MAIL FROM:<sender@example.org> SIZE=%zu\r\nRCPT TO:<a@example.net>\r\nDATA\r\n",
	         mlen);
	mem_expect(&m, envelope);
	mem_send(&m, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" S_354);
	mem_expect_n(&m, stuffed, slen);
	mem_send(&m, "250 2.0.0 Ok: queued as BIG1\r\n");
	s = open_plain(&m, &t);
	smtp_send_result_init(&res);
	CHECK_INT(smtp_session_send(s, "sender@example.org", RCPT1, 1, NULL, pieces, npieces, &res, &err), SMTP_OK);
	CHECK_STR(res.queue_id, "BIG1");
	CHECK_INT(mem_finish(&m), 0);
	/* Streamed: several writes after the envelope, none over 64 KiB. */
	CHECK(m.writes >= 2 + LARGE_MIN / 65536);
	for (k = 2; k < m.writes; k++) {
		size_t wl;
		(void)mem_write_data(&m, k, &wl);
		writes_ok = writes_ok && wl > 0 && wl <= 65536;
	}
	CHECK(writes_ok);

	/* Undo the dot-stuffing on what was written after the envelope. */
	off = strlen(C_EHLO) + strlen(envelope);
	blen = m.out_len - off;
	back = malloc(blen + 1);
	if (back != NULL) {
		size_t n = 0;
		bool early_end = false;
		bol = true;
		CHECK(blen >= 3 && memcmp(m.out + m.out_len - 3, ".\r\n", 3) == 0);
		for (i = off; i + 3 < m.out_len; i++) {
			if (bol && m.out[i] == '.') {
				/* A lone "." line before the end would end the data early. */
				early_end = early_end || m.out[i + 1] == '\r';
				i++;
			}
			back[n++] = m.out[i];
			bol = m.out[i] == '\n';
		}
		CHECK(!early_end);
		CHECK_MEM(back, n, msg, mlen);
		free(back);
	}
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
	free(msg);
	free(stuffed);
}

/* MAIL FROM's parameters from the server's EHLO and what the caller knows. */
static void test_mail_params(void)
{
	smtp_caps_t caps;
	char out[SMTP_MAIL_PARAMS_MAX];

	memset(&caps, 0, sizeof(caps));
	smtp_session_mail_params(&caps, 1234, true, true, out);
	CHECK_STR(out, "");
	caps.size_announced = true;
	smtp_session_mail_params(&caps, 1234, true, true, out);
	CHECK_STR(out, " SIZE=1234");
	caps.eightbitmime = true;
	smtp_session_mail_params(&caps, 1234, false, false, out);
	CHECK_STR(out, " SIZE=1234");
	smtp_session_mail_params(&caps, 1234, true, false, out);
	CHECK_STR(out, " SIZE=1234 BODY=8BITMIME");
	caps.smtputf8 = true;
	smtp_session_mail_params(&caps, UINT64_MAX, true, true, out);
	CHECK_STR(out, " SIZE=18446744073709551615 BODY=8BITMIME SMTPUTF8");
	caps.size_announced = false;
	smtp_session_mail_params(&caps, 1, false, true, out);
	CHECK_STR(out, " SMTPUTF8");
}

#define EHLO_INTL "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
#define EHLO_ASCII "250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n"

/* RFC 6531: a UTF-8 address goes with SMTPUTF8 when offered, together with
 * the size and body type the caller stated; without SMTPUTF8 nothing is sent. */
static void test_smtputf8(void)
{
	static const char *const rcpt_utf8[] = { "a@example.net", "\xe7\x94\xa8\xe6\x88\xb7@xn--fsqu00a.xn--4rr70v" };
	static const smtp_piece_t body[] = { PIECE("Subject: x\r\n\r\nJ\xc3\xb6rg\r\n") };
	smtp_mail_info_t info = { 21, true };
	int offered;

	for (offered = 0; offered < 2; offered++) {
		mem_transport_t m;
		smtp_transport_t t = mem_transport(&m);
		smtp_session_t *s;
		smtp_error_t err;
		smtp_send_result_t res;
		unsigned writes;

		mem_init(&m);
		script_ehlo(&m, offered ? EHLO_INTL : EHLO_ASCII);
		if (offered) {
			mem_expect(&m, "MAIL FROM:<sender@example.org> SIZE=21 BODY=8BITMIME SMTPUTF8\r\n"
			               "RCPT TO:<a@example.net>\r\nRCPT TO:<\xe7\x94\xa8\xe6\x88\xb7@xn--fsqu00a.xn--4rr70v>\r\n"
			               "DATA\r\n");
			mem_send(&m, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n" S_354);
			mem_expect(&m, "Subject: x\r\n\r\nJ\xc3\xb6rg\r\n.\r\n");
			mem_send(&m, S_QUEUED);
		}
		mem_expect(&m, C_QUIT);
		s = open_plain(&m, &t);
		writes = m.writes;
		smtp_send_result_init(&res);
		if (offered) {
			CHECK_INT(smtp_session_send(s, "sender@example.org", rcpt_utf8, 2, &info, body, 1, &res, &err), SMTP_OK);
			CHECK_INT(res.accepted, 2);
			quit_and_check(s, &m, C_QUIT);
		} else {
			CHECK_INT(smtp_session_send(s, "sender@example.org", rcpt_utf8, 2, &info, body, 1, &res, &err),
			          SMTP_E_LIMIT);
			CHECK_ERR(err, SMTP_E_LIMIT, SMTP_STAGE_MAIL, 0);
			CHECK_STR(err.message, "the address <\xe7\x94\xa8\xe6\x88\xb7@xn--fsqu00a.xn--4rr70v> needs SMTPUTF8 "
			          "(RFC 6531: a non-ASCII local part, or a domain with no A-label form smtpmail can check), "
			          "which the server does not offer; nothing was sent");
			CHECK(!smtp_error_is_transient(&err));
			/* Not a byte of MAIL went out; the dialogue is in step for QUIT. */
			CHECK_INT(m.writes, writes);
			check_dead(s, &m);
			quit_and_check(s, &m, C_QUIT);
		}
		CHECK_INT(mem_finish(&m), 0);
		smtp_send_result_destroy(&res);
		smtp_session_free(s);
		mem_destroy(&m);
	}
}

/* A UTF-8 sender alone needs SMTPUTF8 too; an 8-bit body without 8BITMIME
 * on the server is not declared (it is sent as before). */
static void test_smtputf8_sender(void)
{
	static const smtp_piece_t body[] = { PIECE("x\xe9\n") };
	smtp_mail_info_t info = { 4, true };
	mem_transport_t m;
	smtp_transport_t t = mem_transport(&m);
	smtp_session_t *s;
	smtp_error_t err;
	smtp_send_result_t res;

	mem_init(&m);
	script_ehlo(&m, "250-mx.example.net\r\n250-PIPELINING\r\n250 SMTPUTF8\r\n");
	mem_expect(&m, "MAIL FROM:<j\xc3\xb6rg@example.org> SMTPUTF8\r\nRCPT TO:<a@example.net>\r\nDATA\r\n");
	mem_send(&m, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n" S_354);
	mem_expect(&m, "x\xe9\r\n.\r\n");
	mem_send(&m, S_QUEUED);
	s = open_plain(&m, &t);
	smtp_send_result_init(&res);
	CHECK_INT(smtp_session_send(s, "j\xc3\xb6rg@example.org", RCPT1, 1, &info, body, 1, &res, &err), SMTP_OK);
	CHECK_INT(mem_finish(&m), 0);
	smtp_send_result_destroy(&res);
	smtp_session_free(s);
	mem_destroy(&m);
}

int main(void)
{
	test_happy_starttls_plain_pipelined();
	test_starttls_forgets_auth();
	test_no_pipelining();
	test_implicit_tls();
	test_tls_none_no_auth();
	test_helo_fallback();
	test_no_helo_fallback();
	test_starttls_not_offered();
	test_starttls_refused();
	test_starttls_injection();
	test_starttls_handshake_fails();
	test_auth_login();
	test_auth_cram_md5();
	test_auth_xoauth2();
	test_auth_oauthbearer();
	test_auth_long_token();
	test_auth_535();
	test_auth_no_mechanism();
	test_auth_cleartext();
	test_greeting_refused();
	test_greeting_closed_ehlo_timeout();
	test_greeting_trickle_and_garbage();
	test_write_fails();
	test_rcpt_partial();
	test_rcpt_all_refused();
	test_rcpt_single_refused();
	test_rcpt_all_refused_data_354();
	test_mail_refused_pipelined();
	test_auth_pipelined();
	test_auth_pipelined_login();
	test_mail_refused_plain();
	test_data_250();
	test_data_554();
	test_final_reply_lost();
	test_final_552();
	test_body_write_fails();
	test_body_line_too_long();
	test_size_limit();
	test_mail_params();
	test_smtputf8();
	test_smtputf8_sender();
	test_crlf_in_address();
	test_crlf_in_helo();
	test_address_too_long();
	test_state();
	test_large_body();
	return check_report("session");
}
