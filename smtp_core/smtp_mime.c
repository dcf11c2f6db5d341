/* smtp_mime.c: see smtp_mime.h.
 *
 * The scan splits the message into lines exactly as the DATA canonicaliser
 * does (CRLF, bare LF and bare CR each end a line) and walks RFC 2046's
 * structure: a header, then either a leaf's content or a multipart's
 * preamble, parts between "--boundary" lines and an epilogue after
 * "--boundary--". It keeps only the first SCAN_PREFIX octets of a line (a
 * header line longer than that is refused anyway; a longer body line cannot
 * be a boundary), so memory does not grow with the message.
 *
 * The encoder copies the input, except in the parts the plan marks and the
 * relay makes necessary: there it leaves out the old Content-Transfer-Encoding
 * field, writes the new one before the empty line that ends the part's
 * header, and writes the content as quoted-printable (RFC 2045 6.7).
 */
#include "smtp_mime.h"

#include <stdlib.h>
#include <string.h>

#include "smtp_buf.h"
#include "smtp_canon.h"

/* Octets of a line kept: a whole header line (at most SMTP_TEXT_LINE_MAX) or
 * the start of a body line, enough to recognise a boundary. */
#define SCAN_PREFIX (SMTP_TEXT_LINE_MAX + 2)
/* Room for a header field's name in an error message. */
#define SCAN_NAME_MAX 40

typedef enum { ST_HEADER, ST_BODY, ST_PREAMBLE, ST_EPILOGUE } scan_state_t;

typedef struct {
	char b[SMTP_MIME_BOUNDARY_MAX];
	size_t len;
	bool digest;  /* multipart/digest: a part's default type is message/rfc822 (RFC 2046 5.1.5) */
} level_t;

typedef struct {
	smtp_mime_plan_t *plan;
	bool declare;
	scan_state_t st;
	level_t lv[SMTP_MIME_DEPTH_MAX];
	size_t depth;

	uint64_t pos;         /* offset of the next octet */
	uint64_t line_start;
	uint64_t line_no;     /* 1-based */
	uint64_t line_len;
	uint64_t prev_eol;    /* where the previous line's line end began */
	bool at_bol;          /* no octet of the current line seen yet */
	bool eat_lf;
	bool line_8bit;
	char pre[SCAN_PREFIX];
	size_t pre_len;

	/* the header being read */
	bool top;
	bool parent_digest;
	bool field_open;
	uint64_t field_start;
	char field[SMTP_MIME_FIELD_MAX];
	size_t field_len;
	char name[SCAN_NAME_MAX];   /* of the open field, for error messages */
	char ctype[SMTP_MIME_FIELD_MAX];
	size_t ctype_len;
	bool has_ctype, has_version, dkim;
	char cte[32];
	size_t cte_len;
	int ncte;
	uint64_t cte_from, cte_to;

	/* the leaf being read */
	smtp_mime_part_t cur;
	const char *why;      /* NULL when it may be re-encoded, else why not */
	bool body_pending;    /* its content starts with the next line */
	unsigned u_need, u_lo, u_hi;
} scan_t;

void smtp_mime_plan_init(smtp_mime_plan_t *p)
{
	memset(p, 0, sizeof(*p));
}

void smtp_mime_plan_destroy(smtp_mime_plan_t *p)
{
	free(p->parts);
	smtp_mime_plan_init(p);
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool starts_with_ci(const char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && smtp_ascii_iequal(p, prefix, k);
}

/* Skips white space and RFC 5322 comments (nested, with quoted pairs). */
static size_t skip_cfws(const char *p, size_t n, size_t i)
{
	while (i < n) {
		if (is_wsp(p[i])) {
			i++;
		} else if (p[i] == '(') {
			int nest = 0;
			for (; i < n; i++) {
				if (p[i] == '\\' && i + 1 < n) {
					i++;
				} else if (p[i] == '(') {
					nest++;
				} else if (p[i] == ')' && --nest == 0) {
					i++;
					break;
				}
			}
		} else {
			break;
		}
	}
	return i;
}

/* RFC 2045 5.1 tspecials end a token. */
static bool is_token_char(char c)
{
	unsigned char u = (unsigned char)c;
	return u > 32 && u < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* Finds parameter name (lower case) in a Content-Type value and copies its
 * value (token or quoted-string) into out. False when absent or too long. */
static bool ctype_param(const char *p, size_t n, const char *name, char *out, size_t cap, size_t *out_len)
{
	size_t i = 0, k = strlen(name);

	while (i < n) {
		bool quoted = false;
		/* Find the next ';' outside a quoted string. */
		for (; i < n && (quoted || p[i] != ';'); i++) {
			if (p[i] == '"') {
				quoted = !quoted;
			} else if (p[i] == '\\' && quoted && i + 1 < n) {
				i++;
			}
		}
		if (i >= n) {
			return false;
		}
		i = skip_cfws(p, n, i + 1);
		if (n - i > k && smtp_ascii_iequal(p + i, name, k)) {
			size_t j = skip_cfws(p, n, i + k), o = 0;
			if (j < n && p[j] == '=') {
				j = skip_cfws(p, n, j + 1);
				if (j < n && p[j] == '"') {
					for (j++; j < n && p[j] != '"'; j++) {
						if (p[j] == '\\' && j + 1 < n) {
							j++;
						}
						if (o == cap) {
							return false;
						}
						out[o++] = p[j];
					}
				} else {
					for (; j < n && is_token_char(p[j]); j++) {
						if (o == cap) {
							return false;
						}
						out[o++] = p[j];
					}
				}
				*out_len = o;
				return o > 0;
			}
		}
	}
	return false;
}

static smtp_rc_t push_part(smtp_mime_plan_t *plan, const smtp_mime_part_t *part, smtp_error_t *err)
{
	smtp_mime_part_t *parts = smtp_buf_grow_items(plan->parts, plan->count, &plan->cap, 8, sizeof(*parts));

	if (parts == NULL) {
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_MESSAGE, 0, "out of memory");
	}
	plan->parts = parts;
	plan->parts[plan->count++] = *part;
	return SMTP_OK;
}

static smtp_rc_t too_long(const scan_t *s, const char *why, smtp_error_t *err)
{
	return smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_MESSAGE, 0,
		"line %llu of the message is %llu octets long, but RFC 5321 4.5.3.1.6 allows at most %d plus CRLF, "
		"and %s", (unsigned long long)s->line_no, (unsigned long long)s->line_len, SMTP_TEXT_LINE_MAX, why);
}

static void reset_header(scan_t *s)
{
	s->field_open = false;
	s->field_len = 0;
	s->name[0] = '\0';
	s->ctype_len = 0;
	s->has_ctype = s->has_version = s->dkim = false;
	s->cte_len = 0;
	s->ncte = 0;
	s->cte_from = s->cte_to = 0;
}

/* The field that ended where the line at end starts. */
static void close_field(scan_t *s, uint64_t end)
{
	const char *f = s->field;
	size_t n = s->field_len, colon, i, j;

	if (!s->field_open) {
		return;
	}
	s->field_open = false;
	for (colon = 0; colon < n && f[colon] != ':'; colon++) {
	}
	if (colon == n) {
		return;
	}
	for (i = colon + 1; i < n && is_wsp(f[i]); i++) {
	}
	if (colon == strlen("Content-Type") && smtp_ascii_iequal(f, "Content-Type", colon)) {
		s->has_ctype = true;
		s->ctype_len = n - i;
		memcpy(s->ctype, f + i, n - i);
	} else if (colon == strlen("Content-Transfer-Encoding") && smtp_ascii_iequal(f, "Content-Transfer-Encoding", colon)) {
		s->ncte++;
		s->cte_from = s->field_start;
		s->cte_to = end;
		i = skip_cfws(f, n, i);
		for (j = 0; i < n && is_token_char(f[i]) && j < sizeof(s->cte); i++) {
			s->cte[j++] = lower(f[i]);
		}
		s->cte_len = j;
	} else if (colon == strlen("MIME-Version") && smtp_ascii_iequal(f, "MIME-Version", colon)) {
		s->has_version = true;
	} else if (s->top && colon == strlen("DKIM-Signature") && smtp_ascii_iequal(f, "DKIM-Signature", colon)) {
		s->dkim = true;
	}
}

static bool cte_is(const scan_t *s, const char *v)
{
	return s->cte_len == strlen(v) && memcmp(s->cte, v, s->cte_len) == 0;
}

/* The empty line at insert_at ended the header: a multipart opens a level,
 * anything else is a leaf. */
static void end_header(scan_t *s, uint64_t insert_at)
{
	const char *ct = s->ctype;
	size_t ctn = s->ctype_len;
	bool multipart = s->has_ctype && starts_with_ci(ct, ctn, "multipart/");
	bool message = s->has_ctype ? starts_with_ci(ct, ctn, "message/") : s->parent_digest;

	if (s->top) {
		s->plan->frozen = s->dkim;
	}
	if (multipart && s->depth < SMTP_MIME_DEPTH_MAX) {
		level_t *l = &s->lv[s->depth];
		if (ctype_param(ct, ctn, "boundary", l->b, sizeof(l->b), &l->len)) {
			l->digest = starts_with_ci(ct, ctn, "multipart/digest");
			s->depth++;
			s->st = ST_PREAMBLE;
			s->top = false;
			return;
		}
	}
	memset(&s->cur, 0, sizeof(s->cur));
	s->cur.insert_at = insert_at;
	if (s->ncte == 1) {
		s->cur.drop_from = s->cte_from;
		s->cur.drop_to = s->cte_to;
	} else {
		s->cur.drop_from = s->cur.drop_to = insert_at;
	}
	s->cur.flags = (s->top ? SMTP_MIME_TOP : 0u) | (s->has_version ? SMTP_MIME_HAS_VERSION : 0u)
	               | (s->has_ctype ? SMTP_MIME_HAS_TYPE : 0u) | SMTP_MIME_UTF8;
	s->why = NULL;
	if (s->plan->frozen) {
		s->why = "the message carries a DKIM-Signature, which re-encoding would break: encode the body as "
		         "quoted-printable or base64 before signing";
	} else if (s->ncte > 1) {
		s->why = "the part has more than one Content-Transfer-Encoding field, so it is left as it is";
	} else if (multipart) {
		s->why = "it is in a multipart that is nested too deeply or has no boundary, which is left as it is";
	} else if (message) {
		s->why = "it is in a message part (message/rfc822 ...), which RFC 2046 5.2.1 forbids re-encoding: encode the enclosed "
		         "message's body";
	} else if (s->ncte == 1 && !cte_is(s, "7bit") && !cte_is(s, "8bit") && !cte_is(s, "binary")) {
		s->why = "the part declares a Content-Transfer-Encoding of its own, so it is left as it is: its encoder "
		         "must keep lines short";
	}
	if (s->why == NULL && s->top && s->declare) {
		s->cur.flags |= SMTP_MIME_DECLARE;
	}
	s->u_need = 0;
	s->body_pending = true;
	s->st = ST_BODY;
	s->top = false;
}

static smtp_rc_t close_leaf(scan_t *s, uint64_t end, smtp_error_t *err)
{
	if (s->body_pending) {
		s->cur.body_from = end;
		s->body_pending = false;
	}
	s->cur.body_to = end > s->cur.body_from ? end : s->cur.body_from;
	if (s->u_need != 0) {
		s->cur.flags &= ~SMTP_MIME_UTF8;
	}
	if (s->why == NULL && (s->cur.flags & (SMTP_MIME_LONG | SMTP_MIME_8BIT | SMTP_MIME_DECLARE)) != 0) {
		if (s->plan->count == SMTP_MIME_PARTS_MAX) {
			if (s->cur.flags & SMTP_MIME_LONG) {
				return smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_MESSAGE, 0,
					"the message has more than %d MIME parts that need re-encoding (a line over %d octets or "
					"8-bit text); encode the parts before sending", SMTP_MIME_PARTS_MAX, SMTP_TEXT_LINE_MAX);
			}
			if (s->cur.flags & SMTP_MIME_8BIT) {
				s->plan->other_8bit = true;
			}
			return SMTP_OK;
		}
		if (s->cur.flags & SMTP_MIME_LONG) {
			s->plan->long_lines = true;
		}
		return push_part(s->plan, &s->cur, err);
	}
	return SMTP_OK;
}

/* Index + 1 of the level whose boundary the line is, or 0; *close for "--b--". */
static size_t boundary_of(const scan_t *s, bool *close)
{
	const char *p = s->pre;
	size_t n = s->pre_len, k;

	if (s->line_len > s->pre_len || n < 3 || p[0] != '-' || p[1] != '-') {
		return 0;
	}
	/* RFC 2046 5.1.1: trailing white space after the boundary is padding. */
	while (n > 2 && is_wsp(p[n - 1])) {
		n--;
	}
	for (k = s->depth; k > 0; k--) {
		const level_t *l = &s->lv[k - 1];
		if (n >= 2 + l->len && memcmp(p + 2, l->b, l->len) == 0) {
			if (n == 2 + l->len) {
				*close = false;
				return k;
			}
			if (n == 4 + l->len && p[n - 2] == '-' && p[n - 1] == '-') {
				*close = true;
				return k;
			}
		}
	}
	return 0;
}

static smtp_rc_t header_line(scan_t *s, smtp_error_t *err)
{
	if (s->line_len == 0) {
		close_field(s, s->line_start);
		end_header(s, s->line_start);
		return SMTP_OK;
	}
	if (s->line_8bit) {
		s->plan->other_8bit = true;
	}
	if (!is_wsp(s->pre[0])) {
		size_t k;
		close_field(s, s->line_start);
		s->field_open = true;
		s->field_start = s->line_start;
		s->field_len = 0;
		for (k = 0; k < s->pre_len && k + 1 < sizeof(s->name) && s->pre[k] != ':'; k++) {
			s->name[k] = s->pre[k];
		}
		s->name[k] = '\0';
	}
	if (s->line_len > SMTP_TEXT_LINE_MAX) {
		char q[SCAN_NAME_MAX];
		smtp_text_sanitize(q, sizeof(q), s->name, strlen(s->name));
		return smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_MESSAGE, 0,
			"header field '%s' has a line of %llu octets (line %llu of the message), but RFC 5322 2.1.1 allows "
			"at most %d plus CRLF: fold it at white space (RFC 5322 2.2.3)", q,
			(unsigned long long)s->line_len, (unsigned long long)s->line_no, SMTP_TEXT_LINE_MAX);
	}
	if (s->field_open) {
		/* Unfolding (RFC 5322 2.2.3) drops the line break, keeps the rest. */
		size_t room = sizeof(s->field) - s->field_len, n = s->pre_len < room ? s->pre_len : room;
		memcpy(s->field + s->field_len, s->pre, n);
		s->field_len += n;
	}
	return SMTP_OK;
}

static smtp_rc_t end_line(scan_t *s, smtp_error_t *err)
{
	smtp_rc_t rc = SMTP_OK;
	bool close = false;
	size_t k;

	if (s->st == ST_HEADER) {
		return header_line(s, err);
	}
	if (s->depth > 0 && (k = boundary_of(s, &close)) != 0) {
		if (s->st == ST_BODY && (rc = close_leaf(s, s->prev_eol, err)) != SMTP_OK) {
			return rc;
		}
		s->depth = k;
		if (close) {
			s->depth--;
			s->st = ST_EPILOGUE;
		} else {
			s->parent_digest = s->lv[k - 1].digest;
			reset_header(s);
			s->st = ST_HEADER;
		}
		return SMTP_OK;
	}
	if (s->st == ST_BODY) {
		if (s->line_len > SMTP_TEXT_LINE_MAX) {
			if (s->why != NULL) {
				return too_long(s, s->why, err);
			}
			s->cur.flags |= SMTP_MIME_LONG;
		}
		if (s->line_8bit) {
			if (s->why != NULL) {
				s->plan->other_8bit = true;
			} else {
				s->cur.flags |= SMTP_MIME_8BIT;
			}
		}
		return SMTP_OK;
	}
	if (s->line_len > SMTP_TEXT_LINE_MAX) {
		return too_long(s, s->plan->frozen
			? "the message carries a DKIM-Signature, which re-encoding would break: encode the body as "
			  "quoted-printable or base64 before signing"
			: "it is in a multipart preamble or epilogue, which cannot be re-encoded", err);
	}
	if (s->line_8bit) {
		s->plan->other_8bit = true;
	}
	return SMTP_OK;
}

/* RFC 3629 4 shortest-form UTF-8, one octet at a time. */
static void utf8_step(scan_t *s, unsigned char b)
{
	if (s->u_need > 0) {
		if (b < s->u_lo || b > s->u_hi) {
			s->cur.flags &= ~SMTP_MIME_UTF8;
			s->u_need = 0;
			return;
		}
		s->u_need--;
		s->u_lo = 0x80;
		s->u_hi = 0xbf;
		return;
	}
	if (b < 0x80) {
		return;
	}
	s->u_lo = 0x80;
	s->u_hi = 0xbf;
	if (b >= 0xc2 && b <= 0xdf) {
		s->u_need = 1;
	} else if (b >= 0xe0 && b <= 0xef) {
		s->u_need = 2;
		s->u_lo = b == 0xe0 ? 0xa0 : 0x80;
		s->u_hi = b == 0xed ? 0x9f : 0xbf;
	} else if (b >= 0xf0 && b <= 0xf4) {
		s->u_need = 3;
		s->u_lo = b == 0xf0 ? 0x90 : 0x80;
		s->u_hi = b == 0xf4 ? 0x8f : 0xbf;
	} else {
		s->cur.flags &= ~SMTP_MIME_UTF8;
	}
}

static smtp_rc_t scan_bytes(scan_t *s, const char *p, size_t n, smtp_error_t *err)
{
	size_t i;
	smtp_rc_t rc;

	for (i = 0; i < n; i++, s->pos++) {
		unsigned char b = (unsigned char)p[i];
		if (s->eat_lf) {
			s->eat_lf = false;
			if (b == '\n') {
				s->line_start = s->pos + 1;
				continue;
			}
		}
		if (s->at_bol) {
			s->at_bol = false;
			if (s->body_pending) {
				s->cur.body_from = s->line_start;
				s->body_pending = false;
			}
		}
		if (b == '\r' || b == '\n') {
			if (s->st == ST_BODY && (s->cur.flags & SMTP_MIME_TOP) && s->u_need != 0) {
				s->cur.flags &= ~SMTP_MIME_UTF8;
				s->u_need = 0;
			}
			if ((rc = end_line(s, err)) != SMTP_OK) {
				return rc;
			}
			s->prev_eol = s->pos;
			s->line_no++;
			s->line_len = 0;
			s->pre_len = 0;
			s->line_8bit = false;
			s->at_bol = true;
			s->eat_lf = b == '\r';
			s->line_start = s->pos + 1;
			continue;
		}
		if (s->pre_len < sizeof(s->pre)) {
			s->pre[s->pre_len++] = (char)b;
		}
		s->line_len++;
		if (b >= 0x80) {
			s->line_8bit = true;
		}
		if (s->st == ST_BODY && (s->cur.flags & SMTP_MIME_TOP) && (b >= 0x80 || s->u_need > 0)) {
			utf8_step(s, b);
		}
	}
	return SMTP_OK;
}

smtp_rc_t smtp_mime_scan(smtp_mime_plan_t *plan, const smtp_mime_piece_t *pieces, size_t n, bool declare,
                         smtp_error_t *err)
{
	scan_t *s;
	size_t i;
	smtp_rc_t rc = SMTP_OK;

	smtp_mime_plan_destroy(plan);
	/* About 10 KB of state: on the heap, PHP's stack may be small. */
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_MESSAGE, 0, "out of memory");
	}
	s->plan = plan;
	s->declare = declare;
	s->st = ST_HEADER;
	s->top = true;
	s->line_no = 1;
	s->at_bol = true;
	reset_header(s);
	for (i = 0; i < n && rc == SMTP_OK; i++) {
		rc = scan_bytes(s, pieces[i].data, pieces[i].len, err);
	}
	if (rc == SMTP_OK && !s->at_bol) {
		/* The last line has no line end (the canonicaliser will add one). */
		if (s->st == ST_BODY && (s->cur.flags & SMTP_MIME_TOP) && s->u_need != 0) {
			s->cur.flags &= ~SMTP_MIME_UTF8;
		}
		rc = end_line(s, err);
	}
	if (rc == SMTP_OK && s->st == ST_BODY) {
		rc = close_leaf(s, s->pos, err);
	}
	plan->total = s->pos;
	free(s);
	if (rc != SMTP_OK) {
		smtp_mime_plan_destroy(plan);
	}
	return rc;
}

static bool needs_encoding(const smtp_mime_plan_t *plan, const smtp_mime_part_t *p, bool relay_8bitmime)
{
	return !plan->frozen
	       && ((p->flags & SMTP_MIME_LONG) != 0 || ((p->flags & SMTP_MIME_8BIT) != 0 && !relay_8bitmime));
}

static bool is_active(const smtp_mime_plan_t *plan, const smtp_mime_part_t *p, bool relay_8bitmime)
{
	return !plan->frozen && (needs_encoding(plan, p, relay_8bitmime) || (p->flags & SMTP_MIME_DECLARE) != 0);
}

bool smtp_mime_sends_8bit(const smtp_mime_plan_t *plan, bool relay_8bitmime)
{
	size_t i;

	if (plan->other_8bit) {
		return true;
	}
	for (i = 0; i < plan->count; i++) {
		const smtp_mime_part_t *p = &plan->parts[i];
		if ((p->flags & SMTP_MIME_8BIT) != 0 && !needs_encoding(plan, p, relay_8bitmime)) {
			return true;
		}
	}
	return false;
}

bool smtp_mime_changes(const smtp_mime_plan_t *plan, bool relay_8bitmime)
{
	size_t i;

	for (i = 0; i < plan->count; i++) {
		if (is_active(plan, &plan->parts[i], relay_8bitmime)) {
			return true;
		}
	}
	return false;
}

/* Moves to the next part the pass must touch. */
static void next_active(smtp_mime_enc_t *e)
{
	const smtp_mime_plan_t *plan = e->plan;

	while (e->part < plan->count && !is_active(plan, &plan->parts[e->part], e->relay_8bitmime)) {
		e->part++;
	}
	e->inserted = false;
	e->encode = e->part < plan->count && needs_encoding(plan, &plan->parts[e->part], e->relay_8bitmime);
	e->col = 0;
	e->wsp = 0;
	e->eat_lf = false;
}

void smtp_mime_enc_init(smtp_mime_enc_t *e, const smtp_mime_plan_t *plan, bool relay_8bitmime)
{
	memset(e, 0, sizeof(*e));
	e->plan = plan;
	e->relay_8bitmime = relay_8bitmime;
	e->rc = SMTP_OK;
	next_active(e);
}

static void pend(smtp_mime_enc_t *e, const char *p, size_t n)
{
	/* Callers never owe more than pend holds (checked by the sizes below). */
	memcpy(e->pend + e->pend_len, p, n);
	e->pend_len += n;
}

/* One encoded token (a literal character or "=XX"), preceded by a soft line
 * break when the line would grow past SMTP_QP_LINE_MAX with the "=". */
static void qp_token(smtp_mime_enc_t *e, unsigned char c, bool literal)
{
	static const char hex[] = "0123456789ABCDEF";
	char t[3];
	size_t n = literal ? 1 : 3;

	if (e->col + n > SMTP_QP_LINE_MAX - 1) {
		pend(e, "=\r\n", 3);
		e->col = 0;
	}
	/* A "-" starting a line could, after a soft break, form a line that reads
	 * as a boundary of an enclosing multipart. */
	if (literal && c == '-' && e->col == 0) {
		literal = false;
		n = 3;
	}
	if (literal) {
		t[0] = (char)c;
	} else {
		t[0] = '=';
		t[1] = hex[c >> 4];
		t[2] = hex[c & 0x0f];
	}
	pend(e, t, n);
	e->col += n;
}

/* RFC 2045 6.7 (3): white space ending a line is encoded. */
static void qp_flush_wsp(smtp_mime_enc_t *e, bool line_ends)
{
	if (e->wsp != 0) {
		qp_token(e, (unsigned char)e->wsp, !line_ends);
		e->wsp = 0;
	}
}

static void qp_byte(smtp_mime_enc_t *e, unsigned char c)
{
	if (e->eat_lf) {
		e->eat_lf = false;
		if (c == '\n') {
			return;
		}
	}
	if (c == '\r' || c == '\n') {
		/* A line end of the text is a hard line break (RFC 2045 6.7 (4)). */
		qp_flush_wsp(e, true);
		pend(e, "\r\n", 2);
		e->col = 0;
		e->eat_lf = c == '\r';
		return;
	}
	qp_flush_wsp(e, false);
	if (c == ' ' || c == '\t') {
		e->wsp = (char)c;
		return;
	}
	/* RFC 2045 6.7 (1), (2): "=", 8-bit octets and controls are encoded. */
	qp_token(e, c, c >= 33 && c <= 126 && c != '=');
}

static void put_additions(smtp_mime_enc_t *e, const smtp_mime_part_t *p)
{
	if ((p->flags & SMTP_MIME_TOP) != 0) {
		if ((p->flags & SMTP_MIME_HAS_VERSION) == 0) {
			pend(e, "MIME-Version: 1.0\r\n", 19);
		}
		/* The charset is named only when known: valid UTF-8 with 8-bit text.
		 * Anything else keeps RFC 2045 5.2's default, as before. */
		if ((p->flags & (SMTP_MIME_HAS_TYPE | SMTP_MIME_UTF8 | SMTP_MIME_8BIT)) == (SMTP_MIME_UTF8 | SMTP_MIME_8BIT)) {
			static const char ct[] = "Content-Type: text/plain; charset=UTF-8\r\n";
			pend(e, ct, sizeof(ct) - 1);
		}
	}
	if (e->encode) {
		static const char qp[] = "Content-Transfer-Encoding: quoted-printable\r\n";
		pend(e, qp, sizeof(qp) - 1);
	} else if ((p->flags & SMTP_MIME_8BIT) != 0) {
		static const char b8[] = "Content-Transfer-Encoding: 8bit\r\n";
		pend(e, b8, sizeof(b8) - 1);
	} else {
		static const char b7[] = "Content-Transfer-Encoding: 7bit\r\n";
		pend(e, b7, sizeof(b7) - 1);
	}
}

smtp_rc_t smtp_mime_feed(smtp_mime_enc_t *e, const char *in, size_t len, size_t *consumed, char *out, size_t cap,
                         size_t *produced, smtp_error_t *err)
{
	const smtp_mime_plan_t *plan = e->plan;
	size_t i = 0, o = 0;

	*consumed = 0;
	*produced = 0;
	if (e->rc != SMTP_OK) {
		return smtp_error_set(err, e->rc, SMTP_STAGE_DATA, 0, "the re-encoder failed earlier");
	}
	if (cap == 0) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_DATA, 0, "the re-encoder was given no room for output");
	}
	if (len > plan->total - e->pos) {
		e->rc = SMTP_E_STATE;
		return smtp_error_set(err, SMTP_E_STATE, SMTP_STAGE_DATA, 0,
		                      "the re-encoder was given more than the message it planned for");
	}
	for (;;) {
		const smtp_mime_part_t *p = e->part < plan->count ? &plan->parts[e->part] : NULL;
		uint64_t next;
		size_t n;

		while (e->pend_off < e->pend_len && o < cap) {
			out[o++] = e->pend[e->pend_off++];
		}
		if (e->pend_off < e->pend_len) {
			break;
		}
		e->pend_off = e->pend_len = 0;
		if (p != NULL && !e->inserted && e->pos == p->insert_at) {
			put_additions(e, p);
			e->inserted = true;
			if (!e->encode) {
				e->part++;
				next_active(e);
				e->inserted = false;
			}
			continue;
		}
		if (p != NULL && e->inserted && e->pos == p->body_to) {
			qp_flush_wsp(e, true);
			e->part++;
			next_active(e);
			continue;
		}
		if (i == len || o == cap) {
			break;
		}
		if (p != NULL && e->inserted && e->pos >= p->body_from) {
			qp_byte(e, (unsigned char)in[i]);
			i++;
			e->pos++;
			continue;
		}
		if (p != NULL && !e->inserted && e->pos >= p->drop_from && e->pos < p->drop_to) {
			n = len - i;
			if (n > p->drop_to - e->pos) {
				n = (size_t)(p->drop_to - e->pos);
			}
			i += n;
			e->pos += n;
			continue;
		}
		/* Copied as is up to the next place where something happens. */
		next = plan->total;
		if (p != NULL) {
			next = !e->inserted ? (e->pos < p->drop_from ? p->drop_from : p->insert_at) : p->body_from;
		}
		n = len - i;
		if (n > cap - o) {
			n = cap - o;
		}
		if (n > next - e->pos) {
			n = (size_t)(next - e->pos);
		}
		memcpy(out + o, in + i, n);
		i += n;
		o += n;
		e->pos += n;
	}
	*consumed = i;
	*produced = o;
	return SMTP_OK;
}

smtp_rc_t smtp_mime_finish(smtp_mime_enc_t *e, char *out, size_t cap, size_t *produced, smtp_error_t *err)
{
	size_t consumed;

	*produced = 0;
	if (e->rc == SMTP_OK && e->pos != e->plan->total) {
		e->rc = SMTP_E_STATE;
		return smtp_error_set(err, SMTP_E_STATE, SMTP_STAGE_DATA, 0,
		                      "the re-encoder was ended before the whole message was fed");
	}
	return smtp_mime_feed(e, "", 0, &consumed, out, cap, produced, err);
}
