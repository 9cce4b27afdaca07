/* market_collect.h — a tf_tick_handler for tests that keeps every tick and every rejection. */
#ifndef TF_TEST_MARKET_COLLECT_H
#define TF_TEST_MARKET_COLLECT_H

#include <stdlib.h>
#include <string.h>

#include "market/market.h"

typedef struct {
	tf_tick *ticks;
	size_t n, cap;
	size_t bad;
	tf_decode_err last_bad;
	char last_bad_raw[256];
	size_t stop_after; /* when non-zero, on_tick returns TF_ERR_STOPPED after this many */
} collect;

static inline tf_err collect_tick(void *ud, const tf_tick *t)
{
	collect *c = ud;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		tf_tick *p = realloc(c->ticks, ncap * sizeof *p);
		if (!p)
			return TF_ERR_NOMEM;
		c->ticks = p;
		c->cap = ncap;
	}
	c->ticks[c->n++] = *t;
	if (c->stop_after && c->n >= c->stop_after)
		return TF_ERR_STOPPED;
	return TF_OK;
}

static inline tf_err collect_bad(void *ud, const char *raw, size_t len, const tf_decode_err *why)
{
	collect *c = ud;
	c->bad++;
	c->last_bad = *why;
	size_t n = len < sizeof c->last_bad_raw - 1 ? len : sizeof c->last_bad_raw - 1;
	memcpy(c->last_bad_raw, raw, n);
	c->last_bad_raw[n] = '\0';
	return TF_OK;
}

static inline tf_tick_handler collect_handler(collect *c)
{
	memset(c, 0, sizeof *c);
	return (tf_tick_handler){collect_tick, collect_bad, c};
}

static inline void collect_free(collect *c)
{
	free(c->ticks);
	c->ticks = NULL;
	c->n = c->cap = 0;
}

/* Formats a decimal for TF_CHECK_EQ_STR. */
static inline const char *dstr(tf_dec v, char buf[TF_DEC_STR_MAX])
{
	tf_dec_format(v, buf);
	return buf;
}

#endif
