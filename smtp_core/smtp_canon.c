/* smtp_canon.c: see smtp_canon.h.
 *
 * The machine never holds output of its own: a line end or a doubled dot is
 * written one byte at a time, and input is consumed only once the last byte of
 * what it stands for is out. So any output buffer of at least one byte makes
 * progress, and stopping between two calls never loses a byte.
 *
 *   bare LF  -> write "\r" (LF not consumed, lf_owed), then "\n" (eat_lf), then
 *               the LF itself is eaten as the tail of that line end;
 *   CR       -> write "\r" and consume the CR (lf_owed), then "\n" (eat_lf): a
 *               LF that follows, in this chunk or the next, is eaten; any other
 *               byte means the CR was bare and starts the next line;
 *   '.' at the start of a line -> write the added "." (dot not consumed, bol
 *               cleared), then the dot goes out as ordinary text.
 */
#include "smtp_canon.h"

#include <string.h>

void smtp_canon_init(smtp_canon_t *c)
{
	memset(c, 0, sizeof(*c));
	c->bol = true;
	c->line = 1;
	c->rc = SMTP_OK;
	c->err_stage = SMTP_STAGE_NONE;
}

/* Index of the first CR or LF in p[0..n), or n. glibc's memchr is vectorised,
 * which beats a byte loop on long text lines; n stays near a line's length. */
static size_t span_to_eol(const char *p, size_t n)
{
	const char *lf = memchr(p, '\n', n);
	size_t m = lf != NULL ? (size_t)(lf - p) : n;
	const char *cr = memchr(p, '\r', m);

	return cr != NULL ? (size_t)(cr - p) : m;
}

static bool has_high_octet(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((unsigned char)p[i] >= 0x80) {
			return true;
		}
	}
	return false;
}

static void new_line(smtp_canon_t *c)
{
	c->line++;
	c->line_len = 0;
	c->bol = true;
}

static smtp_rc_t canon_report(const smtp_canon_t *c, smtp_error_t *err)
{
	if (c->rc == SMTP_E_LIMIT) {
		return smtp_error_set(err, SMTP_E_LIMIT, c->err_stage, 0,
			"line %zu of the message is %s%zu octets long, but RFC 5321 4.5.3.1.6 allows "
			"at most %d plus CRLF; encode the body as quoted-printable or base64",
			c->err_line, c->err_at_least ? "at least " : "", c->err_len, SMTP_TEXT_LINE_MAX);
	}
	if (c->rc == SMTP_E_STATE) {
		return smtp_error_set(err, SMTP_E_STATE, SMTP_STAGE_DATA, 0,
			"the message data was already ended");
	}
	return smtp_error_set(err, c->rc, c->err_stage, 0, "the canonicaliser failed earlier");
}

/* The current line has reached SMTP_TEXT_LINE_MAX and rest[0..rest_len) holds
 * more of it: record a sticky limit error, measuring the line as far as the
 * input at hand goes. */
static smtp_rc_t canon_too_long(smtp_canon_t *c, smtp_stage_t stage, const char *rest,
                                size_t rest_len, smtp_error_t *err)
{
	size_t k = span_to_eol(rest, rest_len);

	c->rc = SMTP_E_LIMIT;
	c->err_stage = stage;
	c->err_line = c->line;
	c->err_len = c->line_len + k;
	c->err_at_least = k == rest_len;
	return canon_report(c, err);
}

/* True when b is the LF of a CRLF whose CR already ended a line: RFC 5321
 * 2.3.8, CRLF is one line end, not a CR and then a LF. Either way the next
 * byte is no longer the one after a CR. */
static bool skip_lf_of_crlf(smtp_canon_t *c, char b)
{
	if (!c->eat_lf) {
		return false;
	}
	c->eat_lf = false;
	return b == '\n';
}

smtp_rc_t smtp_canon_feed(smtp_canon_t *c, const char *in, size_t len, size_t *consumed,
                          char *out, size_t cap, size_t *produced, smtp_error_t *err)
{
	size_t i = 0, o = 0;
	smtp_rc_t rc = SMTP_OK;

	*consumed = 0;
	*produced = 0;
	if (c->rc != SMTP_OK) {
		return canon_report(c, err);
	}
	if (cap == 0 && (len > 0 || c->lf_owed)) {
		/* Not sticky: nothing happened, the stream is intact. */
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_DATA, 0,
			"the canonicaliser was given no room for output");
	}
	for (;;) {
		size_t room, n, k;
		char b;

		if (c->lf_owed) {
			if (o == cap) {
				break;
			}
			out[o++] = '\n';
			c->lf_owed = false;
			c->eat_lf = true;
			new_line(c);
		}
		if (i == len || o == cap) {
			break;
		}
		b = in[i];
		if (skip_lf_of_crlf(c, b)) {
			i++;
			continue;
		}
		if (b == '\r' || b == '\n') {
			/* RFC 5321 2.3.8 and 4.1.1.4: only CRLF may end a line on the wire,
			 * so a bare CR or LF is sent as CRLF (never passed through, which
			 * is what "SMTP smuggling" relies on). */
			out[o++] = '\r';
			c->lf_owed = true;
			if (b == '\r') {
				i++;
			}
			continue;
		}
		if (c->bol) {
			c->bol = false;
			if (b == '.') {
				/* RFC 5321 4.5.2: a line that starts with "." gets one more. */
				out[o++] = '.';
				continue;
			}
		}
		room = SMTP_TEXT_LINE_MAX - c->line_len;
		if (room == 0) {
			rc = canon_too_long(c, SMTP_STAGE_DATA, in + i, len - i, err);
			break;
		}
		n = len - i;
		if (n > cap - o) {
			n = cap - o;
		}
		if (n > room) {
			n = room;
		}
		/* in[i] is ordinary, so the run is at least one byte long. */
		k = span_to_eol(in + i, n);
		memcpy(out + o, in + i, k);
		i += k;
		o += k;
		c->line_len += k;
	}
	*consumed = i;
	*produced = o;
	c->in_bytes += i;
	c->out_bytes += o;
	return rc;
}

smtp_rc_t smtp_canon_finish(smtp_canon_t *c, char *out, size_t cap, size_t *produced,
                            smtp_error_t *err)
{
	size_t o = 0;

	*produced = 0;
	if (c->rc != SMTP_OK) {
		return canon_report(c, err);
	}
	if (cap < SMTP_CANON_FINISH_MAX) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_DATA, 0,
			"the end of the data needs %d octets of room", SMTP_CANON_FINISH_MAX);
	}
	if (!c->bol && c->line_len == 0 && !c->lf_owed) {
		/* The added dot of a line went out but the dot itself was never
		 * consumed: ending here would send ".\r\n" (end of data) too early. */
		return smtp_error_set(err, SMTP_E_STATE, SMTP_STAGE_DATA, 0,
			"the data was ended before all of it was canonicalised");
	}
	if (c->lf_owed) {
		out[o++] = '\n';
		c->lf_owed = false;
	} else if (!c->bol) {
		/* RFC 5321 4.1.1.4: the end mark is "<CRLF>.<CRLF>", so an unterminated
		 * last line gets its CRLF first. Empty data gets none. */
		out[o++] = '\r';
		out[o++] = '\n';
	}
	out[o++] = '.';
	out[o++] = '\r';
	out[o++] = '\n';
	c->eat_lf = false;
	c->bol = true;
	c->out_bytes += o;
	/* Anything fed after the end mark would be a new SMTP command. */
	c->rc = SMTP_E_STATE;
	*produced = o;
	return SMTP_OK;
}

smtp_rc_t smtp_canon_scan(smtp_canon_t *c, const char *in, size_t len, smtp_error_t *err)
{
	size_t i = 0;

	if (c->rc != SMTP_OK) {
		return canon_report(c, err);
	}
	while (i < len) {
		size_t room, n, k;
		char b = in[i];

		if (skip_lf_of_crlf(c, b)) {
			i++;
			continue;
		}
		if (b == '\r' || b == '\n') {
			/* The same line ends as smtp_canon_feed(): CRLF, bare CR, bare LF. */
			i++;
			new_line(c);
			c->scan_size += 2;
			c->eat_lf = b == '\r';
			continue;
		}
		c->bol = false;
		room = SMTP_TEXT_LINE_MAX - c->line_len;
		/* Look one octet past the limit: finding no line end there is the error. */
		n = len - i;
		if (n > room + 1) {
			n = room + 1;
		}
		k = span_to_eol(in + i, n);
		if (k > room) {
			c->line_len += room;
			c->in_bytes += i + room;
			return canon_too_long(c, SMTP_STAGE_MESSAGE, in + i + room, len - i - room, err);
		}
		if (!c->has_8bit) {
			c->has_8bit = has_high_octet(in + i, k);
		}
		i += k;
		c->line_len += k;
		c->scan_size += k;
	}
	c->in_bytes += len;
	return SMTP_OK;
}

uint64_t smtp_canon_size(const smtp_canon_t *c)
{
	/* An unterminated last line gets its CRLF, as smtp_canon_finish() adds it. */
	return c->scan_size + (c->bol ? 0 : 2);
}

bool smtp_canon_has_8bit(const smtp_canon_t *c)
{
	return c->has_8bit;
}

smtp_rc_t smtp_canon_check(const char *in, size_t len, smtp_error_t *err)
{
	smtp_canon_t c;

	smtp_canon_init(&c);
	return smtp_canon_scan(&c, in, len, err);
}
