/* engine_int.h — internals shared by engine.c (computation) and checkpoint.c (state blobs). */
#ifndef TF_ENGINE_ENGINE_INT_H
#define TF_ENGINE_ENGINE_INT_H

#include "engine/engine.h"

/* One open window (candle in progress). Prices by event time: open_t/close_t are the event times
 * of the open and close prices; v_ and q_ are the 24 h volumes at those instants. Fields every
 * record touches come first (2.5 cache lines of 4): the engine's cost is its cache misses. */
typedef struct {
	int64_t open_time;
	int64_t open_t, close_t;
	int64_t updates;
	tf_dec high, low, close;
	tf_dec v_last, q_last;                   /* miniTicker 24 h volume / quote volume at close_t */
	tf_dec o24, c24;                         /* 24 h open and last at close_t */
	uint8_t approx;                          /* volume from 24 h figures */
	uint8_t has24;                           /* o24/c24 are known */
	uint8_t dirty;                           /* changed since the last drain */
	tf_dec open;
	tf_dec v_first, q_first;                 /* ... at open_t */
	tf_dec vol_exact, qvol_exact;            /* trades: sum of qty, sum of price * qty */
} tf_eng_win;

/* One symbol and interval: open windows sorted by open_time, and the closes of final windows.
 * open points into the symbol's own allocation (tf_eng_sym_layout): e->max_open windows, which the
 * configuration bounds (lateness / smallest interval + 2, usually 2), instead of the most any
 * configuration may need (TF_ENGINE_MAX_OPEN) — 20 MB less at 2,000 symbols and 3 intervals.
 * The counts lead so that they share a cache line with the open pointer. */
typedef struct {
	tf_eng_win *open;
	int nopen;
	int nhist;
	uint8_t has_final;
	tf_dec final_v_last, final_q_last;
	tf_dec hist[TF_ENGINE_HIST]; /* oldest first */
} tf_eng_series;

typedef struct {
	char symbol[TF_SYMBOL_MAX];
	uint32_t num;                      /* index in e->syms */
	int64_t last_t;                    /* greatest event time of this symbol */
	tf_dec last_price;                 /* price at last_t (returns for the sliding histogram) */
	uint8_t ep[TF_ALERT_KINDS_];       /* alert episode in progress */
	double rets[TF_ENGINE_RET_HIST];   /* final returns of the smallest interval, oldest first */
	int nrets;
	uint8_t out_dirty, state_dirty;    /* listed in e->dirty */
	tf_eng_series s[];                 /* cfg.nintervals */
} tf_eng_sym;

#define TF_SLIDE_RING 64   /* buckets kept: size / slide + lateness / slide + 2 at most */
#define TF_SLIDE_HIST 60   /* past window counts for the z-score */
#define TF_SLIDE_MIN_HIST 10

typedef struct {
	int64_t b;                         /* bucket number (event time / slide); -1 = unused */
	int64_t updates;
	int64_t hist[TF_RATE_BINS];
} tf_eng_bucket;

struct tf_engine {
	tf_engine_cfg cfg;
	int max_open;                      /* open windows per series: lateness / smallest interval + 2 */
	char iv_name[TF_ENGINE_MAX_INTERVALS][TF_INTERVAL_MAX]; /* "1m", ... (computed once) */
	char scope[16];
	tf_eng_bucket ring[TF_SLIDE_RING];
	int64_t slide_emitted;             /* windows ending at buckets <= this were emitted */
	double whist[TF_SLIDE_HIST];       /* update counts of past windows, oldest first */
	int nwhist;
	uint8_t trend_ep;
	tf_rate_row *rates;
	size_t nrates, cap_rates;
	tf_eng_sym **syms;
	size_t nsyms, cap_syms;
	uint32_t *index;                   /* open addressing: 1 + sym number, 0 = empty */
	size_t index_cap;                  /* power of two, >= 2 * cap_syms */
	uint32_t *dirty;                   /* sym numbers with out_dirty or state_dirty */
	size_t ndirty;
	tf_candle_row *rows;               /* finalised candles waiting for drain */
	size_t nrows, cap_rows;
	tf_alert_row *alerts;
	size_t nalerts, cap_alerts;
	uint8_t have_wm;
	int64_t max_t, wm, wm_window, wm_sec; /* wm_window = floor(wm / smallest), wm_sec = floor(wm / 1000) */
	int64_t accepted, late;
	/* Every symbol outside a stale episode has last_t >= stale_floor (INT64_MIN = unknown), so the
	 * once-a-second stale scan can skip the whole table while nobody is near stale. Not saved:
	 * a restored engine starts at INT64_MIN and its first scan recomputes it. */
	int64_t stale_floor;
};

/* Adds a symbol (zeroed state) and returns it; TF_ERR_TOO_BIG past max_symbols, TF_ERR_NOMEM. */
tf_err tf_eng_sym_add(tf_engine *e, const char *symbol, tf_eng_sym **out);
/* Bytes of one symbol with its series and open windows; tf_eng_sym_layout points each series'
 * open at its share of the block (after a copy of the block, too). */
size_t tf_eng_sym_size(const tf_engine *e);
void tf_eng_sym_layout(const tf_engine *e, tf_eng_sym *s);
tf_eng_sym *tf_eng_sym_find(const tf_engine *e, const char *symbol);

/* Appends the checkpoint blob of one symbol. */
tf_err tf_eng_sym_save(const tf_engine *e, const tf_eng_sym *s, tf_buf *out);

#endif
