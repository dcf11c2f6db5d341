/* test_policy.c: the delivery policy (smtp_core/smtp_policy.c), one table of
 * (error, attempt state) -> verdict per path: a first send, a flusher's retry. */
#include <stdbool.h>
#include <stdint.h>
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

int main(void)
{
	test_send_path();
	test_partial();
	test_flush_path();
	test_holds();
	test_rcpts_and_sessions();
	return check_report("policy");
}
