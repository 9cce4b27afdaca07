/* engine_int.h — internals shared by engine.c (computation) and checkpoint.c (state blobs). */
#ifndef TF_ENGINE_ENGINE_INT_H
#define TF_ENGINE_ENGINE_INT_H

#include "engine/engine.h"

/* One open window (candle in progress). Prices by event time: open_t/close_t are the event times
 * of the open and close prices; v_ and q_ are the 24 h volumes at those instants. What a record
 * in event-time order touches comes first and fills exactly two cache lines (the struct is aligned
 * to a line and 256 bytes long); the open (open_t, open, v_first, q_first, read only when a record
 * is older than the window's close), the exact trade volumes and c24 (when it is not the close)
 * live in the other two. The engine's cost is its cache misses (bench/engine_throughput.c, perf:
 * 54 % of tf_engine_add's samples were the first loads of the series and window lines), so a
 * record of three intervals touches 6 window lines instead of 9.
 * c24 (24 h last at close_t) equals close whenever the record that set the close had 24 h figures
 * (its price is that last): then c24_own is 0 and the c24 field is not kept; a close set by a
 * trade or kline record copies the previous close there first (c24_own = 1). Read it with
 * tf_eng_win_c24. */
typedef struct {
	_Alignas(64) tf_dec high;
	tf_dec low, close;
	tf_dec v_last, q_last;                   /* miniTicker 24 h volume / quote volume at close_t */
	tf_dec o24;                              /* 24 h open at close_t */
	int64_t open_time;
	int64_t close_t;
	int64_t updates;
	uint8_t approx;                          /* volume from 24 h figures */
	uint8_t has24;                           /* o24/c24 are known */
	uint8_t dirty;                           /* TF_WIN_DIRTY_* bits */
	uint8_t c24_own;                         /* c24 is in its own field (see above) */
	/* second half: not touched by a record in event-time order */
	_Alignas(64) int64_t open_t;
	tf_dec open;
	tf_dec v_first, q_first;                 /* ... at open_t */
	tf_dec c24;                              /* 24 h last at close_t, when c24_own */
	tf_dec vol_exact, qvol_exact;            /* trades: sum of qty, sum of price * qty */
} tf_eng_win;

/* tf_eng_win.dirty: changed since the last tf_engine_drained (the store's view) and since the last
 * time the live view handed the window's symbol on (the live bus's, published many times between commits). */
#define TF_WIN_DIRTY_COMMIT 1
#define TF_WIN_DIRTY_LIVE 2

/* tf_eng_sym.live_dirty: changed since the live view last handed it on; listed in e->live (a
 * symbol handed on stays listed, unchanged, until the round of tf_engine_drain_live_part ends) */
#define TF_SYM_LIVE_CHANGED 1
#define TF_SYM_LIVE_LISTED 2

/* The 24 h last price at the window's close_t (0 while has24 is 0). */
static inline tf_dec tf_eng_win_c24(const tf_eng_win *w)
{
	return w->has24 && !w->c24_own ? w->close : w->c24;
}

/* One symbol and interval: the closes of final windows (oldest first) and what the volume of the
 * next window starts from. The open windows (sorted by open_time, s->nopen[k] of them) live in the
 * symbol's hot block, the history in its cold area (tf_eng_sym_layout sets the pointers). hist_d and
 * hist_lr cache, for the indicators, each close as a double and the log return from the close
 * before it (NaN when either is not > 0); they are derived from hist (tf_eng_sym_recache), never
 * saved. */
typedef struct {
	tf_eng_win *open;
	tf_dec *hist;                /* TF_ENGINE_HIST */
	double *hist_d, *hist_lr;    /* TF_ENGINE_HIST each */
	int nhist;
	uint8_t has_final;
	tf_dec final_v_last, final_q_last;
} tf_eng_series;

/* One symbol: a hot block of tf_eng_sym_size bytes, aligned to a cache line and packed with the
 * other symbols' in the engine's slabs,
 *   [tf_eng_sym + series headers][open windows: nintervals x max_open]
 * and a cold area of its own allocation (rets points at its start; then each series' hist, hist_d
 * and hist_lr), which only window closes and drains touch. The first cache line holds everything the lookup and a record's bookkeeping read (name, open
 * window counts, alert episodes, dirty flags, newest event time), so that a record touches that
 * line, the next (last_price) and the hot part of one window per interval. */
typedef struct {
	_Alignas(64) char symbol[TF_SYMBOL_MAX]; /* NUL-padded */
	uint8_t nopen[TF_ENGINE_MAX_INTERVALS];  /* open windows per interval (<= max_open) */
	uint32_t num;                      /* index in e->syms */
	uint8_t ep[TF_ALERT_KINDS_];       /* alert episode in progress */
	uint8_t out_dirty, state_dirty;    /* listed in e->dirty */
	uint8_t live_dirty;                /* TF_SYM_LIVE_* bits */
	int nrets;
	int64_t last_t;                    /* greatest event time of this symbol */
	tf_dec last_price;                 /* price at last_t (returns for the sliding histogram) */
	double *rets;                      /* TF_ENGINE_RET_HIST final returns of the smallest interval, oldest first */
	tf_eng_series s[];                 /* cfg.nintervals */
} tf_eng_sym;

#define TF_ENG_SLAB ((size_t)2 << 20) /* one huge page */

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
	uint64_t *index;                   /* open addressing: hash tag << 32 | (1 + sym number), 0 = empty */
	size_t index_cap;                  /* power of two, >= 2 * cap_syms */
	size_t win_off, hot_size;          /* offset of the windows in a symbol's hot block, and its size */
	void **slabs;                      /* TF_ENG_SLAB-byte slabs the hot blocks are carved from */
	size_t nslabs, cap_slabs, slab_size; /* slab_size: the newest slab's */
	char *slab_next;                   /* next free hot block in the newest slab */
	size_t slab_left;
	int64_t slide_lo, slide_b;         /* event times [slide_lo, slide_lo + slide) are bucket slide_b */
	uint32_t *dirty;                   /* sym numbers with out_dirty or state_dirty */
	int64_t *scan_t;                   /* per sym number: tf_eng_scan_t, so that the once-a-second stale
					      scan reads one dense array instead of a cache line per symbol */
	size_t ndirty;
	uint32_t *live;                    /* sym numbers with live_dirty */
	size_t nlive;
	size_t live_next;                  /* live[] before this went out in the current round */
	size_t live_rows, live_alerts;     /* rows and alerts already handed to the live view */
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

/* What the stale scan needs of s: its newest event time, or INT64_MAX when it cannot become stale
 * (already in a stale episode, or no record yet). Kept in e->scan_t[s->num] whenever either changes. */
static inline int64_t tf_eng_scan_t(const tf_eng_sym *s)
{
	return s->ep[TF_ALERT_STALE] || s->last_t == INT64_MIN ? INT64_MAX : s->last_t;
}

/* A zeroed stand-alone symbol (hot block and cold area) with its pointers laid out, or NULL when
 * out of memory; free with tf_eng_sym_free. (The engine's own symbols come from its slabs.) */
tf_eng_sym *tf_eng_sym_alloc(const tf_engine *e);
void tf_eng_sym_free(tf_eng_sym *s);
/* Copies src's state (hot block and cold area) into dst, keeping dst's own cold area. */
void tf_eng_sym_copy(const tf_engine *e, tf_eng_sym *dst, const tf_eng_sym *src);
/* Recomputes the derived caches (hist_d, hist_lr) of every series after hist was loaded. */
void tf_eng_sym_recache(const tf_engine *e, tf_eng_sym *s);

/* Adds a symbol (zeroed state) and returns it; TF_ERR_TOO_BIG past max_symbols, TF_ERR_NOMEM. */
tf_err tf_eng_sym_add(tf_engine *e, const char *symbol, tf_eng_sym **out);
/* Bytes of one symbol's hot block (header, series, open windows); tf_eng_sym_layout points each
 * series' open at its share of the block and its histories into the cold area at s->rets. */
size_t tf_eng_sym_size(const tf_engine *e);
void tf_eng_sym_layout(const tf_engine *e, tf_eng_sym *s);
tf_eng_sym *tf_eng_sym_find(const tf_engine *e, const char *symbol);

/* Appends the checkpoint blob of one symbol. */
tf_err tf_eng_sym_save(const tf_engine *e, const tf_eng_sym *s, tf_buf *out);

#endif
