/* sim.h — the simulated market behind `tickflow exchange` and `ingest --source sim`.
 *
 * CONTRACT between the exchange branch (implements) and the feed branch (calls). Prices follow
 * geometric Brownian motion per symbol with per-symbol volatility and occasional jumps; 24 h rolling
 * statistics are computed from the simulated history. The same seed and the same sequence of calls
 * give the same bytes.
 *
 * Beyond the contract (first block), the exchange reads the model through the accessors below:
 * symbol metadata, 24 h statistics, klines and the trades as they happen. Each symbol draws from its
 * own random stream, so its price path depends only on the seed, never on who looked at it when. */
#ifndef TF_EXCHANGE_SIM_H
#define TF_EXCHANGE_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/dec.h"

typedef struct tf_sim tf_sim;

typedef struct {
	uint64_t seed;
	int nsymbols;        /* 1..5000; real-looking names (BTCUSDT, ETHBTC, ...) */
	int64_t start_ms;    /* simulated time at creation; 24 h of history precede it */
	/* Additions (zero keeps the natural model): */
	double extra_trade_rate; /* trades/s added to every symbol, for load runs (see tf_sim_rate_for) */
	bool no_jumps;           /* pure GBM (tests of the volatility) */
} tf_sim_config;

tf_err tf_sim_new(const tf_sim_config *cfg, tf_sim **out);
void tf_sim_free(tf_sim *s);

/* Appends the next `!miniTicker@arr` payload (a JSON array, E = now_ms) to out, with up to
 * max_records elements: symbols that traded since their last frame (so their 24 h figures moved, as
 * Binance sends them; a trade may leave the price itself unchanged), each advanced to now_ms, in
 * round-robin order so every symbol gets its turn. At Binance's pace the caller asks once a second with max_records >=
 * nsymbols; a load test asks for frames of max_records as often as its rate needs. *nrecords gets
 * the element count (0 appends nothing). now_ms must not go backwards. */
tf_err tf_sim_next_frame(tf_sim *s, int64_t now_ms, size_t max_records, tf_buf *out, size_t *nrecords);

/* ---- additions used by the exchange ---------------------------------------------------------- */

/* The symbol indexes of the elements of the last successful tf_sim_next_frame, in order; valid
 * until the next call. */
const int *tf_sim_last_frame(const tf_sim *s, size_t *n);

/* extra_trade_rate that lets a caller draw records_per_s miniTicker records a second from
 * nsymbols symbols (each symbol then trades about twice per visit, so most visits have news). */
double tf_sim_rate_for(double records_per_s, int nsymbols);

typedef struct {
	const char *symbol;  /* "BTCUSDT"; valid as long as the sim */
	const char *base;    /* "BTC" */
	const char *quote;   /* "USDT"; "USD" for stocks */
	tf_dec tick_size;    /* every price is a multiple of it */
	tf_dec step_size;    /* every quantity is a multiple of it */
	double sigma_day;    /* the symbol's daily log volatility (GBM sigma over 24 h) */
	double trades_per_s; /* its mean trade rate */
	bool stock;          /* a Yahoo-style stock (not in the crypto list) */
} tf_sim_symbol_info;

int tf_sim_nsymbols(const tf_sim *s);  /* crypto symbols: indexes 0..n-1 */
int tf_sim_nstocks(const tf_sim *s);   /* stocks: indexes n..n+nstocks-1 */
/* Index of an exact upper-case symbol name (crypto or stock), -1 when unknown. */
int tf_sim_find(const tf_sim *s, const char *symbol, size_t len);
void tf_sim_symbol(const tf_sim *s, int idx, tf_sim_symbol_info *out);

/* Brings a symbol's model to now_ms (trades, minute buckets). Earlier times are ignored. */
void tf_sim_advance(tf_sim *s, int idx, int64_t now_ms);
int64_t tf_sim_now(const tf_sim *s);   /* greatest time any call advanced to */

/* Rolling 24 h statistics as of the symbol's last advance: window = the 1440 minute buckets ending
 * with the current (partial) minute; open = the last price before the window. */
typedef struct {
	int64_t open_time, close_time;
	tf_dec open, high, low, last, last_qty;
	tf_dec volume, quote_volume;
	int64_t first_id, last_id, count; /* -1, -1, 0 when nothing traded in the window */
} tf_sim_stats;
void tf_sim_stats24(const tf_sim *s, int idx, tf_sim_stats *out);

/* One candle aggregated from the minute buckets. Taker-buy quote volume is the bucket's quote
 * volume scaled by its taker-buy share of base volume (buckets keep base volumes exactly). */
typedef struct {
	int64_t open_time, close_time;
	tf_dec open, high, low, close, volume, quote_volume, taker_base, taker_quote;
	int64_t first_id, last_id, count; /* -1, -1, 0 when nothing traded */
	bool closed;                      /* close_time < the symbol's time */
} tf_sim_kline;

/* Candles of interval_ms (a multiple of 60000 dividing 1 day, or 1 day) whose open time lies in
 * [start_ms, end_ms], oldest first, at most max; only minutes still held (24 h for crypto, 30 days
 * for stocks) count, and candles with none are skipped. Returns how many were written to out. */
size_t tf_sim_klines(const tf_sim *s, int idx, int64_t interval_ms, int64_t start_ms, int64_t end_ms,
		     tf_sim_kline *out, size_t max);
/* The candle of interval_ms containing time t (possibly still open). false when none is held. */
bool tf_sim_kline_at(const tf_sim *s, int idx, int64_t interval_ms, int64_t t, tf_sim_kline *out);
int64_t tf_sim_history_start(const tf_sim *s, int idx); /* open time of the oldest minute held */

typedef struct {
	int64_t id, time;
	tf_dec price, qty;
	bool buyer_maker;
} tf_sim_trade;

/* Calls fn for every trade simulated from now on (not for the generated history), from inside
 * tf_sim_advance / tf_sim_next_frame. fn must not call back into the sim. NULL removes it. */
void tf_sim_on_trade(tf_sim *s, void (*fn)(void *ud, int idx, const tf_sim_trade *t), void *ud);

/* Appends one 24hrMiniTicker element for a symbol as of its last advance, event time E. */
tf_err tf_sim_mini_ticker_json(const tf_sim *s, int idx, int64_t event_ms, tf_buf *out);

/* ---- diagnostics ------------------------------------------------------------------------------ */

/* Bytes of model state the sim holds (symbols, their hour checkpoints, recent minutes, queues and
 * the replay cache), for the memory benchmark. */
size_t tf_sim_state_bytes(const tf_sim *s);

/* Tests only: behaves from now on as if the 24 h high/low queues could not grow (out of memory),
 * so the fallback (the window's extremes recomputed from its minutes) is exercised. */
void tf_sim_test_no_queues(tf_sim *s);

#endif
