/* buf.c — see buf.h. */
#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tf_buf_init(tf_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void tf_buf_free(tf_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void tf_buf_reset(tf_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

tf_err tf_buf_reserve(tf_buf *b, size_t extra)
{
	if (extra > b->max - b->len)
		return TF_ERR_TOO_BIG;
	size_t need = b->len + extra;
	if (need <= b->cap && b->data)
		return TF_OK;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > b->max / 2 ? b->max : cap * 2;
	char *p = realloc(b->data, cap + 1);
	if (!p)
		return TF_ERR_NOMEM;
	b->data = p;
	b->cap = cap;
	return TF_OK;
}

tf_err tf_buf_append(tf_buf *b, const void *p, size_t n)
{
	tf_err err = tf_buf_reserve(b, n);
	if (err)
		return err;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return TF_OK;
}

/* Formats straight into the free room first and only when that is too small reserves and formats
 * again: formatting twice every time (measure, then write) was a tenth of the stream's CPU at
 * 100,000 records/s (perf, bench/engine_pipeline.sh). */
tf_err tf_buf_appendf(tf_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->data ? b->cap - b->len : 0;
	va_start(ap, fmt);
	int n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? room + 1 : 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n > b->max - b->len) {
		if (b->data)
			b->data[b->len] = '\0'; /* undo the truncated attempt */
		return n < 0 ? TF_ERR_INTERNAL : TF_ERR_TOO_BIG;
	}
	if ((size_t)n > room) {
		tf_err err = tf_buf_reserve(b, (size_t)n);
		if (err) {
			if (b->data)
				b->data[b->len] = '\0';
			return err;
		}
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
	return TF_OK;
}

tf_err tf_buf_append_str(tf_buf *b, const char *s) { return tf_buf_append(b, s, strlen(s)); }

/* Hot in every JSON row the stream writes (row_json.c); printf's machinery costs ten times more. */
tf_err tf_buf_append_int(tf_buf *b, int64_t v)
{
	char tmp[24];
	char *p = tmp + sizeof tmp;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	return tf_buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

void tf_buf_consume(tf_buf *b, size_t n)
{
	if (n >= b->len) {
		tf_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}
