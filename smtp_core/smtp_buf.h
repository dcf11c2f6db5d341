/*
 * smtp_buf.h: the one growable byte buffer of smtp_core.
 *
 * A buffer has a hard maximum fixed at init: appending past it fails with
 * SMTP_E_LIMIT instead of growing, so no input, however hostile, makes it
 * use more memory than its owner allowed. The data is always followed by a
 * NUL (not counted in len) for convenience; lengths still travel with data.
 */
#ifndef SMTP_BUF_H
#define SMTP_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_error.h"

typedef struct {
	char *data;   /* NULL until the first append; owned */
	size_t len;
	size_t cap;   /* allocated, including the NUL */
	size_t max;   /* hard limit on len */
} smtp_buf_t;

void smtp_buf_init(smtp_buf_t *b, size_t max);
/* Frees the storage; the buffer may be appended to again afterwards. */
void smtp_buf_destroy(smtp_buf_t *b);
/* Empties the buffer, keeping its storage. */
void smtp_buf_reset(smtp_buf_t *b);
/* SMTP_E_LIMIT when len + n would exceed max, SMTP_E_NOMEM; b is unchanged then. */
smtp_rc_t smtp_buf_append(smtp_buf_t *b, const void *p, size_t n);
smtp_rc_t smtp_buf_append_str(smtp_buf_t *b, const char *s);
smtp_rc_t smtp_buf_append_char(smtp_buf_t *b, char c);
/* Removes the first n bytes (all if n >= len). */
void smtp_buf_consume(smtp_buf_t *b, size_t n);
/* Takes the storage out of b (caller frees with free()); b becomes empty. */
char *smtp_buf_detach(smtp_buf_t *b, size_t *len);

/*
 * Room for one more item in a growing array of `size`-octet items holding
 * `count` in room for *cap: items itself while there is room, else the array
 * moved (realloc) into room for `first` items the first time, then twice as
 * many each time, and *cap updated. NULL when out of memory or the size would
 * overflow: items and *cap are unchanged then, as with realloc.
 */
void *smtp_buf_grow_items(void *items, size_t count, size_t *cap, size_t first, size_t size);

/*
 * Reads back a number smtp_core wrote as text into its own files (spool
 * records, the rate log): exactly 1 to 20 decimal digits, no sign, spaces or
 * other bytes, and no overflow past UINT64_MAX. False otherwise, *out unchanged.
 */
bool smtp_buf_parse_u64(const char *s, size_t len, uint64_t *out);

#endif
