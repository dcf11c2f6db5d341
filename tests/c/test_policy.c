/* test_policy.c: the delivery policy (smtp_core/smtp_policy.c), one table of
 * (error, attempt state) -> verdict per path: a first send, a flusher's retry. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "smtp_policy.h"

#define NOW 2000000000u

static smtp_error_t make_err(smtp_rc_t rc, smtp_stage_t stage, int code)
{
	smtp_error_t e;
	smtp_error_clear(&e);
	e.rc = rc;
	e.stage = stage;
	e.code = code;
	return e;
}

/* A first try with a spool, over relay `relay` of `nrelays`. */
static smtp_policy_verdict_t send_verdict(const smtp_error_t *e, bool data_sent, bool spool, size_t relay, size_t nrelays)
{
	smtp_policy_input_t in;
	smtp_policy_verdict_t v;

	memset(&in, 0, sizeof(in));
	in.rc = e != NULL ? e->rc : SMTP_OK;
	in.err = e;
	in.data_sent = data_sent;
	in.spool = spool;
	in.relay = relay;
	in.nrelays = nrelays;
	in.now = NOW;
	smtp_policy_decide(&in, &v);
	return v;
}

static smtp_policy_verdict_t flush_verdict(const smtp_error_t *e, bool data_sent, unsigned attempts, uint64_t age,
                                           uint64_t max_age)
{
	smtp_policy_input_t in;
	smtp_policy_verdict_t v;

	memset(&in, 0, sizeof(in));
	in.rc = e != NULL ? e->rc : SMTP_OK;
	in.err = e;
	in.data_sent = data_sent;
	in.spool = true;
	in.flushing = true;
	in.nrelays = 1;
	in.attempts = attempts;
	in.now = NOW;
	in.created = NOW - age;
	in.max_age = max_age;
	smtp_policy_decide(&in, &v);
	return v;
}

static void test_send_path(void)
{
	smtp_error_t refused = make_err(SMTP_E_CONNECT, SMTP_STAGE_CONNECT, 0);
	smtp_error_t greet554 = make_err(SMTP_E_REPLY, SMTP_STAGE_GREETING, 554);
	smtp_error_t mail451 = make_err(SMTP_E_REPLY, SMTP_STAGE_MAIL, 451);
	smtp_error_t rcpt550 = make_err(SMTP_E_REPLY, SMTP_STAGE_RCPT, 550);
	smtp_error_t lost = make_err(SMTP_E_CLOSED, SMTP_STAGE_DATA, 0);
	smtp_error_t garbled = make_err(SMTP_E_PROTOCOL, SMTP_STAGE_DATA, 0);
	smtp_error_t data451 = make_err(SMTP_E_REPLY, SMTP_STAGE_DATA, 451);
	smtp_policy_verdict_t v;

	/* Accepted. */
	v = send_verdict(NULL, true, true, 0, 1);
	CHECK_INT(v.verdict, SMTP_VERDICT_SENT);
	CHECK_INT(v.retry, SMTP_RETRY_NONE);

	/* Failover: a refused connection, even a 554 greeting, moves on; a 451 to MAIL too. */
	CHECK_INT(send_verdict(&refused, false, false, 0, 2).verdict, SMTP_VERDICT_NEXT_RELAY);
	CHECK_INT(send_verdict(&greet554, false, false, 0, 2).verdict, SMTP_VERDICT_NEXT_RELAY);
	CHECK_INT(send_verdict(&mail451, false, false, 0, 2).verdict, SMTP_VERDICT_NEXT_RELAY);
	/* ...but not from the last relay, not after a permanent refusal of the
	 * message, and never once the dot went out (a copy may be there). */
	CHECK_INT(send_verdict(&refused, false, false, 1, 2).verdict, SMTP_VERDICT_FAIL);
	CHECK_INT(send_verdict(&rcpt550, false, false, 0, 2).verdict, SMTP_VERDICT_FAIL);
	CHECK_INT(send_verdict(&data451, true, false, 0, 2).verdict, SMTP_VERDICT_FAIL);
	CHECK_INT(send_verdict(&lost, true, false, 0, 2).verdict, SMTP_VERDICT_FAIL);

	/* Without a spool a transient failure is the caller's. */
	v = send_verdict(&mail451, false, false, 0, 1);
	CHECK_INT(v.verdict, SMTP_VERDICT_FAIL);
	CHECK_INT(v.retry, SMTP_RETRY_NONE);

	/* With one: transient failures are kept whole, spooled at once. */
	v = send_verdict(&mail451, false, true, 0, 1);
	CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
	CHECK_INT(v.retry, SMTP_RETRY_NOT_REFUSED);
	CHECK_INT(v.next_attempt, 0);
	CHECK(!v.unknown_outcome);
	CHECK_INT(send_verdict(&refused, false, true, 0, 1).verdict, SMTP_VERDICT_DEFER);

	/* A permanent refusal fails; only recipients refused for now stay. */
	v = send_verdict(&rcpt550, false, true, 0, 1);
	CHECK_INT(v.verdict, SMTP_VERDICT_FAIL);
	CHECK_INT(v.retry, SMTP_RETRY_TEMPFAILED);

	/* RFC 1047: a lost or garbled reply to the dot is an unknown outcome, kept. */
	v = send_verdict(&lost, true, true, 0, 1);
	CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
	CHECK(v.unknown_outcome);
	v = send_verdict(&garbled, true, true, 0, 1);
	CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
	CHECK(v.unknown_outcome);
	/* A reply, even a 451, after the dot is a known outcome. */
	v = send_verdict(&data451, true, true, 0, 1);
	CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
	CHECK(!v.unknown_outcome);
	/* A garbled reply before the dot is simply a protocol failure. */
	v = send_verdict(&garbled, false, true, 0, 1);
	CHECK_INT(v.verdict, SMTP_VERDICT_FAIL);
	CHECK(!v.unknown_outcome);
}

static void test_partial(void)
{
	smtp_policy_input_t in;
	smtp_policy_verdict_t v;

	memset(&in, 0, sizeof(in));
	in.nrelays = 1;
	in.spool = true;
	in.rcpt_tempfailed = 1;
	in.now = NOW;
	smtp_policy_decide(&in, &v);
	CHECK_INT(v.verdict, SMTP_VERDICT_SENT);
	CHECK_INT(v.retry, SMTP_RETRY_TEMPFAILED);
	CHECK_INT(v.next_attempt, 0);
	in.flushing = true;
	in.attempts = 2;
	smtp_policy_decide(&in, &v);
	CHECK_INT(v.retry, SMTP_RETRY_TEMPFAILED);
	CHECK_INT(v.next_attempt, NOW + 240);
	in.spool = false;
	in.flushing = false;
	smtp_policy_decide(&in, &v);
	CHECK_INT(v.retry, SMTP_RETRY_NONE);
}

static void test_flush_path(void)
{
	smtp_error_t refused = make_err(SMTP_E_CONNECT, SMTP_STAGE_CONNECT, 0);
	smtp_error_t auth535 = make_err(SMTP_E_REPLY, SMTP_STAGE_AUTH, 535);
	smtp_error_t rcpt550 = make_err(SMTP_E_REPLY, SMTP_STAGE_RCPT, 550);
	smtp_error_t data552 = make_err(SMTP_E_REPLY, SMTP_STAGE_DATA, 552);
	smtp_error_t mail451 = make_err(SMTP_E_REPLY, SMTP_STAGE_MAIL, 451);
	smtp_error_t toolong = make_err(SMTP_E_LIMIT, SMTP_STAGE_MESSAGE, 0);
	smtp_error_t lost = make_err(SMTP_E_CLOSED, SMTP_STAGE_DATA, 0);
	smtp_policy_verdict_t v;

	/* The message refused for good: to failed/. */
	CHECK_INT(flush_verdict(&rcpt550, false, 0, 10, 0).verdict, SMTP_VERDICT_FAIL);
	CHECK_INT(flush_verdict(&data552, true, 0, 10, 0).verdict, SMTP_VERDICT_FAIL);
	CHECK_INT(flush_verdict(&toolong, false, 0, 10, 0).verdict, SMTP_VERDICT_FAIL);
	CHECK(!flush_verdict(&rcpt550, false, 0, 10, 0).relays_unreachable);

	/* The relay's or the account's trouble: kept, with back-off, and the
	 * rest of the flush stops. */
	v = flush_verdict(&auth535, false, 0, 10, 0);
	CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
	CHECK_INT(v.retry, SMTP_RETRY_ALL);
	CHECK(v.relays_unreachable);
	CHECK_INT(v.next_attempt, NOW + 60);
	v = flush_verdict(&refused, false, 3, 10, 0);
	CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
	CHECK_INT(v.next_attempt, NOW + 480);
	CHECK(v.relays_unreachable);
	v = flush_verdict(&refused, false, 30, 10, 0);
	CHECK_INT(v.next_attempt, NOW + 3600);

	/* A transient failure of this message: kept, the flush goes on. */
	v = flush_verdict(&mail451, false, 0, 10, 0);
	CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
	CHECK(!v.relays_unreachable);

	/* Lost reply: kept marked unknown, even though the reply would be "permanent"-looking. */
	v = flush_verdict(&lost, true, 0, 10, 0);
	CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
	CHECK(v.unknown_outcome);

	/* smtpmail.spool_max_age: past it a kept message fails as too old; at it, not yet. */
	v = flush_verdict(&mail451, false, 5, 101, 100);
	CHECK_INT(v.verdict, SMTP_VERDICT_FAIL);
	CHECK(v.too_old);
	v = flush_verdict(&mail451, false, 5, 100, 100);
	CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
	CHECK(!v.too_old);
}

static void test_holds(void)
{
	smtp_hold_t holds[] = {SMTP_HOLD_DEFERRED, SMTP_HOLD_BACKOFF, SMTP_HOLD_NO_SLOT, SMTP_HOLD_RATE};
	size_t i;

	for (i = 0; i < sizeof(holds) / sizeof(holds[0]); i++) {
		smtp_policy_input_t in;
		smtp_policy_verdict_t v;
		memset(&in, 0, sizeof(in));
		in.hold = holds[i];
		in.nrelays = 2;
		in.spool = true;
		in.now = NOW;
		/* rc/err are ignored under a hold. */
		in.rc = SMTP_E_INTERNAL;
		smtp_policy_decide(&in, &v);
		CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
		CHECK_INT(v.retry, SMTP_RETRY_ALL);
		CHECK(!v.unknown_outcome);
		in.spool = false;
		smtp_policy_decide(&in, &v);
		CHECK_INT(v.verdict, SMTP_VERDICT_FAIL);
		CHECK_INT(v.retry, SMTP_RETRY_NONE);
	}
}

static void test_rcpts_and_sessions(void)
{
	smtp_error_t closed = make_err(SMTP_E_CLOSED, SMTP_STAGE_MAIL, 0);
	smtp_error_t r421 = make_err(SMTP_E_REPLY, SMTP_STAGE_MAIL, 421);
	smtp_error_t r451 = make_err(SMTP_E_REPLY, SMTP_STAGE_MAIL, 451);

	CHECK(smtp_policy_keeps_rcpt(SMTP_RETRY_TEMPFAILED, 450));
	CHECK(!smtp_policy_keeps_rcpt(SMTP_RETRY_TEMPFAILED, 250));
	CHECK(!smtp_policy_keeps_rcpt(SMTP_RETRY_TEMPFAILED, 0));
	CHECK(smtp_policy_keeps_rcpt(SMTP_RETRY_NOT_REFUSED, 0));
	CHECK(smtp_policy_keeps_rcpt(SMTP_RETRY_NOT_REFUSED, 250));
	CHECK(!smtp_policy_keeps_rcpt(SMTP_RETRY_NOT_REFUSED, 550));
	CHECK(smtp_policy_keeps_rcpt(SMTP_RETRY_ALL, 550));
	CHECK(!smtp_policy_keeps_rcpt(SMTP_RETRY_NONE, 450));

	CHECK(smtp_policy_is_stale_session(&closed, true, false));
	CHECK(smtp_policy_is_stale_session(&r421, true, false));
	CHECK(!smtp_policy_is_stale_session(&r451, true, false));
	CHECK(!smtp_policy_is_stale_session(&closed, false, false));
	CHECK(!smtp_policy_is_stale_session(&closed, true, true));
	CHECK_STR(smtp_policy_verdict_name(SMTP_VERDICT_NEXT_RELAY), "next relay");
}

static smtp_error_t reply(smtp_stage_t stage, int code, const char *enhanced)
{
	smtp_error_t e = make_err(SMTP_E_REPLY, stage, code);
	snprintf(e.enhanced, sizeof(e.enhanced), "%s", enhanced);
	return e;
}

static void test_throttle(void)
{
	/* Decided per code: each row is (stage, code, enhanced) -> kind. */
	static const struct {
		smtp_stage_t stage;
		int code;
		const char *enhanced;
		smtp_throttle_t kind;
	} rows[] = {
		{SMTP_STAGE_GREETING, 421, "", SMTP_THROTTLE_TEMPORARY},
		{SMTP_STAGE_GREETING, 421, "4.3.2", SMTP_THROTTLE_TEMPORARY},
		{SMTP_STAGE_MAIL, 432, "4.3.2", SMTP_THROTTLE_TEMPORARY},
		{SMTP_STAGE_DATA, 451, "4.4.2", SMTP_THROTTLE_TEMPORARY},
		{SMTP_STAGE_AUTH, 454, "4.7.0", SMTP_THROTTLE_TEMPORARY},
		{SMTP_STAGE_MAIL, 421, "4.7.0", SMTP_THROTTLE_TEMPORARY},
		{SMTP_STAGE_MAIL, 450, "4.7.28", SMTP_THROTTLE_TEMPORARY},
		{SMTP_STAGE_RCPT, 421, "4.7.28", SMTP_THROTTLE_TEMPORARY},
		{SMTP_STAGE_EHLO, 421, "4.3.0", SMTP_THROTTLE_TEMPORARY},
		{SMTP_STAGE_MAIL, 550, "5.2.252", SMTP_THROTTLE_PERMANENT},
		{SMTP_STAGE_DATA, 554, "5.2.255", SMTP_THROTTLE_PERMANENT},
		{SMTP_STAGE_MAIL, 550, "5.2.259", SMTP_THROTTLE_PERMANENT},
		/* Not pacing: */
		{SMTP_STAGE_RCPT, 452, "4.5.3", SMTP_THROTTLE_NONE},     /* too many recipients: this envelope */
		{SMTP_STAGE_RCPT, 452, "", SMTP_THROTTLE_NONE},
		{SMTP_STAGE_AUTH, 432, "4.7.12", SMTP_THROTTLE_NONE},    /* RFC 4954 password transition */
		{SMTP_STAGE_TLS, 454, "4.7.0", SMTP_THROTTLE_NONE},      /* RFC 3207 TLS unavailable */
		{SMTP_STAGE_RCPT, 450, "4.7.0", SMTP_THROTTLE_NONE},     /* about one recipient */
		{SMTP_STAGE_RCPT, 450, "4.2.0", SMTP_THROTTLE_NONE},     /* greylisting */
		{SMTP_STAGE_MAIL, 451, "4.3.0", SMTP_THROTTLE_NONE},     /* queue write error */
		{SMTP_STAGE_MAIL, 421, "", SMTP_THROTTLE_NONE},          /* closing: a stale session */
		{SMTP_STAGE_MAIL, 550, "5.2.25", SMTP_THROTTLE_NONE},
		{SMTP_STAGE_MAIL, 550, "5.2.2", SMTP_THROTTLE_NONE},
		{SMTP_STAGE_MAIL, 550, "5.2.2500", SMTP_THROTTLE_NONE},
		{SMTP_STAGE_GREETING, 554, "5.7.1", SMTP_THROTTLE_NONE},
	};
	const char *meaning;
	smtp_error_t closed = make_err(SMTP_E_CLOSED, SMTP_STAGE_GREETING, 421);
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		smtp_error_t e = reply(rows[i].stage, rows[i].code, rows[i].enhanced);
		smtp_throttle_t got = smtp_policy_throttle(&e, &meaning);
		if (got != rows[i].kind) {
			fprintf(stderr, "row %zu: %d %s\n", i, rows[i].code, rows[i].enhanced);
		}
		CHECK_INT(got, rows[i].kind);
		CHECK((meaning != NULL) == (rows[i].kind != SMTP_THROTTLE_NONE));
	}
	/* Only replies: a dropped connection is not throttling. */
	CHECK_INT(smtp_policy_throttle(&closed, NULL), SMTP_THROTTLE_NONE);
	{
		smtp_error_t e = reply(SMTP_STAGE_MAIL, 550, "5.2.252");
		smtp_policy_throttle(&e, &meaning);
		CHECK(strstr(meaning, "permanent throttling") != NULL && strstr(meaning, "send-as-denied") != NULL);
	}

	CHECK_INT(smtp_policy_relay_backoff(SMTP_THROTTLE_NONE, 1), 0);
	CHECK_INT(smtp_policy_relay_backoff(SMTP_THROTTLE_TEMPORARY, 1), 60);
	CHECK_INT(smtp_policy_relay_backoff(SMTP_THROTTLE_TEMPORARY, 2), 120);
	CHECK_INT(smtp_policy_relay_backoff(SMTP_THROTTLE_TEMPORARY, 7), 3600);
	CHECK_INT(smtp_policy_relay_backoff(SMTP_THROTTLE_TEMPORARY, 900), 3600);
	CHECK_INT(smtp_policy_relay_backoff(SMTP_THROTTLE_PERMANENT, 1), 3600);
}

static void test_throttled_verdicts(void)
{
	smtp_error_t greet = reply(SMTP_STAGE_GREETING, 421, "");
	smtp_error_t perm = reply(SMTP_STAGE_MAIL, 550, "5.2.254");
	smtp_error_t many = reply(SMTP_STAGE_RCPT, 452, "4.5.3");
	smtp_policy_input_t in;
	smtp_policy_verdict_t v;

	/* Send with a spool: spooled whole, never failed, the relay backs off. */
	v = send_verdict(&greet, false, true, 0, 1);
	CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
	CHECK_INT(v.throttle, SMTP_THROTTLE_TEMPORARY);
	CHECK_INT(v.relay_backoff, 60);
	v = send_verdict(&perm, false, true, 0, 1);
	CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
	CHECK_INT(v.throttle, SMTP_THROTTLE_PERMANENT);
	CHECK_INT(v.relay_backoff, 3600);
	/* Without one: the caller's failure, permanent stays permanent. */
	v = send_verdict(&perm, false, false, 0, 1);
	CHECK_INT(v.verdict, SMTP_VERDICT_FAIL);
	CHECK_INT(v.throttle, SMTP_THROTTLE_PERMANENT);
	/* A throttling first relay: the next one is tried, no back-off yet. */
	v = send_verdict(&greet, false, true, 0, 2);
	CHECK_INT(v.verdict, SMTP_VERDICT_NEXT_RELAY);
	CHECK_INT(v.relay_backoff, 0);
	/* 452 4.5.3: an ordinary transient failure, no back-off. */
	v = send_verdict(&many, false, true, 0, 1);
	CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
	CHECK_INT(v.throttle, SMTP_THROTTLE_NONE);
	CHECK_INT(v.relay_backoff, 0);

	/* Flushing: a 5.2.25x is not the message's fault, so not failed/; the
	 * back-off grows with the strikes and sets the message's next try. */
	v = flush_verdict(&perm, false, 0, 10, 0);
	CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
	CHECK(v.relays_unreachable);
	CHECK_INT(v.next_attempt, NOW + 3600);
	memset(&in, 0, sizeof(in));
	in.rc = SMTP_E_REPLY;
	in.err = &greet;
	in.nrelays = 1;
	in.spool = true;
	in.flushing = true;
	in.now = NOW;
	in.created = NOW - 10;
	in.relay_strikes = 2;
	smtp_policy_decide(&in, &v);
	CHECK_INT(v.verdict, SMTP_VERDICT_DEFER);
	CHECK_INT(v.relay_backoff, 240);
	CHECK_INT(v.next_attempt, NOW + 240);
	in.max_age = 5;
	smtp_policy_decide(&in, &v);
	CHECK_INT(v.verdict, SMTP_VERDICT_FAIL);
	CHECK(v.too_old);
}

int main(void)
{
	test_throttle();
	test_throttled_verdicts();
	test_send_path();
	test_partial();
	test_flush_path();
	test_holds();
	test_rcpts_and_sessions();
	return check_report("policy");
}
