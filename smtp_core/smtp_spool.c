/* smtp_spool.c: see smtp_spool.h. */
#include "smtp_spool.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "smtp_buf.h"

#define SPOOL_MAGIC "smtpmail-spool 1"
/* Random bytes in an id: 64 bits make a clash between two writers in the same
 * second and process-id slot negligible. */
#define SPOOL_ID_RANDOM 8
/* Digits of the creation time in an id: zero-padded so ids sort by age. */
#define SPOOL_ID_TIME_DIGITS 10
/* Room for an OS error text. */
#define SPOOL_OS_TEXT_MAX 128

enum {
	MSG_EMPTY = 0,   /* not claimed */
	MSG_LOCKED,      /* locked, but no envelope (corrupt file) */
	MSG_CLAIMED,     /* locked and loaded */
	MSG_FINISHED     /* done or failed; still locked until release */
};

/* ---- small helpers ---- */

static smtp_rc_t os_fail(smtp_error_t *err, int e, const char *what, const char *path)
{
	char text[SPOOL_OS_TEXT_MAX];
	smtp_os_err_text(e, text, sizeof(text));
	return smtp_error_set(err, SMTP_E_IO, SMTP_STAGE_NONE, 0, "spool: cannot %s %s: %s", what, path, text);
}

static smtp_rc_t corrupt(smtp_error_t *err, const char *path, const char *what)
{
	return smtp_error_set(err, SMTP_E_PROTOCOL, SMTP_STAGE_NONE, 0, "spool file %s is corrupt: %s", path, what);
}

/* out = dir "/" sub ["/" name suffix]; SMTP_E_ARG when it does not fit. */
static smtp_rc_t make_path(char out[SMTP_SPOOL_PATH_MAX], const char *dir, const char *sub, const char *name,
                           const char *suffix, smtp_error_t *err)
{
	const char *parts[6];
	size_t i, n = 0, k;

	parts[0] = dir;
	parts[1] = "/";
	parts[2] = sub;
	parts[3] = name != NULL ? "/" : "";
	parts[4] = name != NULL ? name : "";
	parts[5] = suffix != NULL ? suffix : "";
	for (i = 0; i < 6; i++) {
		k = strlen(parts[i]);
		if (k >= SMTP_SPOOL_PATH_MAX - n) {
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_NONE, 0,
			                      "spool: the path of the spool directory is too long");
		}
		memcpy(out + n, parts[i], k);
		n += k;
	}
	out[n] = '\0';
	return SMTP_OK;
}

/* Decimal digits of v into out (room for 21); returns the length. */
static size_t fmt_u64(char *out, uint64_t v)
{
	char tmp[21];
	size_t n = 0, i;
	do {
		tmp[n++] = (char)('0' + (int)(v % 10u));
		v /= 10u;
	} while (v > 0);
	for (i = 0; i < n; i++) {
		out[i] = tmp[n - 1 - i];
	}
	out[n] = '\0';
	return n;
}

/* What the spool accepts as an envelope address: exactly the canonical
 * addr-specs smtp_addr.h makes of what PHP code passes, checked with the same
 * parser (so a file edited by hand cannot put "<", ">", a space or a control
 * character, an ESMTP parameter, into a command). */
static bool addr_ok(const char *s, size_t len)
{
	char *canon = NULL;
	bool ok;

	if (len == 0 || len > SMTP_ADDR_MAX) {
		return false;
	}
	if (smtp_addr_parse_mailbox(s, len, &canon, NULL) != SMTP_OK) {
		return false;
	}
	ok = strlen(canon) == len && memcmp(canon, s, len) == 0;
	free(canon);
	return ok;
}

/* A destination token: what the writer said the message is for (opaque to the
 * spool): 1 to SMTP_SPOOL_DEST_MAX - 1 characters of [0-9a-z]. */
static bool dest_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= SMTP_SPOOL_DEST_MAX) {
		return false;
	}
	for (i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z'))) {
			return false;
		}
	}
	return true;
}

/* "<digits>-<digits>-<16 lowercase hex>": also what keeps a caller's id from
 * naming a path outside queue/. */
static bool id_ok(const char *id)
{
	size_t i = 0, start, n = strlen(id);

	if (n >= SMTP_SPOOL_ID_MAX) {
		return false;
	}
	for (start = i; i < n && id[i] >= '0' && id[i] <= '9'; i++) {
	}
	if (i - start < SPOOL_ID_TIME_DIGITS || i - start > 20 || i >= n || id[i] != '-') {
		return false;
	}
	for (start = ++i; i < n && id[i] >= '0' && id[i] <= '9'; i++) {
	}
	if (i - start < 1 || i - start > 20 || i >= n || id[i] != '-') {
		return false;
	}
	for (start = ++i; i < n && ((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')); i++) {
	}
	return i == n && i - start == 2 * SPOOL_ID_RANDOM;
}

static smtp_rc_t make_id(char id[SMTP_SPOOL_ID_MAX], uint64_t now, smtp_error_t *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[SPOOL_ID_RANDOM];
	char num[21];
	size_t n = 0, k, i;

	if (RAND_bytes(rnd, (int)sizeof(rnd)) != 1) {
		return smtp_error_set(err, SMTP_E_INTERNAL, SMTP_STAGE_NONE, 0, "spool: no random bytes for an id");
	}
	k = fmt_u64(num, now);
	for (i = k; i < SPOOL_ID_TIME_DIGITS; i++) {
		id[n++] = '0';
	}
	memcpy(id + n, num, k);
	n += k;
	id[n++] = '-';
	k = fmt_u64(num, (uint64_t)smtp_process_id());
	memcpy(id + n, num, k);
	n += k;
	id[n++] = '-';
	for (i = 0; i < sizeof(rnd); i++) {
		id[n++] = hex[rnd[i] >> 4];
		id[n++] = hex[rnd[i] & 15];
	}
	id[n] = '\0';
	return SMTP_OK;
}

static smtp_rc_t nomem(smtp_error_t *err)
{
	return smtp_error_set(err, SMTP_E_NOMEM, SMTP_STAGE_NONE, 0, "spool: out of memory");
}

/* Appends "name value\n"; the buffer's maximum turns an oversized header into SMTP_E_LIMIT. */
static smtp_rc_t put_field(smtp_buf_t *b, const char *name, const char *value, size_t vlen)
{
	smtp_rc_t rc;
	if ((rc = smtp_buf_append_str(b, name)) != SMTP_OK || (rc = smtp_buf_append_char(b, ' ')) != SMTP_OK ||
	    (rc = smtp_buf_append(b, value, vlen)) != SMTP_OK) {
		return rc;
	}
	return smtp_buf_append_char(b, '\n');
}

static smtp_rc_t put_num(smtp_buf_t *b, const char *name, uint64_t v)
{
	char num[21];
	size_t k = fmt_u64(num, v);
	return put_field(b, name, num, k);
}

static smtp_rc_t buf_fail(smtp_rc_t rc, smtp_error_t *err)
{
	if (rc == SMTP_E_NOMEM) {
		return nomem(err);
	}
	return smtp_error_set(err, SMTP_E_LIMIT, SMTP_STAGE_NONE, 0,
	                      "spool: the spool file would exceed %u bytes", SMTP_SPOOL_FILE_MAX);
}

/* Writes the given blocks to a new file at tmp, fsyncs and closes it, then
 * renames it to dst. On failure the temporary file is removed. The caller
 * then fsyncs dst's directory. */
static smtp_rc_t write_durably(const char *tmp, bool exclusive, const char *dst,
                               const smtp_piece_t *blocks, size_t nblocks, const smtp_owner_t *owner,
                               smtp_error_t *err)
{
	smtp_file_t f;
	size_t i;
	int e;

	/* A name that may be left over (a .retry rewritten) is removed, never
	 * opened: whatever stands there, a symlink or a hard link to some other
	 * file, is not written through. The new file is always created afresh. */
	if (!exclusive) {
		smtp_path_unlink(tmp);
	}
	if ((e = smtp_file_create(tmp, true, &f)) != 0) {
		return os_fail(err, e, "create", tmp);
	}
	if ((e = smtp_file_give(f, owner)) != 0) {
		smtp_file_close(f);
		smtp_path_unlink(tmp);
		return os_fail(err, e, "hand to the spool's owner", tmp);
	}
	for (i = 0; i < nblocks; i++) {
		if (blocks[i].len > 0 && (e = smtp_file_write(f, blocks[i].data, blocks[i].len)) != 0) {
			break;
		}
	}
	/* The data must be on disk before the name points at it, or a crash
	 * could leave a complete-looking name over an empty file. */
	if (e == 0 && (e = smtp_file_sync(f)) != 0) {
		smtp_file_close(f);
		smtp_path_unlink(tmp);
		return os_fail(err, e, "sync", tmp);
	}
	smtp_file_close(f);
	if (e != 0) {
		smtp_path_unlink(tmp);
		return os_fail(err, e, "write", tmp);
	}
	if ((e = smtp_path_rename(tmp, dst)) != 0) {
		smtp_path_unlink(tmp);
		return os_fail(err, e, "rename into", dst);
	}
	return SMTP_OK;
}

/* ---- prepare, write, list ---- */

smtp_rc_t smtp_spool_prepare(const char *dir, smtp_error_t *err)
{
	static const char *const subs[] = {"tmp", "queue", "failed"};
	char path[SMTP_SPOOL_PATH_MAX], probe[SMTP_SPOOL_PATH_MAX], id[SMTP_SPOOL_ID_MAX], name[SMTP_SPOOL_ID_MAX + 8];
	smtp_owner_t owner;
	smtp_file_t f;
	smtp_rc_t rc;
	size_t i;
	int e;

	if (dir == NULL || dir[0] == '\0') {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_NONE, 0, "spool: no spool directory given");
	}
	if (strlen(dir) >= SMTP_SPOOL_PATH_MAX - 64) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_NONE, 0, "spool: the path of the spool directory is too long");
	}
	if ((e = smtp_dir_make(dir)) != 0) {
		return os_fail(err, e, "create directory", dir);
	}
	/* A spool someone else could write to would send their messages with
	 * this user's relay credentials: refuse it, never repair it. */
	if ((e = smtp_dir_check(dir, true, &owner)) != 0) {
		return os_fail(err, e, "use spool directory", dir);
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if ((rc = make_path(path, dir, subs[i], NULL, NULL, err)) != SMTP_OK) {
			return rc;
		}
		if ((e = smtp_dir_make(path)) != 0) {
			return os_fail(err, e, "create directory", path);
		}
		if ((e = smtp_path_give(path, &owner)) != 0) {
			return os_fail(err, e, "hand to the spool's owner", path);
		}
		if ((e = smtp_dir_check(path, false, NULL)) != 0) {
			return os_fail(err, e, "use spool directory", path);
		}
		/* Permissions alone do not tell (root, ACLs, read-only mounts): try. */
		if ((rc = make_id(id, 0, err)) != SMTP_OK) {
			return rc;
		}
		memcpy(name, ".probe-", 7);
		memcpy(name + 7, id, strlen(id) + 1);
		if ((rc = make_path(probe, dir, subs[i], name, NULL, err)) != SMTP_OK) {
			return rc;
		}
		if ((e = smtp_file_create(probe, true, &f)) != 0) {
			return os_fail(err, e, "write in", path);
		}
		smtp_file_close(f);
		if ((e = smtp_path_unlink(probe)) != 0) {
			return os_fail(err, e, "remove", probe);
		}
	}
	return SMTP_OK;
}

smtp_rc_t smtp_spool_write(const char *dir, const char *from, const char *const *rcpts, size_t nrcpts,
                           const smtp_piece_t *pieces, size_t npieces, uint64_t now, bool outcome_unknown,
                           char id_out[SMTP_SPOOL_ID_MAX], smtp_error_t *err)
{
	return smtp_spool_write_for(dir, NULL, from, rcpts, nrcpts, pieces, npieces, now, outcome_unknown, id_out, err);
}

smtp_rc_t smtp_spool_write_for(const char *dir, const char *dest, const char *from, const char *const *rcpts,
                               size_t nrcpts, const smtp_piece_t *pieces, size_t npieces, uint64_t now,
                               bool outcome_unknown, char id_out[SMTP_SPOOL_ID_MAX], smtp_error_t *err)
{
	char id[SMTP_SPOOL_ID_MAX], tmp[SMTP_SPOOL_PATH_MAX], dst[SMTP_SPOOL_PATH_MAX], qdir[SMTP_SPOOL_PATH_MAX];
	smtp_owner_t owner;
	smtp_piece_t *blocks = NULL;
	smtp_buf_t head;
	size_t i, total;
	smtp_rc_t rc;
	int e;

	if (from == NULL || (from[0] != '\0' && !addr_ok(from, strlen(from)))) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "spool: the envelope sender is not a valid address");
	}
	if (dest != NULL && !dest_ok(dest, strlen(dest))) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0, "spool: not a destination token");
	}
	if (nrcpts == 0) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0, "spool: a message needs a recipient");
	}
	for (i = 0; i < nrcpts; i++) {
		if (rcpts[i] == NULL || !addr_ok(rcpts[i], strlen(rcpts[i]))) {
			return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
			                      "spool: recipient %lu is not a valid address", (unsigned long)(i + 1));
		}
	}
	if (npieces > 0 && pieces == NULL) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0, "spool: no message");
	}
	total = 0;
	for (i = 0; i < npieces; i++) {
		if (pieces[i].len > SMTP_SPOOL_FILE_MAX - total) {
			return buf_fail(SMTP_E_LIMIT, err);
		}
		total += pieces[i].len;
	}

	smtp_buf_init(&head, SMTP_SPOOL_FILE_MAX - total);
	rc = smtp_buf_append_str(&head, SPOOL_MAGIC "\n");
	if (rc == SMTP_OK) {
		rc = put_num(&head, "created", now);
	}
	if (rc == SMTP_OK && dest != NULL) {
		rc = put_field(&head, "dest", dest, strlen(dest));
	}
	if (rc == SMTP_OK) {
		rc = put_field(&head, "from", from, strlen(from));
	}
	for (i = 0; rc == SMTP_OK && i < nrcpts; i++) {
		rc = put_field(&head, "rcpt", rcpts[i], strlen(rcpts[i]));
	}
	if (rc == SMTP_OK) {
		rc = put_field(&head, "unknown", outcome_unknown ? "1" : "0", 1);
	}
	if (rc == SMTP_OK) {
		rc = put_num(&head, "size", (uint64_t)total);
	}
	if (rc == SMTP_OK) {
		rc = smtp_buf_append_char(&head, '\n');
	}
	if (rc != SMTP_OK) {
		smtp_buf_destroy(&head);
		return buf_fail(rc, err);
	}

	blocks = malloc((npieces + 1) * sizeof(*blocks));
	if (blocks == NULL) {
		smtp_buf_destroy(&head);
		return nomem(err);
	}
	blocks[0].data = head.data;
	blocks[0].len = head.len;
	for (i = 0; i < npieces; i++) {
		blocks[i + 1] = pieces[i];
	}
	rc = make_id(id, now, err);
	if (rc == SMTP_OK) {
		rc = make_path(tmp, dir, "tmp", id, ".msg", err);
	}
	if (rc == SMTP_OK) {
		rc = make_path(dst, dir, "queue", id, ".msg", err);
	}
	if (rc == SMTP_OK) {
		rc = make_path(qdir, dir, "queue", NULL, NULL, err);
	}
	if (rc == SMTP_OK && (e = smtp_dir_check(dir, true, &owner)) != 0) {
		rc = os_fail(err, e, "use spool directory", dir);
	}
	if (rc == SMTP_OK) {
		rc = write_durably(tmp, true, dst, blocks, npieces + 1, &owner, err);
	}
	if (rc == SMTP_OK && (e = smtp_dir_sync(qdir)) != 0) {
		/* The name may not survive a crash: say the message was not
		 * spooled rather than promise what the disk did not confirm. */
		smtp_path_unlink(dst);
		rc = os_fail(err, e, "sync", qdir);
	}
	free(blocks);
	smtp_buf_destroy(&head);
	if (rc == SMTP_OK) {
		memcpy(id_out, id, strlen(id) + 1);
	}
	return rc;
}

typedef struct {
	char **msgs;
	size_t nmsgs, capmsgs;
	char **retries;
	size_t nretries, capretries;
	bool nomem;
} listing_t;

static bool push(char ***arr, size_t *n, size_t *cap, const char *s, size_t len)
{
	char *copy;
	char **items = smtp_buf_grow_items(*arr, *n, cap, 16, sizeof(**arr));

	if (items == NULL) {
		return false;
	}
	*arr = items;
	copy = malloc(len + 1);
	if (copy == NULL) {
		return false;
	}
	memcpy(copy, s, len);
	copy[len] = '\0';
	(*arr)[(*n)++] = copy;
	return true;
}

/* Keeps "<id>.msg" and "<id>.retry" names; ignores everything else. */
static bool list_entry(void *ctx, const char *name)
{
	listing_t *l = ctx;
	char id[SMTP_SPOOL_ID_MAX];
	size_t n = strlen(name), k;
	bool is_msg;

	if (n > 4 && strcmp(name + n - 4, ".msg") == 0) {
		k = n - 4;
		is_msg = true;
	} else if (n > 6 && strcmp(name + n - 6, ".retry") == 0) {
		k = n - 6;
		is_msg = false;
	} else {
		return true;
	}
	if (k >= sizeof(id)) {
		return true;
	}
	memcpy(id, name, k);
	id[k] = '\0';
	if (!id_ok(id)) {
		return true;
	}
	if (!(is_msg ? push(&l->msgs, &l->nmsgs, &l->capmsgs, id, k)
	             : push(&l->retries, &l->nretries, &l->capretries, id, k))) {
		l->nomem = true;
		return false;
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

smtp_rc_t smtp_spool_list(const char *dir, char ***ids, size_t *n, smtp_error_t *err)
{
	char qdir[SMTP_SPOOL_PATH_MAX], path[SMTP_SPOOL_PATH_MAX];
	listing_t l;
	smtp_rc_t rc;
	size_t i;
	int e;

	*ids = NULL;
	*n = 0;
	memset(&l, 0, sizeof(l));
	if ((rc = make_path(qdir, dir, "queue", NULL, NULL, err)) != SMTP_OK) {
		return rc;
	}
	/* A spool that never held a message may not exist yet: nothing to do. */
	e = smtp_dir_check(dir, true, NULL);
	if (e == 0) {
		e = smtp_dir_check(qdir, false, NULL);
	}
	if (smtp_os_err_is_missing(e)) {
		return SMTP_OK;
	}
	if (e != 0) {
		return os_fail(err, e, "use spool directory", e == SMTP_OS_E_NOT_DIR ? qdir : dir);
	}
	e = smtp_dir_list(qdir, list_entry, &l);
	if (e != 0 || l.nomem) {
		smtp_spool_list_free(l.msgs, l.nmsgs);
		smtp_spool_list_free(l.retries, l.nretries);
		return l.nomem ? nomem(err) : os_fail(err, e, "list", qdir);
	}
	if (l.nmsgs > 1) {
		qsort(l.msgs, l.nmsgs, sizeof(*l.msgs), cmp_str);
	}
	/* A .retry outlives its .msg only when a flusher died between the two
	 * unlinks of done or fail: the .msg goes first, and no .retry is ever
	 * created for a .msg that is gone (defer holds the .msg's lock), so an
	 * orphan seen here can be removed. The .msg was listed if it existed
	 * throughout the listing (POSIX readdir). */
	for (i = 0; i < l.nretries; i++) {
		if (l.nmsgs == 0 || bsearch(&l.retries[i], l.msgs, l.nmsgs, sizeof(*l.msgs), cmp_str) == NULL) {
			if (make_path(path, dir, "queue", l.retries[i], ".retry", NULL) == SMTP_OK) {
				smtp_path_unlink(path);
			}
		}
	}
	smtp_spool_list_free(l.retries, l.nretries);
	*ids = l.msgs;
	*n = l.nmsgs;
	return SMTP_OK;
}

void smtp_spool_list_free(char **ids, size_t n)
{
	size_t i;
	if (ids == NULL) {
		return;
	}
	for (i = 0; i < n; i++) {
		free(ids[i]);
	}
	free(ids);
}

/* ---- claim and its parsers ---- */

/* Reads the whole of f (at most SMTP_SPOOL_FILE_MAX bytes) into a malloc'd,
 * NUL-terminated buffer. */
static smtp_rc_t read_all(smtp_file_t f, const char *path, char **out, size_t *outlen, smtp_error_t *err)
{
	uint64_t size;
	size_t have = 0, got;
	char *buf;
	int e;

	*out = NULL;
	*outlen = 0;
	if ((e = smtp_file_size(f, &size)) != 0) {
		return os_fail(err, e, "read", path);
	}
	if (size > SMTP_SPOOL_FILE_MAX) {
		return corrupt(err, path, "larger than the spool's limit");
	}
	buf = malloc((size_t)size + 1);
	if (buf == NULL) {
		return nomem(err);
	}
	while (have < (size_t)size) {
		if ((e = smtp_file_read(f, buf + have, (size_t)size - have, &got)) != 0) {
			free(buf);
			return os_fail(err, e, "read", path);
		}
		if (got == 0) {
			free(buf);
			return corrupt(err, path, "shorter than its size");
		}
		have += got;
	}
	buf[have] = '\0';
	*out = buf;
	*outlen = have;
	return SMTP_OK;
}

typedef struct {
	const char *p;
	size_t len;
	size_t pos;
} cursor_t;

/* The next LF-terminated line (without the LF). False at the end, for a line
 * without LF (truncated) or one over SMTP_SPOOL_LINE_MAX. */
static bool next_line(cursor_t *c, const char **line, size_t *llen)
{
	const char *nl;
	size_t room = c->len - c->pos;

	if (room > SMTP_SPOOL_LINE_MAX + 1) {
		room = SMTP_SPOOL_LINE_MAX + 1;
	}
	nl = memchr(c->p + c->pos, '\n', room);
	if (nl == NULL) {
		return false;
	}
	*line = c->p + c->pos;
	*llen = (size_t)(nl - *line);
	c->pos += *llen + 1;
	return true;
}

/* line is "name value": the value, or NULL when the line is another field. */
static const char *field(const char *line, size_t llen, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	if (llen < n + 1 || memcmp(line, name, n) != 0 || line[n] != ' ') {
		return NULL;
	}
	*vlen = llen - n - 1;
	return line + n + 1;
}

static bool num_field(cursor_t *c, const char *name, uint64_t *out)
{
	const char *line, *v;
	size_t llen, vlen;
	return next_line(c, &line, &llen) && (v = field(line, llen, name, &vlen)) != NULL && smtp_buf_parse_u64(v, vlen, out);
}

static bool flag_field(cursor_t *c, const char *name, bool *out)
{
	const char *line, *v;
	size_t llen, vlen;
	if (!next_line(c, &line, &llen) || (v = field(line, llen, name, &vlen)) == NULL || vlen != 1 ||
	    (v[0] != '0' && v[0] != '1')) {
		return false;
	}
	*out = v[0] == '1';
	return true;
}

/* One or more "rcpt <addr>" lines into l; stops before the first other line.
 * Returns NULL or what is wrong. */
static const char *rcpt_lines(cursor_t *c, smtp_addr_list_t *l, smtp_rc_t *rc)
{
	const char *line, *v;
	size_t llen, vlen;
	cursor_t save;

	*rc = SMTP_OK;
	for (;;) {
		save = *c;
		if (!next_line(c, &line, &llen)) {
			*c = save;
			break;
		}
		if ((v = field(line, llen, "rcpt", &vlen)) == NULL) {
			*c = save;
			break;
		}
		if (!addr_ok(v, vlen)) {
			return "a recipient is not a valid address";
		}
		if ((*rc = smtp_addr_list_add(l, v, vlen, NULL)) != SMTP_OK) {
			return "a recipient cannot be stored";
		}
	}
	return l->count == 0 ? "no recipient" : NULL;
}

static smtp_rc_t parse_msg(smtp_spool_msg_t *m, const char *path, smtp_error_t *err)
{
	cursor_t c;
	const char *line, *v, *why;
	size_t llen, vlen;
	uint64_t size;
	smtp_rc_t rc;

	c.p = m->buf_;
	c.len = m->len;
	c.pos = 0;
	if (!next_line(&c, &line, &llen) || llen != strlen(SPOOL_MAGIC) || memcmp(line, SPOOL_MAGIC, llen) != 0) {
		return corrupt(err, path, "not a version 1 spool file");
	}
	if (!num_field(&c, "created", &m->created)) {
		return corrupt(err, path, "bad or missing \"created\"");
	}
	if (!next_line(&c, &line, &llen)) {
		return corrupt(err, path, "bad or missing \"from\"");
	}
	if ((v = field(line, llen, "dest", &vlen)) != NULL) {
		if (!dest_ok(v, vlen)) {
			return corrupt(err, path, "bad \"dest\"");
		}
		memcpy(m->dest, v, vlen);
		m->dest[vlen] = '\0';
		if (!next_line(&c, &line, &llen)) {
			return corrupt(err, path, "bad or missing \"from\"");
		}
	}
	if ((v = field(line, llen, "from", &vlen)) == NULL ||
	    (vlen > 0 && !addr_ok(v, vlen))) {
		return corrupt(err, path, "bad or missing \"from\"");
	}
	m->from = malloc(vlen + 1);
	if (m->from == NULL) {
		return nomem(err);
	}
	memcpy(m->from, v, vlen);
	m->from[vlen] = '\0';
	if ((why = rcpt_lines(&c, &m->rcpts, &rc)) != NULL) {
		return rc == SMTP_E_NOMEM ? nomem(err) : corrupt(err, path, why);
	}
	if (!flag_field(&c, "unknown", &m->outcome_unknown)) {
		return corrupt(err, path, "bad or missing \"unknown\"");
	}
	if (!num_field(&c, "size", &size)) {
		return corrupt(err, path, "bad or missing \"size\"");
	}
	if (!next_line(&c, &line, &llen) || llen != 0) {
		return corrupt(err, path, "no empty line after the header");
	}
	/* The size catches a file cut short (or grown) after it was written. */
	if (size != (uint64_t)(m->len - c.pos)) {
		return corrupt(err, path, "the message is not as long as its \"size\"");
	}
	m->data = m->buf_ + c.pos;
	m->len = m->len - c.pos;
	m->next_attempt = m->created;
	return SMTP_OK;
}

/* Loads <id>.retry when there is one; it overrides the .msg's recipients. */
static smtp_rc_t load_retry(smtp_spool_msg_t *m, smtp_error_t *err)
{
	char path[SMTP_SPOOL_PATH_MAX];
	smtp_addr_list_t l;
	smtp_file_t f;
	uint64_t attempts;
	const char *line, *v, *why;
	size_t llen, vlen, i;
	char *buf;
	cursor_t c;
	smtp_rc_t rc;
	int e;

	if ((rc = make_path(path, m->dir_, "queue", m->id, ".retry", err)) != SMTP_OK) {
		return rc;
	}
	if ((e = smtp_file_open_read(path, &f)) != 0) {
		return smtp_os_err_is_missing(e) ? SMTP_OK : os_fail(err, e, "open", path);
	}
	rc = read_all(f, path, &buf, &c.len, err);
	smtp_file_close(f);
	if (rc != SMTP_OK) {
		return rc;
	}
	c.p = buf;
	c.pos = 0;
	smtp_addr_list_init(&l);
	if (!num_field(&c, "attempts", &attempts) || attempts > UINT_MAX) {
		rc = corrupt(err, path, "bad or missing \"attempts\"");
	} else if (!num_field(&c, "next", &m->next_attempt)) {
		rc = corrupt(err, path, "bad or missing \"next\"");
	} else if (!flag_field(&c, "unknown", &m->outcome_unknown)) {
		rc = corrupt(err, path, "bad or missing \"unknown\"");
	} else if (!next_line(&c, &line, &llen) || (v = field(line, llen, "error", &vlen)) == NULL ||
	           vlen >= SMTP_SPOOL_REASON_MAX) {
		rc = corrupt(err, path, "bad or missing \"error\"");
	} else {
		for (i = 0; i < vlen; i++) {
			if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e) {
				break;
			}
		}
		if (i < vlen) {
			rc = corrupt(err, path, "bad or missing \"error\"");
		} else if ((why = rcpt_lines(&c, &l, &rc)) != NULL) {
			rc = rc == SMTP_E_NOMEM ? nomem(err) : corrupt(err, path, why);
		} else if (c.pos != c.len) {
			rc = corrupt(err, path, "unexpected text after the recipients");
		} else {
			memcpy(m->last_error, v, vlen);
			m->last_error[vlen] = '\0';
			m->attempts = (unsigned)attempts;
			smtp_addr_list_destroy(&m->rcpts);
			m->rcpts = l;
			smtp_addr_list_init(&l);
		}
	}
	smtp_addr_list_destroy(&l);
	free(buf);
	return rc;
}

static void msg_reset(smtp_spool_msg_t *m)
{
	memset(m, 0, sizeof(*m));
	m->file_ = SMTP_FILE_NONE;
	smtp_addr_list_init(&m->rcpts);
}

smtp_rc_t smtp_spool_claim(const char *dir, const char *id, smtp_spool_msg_t *msg, smtp_error_t *err)
{
	char path[SMTP_SPOOL_PATH_MAX];
	size_t dlen;
	smtp_rc_t rc;
	bool same;
	int e;

	msg_reset(msg);
	if (id == NULL || !id_ok(id)) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_NONE, 0, "spool: not a spool message id");
	}
	if ((rc = make_path(path, dir, "queue", id, ".msg", err)) != SMTP_OK) {
		return rc;
	}
	memcpy(msg->id, id, strlen(id) + 1);
	dlen = strlen(dir);
	msg->dir_ = malloc(dlen + 1);
	if (msg->dir_ == NULL) {
		return nomem(err);
	}
	memcpy(msg->dir_, dir, dlen + 1);
	if ((e = smtp_dir_check(dir, true, &msg->owner_)) != 0) {
		return os_fail(err, e, "use spool directory", dir);
	}

	if ((e = smtp_file_open_read(path, &msg->file_)) != 0) {
		msg->file_ = SMTP_FILE_NONE;
		if (smtp_os_err_is_missing(e)) {
			return smtp_error_set(err, SMTP_E_STATE, SMTP_STAGE_NONE, 0, "spool: message %s is gone", id);
		}
		if (e == SMTP_OS_E_NOT_REGULAR) {
			/* A symlink or FIFO under a message's name was never written by
			 * the spool: out of the queue with the rest of the foreign files
			 * (the rename moves the link itself, never its target). */
			msg->state_ = MSG_LOCKED;
			return corrupt(err, path, "not a regular file");
		}
		return os_fail(err, e, "open", path);
	}
	if ((e = smtp_file_trylock(msg->file_)) != 0) {
		if (smtp_os_err_is_busy(e)) {
			return smtp_error_set(err, SMTP_E_STATE, SMTP_STAGE_NONE, 0,
			                      "spool: message %s is being sent by another process", id);
		}
		return os_fail(err, e, "lock", path);
	}
	/* Between our listing and our lock another flusher may have finished the
	 * message: then the file we hold is no longer in queue/. */
	if ((e = smtp_file_is_at(msg->file_, path, &same)) != 0) {
		return os_fail(err, e, "check", path);
	}
	if (!same) {
		return smtp_error_set(err, SMTP_E_STATE, SMTP_STAGE_NONE, 0, "spool: message %s is gone", id);
	}
	msg->state_ = MSG_LOCKED;
	if ((rc = read_all(msg->file_, path, &msg->buf_, &msg->len, err)) != SMTP_OK) {
		return rc;
	}
	rc = parse_msg(msg, path, err);
	if (rc == SMTP_OK) {
		rc = load_retry(msg, err);
	}
	if (rc != SMTP_OK) {
		/* Keep the lock so the caller can move the file to failed/, but
		 * show no half-loaded envelope. */
		free(msg->from);
		msg->from = NULL;
		smtp_addr_list_destroy(&msg->rcpts);
		msg->data = NULL;
		msg->len = 0;
		msg->created = msg->next_attempt = 0;
		msg->attempts = 0;
		msg->outcome_unknown = false;
		msg->last_error[0] = '\0';
		return rc;
	}
	msg->state_ = MSG_CLAIMED;
	return SMTP_OK;
}

/* ---- done, defer, fail, release ---- */

static smtp_rc_t need_state(const smtp_spool_msg_t *m, bool raw_ok, smtp_error_t *err)
{
	if (m == NULL || !(m->state_ == MSG_CLAIMED || (raw_ok && m->state_ == MSG_LOCKED))) {
		return smtp_error_set(err, SMTP_E_STATE, SMTP_STAGE_NONE, 0, "spool: the message is not claimed");
	}
	return SMTP_OK;
}

smtp_rc_t smtp_spool_done(smtp_spool_msg_t *msg, smtp_error_t *err)
{
	char path[SMTP_SPOOL_PATH_MAX], qdir[SMTP_SPOOL_PATH_MAX];
	smtp_rc_t rc;
	int e;

	if ((rc = need_state(msg, false, err)) != SMTP_OK) {
		return rc;
	}
	if ((rc = make_path(qdir, msg->dir_, "queue", NULL, NULL, err)) != SMTP_OK ||
	    (rc = make_path(path, msg->dir_, "queue", msg->id, ".msg", err)) != SMTP_OK) {
		return rc;
	}
	/* The .msg goes first: it is the commit point. Removing the .retry first
	 * would let a crash in between resurrect the original recipient list, and
	 * send again to those an earlier try already reached. */
	if ((e = smtp_path_unlink(path)) != 0) {
		return os_fail(err, e, "remove", path);
	}
	msg->state_ = MSG_FINISHED;
	if ((rc = make_path(path, msg->dir_, "queue", msg->id, ".retry", err)) != SMTP_OK) {
		return rc;
	}
	if ((e = smtp_path_unlink(path)) != 0 && !smtp_os_err_is_missing(e)) {
		return os_fail(err, e, "remove", path);
	}
	if ((e = smtp_dir_sync(qdir)) != 0) {
		return os_fail(err, e, "sync", qdir);
	}
	return SMTP_OK;
}

static bool valid_rcpts(const char *const *rcpts, size_t nrcpts)
{
	size_t i;
	if (nrcpts == 0 || rcpts == NULL) {
		return false;
	}
	for (i = 0; i < nrcpts; i++) {
		if (rcpts[i] == NULL || !addr_ok(rcpts[i], strlen(rcpts[i]))) {
			return false;
		}
	}
	return true;
}

smtp_rc_t smtp_spool_defer(smtp_spool_msg_t *msg, const char *const *rcpts, size_t nrcpts,
                           uint64_t next_attempt, bool outcome_unknown, const char *reason,
                           smtp_error_t *err)
{
	char tmp[SMTP_SPOOL_PATH_MAX], dst[SMTP_SPOOL_PATH_MAX], qdir[SMTP_SPOOL_PATH_MAX];
	char text[SMTP_SPOOL_REASON_MAX];
	smtp_addr_list_t l;
	smtp_piece_t block;
	unsigned attempts;
	size_t tlen, i;
	smtp_buf_t b;
	smtp_rc_t rc;
	int e;

	if ((rc = need_state(msg, false, err)) != SMTP_OK) {
		return rc;
	}
	if (!valid_rcpts(rcpts, nrcpts)) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_MESSAGE, 0,
		                      "spool: the remaining recipients are missing or not valid addresses");
	}
	tlen = reason != NULL ? smtp_text_sanitize(text, sizeof(text), reason, strlen(reason)) : 0;
	text[tlen] = '\0';
	attempts = msg->attempts < UINT_MAX ? msg->attempts + 1 : UINT_MAX;
	outcome_unknown = outcome_unknown || msg->outcome_unknown;

	smtp_addr_list_init(&l);
	smtp_buf_init(&b, SMTP_SPOOL_FILE_MAX);
	rc = put_num(&b, "attempts", attempts);
	if (rc == SMTP_OK) {
		rc = put_num(&b, "next", next_attempt);
	}
	if (rc == SMTP_OK) {
		rc = put_field(&b, "unknown", outcome_unknown ? "1" : "0", 1);
	}
	if (rc == SMTP_OK) {
		rc = put_field(&b, "error", text, tlen);
	}
	for (i = 0; rc == SMTP_OK && i < nrcpts; i++) {
		rc = put_field(&b, "rcpt", rcpts[i], strlen(rcpts[i]));
		if (rc == SMTP_OK) {
			rc = smtp_addr_list_add(&l, rcpts[i], strlen(rcpts[i]), NULL);
		}
	}
	if (rc != SMTP_OK) {
		rc = buf_fail(rc, err);
	}
	if (rc == SMTP_OK && (rc = make_path(tmp, msg->dir_, "tmp", msg->id, ".retry", err)) == SMTP_OK &&
	    (rc = make_path(dst, msg->dir_, "queue", msg->id, ".retry", err)) == SMTP_OK &&
	    (rc = make_path(qdir, msg->dir_, "queue", NULL, NULL, err)) == SMTP_OK) {
		/* Only the lock holder writes tmp/<id>.retry, so a leftover from a
		 * crash is simply overwritten. */
		block.data = b.data;
		block.len = b.len;
		rc = write_durably(tmp, false, dst, &block, 1, &msg->owner_, err);
		if (rc == SMTP_OK && (e = smtp_dir_sync(qdir)) != 0) {
			rc = os_fail(err, e, "sync", qdir);
		}
	}
	smtp_buf_destroy(&b);
	if (rc != SMTP_OK) {
		smtp_addr_list_destroy(&l);
		return rc;
	}
	msg->attempts = attempts;
	msg->next_attempt = next_attempt;
	msg->outcome_unknown = outcome_unknown;
	memcpy(msg->last_error, text, tlen + 1);
	smtp_addr_list_destroy(&msg->rcpts);
	msg->rcpts = l;
	return SMTP_OK;
}

smtp_rc_t smtp_spool_fail(smtp_spool_msg_t *msg, const char *reason, smtp_error_t *err)
{
	char tmp[SMTP_SPOOL_PATH_MAX], dst[SMTP_SPOOL_PATH_MAX], src[SMTP_SPOOL_PATH_MAX];
	char qdir[SMTP_SPOOL_PATH_MAX], fdir[SMTP_SPOOL_PATH_MAX];
	char text[SMTP_SPOOL_REASON_MAX];
	smtp_piece_t block;
	time_t now = time(NULL);
	size_t tlen, i;
	smtp_buf_t b;
	smtp_rc_t rc;
	int e;

	if ((rc = need_state(msg, true, err)) != SMTP_OK) {
		return rc;
	}
	tlen = reason != NULL ? smtp_text_sanitize(text, sizeof(text), reason, strlen(reason)) : 0;
	text[tlen] = '\0';
	smtp_buf_init(&b, SMTP_SPOOL_FILE_MAX);
	rc = put_num(&b, "failed", now > 0 ? (uint64_t)now : 0);
	if (rc == SMTP_OK) {
		rc = put_num(&b, "attempts", msg->attempts);
	}
	if (rc == SMTP_OK) {
		rc = put_field(&b, "reason", text, tlen);
	}
	for (i = 0; rc == SMTP_OK && i < msg->rcpts.count; i++) {
		rc = put_field(&b, "rcpt", msg->rcpts.items[i], strlen(msg->rcpts.items[i]));
	}
	if (rc != SMTP_OK) {
		smtp_buf_destroy(&b);
		return buf_fail(rc, err);
	}
	if ((rc = make_path(qdir, msg->dir_, "queue", NULL, NULL, err)) != SMTP_OK ||
	    (rc = make_path(fdir, msg->dir_, "failed", NULL, NULL, err)) != SMTP_OK ||
	    (rc = make_path(tmp, msg->dir_, "tmp", msg->id, ".reason", err)) != SMTP_OK ||
	    (rc = make_path(dst, msg->dir_, "failed", msg->id, ".reason", err)) != SMTP_OK) {
		smtp_buf_destroy(&b);
		return rc;
	}
	/* The reason first, so a failed message never lacks one; a crash before
	 * the move below leaves the message queued, to be failed again. */
	block.data = b.data;
	block.len = b.len;
	rc = write_durably(tmp, false, dst, &block, 1, &msg->owner_, err);
	smtp_buf_destroy(&b);
	if (rc != SMTP_OK) {
		return rc;
	}
	if ((rc = make_path(src, msg->dir_, "queue", msg->id, ".msg", err)) != SMTP_OK ||
	    (rc = make_path(dst, msg->dir_, "failed", msg->id, ".msg", err)) != SMTP_OK) {
		return rc;
	}
	if ((e = smtp_path_rename(src, dst)) != 0) {
		return os_fail(err, e, "move to failed/", src);
	}
	msg->state_ = MSG_FINISHED;
	if ((rc = make_path(src, msg->dir_, "queue", msg->id, ".retry", err)) != SMTP_OK) {
		return rc;
	}
	if ((e = smtp_path_unlink(src)) != 0 && !smtp_os_err_is_missing(e)) {
		return os_fail(err, e, "remove", src);
	}
	if ((e = smtp_dir_sync(fdir)) != 0) {
		return os_fail(err, e, "sync", fdir);
	}
	if ((e = smtp_dir_sync(qdir)) != 0) {
		return os_fail(err, e, "sync", qdir);
	}
	return SMTP_OK;
}

void smtp_spool_release(smtp_spool_msg_t *msg)
{
	if (msg == NULL) {
		return;
	}
	smtp_file_close(msg->file_);
	free(msg->dir_);
	free(msg->buf_);
	free(msg->from);
	smtp_addr_list_destroy(&msg->rcpts);
	msg_reset(msg);
}

uint64_t smtp_spool_backoff(unsigned attempts)
{
	uint64_t d = SMTP_SPOOL_BACKOFF_FIRST;
	unsigned i;

	if (attempts == 0) {
		return 0;
	}
	for (i = 1; i < attempts && d < SMTP_SPOOL_BACKOFF_MAX; i++) {
		d *= 2u;
	}
	return d < SMTP_SPOOL_BACKOFF_MAX ? d : SMTP_SPOOL_BACKOFF_MAX;
}

/* ---- the destination's back-off, status, tmp/ sweep ---- */

#define PAUSE_DEFAULT "default"

/* <dir>/backoff-<dest> (tmp: true: its tmp/ name, unique to this writer). */
static smtp_rc_t pause_path(char out[SMTP_SPOOL_PATH_MAX], const char *dir, const char *dest, bool tmp,
                            smtp_error_t *err)
{
	char name[SMTP_SPOOL_DEST_MAX + SMTP_SPOOL_ID_MAX + 16];
	char id[SMTP_SPOOL_ID_MAX];
	smtp_rc_t rc;

	if (dest == NULL || dest[0] == '\0') {
		dest = PAUSE_DEFAULT;
	} else if (!dest_ok(dest, strlen(dest))) {
		return smtp_error_set(err, SMTP_E_ARG, SMTP_STAGE_NONE, 0, "spool: bad destination token");
	}
	if (!tmp) {
		snprintf(name, sizeof(name), "backoff-%s", dest);
		return make_path(out, dir, name, NULL, NULL, err);
	}
	if ((rc = make_id(id, 0, err)) != SMTP_OK) {
		return rc;
	}
	snprintf(name, sizeof(name), "backoff-%s.%s", dest, id);
	return make_path(out, dir, "tmp", name, NULL, err);
}

smtp_rc_t smtp_spool_pause_read(const char *dir, const char *dest, smtp_spool_pause_t *p, smtp_error_t *err)
{
	char path[SMTP_SPOOL_PATH_MAX];
	const char *line, *v;
	size_t llen, vlen;
	uint64_t num;
	smtp_file_t f;
	char *buf;
	cursor_t c;
	smtp_rc_t rc;

	memset(p, 0, sizeof(*p));
	if ((rc = pause_path(path, dir, dest, false, err)) != SMTP_OK) {
		return rc;
	}
	if (smtp_file_open_read(path, &f) != 0) {
		return SMTP_OK;
	}
	rc = read_all(f, path, &buf, &c.len, NULL);
	smtp_file_close(f);
	if (rc != SMTP_OK) {
		return SMTP_OK;
	}
	c.p = buf;
	c.pos = 0;
	while (next_line(&c, &line, &llen)) {
		if ((v = field(line, llen, "until", &vlen)) != NULL && smtp_buf_parse_u64(v, vlen, &num)) {
			p->until = num;
		} else if ((v = field(line, llen, "strikes", &vlen)) != NULL && smtp_buf_parse_u64(v, vlen, &num) && num < 1000) {
			p->strikes = (unsigned)num;
		} else if ((v = field(line, llen, "error", &vlen)) != NULL) {
			smtp_text_sanitize(p->reason, sizeof(p->reason), v, vlen);
		}
	}
	free(buf);
	if (smtp_path_mtime(path, &num) == 0) {
		p->written = num;
	}
	return SMTP_OK;
}

smtp_rc_t smtp_spool_pause_write(const char *dir, const char *dest, const smtp_spool_pause_t *p, smtp_error_t *err)
{
	char path[SMTP_SPOOL_PATH_MAX], tmp[SMTP_SPOOL_PATH_MAX], text[SMTP_SPOOL_REASON_MAX];
	smtp_owner_t owner;
	smtp_piece_t block;
	size_t tlen;
	smtp_buf_t b;
	smtp_rc_t rc;
	int e;

	if ((rc = pause_path(path, dir, dest, false, err)) != SMTP_OK ||
	    (rc = pause_path(tmp, dir, dest, true, err)) != SMTP_OK) {
		return rc;
	}
	if ((e = smtp_dir_check(dir, true, &owner)) != 0) {
		return os_fail(err, e, "use spool directory", dir);
	}
	tlen = smtp_text_sanitize(text, sizeof(text), p->reason, strlen(p->reason));
	smtp_buf_init(&b, SMTP_SPOOL_LINE_MAX * 4);
	rc = put_num(&b, "until", p->until);
	if (rc == SMTP_OK) {
		rc = put_num(&b, "strikes", p->strikes);
	}
	if (rc == SMTP_OK) {
		rc = put_field(&b, "error", text, tlen);
	}
	if (rc != SMTP_OK) {
		smtp_buf_destroy(&b);
		return buf_fail(rc, err);
	}
	block.data = b.data;
	block.len = b.len;
	/* Each writer its own tmp/ name; the rename makes the newest record win whole. */
	rc = write_durably(tmp, true, path, &block, 1, &owner, err);
	smtp_buf_destroy(&b);
	/* The rename is in the directory: a back-off record that a crash could
	 * take back would let every worker hammer a relay that asked for rest. */
	if (rc == SMTP_OK && (e = smtp_dir_sync(dir)) != 0) {
		return os_fail(err, e, "sync", dir);
	}
	return rc;
}

void smtp_spool_pause_clear(const char *dir, const char *dest)
{
	char path[SMTP_SPOOL_PATH_MAX];

	if (pause_path(path, dir, dest, false, NULL) == SMTP_OK) {
		smtp_path_unlink(path);
	}
}

typedef struct {
	const char *dir;
	const char *sub;
	smtp_spool_status_t *st;
	bool failed_dir;
} status_walk_t;

/* The "error" (a .retry) or "reason" (a failed/ .reason) of path, and "next" of a .retry. */
static void status_read(status_walk_t *w, const char *path, bool retry, uint64_t mtime)
{
	const char *line, *v;
	size_t llen, vlen;
	uint64_t next;
	smtp_file_t f;
	char *buf;
	cursor_t c;

	if (smtp_file_open_read(path, &f) != 0) {
		return;
	}
	if (read_all(f, path, &buf, &c.len, NULL) != SMTP_OK) {
		smtp_file_close(f);
		return;
	}
	smtp_file_close(f);
	c.p = buf;
	c.pos = 0;
	while (next_line(&c, &line, &llen)) {
		if (retry && (v = field(line, llen, "next", &vlen)) != NULL && smtp_buf_parse_u64(v, vlen, &next)) {
			if (w->st->next_attempt == 0 || next < w->st->next_attempt) {
				w->st->next_attempt = next;
			}
		} else if ((v = field(line, llen, retry ? "error" : "reason", &vlen)) != NULL && vlen > 0
		           && mtime >= w->st->last_error_at) {
			w->st->last_error_at = mtime;
			smtp_text_sanitize(w->st->last_error, sizeof(w->st->last_error), v, vlen);
		}
	}
	free(buf);
}

static bool status_entry(void *ctx, const char *name)
{
	status_walk_t *w = ctx;
	char path[SMTP_SPOOL_PATH_MAX], id[SMTP_SPOOL_ID_MAX];
	size_t n = strlen(name);
	uint64_t mtime = 0, created;
	bool msg = n > 4 && strcmp(name + n - 4, ".msg") == 0;
	bool retry = n > 6 && strcmp(name + n - 6, ".retry") == 0;
	bool reason = n > 7 && strcmp(name + n - 7, ".reason") == 0;
	size_t k = n - (msg ? 4 : retry ? 6 : reason ? 7 : 0);

	if ((!msg && !retry && !reason) || k >= sizeof(id)) {
		return true;
	}
	memcpy(id, name, k);
	id[k] = '\0';
	if (!id_ok(id)) {
		return true;
	}
	if (msg) {
		if (w->failed_dir) {
			w->st->failed++;
			return true;
		}
		w->st->queued++;
		/* The id starts with the creation time (see smtp_spool.h). */
		if (!smtp_buf_parse_u64(id, strcspn(id, "-"), &created)) {
			return true;
		}
		if (w->st->oldest_created == 0 || created < w->st->oldest_created) {
			w->st->oldest_created = created;
		}
		/* Never tried (no .retry): due at its creation. */
		if (make_path(path, w->dir, w->sub, id, ".retry", NULL) == SMTP_OK && smtp_path_mtime(path, &mtime) != 0
		    && (w->st->next_attempt == 0 || created < w->st->next_attempt)) {
			w->st->next_attempt = created;
		}
		return true;
	}
	if (make_path(path, w->dir, w->sub, name, NULL, NULL) != SMTP_OK) {
		return true;
	}
	if (retry && !w->failed_dir) {
		w->st->deferred++;
	}
	smtp_path_mtime(path, &mtime);
	status_read(w, path, retry, mtime);
	return true;
}

/* A backoff-<dest> record in the spool's top directory: its end and reason count. */
static bool status_pause_entry(void *ctx, const char *name)
{
	status_walk_t *w = ctx;
	smtp_spool_pause_t p;

	if (strncmp(name, "backoff-", 8) != 0) {
		return true;
	}
	if (smtp_spool_pause_read(w->dir, strcmp(name + 8, PAUSE_DEFAULT) == 0 ? NULL : name + 8, &p, NULL) != SMTP_OK) {
		return true;
	}
	if (p.until > w->st->backoff_until) {
		w->st->backoff_until = p.until;
	}
	if (p.reason[0] != '\0' && p.written >= w->st->last_error_at) {
		w->st->last_error_at = p.written;
		memcpy(w->st->last_error, p.reason, sizeof(p.reason));
	}
	return true;
}

smtp_rc_t smtp_spool_status(const char *dir, smtp_spool_status_t *st, smtp_error_t *err)
{
	static const char *const subs[] = {"queue", "failed"};
	char path[SMTP_SPOOL_PATH_MAX];
	status_walk_t w;
	smtp_rc_t rc;
	size_t i;
	int e;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < 2; i++) {
		if ((rc = make_path(path, dir, subs[i], NULL, NULL, err)) != SMTP_OK) {
			return rc;
		}
		w.dir = dir;
		w.sub = subs[i];
		w.st = st;
		w.failed_dir = i == 1;
		e = smtp_dir_list(path, status_entry, &w);
		if (e != 0 && !smtp_os_err_is_missing(e)) {
			return os_fail(err, e, "list", path);
		}
	}
	w.dir = dir;
	w.sub = "";
	w.st = st;
	w.failed_dir = false;
	e = smtp_dir_list(dir, status_pause_entry, &w);
	if (e != 0 && !smtp_os_err_is_missing(e)) {
		return os_fail(err, e, "list", dir);
	}
	/* Nothing goes before the relay's back-off ends. */
	if (st->queued > 0 && st->backoff_until > st->next_attempt) {
		st->next_attempt = st->backoff_until;
	}
	return SMTP_OK;
}

typedef struct {
	const char *dir;
	uint64_t now;
	uint64_t max_age;
	size_t removed;
} sweep_t;

static bool sweep_entry(void *ctx, const char *name)
{
	sweep_t *s = ctx;
	char path[SMTP_SPOOL_PATH_MAX];
	uint64_t mtime;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0
	    || make_path(path, s->dir, "tmp", name, NULL, NULL) != SMTP_OK) {
		return true;
	}
	if (smtp_path_mtime(path, &mtime) == 0 && mtime + s->max_age < s->now && smtp_path_unlink(path) == 0) {
		s->removed++;
	}
	return true;
}

size_t smtp_spool_sweep_tmp(const char *dir, uint64_t now, uint64_t max_age)
{
	char path[SMTP_SPOOL_PATH_MAX];
	sweep_t s;

	s.dir = dir;
	s.now = now;
	s.max_age = max_age;
	s.removed = 0;
	if (make_path(path, dir, "tmp", NULL, NULL, NULL) == SMTP_OK) {
		smtp_dir_list(path, sweep_entry, &s);
	}
	return s.removed;
}
