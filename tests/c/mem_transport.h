/*
 * mem_transport.h: an in-memory smtp_transport_t that replays a server script,
 * for the session tests. Header-only (static functions): a test includes it.
 *
 * A script is an ordered list of steps, consumed as the client does I/O:
 *   mem_send(m, bytes)   the server sends these bytes. One read returns bytes
 *                        of one step only, so splitting a reply over several
 *                        steps splits it over several reads, and one step may
 *                        hold several replies (one read returns them all).
 *   mem_expect(m, bytes) the client must have written exactly these bytes since
 *                        the previous expect. Checked when the client next
 *                        reads, starts TLS, or at mem_finish(); a mismatch is
 *                        recorded (printed and counted), never aborts.
 *   mem_timeout(m), mem_closed(m)   the next read fails this way.
 *   mem_write_fail(m)    the next write fails (SMTP_E_IO); it must be the step
 *                        right after the last one a read consumed.
 *   mem_tls(m), mem_tls_fail(m)     starttls() is called here and succeeds or fails.
 * A read with nothing left in the script is a script error reported as a
 * timeout, so a session bug can never hang a test. pending() is true while the
 * next step is data the server has sent (a mem_send not yet read).
 *
 * Everything the client wrote is kept in m->out (with "<<STARTTLS>>" where the
 * handshake happened), and each write() call's extent is recorded, so a test
 * can prove that a pipelined envelope went out in one write.
 */
#ifndef SMTP_MEM_TRANSPORT_H
#define SMTP_MEM_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "smtp_compat.h"
#include "smtp_transport.h"

/* Steps in one script, and write() calls whose extents are remembered. */
#define MEM_STEPS_MAX 256
#define MEM_WRITES_MAX 4096

typedef enum {
	MEM_SEND,
	MEM_EXPECT,
	MEM_READ_TIMEOUT,
	MEM_READ_CLOSED,
	MEM_WRITE_FAIL,
	MEM_TLS_OK,
	MEM_TLS_FAIL
} mem_step_kind_t;

typedef struct {
	mem_step_kind_t kind;
	const char *data;   /* borrowed: must outlive the script */
	size_t len;
} mem_step_t;

typedef struct {
	mem_step_t steps[MEM_STEPS_MAX];
	size_t nsteps;
	size_t cur;          /* next step */
	size_t cur_off;      /* bytes of steps[cur] (a MEM_SEND) already read */

	char *out;           /* everything the client wrote, plus TLS markers; owned */
	size_t out_len, out_cap;
	size_t since;        /* offset in out of the bytes not yet matched by an expect */

	size_t write_off[MEM_WRITES_MAX];
	size_t write_len[MEM_WRITES_MAX];
	unsigned writes;     /* write() calls, failed ones included */
	unsigned reads;
	unsigned starttls_calls;
	unsigned pending_calls;
	bool tls;
	bool nomem;
	int mismatches;      /* script errors: a test asserts this stays 0 */
} mem_transport_t;

static const char *mem_kind_name(mem_step_kind_t k)
{
	switch (k) {
	case MEM_SEND: return "send";
	case MEM_EXPECT: return "expect";
	case MEM_READ_TIMEOUT: return "read timeout";
	case MEM_READ_CLOSED: return "read closed";
	case MEM_WRITE_FAIL: return "write failure";
	case MEM_TLS_OK: return "starttls";
	case MEM_TLS_FAIL: return "failing starttls";
	}
	return "?";
}

static void mem_init(mem_transport_t *m)
{
	memset(m, 0, sizeof(*m));
}

static void mem_destroy(mem_transport_t *m)
{
	free(m->out);
	memset(m, 0, sizeof(*m));
}

static void mem_mismatch(mem_transport_t *m, const char *what)
{
	m->mismatches++;
	fprintf(stderr, "mem_transport: step %zu: %s\n", m->cur, what);
}

static void mem_add(mem_transport_t *m, mem_step_kind_t kind, const char *data, size_t len)
{
	if (m->nsteps == MEM_STEPS_MAX || (kind == MEM_SEND && len == 0)) {
		/* A read must return at least one byte: an empty send is a script bug. */
		mem_mismatch(m, "script too long, or an empty send");
		return;
	}
	m->steps[m->nsteps].kind = kind;
	m->steps[m->nsteps].data = data;
	m->steps[m->nsteps].len = len;
	m->nsteps++;
}

static void mem_send_n(mem_transport_t *m, const char *d, size_t n) { mem_add(m, MEM_SEND, d, n); }
static void mem_send(mem_transport_t *m, const char *d) { mem_add(m, MEM_SEND, d, strlen(d)); }
static void mem_expect_n(mem_transport_t *m, const char *d, size_t n) { mem_add(m, MEM_EXPECT, d, n); }
static void mem_expect(mem_transport_t *m, const char *d) { mem_add(m, MEM_EXPECT, d, strlen(d)); }
static void mem_timeout(mem_transport_t *m) { mem_add(m, MEM_READ_TIMEOUT, NULL, 0); }
static void mem_closed(mem_transport_t *m) { mem_add(m, MEM_READ_CLOSED, NULL, 0); }
static void mem_write_fail(mem_transport_t *m) { mem_add(m, MEM_WRITE_FAIL, NULL, 0); }
static void mem_tls(mem_transport_t *m) { mem_add(m, MEM_TLS_OK, NULL, 0); }
static void mem_tls_fail(mem_transport_t *m) { mem_add(m, MEM_TLS_FAIL, NULL, 0); }

static void mem_record(mem_transport_t *m, const char *p, size_t n)
{
	if (m->out_len + n + 1 > m->out_cap) {
		size_t cap = m->out_cap ? m->out_cap : 4096;
		char *q;
		while (cap < m->out_len + n + 1) {
			cap *= 2;
		}
		q = realloc(m->out, cap);
		if (q == NULL) {
			m->nomem = true;
			mem_mismatch(m, "out of memory recording the transcript");
			return;
		}
		m->out = q;
		m->out_cap = cap;
	}
	memcpy(m->out + m->out_len, p, n);
	m->out_len += n;
	m->out[m->out_len] = '\0';
}

/* Checks every expect step at the cursor against what the client wrote since the previous one. */
static void mem_run_expects(mem_transport_t *m)
{
	while (m->cur < m->nsteps && m->steps[m->cur].kind == MEM_EXPECT) {
		const mem_step_t *st = &m->steps[m->cur];
		size_t have = m->out_len - m->since;
		const char *got = m->out != NULL ? m->out + m->since : "";

		if (have != st->len || (have > 0 && memcmp(got, st->data, have) != 0)) {
			m->mismatches++;
			fprintf(stderr, "mem_transport: step %zu: the client wrote\n  \"", m->cur);
			check_escaped_(stderr, got, have);
			fputs("\"\n  expected\n  \"", stderr);
			check_escaped_(stderr, st->data, st->len);
			fputs("\"\n", stderr);
		}
		m->since = m->out_len;
		m->cur++;
	}
}

static smtp_rc_t mem_read(void *ctx, char *buf, size_t cap, size_t *got, uint64_t deadline_ms,
                          smtp_error_t *err)
{
	mem_transport_t *m = ctx;
	const mem_step_t *st;
	size_t n;

	*got = 0;
	m->reads++;
	if (cap == 0 || deadline_ms < smtp_clock_ms()) {
		mem_mismatch(m, "read with no room or a deadline in the past");
	}
	mem_run_expects(m);
	if (m->cur >= m->nsteps) {
		mem_mismatch(m, "the client reads past the end of the script");
		return smtp_error_set(err, SMTP_E_TIMEOUT, SMTP_STAGE_NONE, 0, "mem: script exhausted");
	}
	st = &m->steps[m->cur];
	switch (st->kind) {
	case MEM_SEND:
		n = st->len - m->cur_off;
		if (n > cap) {
			n = cap;
		}
		memcpy(buf, st->data + m->cur_off, n);
		m->cur_off += n;
		if (m->cur_off == st->len) {
			m->cur++;
			m->cur_off = 0;
		}
		*got = n;
		return SMTP_OK;
	case MEM_READ_TIMEOUT:
		m->cur++;
		return smtp_error_set(err, SMTP_E_TIMEOUT, SMTP_STAGE_NONE, 0, "mem: read timed out");
	case MEM_READ_CLOSED:
		m->cur++;
		return smtp_error_set(err, SMTP_E_CLOSED, SMTP_STAGE_NONE, 0, "mem: end of stream");
	default:
		fprintf(stderr, "mem_transport: the client reads where the script has a %s\n", mem_kind_name(st->kind));
		mem_mismatch(m, "unexpected read");
		return smtp_error_set(err, SMTP_E_TIMEOUT, SMTP_STAGE_NONE, 0, "mem: unexpected read");
	}
}

static smtp_rc_t mem_write(void *ctx, const char *buf, size_t len, uint64_t deadline_ms, smtp_error_t *err)
{
	mem_transport_t *m = ctx;

	if (len == 0 || deadline_ms < smtp_clock_ms()) {
		mem_mismatch(m, "empty write or a deadline in the past");
	}
	if (m->writes < MEM_WRITES_MAX) {
		m->write_off[m->writes] = m->out_len;
		m->write_len[m->writes] = len;
	}
	m->writes++;
	if (m->cur < m->nsteps && m->steps[m->cur].kind == MEM_WRITE_FAIL) {
		m->cur++;
		if (m->writes <= MEM_WRITES_MAX) {
			m->write_len[m->writes - 1] = 0;
		}
		return smtp_error_set(err, SMTP_E_IO, SMTP_STAGE_NONE, 0, "mem: write failed");
	}
	mem_record(m, buf, len);
	return SMTP_OK;
}

static smtp_rc_t mem_starttls(void *ctx, uint64_t deadline_ms, smtp_error_t *err)
{
	mem_transport_t *m = ctx;

	(void)deadline_ms;
	m->starttls_calls++;
	mem_run_expects(m);
	if (m->cur < m->nsteps && m->steps[m->cur].kind == MEM_TLS_OK) {
		m->cur++;
		m->tls = true;
		mem_record(m, "<<STARTTLS>>", 12);
		m->since = m->out_len;
		return SMTP_OK;
	}
	if (m->cur < m->nsteps && m->steps[m->cur].kind == MEM_TLS_FAIL) {
		m->cur++;
		mem_record(m, "<<STARTTLS FAILED>>", 19);
		m->since = m->out_len;
		return smtp_error_set(err, SMTP_E_TLS, SMTP_STAGE_NONE, 0, "mem: certificate verify failed");
	}
	mem_mismatch(m, "starttls() called where the script does not expect it");
	return smtp_error_set(err, SMTP_E_TLS, SMTP_STAGE_NONE, 0, "mem: unexpected starttls");
}

static bool mem_pending(void *ctx)
{
	mem_transport_t *m = ctx;

	m->pending_calls++;
	return m->cur < m->nsteps && m->steps[m->cur].kind == MEM_SEND;
}

static smtp_transport_t mem_transport(mem_transport_t *m)
{
	smtp_transport_t t;

	t.ctx = m;
	t.read = mem_read;
	t.write = mem_write;
	t.starttls = mem_starttls;
	t.pending = mem_pending;
	return t;
}

/* Steps not consumed yet. */
static size_t mem_steps_left(const mem_transport_t *m)
{
	return m->nsteps - m->cur;
}

/* Ends the script: runs trailing expects, then requires every step consumed and
 * every written byte matched. Returns the number of mismatches seen in all. */
static int mem_finish(mem_transport_t *m)
{
	mem_run_expects(m);
	if (m->cur < m->nsteps) {
		fprintf(stderr, "mem_transport: the script has %zu step(s) left, next a %s\n", m->nsteps - m->cur,
		        mem_kind_name(m->steps[m->cur].kind));
		mem_mismatch(m, "script not finished");
	}
	if (m->since != m->out_len) {
		fputs("mem_transport: the client wrote more than the script expects: \"", stderr);
		check_escaped_(stderr, m->out + m->since, m->out_len - m->since);
		fputs("\"\n", stderr);
		mem_mismatch(m, "unexpected bytes at the end");
	}
	return m->mismatches;
}

/* The bytes of the k-th write() call (0-based). */
static const char *mem_write_data(const mem_transport_t *m, unsigned k, size_t *len)
{
	if (k >= m->writes || k >= MEM_WRITES_MAX || m->out == NULL) {
		*len = 0;
		return "";
	}
	*len = m->write_len[k];
	return m->out + m->write_off[k];
}

#endif
