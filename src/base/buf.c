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

tf_err tf_buf_appendf(tf_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return TF_ERR_INTERNAL;
	tf_err err = tf_buf_reserve(b, (size_t)n);
	if (err)
		return err;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return TF_OK;
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
