/* smtp_limit.c: see smtp_limit.h. */
#include "smtp_limit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_buf.h"

/* Room for a path: the directory, '/', a key, ".<index>.slot", NUL. */
#define LIMIT_PATH_MAX 4096
/* Longest line of the window log: 20 digits and LF. */
#define LIMIT_LINE_MAX 21

void smtp_limit_slot_init(smtp_limit_slot_t *slot)
{
	slot->file_ = SMTP_FILE_NONE;
	slot->index = 0;
}

bool smtp_limit_slot_is_held(const smtp_limit_slot_t *slot)
{
	return slot->file_ != SMTP_FILE_NONE;
}

static bool key_ok(const char *key)
{
	size_t n = 0;

	if (key == NULL) {
		return false;
	}
	for (; key[n] != '\0'; n++) {
		if (!((key[n] >= '0' && key[n] <= '9') || (key[n] >= 'a' && key[n] <= 'f')) || n + 1 >= SMTP_LIMIT_KEY_MAX) {
			return false;
		}
	}
	return n > 0;
}

static smtp_rc_t io_error(smtp_error_t *err, const char *what, const char *path, int e)
{
	char text[160];

	smtp_os_err_text(e, text, sizeof(text));
	return smtp_error_set(err, SMTP_E_IO, SMTP_STAGE_CONNECT, 0, "%s %s: %s", what, path, text);
}

/* Opens (creating) the file at path for a lock; a new file a root process made
 * goes to owner, so the workers can open it too. */
static smtp_rc_t open_state(const char *path, const smtp_owner_t *owner, smtp_file_t *f, smtp_error_t *err)
{
	int e = smtp_file_open_rw(path, f);

	if (e == 0 && owner != NULL && owner->known) {
		e = smtp_file_give(*f, owner);
		if (e != 0) {
			smtp_file_close(*f);
			*f = SMTP_FILE_NONE;
		}
	}
	return e == 0 ? SMTP_OK : io_error(err, "cannot open the limit file", path, e);
}

smtp_rc_t smtp_limit_slot_try(const char *dir, const char *key, unsigned max, unsigned first,
                              const smtp_owner_t *owner, smtp_limit_slot_t *slot, smtp_error_t *err)
{
	char path[LIMIT_PATH_MAX];
	unsigned k;

	if (!key_ok(key) || max == 0 || max > SMTP_LIMIT_SLOTS_MAX || dir == NULL) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_CONNECT, 0, "connection slots: bad key or count");
	}
	for (k = 0; k < max; k++) {
		unsigned i = (first + k) % max;
		smtp_file_t f;
		int e;
		smtp_rc_t rc;
		int n = snprintf(path, sizeof(path), "%s/%s.%u.slot", dir, key, i);

		if (n < 0 || (size_t)n >= sizeof(path)) {
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_CONNECT, 0, "connection slots: directory path too long");
		}
		rc = open_state(path, owner, &f, err);
		if (rc != SMTP_OK) {
			return rc;
		}
		e = smtp_file_trylock(f);
		if (e == 0) {
			slot->file_ = f;
			slot->index = i;
			return SMTP_OK;
		}
		smtp_file_close(f);
		if (!smtp_os_err_is_busy(e)) {
			return io_error(err, "cannot lock", path, e);
		}
	}
	return smtp_error_set(err, SMTP_E_BUSY, SMTP_STAGE_CONNECT, 0,
	                      "all %u connection slots are in use (smtpmail.max_connections)", max);
}

smtp_rc_t smtp_limit_slot_take(const char *dir, const char *key, unsigned max, unsigned first,
                               const smtp_owner_t *owner, uint64_t deadline_ms, smtp_limit_slot_t *slot,
                               smtp_error_t *err)
{
	unsigned pause = 5;

	for (;;) {
		smtp_rc_t rc = smtp_limit_slot_try(dir, key, max, first, owner, slot, err);
		uint64_t now;

		if (rc != SMTP_E_BUSY) {
			return rc;
		}
		now = smtp_clock_ms();
		if (now >= deadline_ms) {
			return rc;
		}
		/* Polling, not a blocking lock: the wait is on any one of max files,
		 * and must end at the deadline. */
		smtp_sleep_ms(deadline_ms - now < pause ? (unsigned)(deadline_ms - now) : pause);
		pause = pause * 2 > SMTP_LIMIT_POLL_MAX_MS ? SMTP_LIMIT_POLL_MAX_MS : pause * 2;
	}
}

void smtp_limit_slot_release(smtp_limit_slot_t *slot)
{
	if (slot != NULL && slot->file_ != SMTP_FILE_NONE) {
		smtp_file_close(slot->file_);
		slot->file_ = SMTP_FILE_NONE;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

size_t smtp_limit_window_parse(const char *text, size_t len, uint64_t now_ms, uint64_t *stamps, size_t cap)
{
	size_t n = 0, pos = 0;

	if (cap == 0) {
		return 0;
	}
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t l = nl != NULL ? (size_t)(nl - line) : len - pos;
		uint64_t t;

		pos += l + (nl != NULL ? 1 : 0);
		/* Only a line with its LF: a rewrite cut short leaves a partial last line. */
		if (nl == NULL || !smtp_buf_parse_u64(line, l, &t) || t > now_ms || now_ms - t >= SMTP_LIMIT_WINDOW_MS) {
			continue;
		}
		if (n == cap) {
			/* More than fit: keep the newest (replace the oldest). */
			size_t oldest = 0, i;
			for (i = 1; i < n; i++) {
				if (stamps[i] < stamps[oldest]) {
					oldest = i;
				}
			}
			if (t > stamps[oldest]) {
				stamps[oldest] = t;
			}
			continue;
		}
		stamps[n++] = t;
	}
	qsort(stamps, n, sizeof(*stamps), cmp_u64);
	return n;
}

bool smtp_limit_window_admit(const uint64_t *stamps, size_t n, uint64_t now_ms, unsigned limit, uint64_t *wait_ms)
{
	uint64_t leaves;

	*wait_ms = 0;
	if (limit == 0) {
		/* No send is ever allowed; the caller treats 0 as "no limit" before this. */
		*wait_ms = SMTP_LIMIT_WINDOW_MS;
		return false;
	}
	if (n < limit) {
		return true;
	}
	/* With n >= limit in the window, one more is allowed once all but
	 * limit - 1 have left it: when stamps[n - limit] is a window old. */
	leaves = stamps[n - limit] + SMTP_LIMIT_WINDOW_MS;
	*wait_ms = leaves > now_ms ? leaves - now_ms : 1;
	return false;
}

size_t smtp_limit_window_format(const uint64_t *stamps, size_t n, char *out, size_t cap)
{
	size_t used = 0, i;

	for (i = 0; i < n; i++) {
		int w;
		if (cap - used < LIMIT_LINE_MAX + 1) {
			return 0;
		}
		w = snprintf(out + used, cap - used, "%llu\n", (unsigned long long)stamps[i]);
		if (w < 0 || (size_t)w >= cap - used) {
			return 0;
		}
		used += (size_t)w;
	}
	return used;
}

/* Waits for the exclusive lock of f until deadline_ms. */
static int lock_until(smtp_file_t f, uint64_t deadline_ms)
{
	unsigned pause = 1;

	for (;;) {
		int e = smtp_file_trylock(f);
		uint64_t now;
		if (e == 0 || !smtp_os_err_is_busy(e)) {
			return e;
		}
		now = smtp_clock_ms();
		if (now >= deadline_ms) {
			return e;
		}
		smtp_sleep_ms(pause);
		pause = pause * 2 > 20 ? 20 : pause * 2;
	}
}

smtp_rc_t smtp_limit_rate_take(const char *dir, const char *key, unsigned limit, uint64_t now_ms,
                               const smtp_owner_t *owner, uint64_t deadline_ms, uint64_t *wait_ms, smtp_error_t *err)
{
	char path[LIMIT_PATH_MAX];
	/* The log holds at most limit lines of LIMIT_LINE_MAX, and some garbage. */
	size_t cap = (size_t)limit * LIMIT_LINE_MAX + LIMIT_LINE_MAX + 1;
	char *text = NULL;
	uint64_t *stamps = NULL;
	size_t len = 0, n;
	smtp_file_t f = SMTP_FILE_NONE;
	smtp_rc_t rc;
	int e, w;

	*wait_ms = 0;
	if (!key_ok(key) || limit == 0 || limit > SMTP_LIMIT_RATE_MAX || dir == NULL) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_CONNECT, 0, "message rate: bad key or limit");
	}
	w = snprintf(path, sizeof(path), "%s/%s.rate", dir, key);
	if (w < 0 || (size_t)w >= sizeof(path)) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_CONNECT, 0, "message rate: directory path too long");
	}
	text = malloc(cap);
	stamps = malloc(((size_t)limit + 1) * sizeof(*stamps));
	if (text == NULL || stamps == NULL) {
		rc = smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_CONNECT, 0, "out of memory");
		goto out;
	}
	rc = open_state(path, owner, &f, err);
	if (rc != SMTP_OK) {
		goto out;
	}
	e = lock_until(f, deadline_ms);
	if (e != 0) {
		rc = smtp_os_err_is_busy(e)
		         ? smtp_error_set(err, SMTP_E_BUSY, SMTP_STAGE_CONNECT, 0, "message rate: %s stayed locked", path)
		         : io_error(err, "cannot lock", path, e);
		*wait_ms = SMTP_LIMIT_POLL_MAX_MS;
		goto out;
	}
	/* A log longer than cap is someone else's file or garbage: what was read
	 * is used, the rest dropped by the rewrite. */
	while (len < cap - 1) {
		size_t got = 0;
		e = smtp_file_read(f, text + len, cap - 1 - len, &got);
		if (e != 0) {
			rc = io_error(err, "cannot read", path, e);
			goto out;
		}
		if (got == 0) {
			break;
		}
		len += got;
	}
	n = smtp_limit_window_parse(text, len, now_ms, stamps, limit);
	if (!smtp_limit_window_admit(stamps, n, now_ms, limit, wait_ms)) {
		rc = smtp_error_set(err, SMTP_E_BUSY, SMTP_STAGE_CONNECT, 0,
		                    "%u messages were sent in the last minute (smtpmail.max_per_minute)", limit);
		goto out;
	}
	/* Forget what no longer counts: the limit - 1 newest and this send. */
	if (n >= limit) {
		memmove(stamps, stamps + (n - limit + 1), (limit - 1) * sizeof(*stamps));
		n = limit - 1;
	}
	stamps[n++] = now_ms;
	len = smtp_limit_window_format(stamps, n, text, cap);
	e = len == 0 ? -1 : smtp_file_rewrite(f, text, len);
	if (e != 0) {
		rc = len == 0 ? smtp_error_set(err, SMTP_E_INTERNAL, SMTP_STAGE_CONNECT, 0, "message rate: log too long")
		              : io_error(err, "cannot write", path, e);
		goto out;
	}
	rc = SMTP_OK;
out:
	smtp_file_close(f);
	free(text);
	free(stamps);
	return rc;
}
