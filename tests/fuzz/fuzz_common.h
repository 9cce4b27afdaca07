/* fuzz_common.h — a handler for the decoder fuzz targets: checks each tick's invariants (raw
 * inside the input, valid symbol, JSON line printable) and aborts on a violation. */
#ifndef TF_FUZZ_COMMON_H
#define TF_FUZZ_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "market/market.h"

typedef struct {
	const char *in;
	size_t len;
	size_t ticks, bad;
} fuzz_ctx;

static inline tf_err fuzz_on_tick(void *ud, const tf_tick *t)
{
	fuzz_ctx *c = ud;
	if (t->raw < c->in || t->raw + t->raw_len > c->in + c->len || !t->raw_len)
		abort();
	if (!tf_tick_symbol_valid(t->symbol, strlen(t->symbol)))
		abort();
	if (t->dead != (tf_tick_price(t) == 0))
		abort();
	tf_buf b;
	tf_buf_init(&b, 4096);
	if (tf_market_tick_json(t, &b) != TF_OK)
		abort();
	tf_buf_free(&b);
	c->ticks++;
	return TF_OK;
}

static inline tf_err fuzz_on_bad(void *ud, const char *raw, size_t len, const tf_decode_err *why)
{
	fuzz_ctx *c = ud;
	if (raw < c->in || raw + len > c->in + c->len || !why->msg[0] || !memchr(why->msg, 0, sizeof why->msg))
		abort();
	c->bad++;
	return TF_OK;
}

static inline tf_tick_handler fuzz_handler(fuzz_ctx *c, const uint8_t *data, size_t size)
{
	c->in = (const char *)data;
	c->len = size;
	c->ticks = c->bad = 0;
	return (tf_tick_handler){fuzz_on_tick, fuzz_on_bad, c};
}

/* An error return must come with a message and no handler call. */
static inline void fuzz_check_err(tf_err e, const fuzz_ctx *c, const tf_decode_err *err, bool calls_allowed)
{
	if (e == TF_OK)
		return;
	if (!err->msg[0])
		abort();
	if (!calls_allowed && (c->ticks || c->bad))
		abort();
}

#endif
