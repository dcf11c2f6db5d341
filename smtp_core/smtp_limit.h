/*
 * smtp_limit.h: how many sessions one relay account may have open, and how
 * many messages it may take a minute, counted across every process of the
 * machine (smtpmail.max_connections, smtpmail.max_per_minute).
 *
 * Both are kept in small files in one directory the caller chose and checked
 * (private to the user the workers run as); an account is named by a key, a
 * digest the caller made (lowercase hex, nothing secret).
 *
 * Sessions: max slot files "<key>.<i>.slot"; an open session holds an
 * exclusive lock on one of them (flock; LockFileEx on Windows) for as long as
 * it is open. The lock belongs to the open file, so a process that dies, even
 * by SIGKILL, frees its slot: the system drops the lock with the descriptor.
 *
 * Messages: "<key>.rate" holds the send times (wall clock, ms, one decimal
 * number a line) of the last minute, rewritten under its lock: a sliding
 * window log, so no 60-second window ever holds more than the limit (a token
 * bucket would let a full bucket and a minute's refill, twice the limit,
 * through one window, which is what providers count). Garbage lines (a crash
 * mid-rewrite) are ignored: the log can only forget sends, never invent them.
 *
 * The module decides nothing about what to do when a limit is reached; it
 * never talks SMTP and keeps no globals. Every OS call goes through
 * smtp_compat.h.
 */
#ifndef SMTP_LIMIT_H
#define SMTP_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_compat.h"
#include "smtp_error.h"

/* Largest max_connections: far above any provider's (Microsoft 365 allows 3
 * per mailbox) and a bound on the slot files tried per attempt. */
#define SMTP_LIMIT_SLOTS_MAX 1000
/* Largest max_per_minute: bounds the window log (about 15 bytes a send). */
#define SMTP_LIMIT_RATE_MAX 10000
/* The window providers count in. */
#define SMTP_LIMIT_WINDOW_MS 60000u
/* A key: 1 to 64 lowercase hex digits. */
#define SMTP_LIMIT_KEY_MAX 65
/* How long a waiter sleeps between looks at the slots, at most (ms). */
#define SMTP_LIMIT_POLL_MAX_MS 100u

/* A session slot. Init before use; held while file_ is open. */
typedef struct {
	smtp_file_t file_;
	unsigned index;     /* which slot (0 .. max-1) while held */
} smtp_limit_slot_t;

void smtp_limit_slot_init(smtp_limit_slot_t *slot);
bool smtp_limit_slot_is_held(const smtp_limit_slot_t *slot);

/* Tries each of the max slots of key in dir once, starting at first % max,
 * without waiting. SMTP_OK: *slot holds one. SMTP_E_BUSY: all max are held
 * (by any process, this one included). SMTP_E_ARG (bad key, max 0 or over
 * SMTP_LIMIT_SLOTS_MAX), SMTP_E_IO naming the file. owner (may be NULL):
 * slot files a root process creates are given to it (smtp_file_give). */
smtp_rc_t smtp_limit_slot_try(const char *dir, const char *key, unsigned max, unsigned first,
                              const smtp_owner_t *owner, smtp_limit_slot_t *slot, smtp_error_t *err);
/* As smtp_limit_slot_try, but while every slot is held, looks again every few
 * milliseconds (backing off to SMTP_LIMIT_POLL_MAX_MS) until deadline_ms on
 * smtp_clock_ms(); then SMTP_E_BUSY. */
smtp_rc_t smtp_limit_slot_take(const char *dir, const char *key, unsigned max, unsigned first,
                               const smtp_owner_t *owner, uint64_t deadline_ms, smtp_limit_slot_t *slot,
                               smtp_error_t *err);
/* Frees the slot (unlocks and closes); a slot not held is a no-op. */
void smtp_limit_slot_release(smtp_limit_slot_t *slot);

/* Pure: reads a window log (text, len bytes) into stamps (at most cap, the
 * newest kept when there are more), keeping only the times inside the minute
 * before now_ms (now_ms - WINDOW < t <= now_ms: a time in the future is a
 * clock that stepped back, and is dropped). Returns how many, ascending. */
size_t smtp_limit_window_parse(const char *text, size_t len, uint64_t now_ms, uint64_t *stamps, size_t cap);
/* Pure: true when one more send at now_ms keeps the n stamps (ascending, from
 * parse) within limit per window; otherwise *wait_ms is how long until the
 * oldest one that matters leaves the window. */
bool smtp_limit_window_admit(const uint64_t *stamps, size_t n, uint64_t now_ms, unsigned limit, uint64_t *wait_ms);
/* Pure: writes stamps as the log's text into out (cap bytes); returns the
 * length, or 0 when it does not fit. */
size_t smtp_limit_window_format(const uint64_t *stamps, size_t n, char *out, size_t cap);

/* One send of key at now_ms (wall clock): under the lock of "<key>.rate",
 * records it when the last minute holds fewer than limit (SMTP_OK), else
 * records nothing and returns SMTP_E_BUSY with *wait_ms, the time until one
 * is allowed. The lock is waited for until deadline_ms (smtp_clock_ms();
 * another process holds it for a read and a write only). SMTP_E_ARG,
 * SMTP_E_IO, SMTP_E_NOMEM. */
smtp_rc_t smtp_limit_rate_take(const char *dir, const char *key, unsigned limit, uint64_t now_ms,
                               const smtp_owner_t *owner, uint64_t deadline_ms, uint64_t *wait_ms, smtp_error_t *err);

#endif
