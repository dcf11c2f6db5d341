/* smtp_policy.c: see smtp_policy.h. */
#include "smtp_policy.h"

#include <string.h>

#include "smtp_spool.h"

/* RFC 6409 submission to a list of relays: a failure before any relay may
 * have the message (connect, greeting, TLS, or a transient reply) moves on to
 * the next relay; a permanent refusal does not, nor does a lost reply after
 * the final dot (the message may be there: another relay would duplicate it). */
static bool is_for_next_relay(const smtp_error_t *err, bool data_sent)
{
	if (data_sent) {
		return false;
	}
	switch (err->stage) {
	case SMTP_STAGE_CONNECT:
	case SMTP_STAGE_GREETING:
	case SMTP_STAGE_TLS:
		return true;
	default:
		return smtp_error_is_transient(err);
	}
}

/* The failures that say the message itself will never go: a permanent refusal
 * of the sender, the recipients or the content, or a message no relay can
 * take. A permanent reply before MAIL (a 554 greeting, a 535 to AUTH) is the
 * relay's or the account's trouble, which an operator can fix: kept. */
static bool is_message_refused(const smtp_error_t *err)
{
	if (err->rc == SMTP_E_ARG || err->rc == SMTP_E_LIMIT) {
		return true;
	}
	return err->rc == SMTP_E_REPLY && err->code >= 500
	       && (err->stage == SMTP_STAGE_MAIL || err->stage == SMTP_STAGE_RCPT || err->stage == SMTP_STAGE_DATA);
}

/* The stages before a transaction: a failure there is the relay's (down,
 * refusing us, wrong credentials), and every other message would meet it too. */
static bool is_relay_stage(smtp_stage_t stage)
{
	return stage == SMTP_STAGE_CONNECT || stage == SMTP_STAGE_GREETING || stage == SMTP_STAGE_TLS
	       || stage == SMTP_STAGE_EHLO || stage == SMTP_STAGE_AUTH;
}

static void decide_hold(const smtp_policy_input_t *in, smtp_policy_verdict_t *out)
{
	/* Nothing was offered to a relay, so nothing can be refused or lost:
	 * with a spool the whole message waits there (and the flusher honours
	 * the same limits); without one the caller gets a transient failure. */
	if (in->spool) {
		out->verdict = SMTP_VERDICT_DEFER;
		out->retry = SMTP_RETRY_ALL;
	} else {
		out->verdict = SMTP_VERDICT_FAIL;
	}
}

/* A flusher's retry of a spooled message that no relay took. */
static void decide_flush_failure(const smtp_policy_input_t *in, smtp_policy_verdict_t *out)
{
	if (!out->unknown_outcome && is_message_refused(in->err)) {
		out->verdict = SMTP_VERDICT_FAIL;
		return;
	}
	out->relays_unreachable = is_relay_stage(in->err->stage);
	if (in->max_age > 0 && in->now > in->created + in->max_age) {
		out->verdict = SMTP_VERDICT_FAIL;
		out->too_old = true;
		return;
	}
	out->verdict = SMTP_VERDICT_DEFER;
	out->retry = SMTP_RETRY_ALL;
	out->next_attempt = in->now + smtp_spool_backoff(in->attempts + 1);
}

/* A first try (smtp_send, mail) that no relay took. */
static void decide_send_failure(const smtp_policy_input_t *in, smtp_policy_verdict_t *out)
{
	/* The spool keeps what a later try may still deliver: the whole message
	 * after a transient failure or a lost final reply, else the recipients
	 * a relay refused only for now. */
	if (in->spool && (smtp_error_is_transient(in->err) || out->unknown_outcome)) {
		out->verdict = SMTP_VERDICT_DEFER;
		out->retry = SMTP_RETRY_NOT_REFUSED;
		return;
	}
	out->verdict = SMTP_VERDICT_FAIL;
	out->retry = in->spool ? SMTP_RETRY_TEMPFAILED : SMTP_RETRY_NONE;
}

void smtp_policy_decide(const smtp_policy_input_t *in, smtp_policy_verdict_t *out)
{
	memset(out, 0, sizeof(*out));
	if (in->hold != SMTP_HOLD_NONE) {
		decide_hold(in, out);
		return;
	}
	if (in->rc == SMTP_OK) {
		out->verdict = SMTP_VERDICT_SENT;
		if (in->spool && in->rcpt_tempfailed > 0) {
			/* Delivered to the others; those refused for now wait. */
			out->retry = SMTP_RETRY_TEMPFAILED;
			out->next_attempt = in->flushing ? in->now + smtp_spool_backoff(in->attempts + 1) : 0;
		}
		return;
	}
	if (in->err == NULL) {
		out->verdict = SMTP_VERDICT_FAIL;
		return;
	}
	/* The final dot went out and no proper reply came back (dropped, silent
	 * or garbled): the relay may have the message. */
	out->unknown_outcome = in->data_sent && in->err->rc != SMTP_E_REPLY;
	if (in->relay + 1 < in->nrelays && is_for_next_relay(in->err, in->data_sent)) {
		out->verdict = SMTP_VERDICT_NEXT_RELAY;
		return;
	}
	if (in->flushing) {
		decide_flush_failure(in, out);
	} else {
		decide_send_failure(in, out);
	}
}

bool smtp_policy_keeps_rcpt(smtp_retry_t retry, int code)
{
	switch (retry) {
	case SMTP_RETRY_TEMPFAILED:
		return code / 100 == 4;
	case SMTP_RETRY_NOT_REFUSED:
		return code / 100 != 5;
	case SMTP_RETRY_ALL:
		return true;
	default:
		return false;
	}
}

bool smtp_policy_is_stale_session(const smtp_error_t *err, bool reused, bool data_sent)
{
	if (!reused || data_sent) {
		return false;
	}
	return err->rc == SMTP_E_CLOSED || err->rc == SMTP_E_IO || err->rc == SMTP_E_TIMEOUT
	       || (err->rc == SMTP_E_REPLY && err->code == 421);
}

const char *smtp_policy_verdict_name(smtp_verdict_t verdict)
{
	switch (verdict) {
	case SMTP_VERDICT_SENT: return "sent";
	case SMTP_VERDICT_NEXT_RELAY: return "next relay";
	case SMTP_VERDICT_DEFER: return "defer";
	case SMTP_VERDICT_FAIL: return "fail";
	}
	return "unknown";
}
