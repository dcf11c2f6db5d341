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

/* Microsoft 365's continuous-error throttling of SMTP AUTH submissions
 * (learn.microsoft.com, "Continuous error throttling for SMTP AUTH
 * submissions in Exchange Online"): the mailbox may not send over SMTP AUTH
 * for a while, and only fixing the cause stops it happening again. */
static const struct {
	const char *enhanced;
	const char *meaning;
} permanent_throttles[] = {
	{"5.2.251", "permanent throttling: Microsoft 365 stopped this sender for a while after continuous mailbox-full errors: free space in "
	            "the sending mailbox"},
	{"5.2.252", "permanent throttling: Microsoft 365 stopped this sender for a while after continuous send-as-denied errors: send from an "
	            "address the account may send as"},
	{"5.2.253", "permanent throttling: Microsoft 365 stopped this sender for a while after continuous invalid-license errors: give the "
	            "mailbox an Exchange Online license"},
	{"5.2.254", "permanent throttling: Microsoft 365 stopped this sender for a while after continuous too-many-recipients errors: send to "
	            "fewer recipients per message and per day"},
	{"5.2.255", "permanent throttling: Microsoft 365 stopped this sender for a while after continuous invalid-recipient errors: remove the "
	            "invalid addresses"},
};

/* Enhanced codes (RFC 3463) that mean "slow down" on any 4xx reply. */
static const struct {
	const char *enhanced;
	const char *meaning;
} temporary_throttles[] = {
	/* RFC 3463 X.3.2 "system not accepting network messages"; Microsoft 365's
	 * "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded". */
	{"4.3.2", "the relay takes no more connections or messages from us for now (Microsoft 365 allows 3 concurrent "
	          "connections per mailbox and 30 messages a minute)"},
	/* X.4.2 "bad connection": Amazon SES's "451 4.4.2 Timeout waiting for data from client". */
	{"4.4.2", "the relay dropped the connection (Amazon SES closes connections that stay idle)"},
	/* IANA registry X.7.28 "mail flood detected". */
	{"4.7.28", "the relay saw an unusual rate of mail from us and limits it"},
};

static bool is_enhanced(const smtp_error_t *err, const char *code)
{
	return strcmp(err->enhanced, code) == 0;
}

smtp_throttle_t smtp_policy_throttle(const smtp_error_t *err, const char **meaning)
{
	const char *dummy;
	size_t i;

	if (meaning == NULL) {
		meaning = &dummy;
	}
	*meaning = NULL;
	if (err == NULL || err->rc != SMTP_E_REPLY) {
		return SMTP_THROTTLE_NONE;
	}
	if (err->code >= 500 && err->code < 600) {
		/* 5.2.25x: the five Microsoft names, and any later sibling. */
		if (strncmp(err->enhanced, "5.2.25", 6) == 0 && err->enhanced[6] >= '0' && err->enhanced[6] <= '9'
		    && err->enhanced[7] == '\0') {
			*meaning = "permanent throttling: Microsoft 365 stopped this sender for a while after continuous errors";
			for (i = 0; i < sizeof(permanent_throttles) / sizeof(permanent_throttles[0]); i++) {
				if (is_enhanced(err, permanent_throttles[i].enhanced)) {
					*meaning = permanent_throttles[i].meaning;
				}
			}
			return SMTP_THROTTLE_PERMANENT;
		}
		return SMTP_THROTTLE_NONE;
	}
	if (err->code < 400 || err->code >= 500) {
		return SMTP_THROTTLE_NONE;
	}
	for (i = 0; i < sizeof(temporary_throttles) / sizeof(temporary_throttles[0]); i++) {
		if (is_enhanced(err, temporary_throttles[i].enhanced)) {
			*meaning = temporary_throttles[i].meaning;
			return SMTP_THROTTLE_TEMPORARY;
		}
	}
	/* X.7.0 "other security or policy status" is about the session or the
	 * account (Gmail's "454 4.7.0 Too many login attempts", "421 4.7.0 Try
	 * again later"), except as the answer to STARTTLS (RFC 3207 454: TLS not
	 * available for now) and to one RCPT (about that recipient). */
	if (is_enhanced(err, "4.7.0") && err->stage != SMTP_STAGE_TLS && err->stage != SMTP_STAGE_RCPT) {
		*meaning = "the relay limits how fast we log in or send (Gmail answers bursts of logins this way)";
		return SMTP_THROTTLE_TEMPORARY;
	}
	/* Gmail's "421 4.3.0 Temporary System Problem. Try again later". */
	if (err->code == 421 && is_enhanced(err, "4.3.0")) {
		*meaning = "the relay turns us away for now (Gmail answers bursts this way)";
		return SMTP_THROTTLE_TEMPORARY;
	}
	/* RFC 5321 3.1: a 421 greeting is a server refusing service for now. */
	if (err->code == 421 && err->stage == SMTP_STAGE_GREETING) {
		*meaning = "the relay refuses new connections for now";
		return SMTP_THROTTLE_TEMPORARY;
	}
	return SMTP_THROTTLE_NONE;
}

uint64_t smtp_policy_relay_backoff(smtp_throttle_t kind, unsigned strikes)
{
	uint64_t wait = SMTP_SPOOL_BACKOFF_FIRST;

	if (kind == SMTP_THROTTLE_NONE) {
		return 0;
	}
	if (kind == SMTP_THROTTLE_PERMANENT) {
		return SMTP_SPOOL_BACKOFF_MAX;
	}
	while (strikes > 1 && wait < SMTP_SPOOL_BACKOFF_MAX) {
		wait *= 2;
		strikes--;
	}
	return wait < SMTP_SPOOL_BACKOFF_MAX ? wait : SMTP_SPOOL_BACKOFF_MAX;
}

/* The relay is pacing us: nothing is wrong with the message. With a spool it
 * waits there, and so does every other message to this relay (relay_backoff:
 * the glue records it where smtp_send() and the flusher both look). */
static void decide_throttled(const smtp_policy_input_t *in, smtp_policy_verdict_t *out)
{
	out->relay_backoff = smtp_policy_relay_backoff(out->throttle, in->relay_strikes + 1);
	out->relays_unreachable = true;
	if (!in->spool) {
		out->verdict = SMTP_VERDICT_FAIL;
		return;
	}
	if (in->flushing && in->max_age > 0 && in->now > in->created + in->max_age) {
		out->verdict = SMTP_VERDICT_FAIL;
		out->too_old = true;
		return;
	}
	out->verdict = SMTP_VERDICT_DEFER;
	if (in->flushing) {
		out->retry = SMTP_RETRY_ALL;
		out->next_attempt = in->now + out->relay_backoff;
	} else {
		out->retry = SMTP_RETRY_NOT_REFUSED;
	}
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
		/* A relay pacing us is one reason to try the next one (which may be
		 * another provider); the back-off is the last relay's business. */
		out->verdict = SMTP_VERDICT_NEXT_RELAY;
		return;
	}
	if (!out->unknown_outcome) {
		out->throttle = smtp_policy_throttle(in->err, &out->meaning);
	}
	if (out->throttle != SMTP_THROTTLE_NONE) {
		decide_throttled(in, out);
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
