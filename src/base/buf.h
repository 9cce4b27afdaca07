/* buf.h — growable byte buffers created with the maximum size they may reach.
 *
 * Every buffer that holds outside input has a cap (as curl's dynbuf does): appending past it fails
 * with TF_ERR_TOO_BIG and leaves the buffer unchanged, so a peer can never make us allocate without
 * bound. */
#ifndef TF_BASE_BUF_H
#define TF_BASE_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct {
	char *data;   /* NUL-terminated when non-NULL (one byte beyond len is reserved) */
	size_t len;
	size_t cap;   /* allocated bytes, excluding the NUL */
	size_t max;   /* largest len allowed */
} tf_buf;

void tf_buf_init(tf_buf *b, size_t max);
void tf_buf_free(tf_buf *b);
void tf_buf_reset(tf_buf *b);                      /* len = 0, memory kept */
tf_err tf_buf_reserve(tf_buf *b, size_t extra);    /* room for extra more bytes */
tf_err tf_buf_append(tf_buf *b, const void *p, size_t n);
tf_err tf_buf_appendf(tf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
tf_err tf_buf_append_str(tf_buf *b, const char *s);     /* s without its NUL */
tf_err tf_buf_append_int(tf_buf *b, int64_t v);         /* decimal, as "%" PRId64 prints it */
void tf_buf_consume(tf_buf *b, size_t n);          /* drops the first n bytes */

#endif
