/* tick.h — the market model: one decoded market event ("tick").
 *
 * CONTRACT (used by src/feed and later the stream engine): kind, symbol, event_time, dead, raw and
 * raw_len always exist with these meanings. The market branch owns and extends the rest. */
#ifndef TF_MARKET_TICK_H
#define TF_MARKET_TICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/dec.h"

#define TF_SYMBOL_MAX 32 /* bytes incl. NUL; Binance symbols are <= 20 characters */

typedef enum {
	TF_TICK_MINI_TICKER, /* 24hrMiniTicker: 24 h rolling o/h/l/c/v/q */
	TF_TICK_TICKER_24HR, /* 24hrTicker stream event */
	TF_TICK_REST_24HR,   /* GET /api/v3/ticker/24hr element */
	TF_TICK_KLINE,       /* kline stream event or REST kline row */
	TF_TICK_TRADE,
	TF_TICK_AGG_TRADE,
	TF_TICK_BAR,         /* Yahoo v8 chart bar */
} tf_tick_kind;

typedef struct {
	tf_tick_kind kind;
	char symbol[TF_SYMBOL_MAX]; /* NUL-terminated */
	int64_t event_time;         /* ms since epoch, UTC: Binance's E (or the bar's/row's open time) */
	bool dead;                  /* the last price is zero: never divide by it */
	const char *raw;            /* this event's JSON exactly as received, inside the decoded input */
	size_t raw_len;
	/* market branch: 24 h statistics, kline, trade and bar fields follow */
} tf_tick;

#endif
