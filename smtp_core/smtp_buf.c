/* smtp_buf.c: see smtp_buf.h. */
#include "smtp_buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void smtp_buf_init(smtp_buf_t *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void smtp_buf_destroy(smtp_buf_t *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void smtp_buf_reset(smtp_buf_t *b)
{
	b->len = 0;
	if (b->data != NULL) {
		b->data[0] = '\0';
	}
}

smtp_rc_t smtp_buf_append(smtp_buf_t *b, const void *p, size_t n)
{
	if (n > b->max || b->len > b->max - n) {
		return SMTP_E_LIMIT;
	}
	if (b->len + n + 1 > b->cap) {
		size_t want = b->cap < 64 ? 64 : b->cap;
		char *grown;
		while (want < b->len + n + 1) {
			want *= 2;
		}
		if (want > b->max + 1) {
			want = b->max + 1;
		}
		grown = realloc(b->data, want);
		if (grown == NULL) {
			return SMTP_E_NOMEM;
		}
		b->data = grown;
		b->cap = want;
	}
	if (n > 0) {
		memcpy(b->data + b->len, p, n);
	}
	b->len += n;
	b->data[b->len] = '\0';
	return SMTP_OK;
}

smtp_rc_t smtp_buf_append_str(smtp_buf_t *b, const char *s)
{
	return smtp_buf_append(b, s, strlen(s));
}

smtp_rc_t smtp_buf_append_char(smtp_buf_t *b, char c)
{
	return smtp_buf_append(b, &c, 1);
}

void smtp_buf_consume(smtp_buf_t *b, size_t n)
{
	if (n >= b->len) {
		smtp_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

char *smtp_buf_detach(smtp_buf_t *b, size_t *len)
{
	char *p = b->data;
	if (len != NULL) {
		*len = b->len;
	}
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

void *smtp_buf_grow_items(void *items, size_t count, size_t *cap, size_t first, size_t size)
{
	size_t want = *cap == 0 ? first : *cap;
	void *grown;

	if (count < *cap) {
		return items;
	}
	if (*cap != 0) {
		if (want > SIZE_MAX / 2) {
			return NULL;
		}
		want *= 2;
	}
	if (size == 0 || want > SIZE_MAX / size) {
		return NULL;
	}
	grown = realloc(items, want * size);
	if (grown == NULL) {
		return NULL;
	}
	*cap = want;
	return grown;
}

bool smtp_buf_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20) {
		return false;
	}
	for (i = 0; i < len; i++) {
		unsigned d;
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10u) {
			return false;
		}
		v = v * 10u + d;
	}
	*out = v;
	return true;
}
