/*
 * smtp_spool.h: a durable on-disk queue of messages not yet handed to a relay.
 *
 * A message accepted into the spool is on stable storage before the call
 * returns (temporary file, fsync, rename, fsync of the directory; on Windows
 * FlushFileBuffers, MoveFileExW and FlushFileBuffers on the directory, which
 * commits NTFS's log: see smtp_dir_sync() in smtp_compat.h), and leaves
 * it only when a flusher reports it delivered (done) or gives up on it (fail:
 * moved to failed/ with the reason). Several flushers may work on one spool at
 * once: a message is claimed with an exclusive non-blocking lock, so no two
 * flushers send it. The module only stores and loads; it never talks SMTP and
 * decides no policy (when to give up is the caller's choice). It keeps no
 * globals; every OS call goes through smtp_compat.h.
 *
 * Layout under the spool directory (all created 0700):
 *   tmp/     files being written; never read by anyone
 *   queue/   <id>.msg (immutable) and, after a failed try, <id>.retry
 *   failed/  <id>.msg and <id>.reason (text: time, attempts, recipients, reason)
 *
 * <id>.msg: "smtpmail-spool 1", "created <unix>", optionally "dest <token>",
 * "from <addr or empty>", one
 * "rcpt <addr>" per recipient, "unknown 0|1", "size <bytes>", each ending in
 * LF, then an empty line and exactly the message bytes as given (not
 * canonicalised). <id>.retry: "attempts N", "next <unix>", "unknown 0|1",
 * "error <printable text>" and the "rcpt" lines still to do; it replaces the
 * .msg's recipients and is rewritten atomically (tmp/ then rename).
 * Ids are "<created, 10+ digits>-<pid>-<16 hex digits>": sorted as strings,
 * oldest first (until the year 2286).
 */
#ifndef SMTP_SPOOL_H
#define SMTP_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_addr.h"
#include "smtp_compat.h"
#include "smtp_error.h"
#include "smtp_session.h"

/* Room for an id and its NUL: 20 digits, '-', 20 digits, '-', 16 hex digits. */
#define SMTP_SPOOL_ID_MAX 64
/* Room for a destination token and its NUL (see smtp_spool_write_for). */
#define SMTP_SPOOL_DEST_MAX 72
/* Room for a full path (spool dir + subdirectory + file name) and its NUL. */
#define SMTP_SPOOL_PATH_MAX 4096
/* Largest spool file read or written (header and message). RFC 5321 4.5.3.1.7
 * sets no upper bound on a message; this is local policy, well above the
 * usual relay limits (Postfix's default message_size_limit is 10240000). */
#define SMTP_SPOOL_FILE_MAX (64u * 1024u * 1024u)
/* Longest header line: "rcpt " + an RFC 5321 4.5.3.1.3 path, or "error " + reason. */
#define SMTP_SPOOL_LINE_MAX 1024
/* Room for the error text kept in .retry and .reason, with its NUL. */
#define SMTP_SPOOL_REASON_MAX 512
/* Retry schedule. RFC 5321 4.5.4.1 asks an MTA to wait at least 30 minutes;
 * a submission client retrying its own relay may start sooner. */
#define SMTP_SPOOL_BACKOFF_FIRST 60u
#define SMTP_SPOOL_BACKOFF_MAX 3600u

/* One claimed message. Everything in it is owned by the struct and lives until
 * smtp_spool_release(); the fields ending in '_' are private. */
typedef struct {
	char id[SMTP_SPOOL_ID_MAX];
	uint64_t created;          /* unix seconds, from the .msg */
	uint64_t next_attempt;     /* unix seconds; the creation time before any failed try */
	unsigned attempts;         /* failed tries recorded so far */
	char dest[SMTP_SPOOL_DEST_MAX]; /* the writer's destination token; "" when the file has none */
	bool outcome_unknown;      /* some try lost the reply after the final dot (RFC 1047) */
	char last_error[SMTP_SPOOL_REASON_MAX]; /* "" before any failed try */
	char *from;                /* "" for the null reverse-path (RFC 5321 4.5.5) */
	smtp_addr_list_t rcpts;    /* the recipients still to do */
	char *data;                /* the raw message, len bytes (may contain NUL) */
	size_t len;

	smtp_file_t file_;         /* the open, locked .msg */
	smtp_owner_t owner_;       /* the spool directory's owner, for the files written for this message */
	char *dir_;                /* copy of the spool directory */
	char *buf_;                /* the whole .msg file; data points into it */
	int state_;
} smtp_spool_msg_t;

/* Creates dir (its parent must exist) and tmp/, queue/, failed/ in it, mode
 * 0700, and checks each can be written by creating and removing a probe
 * file. SMTP_E_IO naming the path and the system's reason; SMTP_E_ARG for a
 * path too long. */
smtp_rc_t smtp_spool_prepare(const char *dir, smtp_error_t *err);

/* Stores one message durably: writes tmp/<id>.msg, fsyncs it, renames it into
 * queue/ and fsyncs queue/. When this returns SMTP_OK the message survives a
 * crash; on error nothing is left behind. from ("" allowed) and the nrcpts >= 1
 * recipients are addr-specs (printable ASCII with an '@', at most
 * SMTP_ADDR_MAX octets); the pieces are stored as if concatenated. now is the
 * current unix time (the id and "created"). outcome_unknown marks a message
 * whose reply after the final dot was lost. id_out receives the new id.
 * SMTP_E_ARG (bad address, no recipient), SMTP_E_LIMIT (over
 * SMTP_SPOOL_FILE_MAX), SMTP_E_IO, SMTP_E_NOMEM, SMTP_E_INTERNAL (no random). */
smtp_rc_t smtp_spool_write(const char *dir, const char *from, const char *const *rcpts, size_t nrcpts,
                           const smtp_piece_t *pieces, size_t npieces, uint64_t now, bool outcome_unknown,
                           char id_out[SMTP_SPOOL_ID_MAX], smtp_error_t *err);

/* As smtp_spool_write, and records dest (NULL: none), an opaque token of 1 to
 * SMTP_SPOOL_DEST_MAX - 1 characters of [0-9a-z] naming where the message is
 * to go, which a flusher compares with its own before sending (the spool
 * itself decides nothing). SMTP_E_ARG for a bad token. */
smtp_rc_t smtp_spool_write_for(const char *dir, const char *dest, const char *from, const char *const *rcpts,
                               size_t nrcpts, const smtp_piece_t *pieces, size_t npieces, uint64_t now,
                               bool outcome_unknown, char id_out[SMTP_SPOOL_ID_MAX], smtp_error_t *err);

/* The ids of the queue/ .msg files, sorted oldest first. *ids (an array of *n malloc'd
 * strings, NULL when empty) is owned by the caller: smtp_spool_list_free().
 * Names that are not ids are ignored; a .retry whose .msg is gone (a crash
 * between the two unlinks of done or fail) is removed. SMTP_E_IO, SMTP_E_NOMEM. */
smtp_rc_t smtp_spool_list(const char *dir, char ***ids, size_t *n, smtp_error_t *err);
/* Frees what smtp_spool_list() returned; NULL is a no-op. */
void smtp_spool_list_free(char **ids, size_t n);

/* Locks queue/<id>.msg (exclusive, non-blocking) and loads it and its .retry
 * into msg. Whatever it returns, call smtp_spool_release(msg) afterwards.
 * SMTP_E_STATE: another flusher holds the message, or it vanished (done or
 * failed by another flusher); skip it silently. SMTP_E_PROTOCOL: a file is
 * corrupt or foreign (err names it); msg stays locked, without an envelope,
 * so the caller can smtp_spool_fail() it. SMTP_E_ARG (id is not an id),
 * SMTP_E_IO, SMTP_E_NOMEM. */
smtp_rc_t smtp_spool_claim(const char *dir, const char *id, smtp_spool_msg_t *msg, smtp_error_t *err);

/* Delivered: unlinks the .msg (the commit point), then the .retry, while still
 * locked, and fsyncs queue/. SMTP_E_STATE unless msg is claimed, SMTP_E_IO. */
smtp_rc_t smtp_spool_done(smtp_spool_msg_t *msg, smtp_error_t *err);

/* A try failed transiently: records attempts + 1, next_attempt, the
 * recipients still to do (nrcpts >= 1, addr-specs as for write) and reason
 * (untrusted: sanitised to one printable line) in <id>.retry, atomically, and
 * updates msg to match. outcome_unknown is sticky: once a reply was lost, the
 * message stays marked. SMTP_E_STATE unless msg is claimed with an envelope,
 * SMTP_E_ARG, SMTP_E_IO, SMTP_E_NOMEM. */
smtp_rc_t smtp_spool_defer(smtp_spool_msg_t *msg, const char *const *rcpts, size_t nrcpts,
                           uint64_t next_attempt, bool outcome_unknown, const char *reason,
                           smtp_error_t *err);

/* Gives up: writes failed/<id>.reason (the current time, attempts, recipients
 * still to do, reason sanitised to one line), moves the .msg to failed/,
 * removes the .retry and fsyncs both directories. Also valid after claim
 * returned SMTP_E_PROTOCOL (then the reason file has no recipients).
 * SMTP_E_STATE unless msg is claimed, SMTP_E_IO, SMTP_E_NOMEM. */
smtp_rc_t smtp_spool_fail(smtp_spool_msg_t *msg, const char *reason, smtp_error_t *err);

/* Unlocks and frees everything msg holds; msg may be claimed again afterwards.
 * NULL-safe, and safe after any claim result, after done and after fail. */
void smtp_spool_release(smtp_spool_msg_t *msg);

/* Seconds to wait after the attempts-th failed try: 0 for 0, then 60, 120,
 * 240, ... capped at SMTP_SPOOL_BACKOFF_MAX. */
uint64_t smtp_spool_backoff(unsigned attempts);

#endif
