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
#define TF_INTERVAL_MAX 8 /* bytes incl. NUL: "1m", "15m", "1M" */

typedef enum {
	TF_TICK_MINI_TICKER, /* 24hrMiniTicker: 24 h rolling o/h/l/c/v/q */
	TF_TICK_TICKER_24HR, /* 24hrTicker stream event */
	TF_TICK_REST_24HR,   /* GET /api/v3/ticker/24hr element */
	TF_TICK_KLINE,       /* kline stream event or REST kline row */
	TF_TICK_TRADE,
	TF_TICK_AGG_TRADE,
	TF_TICK_BAR,         /* Yahoo v8 chart bar */
} tf_tick_kind;

/* 24 h rolling statistics: miniTicker (the first six), 24hrTicker and REST 24hr (all). */
typedef struct {
	tf_dec open, high, low, last, volume, quote_volume;
	tf_dec price_change, price_change_pct, weighted_avg_price, prev_close;
	int64_t trades, first_id, last_id; /* first_id/last_id are -1 when no trade happened */
	int64_t open_time, close_time;     /* ms since epoch: the 24 h window */
} tf_tick_24h;

/* One candle: kline stream event ("k") or REST kline row. */
typedef struct {
	int64_t open_time, close_time;
	char interval[TF_INTERVAL_MAX];
	bool closed;                        /* stream "x"; false for REST rows, which do not say (compare
					       close_time with the clock) */
	tf_dec open, high, low, close, volume, quote_volume;
	tf_dec taker_buy_volume, taker_buy_quote_volume;
	int64_t trades;
	int64_t first_trade_id, last_trade_id; /* stream only; 0 for REST rows */
} tf_tick_kline;

/* trade and aggTrade events. */
typedef struct {
	int64_t id;                         /* trade "t" or aggregate trade "a" */
	int64_t first_trade_id, last_trade_id; /* aggTrade "f"/"l" */
	int64_t buyer_order_id, seller_order_id; /* old trade form "b"/"a"; 0 when absent */
	tf_dec price, qty;
	int64_t trade_time;                 /* "T" */
	bool buyer_maker;                   /* "m" */
} tf_tick_trade;

/* Yahoo v8 chart bar. A bar is only delivered when it has a close; other nulls are flagged. */
enum {
	TF_BAR_NO_OPEN = 1, TF_BAR_NO_HIGH = 2, TF_BAR_NO_LOW = 4, TF_BAR_NO_VOLUME = 8,
};
typedef struct {
	tf_dec open, high, low, close, volume;
	unsigned missing;                   /* TF_BAR_NO_* bits for null fields (their value is 0) */
} tf_tick_bar;

typedef struct {
	tf_tick_kind kind;
	char symbol[TF_SYMBOL_MAX]; /* NUL-terminated */
	int64_t event_time;         /* ms since epoch, UTC: Binance's E (or the bar's/row's open time) */
	bool dead;                  /* the last price is zero: never divide by it */
	const char *raw;            /* this event's JSON exactly as received, inside the decoded input */
	size_t raw_len;
	/* Kind-specific parts: only the one matching kind may be read. A union, so that a tick is
	 * 288 bytes instead of 672: every record of the stream is decoded into one and copied once
	 * (bench/engine_throughput.c: the hand-off was a seventh of decode+engine). */
	union {
		tf_tick_24h s24;     /* MINI_TICKER, TICKER_24HR, REST_24HR */
		tf_tick_kline kline; /* KLINE */
		tf_tick_trade trade; /* TRADE, AGG_TRADE */
		tf_tick_bar bar;     /* BAR */
	};
} tf_tick;

/* "miniTicker", "ticker24hr", "rest24hr", "kline", "trade", "aggTrade", "bar" (as tick JSON prints). */
const char *tf_tick_kind_name(tf_tick_kind kind);

/* The tick's price: last (24 h kinds), close (kline, bar) or trade price. */
tf_dec tf_tick_price(const tf_tick *tick);

/* Whether s[0..len) is a valid symbol: 1..31 bytes of A-Z, 0-9 and Yahoo's ^ . = - */
bool tf_tick_symbol_valid(const char *s, size_t len);

#endif
