/* smtp_buf.c: see smtp_buf.h. */
#include "smtp_buf.h"

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
