/* engine.c — windows, watermark, candles, indicators and alerts of one partition (see engine.h).
 *
 * Per record, in this order (the reference model in tests/integration/stream/model.py follows it):
 *   1. late check against the current watermark (smallest interval's window already final?)
 *   2. merge into the open window of every interval (creating it in order if needed)
 *   3. 24 h change alert (only for records not older than the symbol's newest)
 *   4. symbol's newest event time; a newer record ends its stale episode
 *   5. watermark = max event time - lateness; when it crosses a boundary of the smallest interval,
 *      every window whose end <= watermark becomes final (k-sigma and volatility alerts), and when
 *      it crosses a whole second, symbols silent for stale_ms raise a stale alert.
 *
 * Window life:   (none) --record--> OPEN --record--> OPEN (dirty) --watermark >= end--> FINAL
 * A FINAL window leaves the open list; its close joins the history used by MA7/MA25/stddev. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/engine_int.h"
#include "engine/indicators.h"

void tf_engine_cfg_default(tf_engine_cfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->intervals_ms[0] = 60000;
	cfg->intervals_ms[1] = 300000;
	cfg->intervals_ms[2] = 3600000;
	cfg->nintervals = 3;
	cfg->lateness_ms = 2000;
	cfg->change_pct = 5.0;
	cfg->return_k = 4.0;
	cfg->return_min_samples = 10;
	cfg->stale_ms = 60000;
	cfg->max_symbols = 100000;
	cfg->slide_ms = 5000;
	cfg->slide_size_ms = 60000;
	cfg->trend_z = 4.0;
}

tf_err tf_engine_cfg_check(const tf_engine_cfg *cfg, char *why, size_t cap)
{
	if (cfg->nintervals < 1 || cfg->nintervals > TF_ENGINE_MAX_INTERVALS) {
		snprintf(why, cap, "between 1 and %d intervals are needed", TF_ENGINE_MAX_INTERVALS);
		return TF_ERR_USAGE;
	}
	int64_t first = cfg->intervals_ms[0];
	for (int i = 0; i < cfg->nintervals; i++) {
		int64_t v = cfg->intervals_ms[i];
		if (v < 1000 || v > 7 * 86400000LL || v % first || (i && v <= cfg->intervals_ms[i - 1])) {
			snprintf(why, cap, "intervals must ascend, lie in 1s..7d and be multiples of the first");
			return TF_ERR_USAGE;
		}
	}
	if (cfg->lateness_ms < 0 || cfg->lateness_ms / first + 2 > TF_ENGINE_MAX_OPEN) {
		snprintf(why, cap, "lateness must be >= 0 and at most %d times the smallest interval", TF_ENGINE_MAX_OPEN - 2);
		return TF_ERR_USAGE;
	}
	if (cfg->slide_ms < 1000 || cfg->slide_size_ms < cfg->slide_ms || cfg->slide_size_ms % cfg->slide_ms ||
	    cfg->slide_size_ms / cfg->slide_ms + cfg->lateness_ms / cfg->slide_ms + 3 > TF_SLIDE_RING || !(cfg->trend_z > 0)) {
		snprintf(why, cap, "sliding window: slide >= 1s, size a multiple of it, size + lateness <= %d slides, z > 0",
			 TF_SLIDE_RING - 3);
		return TF_ERR_USAGE;
	}
	if (cfg->max_symbols < 1 || cfg->max_symbols > 10000000 || cfg->stale_ms < 1000 || cfg->return_min_samples < 2 ||
	    cfg->return_min_samples > TF_ENGINE_RET_HIST || !(cfg->return_k > 0) || !(cfg->change_pct >= 0)) {
		snprintf(why, cap, "thresholds out of range (stale >= 1s, 2 <= return samples <= %d, k > 0)", TF_ENGINE_RET_HIST);
		return TF_ERR_USAGE;
	}
	return TF_OK;
}

tf_err tf_engine_parse_intervals(const char *s, tf_engine_cfg *cfg)
{
	int n = 0;
	while (*s) {
		char *end;
		long v = strtol(s, &end, 10);
		int64_t unit;
		if (end == s || v <= 0 || v > 100000)
			return TF_ERR_USAGE;
		if (*end == 's')
			unit = 1000;
		else if (*end == 'm')
			unit = 60000;
		else if (*end == 'h')
			unit = 3600000;
		else if (*end == 'd')
			unit = 86400000;
		else
			return TF_ERR_USAGE;
		end++;
		if (n == TF_ENGINE_MAX_INTERVALS || (*end && *end != ','))
			return TF_ERR_USAGE;
		cfg->intervals_ms[n++] = v * unit;
		s = *end ? end + 1 : end;
		if (*end && !*s)
			return TF_ERR_USAGE;
	}
	if (n == 0)
		return TF_ERR_USAGE;
	cfg->nintervals = n;
	return TF_OK;
}

void tf_engine_interval_name(int64_t ms, char out[TF_INTERVAL_MAX])
{
	static const struct { int64_t unit; char c; } units[] = {{86400000, 'd'}, {3600000, 'h'}, {60000, 'm'}, {1000, 's'}};
	char tmp[32];
	size_t u = 0;
	while (u < 3 && ms % units[u].unit)
		u++;
	snprintf(tmp, sizeof tmp, "%lld%c", (long long)(ms / units[u].unit), units[u].c);
	snprintf(out, TF_INTERVAL_MAX, "%.7s", tmp);
}

const char *tf_alert_kind_name(tf_alert_kind k)
{
	static const char *names[] = {"change_24h", "volatility", "return_sigma", "stale", "trend"};
	return (unsigned)k < TF_ALERT_KINDS_ ? names[k] : "unknown";
}

static size_t round64(size_t n) { return (n + 63) & ~(size_t)63; }

tf_err tf_engine_new(const tf_engine_cfg *cfg, tf_engine **out)
{
	tf_engine *e = calloc(1, sizeof *e);
	if (!e)
		return TF_ERR_NOMEM;
	e->cfg = *cfg;
	/* Open windows of one series span (watermark - interval, newest event]: at most
	 * lateness / interval + 2 of them, and the smallest interval gives the most. */
	int64_t max_open = cfg->nintervals > 0 && cfg->intervals_ms[0] > 0 ? cfg->lateness_ms / cfg->intervals_ms[0] + 2 : 2;
	e->max_open = max_open < 2 ? 2 : max_open > TF_ENGINE_MAX_OPEN ? TF_ENGINE_MAX_OPEN : (int)max_open;
	for (int k = 0; k < cfg->nintervals; k++)
		tf_engine_interval_name(cfg->intervals_ms[k], e->iv_name[k]);
	e->win_off = round64(sizeof(tf_eng_sym) + (size_t)cfg->nintervals * sizeof(tf_eng_series));
	e->hot_size = e->win_off + (size_t)cfg->nintervals * (size_t)e->max_open * sizeof(tf_eng_win); /* the hot block's size */
	e->slide_b = INT64_MIN; /* no cached bucket */
	snprintf(e->scope, sizeof e->scope, "p0");
	for (int i = 0; i < TF_SLIDE_RING; i++)
		e->ring[i].b = -1;
	e->stale_floor = INT64_MIN;
	*out = e;
	return TF_OK;
}

void tf_engine_set_scope(tf_engine *e, const char *scope) { snprintf(e->scope, sizeof e->scope, "%s", scope); }

void tf_engine_free(tf_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nsyms; i++)
		free(e->syms[i]->rets); /* the hot blocks live in the slabs */
	for (size_t i = 0; i < e->nslabs; i++)
		free(e->slabs[i]);
	free(e->slabs);
	free(e->syms);
	free(e->index);
	free(e->dirty);
	free(e->live);
	free(e->scan_t);
	free(e->rows);
	free(e->alerts);
	free(e->rates);
	free(e);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* ---- symbol table ---- */

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* A symbol as the table keys it: NUL-padded to TF_SYMBOL_MAX bytes, so that comparing two is a
 * fixed 32-byte memcmp (inlined) and hashing is four multiplications instead of a byte loop. */
typedef struct {
	char b[TF_SYMBOL_MAX];
} sym_key;

static void make_key(const char *symbol, sym_key *k)
{
	memset(k, 0, sizeof *k);
	for (size_t i = 0; i < TF_SYMBOL_MAX - 1 && symbol[i]; i++)
		k->b[i] = symbol[i];
}

/* make_key for a tick's symbol field (all TF_SYMBOL_MAX bytes readable), without the byte loop */
static void make_key_tick(const char symbol[TF_SYMBOL_MAX], sym_key *k)
{
	/* a word at a time: the first word holding a NUL keeps the bytes before it, later words are
	 * zero (symbol is NUL-terminated within TF_SYMBOL_MAX bytes; what follows the NUL may be anything) */
	uint64_t w[4];
	memcpy(w, symbol, sizeof w);
	bool done = false;
	for (int i = 0; i < 4; i++) {
		uint64_t x = w[i];
		uint64_t z = (x - 0x0101010101010101ULL) & ~x & 0x8080808080808080ULL;
		if (done) {
			w[i] = 0;
		} else if (z) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			int nul = __builtin_ctzll(z) / 8; /* the lowest flagged byte is the first NUL */
			w[i] = nul ? x & (~0ULL >> (64 - 8 * nul)) : 0;
#else
			unsigned char b[8];
			memcpy(b, &x, 8);
			int nul = 0;
			while (b[nul])
				nul++;
			memset(b + nul, 0, (size_t)(8 - nul));
			memcpy(&w[i], b, 8);
#endif
			done = true;
		}
	}
	memcpy(k->b, w, sizeof w);
	if (!done)
		k->b[TF_SYMBOL_MAX - 1] = '\0'; /* as make_key: at most 31 bytes */
}

static uint32_t hash_key(const sym_key *k)
{
	uint64_t w[4];
	memcpy(w, k->b, sizeof w);
	uint64_t h = (w[0] * 0x9E3779B97F4A7C15ULL) ^ (w[1] * 0xC2B2AE3D27D4EB4FULL) ^ (w[2] * 0x165667B19E3779F9ULL) ^
		     (w[3] * 0xD6E8FEB86659FD93ULL);
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ULL;
	h ^= h >> 32;
	return (uint32_t)h | 1; /* never 0: a zero entry is empty */
}

static tf_eng_sym *find_key(const tf_engine *e, const sym_key *k, uint32_t h)
{
	if (!e->index_cap)
		return NULL;
	size_t mask = e->index_cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint64_t v = e->index[i];
		if (!v)
			return NULL;
		if ((uint32_t)(v >> 32) == h) {
			tf_eng_sym *s = e->syms[(uint32_t)v - 1];
			if (!memcmp(s->symbol, k->b, sizeof k->b))
				return s;
		}
	}
}

tf_eng_sym *tf_eng_sym_find(const tf_engine *e, const char *symbol)
{
	sym_key k;
	make_key(symbol, &k);
	return find_key(e, &k, hash_key(&k));
}

static void index_put(uint64_t *index, size_t cap, uint32_t h, uint32_t num)
{
	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1))
		if (!index[i]) {
			index[i] = (uint64_t)h << 32 | (num + 1);
			return;
		}
}

static tf_err grow_syms(tf_engine *e)
{
	size_t cap = e->cap_syms ? e->cap_syms * 2 : 64;
	if (cap > e->cfg.max_symbols)
		cap = e->cfg.max_symbols;
	tf_eng_sym **syms = realloc(e->syms, cap * sizeof *syms);
	if (!syms)
		return TF_ERR_NOMEM;
	e->syms = syms;
	uint32_t *dirty = realloc(e->dirty, cap * sizeof *dirty);
	if (!dirty)
		return TF_ERR_NOMEM;
	e->dirty = dirty;
	uint32_t *live = realloc(e->live, cap * sizeof *live);
	if (!live)
		return TF_ERR_NOMEM;
	e->live = live;
	int64_t *scan_t = realloc(e->scan_t, cap * sizeof *scan_t);
	if (!scan_t)
		return TF_ERR_NOMEM;
	e->scan_t = scan_t;
	size_t icap = 1;
	while (icap < cap * 2)
		icap <<= 1;
	uint64_t *index = calloc(icap, sizeof *index);
	if (!index)
		return TF_ERR_NOMEM;
	for (size_t k = 0; k < e->nsyms; k++) {
		sym_key key;
		memcpy(key.b, syms[k]->symbol, sizeof key.b);
		index_put(index, icap, hash_key(&key), (uint32_t)k);
	}
	free(e->index);
	e->index = index;
	e->index_cap = icap;
	e->cap_syms = cap;
	return TF_OK;
}

size_t tf_eng_sym_size(const tf_engine *e) { return e->hot_size; }

static size_t cold_size(const tf_engine *e)
{
	return TF_ENGINE_RET_HIST * sizeof(double) +
	       (size_t)e->cfg.nintervals * TF_ENGINE_HIST * (sizeof(tf_dec) + 2 * sizeof(double));
}

void tf_eng_sym_layout(const tf_engine *e, tf_eng_sym *s)
{
	char *base = (char *)s;
	tf_eng_win *w = (tf_eng_win *)(void *)(base + e->win_off);
	char *cold = (char *)s->rets;
	cold += TF_ENGINE_RET_HIST * sizeof(double);
	for (int k = 0; k < e->cfg.nintervals; k++) {
		tf_eng_series *se = &s->s[k];
		se->open = w + (size_t)k * (size_t)e->max_open;
		se->hist = (tf_dec *)(void *)cold;
		cold += TF_ENGINE_HIST * sizeof(tf_dec);
		se->hist_d = (double *)(void *)cold;
		cold += TF_ENGINE_HIST * sizeof(double);
		se->hist_lr = (double *)(void *)cold;
		cold += TF_ENGINE_HIST * sizeof(double);
	}
}

/* Gives block (hot, zeroed, 64-aligned) its own zeroed cold area and lays it out; false when out of memory. */
static bool sym_init(const tf_engine *e, tf_eng_sym *s)
{
	memset(s, 0, e->hot_size);
	s->rets = calloc(1, cold_size(e));
	if (!s->rets)
		return false;
	tf_eng_sym_layout(e, s);
	return true;
}

tf_eng_sym *tf_eng_sym_alloc(const tf_engine *e)
{
	tf_eng_sym *s = aligned_alloc(64, e->hot_size); /* hot_size is a multiple of 64 */
	if (s && !sym_init(e, s)) {
		free(s);
		s = NULL;
	}
	return s;
}

void tf_eng_sym_free(tf_eng_sym *s)
{
	if (s) {
		free(s->rets);
		free(s);
	}
}

void tf_eng_sym_copy(const tf_engine *e, tf_eng_sym *dst, const tf_eng_sym *src)
{
	double *cold = dst->rets;
	memcpy(dst, src, e->hot_size);
	dst->rets = cold;
	memcpy(cold, src->rets, cold_size(e));
	tf_eng_sym_layout(e, dst);
}

/* A hot block for a new symbol from the engine's slabs. DESIGN note: the hot blocks of all
 * symbols are packed into slabs growing to 2 MB (asking the kernel for huge pages) rather than one
 * malloc each, so that the blocks a record touches at random sit densely, away from the cold
 * histories, and span few pages. Measured only together with the hot/cold split
 * (bench/engine_throughput.c: engine alone at 20,000 symbols 0.66-0.74 -> 0.88 M records/s),
 * not on its own. */
static tf_eng_sym *slab_take(tf_engine *e)
{
	if (e->slab_left < e->hot_size) {
		if (e->nslabs == e->cap_slabs) {
			size_t cap = e->cap_slabs ? e->cap_slabs * 2 : 8;
			void **slabs = realloc(e->slabs, cap * sizeof *slabs);
			if (!slabs)
				return NULL;
			e->slabs = slabs;
			e->cap_slabs = cap;
		}
		/* 4 symbols first, doubling up to a huge page: small engines (tests, quiet partitions)
		 * stay small */
		size_t size = e->slab_size ? e->slab_size * 2 : 4 * e->hot_size;
		if (size >= TF_ENG_SLAB)
			size = e->hot_size > TF_ENG_SLAB ? e->hot_size : TF_ENG_SLAB;
		e->slab_size = size;
		bool huge = size == TF_ENG_SLAB;
		void *slab = aligned_alloc(huge ? TF_ENG_SLAB : 64, size); /* size: a multiple of 64 */
		if (!slab)
			return NULL;
#ifdef MADV_HUGEPAGE
		if (huge)
			(void)madvise(slab, size, MADV_HUGEPAGE); /* a hint: without huge pages it still works */
#endif
		e->slabs[e->nslabs++] = slab;
		e->slab_next = slab;
		e->slab_left = size;
	}
	tf_eng_sym *s = (tf_eng_sym *)(void *)e->slab_next;
	if (!sym_init(e, s))
		return NULL;
	e->slab_next += e->hot_size;
	e->slab_left -= e->hot_size;
	return s;
}

/* The log return between two cached closes, NaN when either is not > 0 (tf_ind_sd_logret skips those). */
static double logret(double prev, double cur) { return prev > 0 && cur > 0 ? log(cur / prev) : NAN; }

static double dd(tf_dec v);

void tf_eng_sym_recache(const tf_engine *e, tf_eng_sym *s)
{
	for (int k = 0; k < e->cfg.nintervals; k++) {
		tf_eng_series *se = &s->s[k];
		for (int h = 0; h < se->nhist; h++) {
			se->hist_d[h] = dd(se->hist[h]);
			se->hist_lr[h] = h ? logret(se->hist_d[h - 1], se->hist_d[h]) : NAN;
		}
	}
}

/* Appends a final close to the series' history (dropping the oldest when full), with its caches. */
static void hist_push(tf_eng_series *se, tf_dec close)
{
	if (se->nhist == TF_ENGINE_HIST) {
		memmove(se->hist, se->hist + 1, (TF_ENGINE_HIST - 1) * sizeof se->hist[0]);
		memmove(se->hist_d, se->hist_d + 1, (TF_ENGINE_HIST - 1) * sizeof se->hist_d[0]);
		memmove(se->hist_lr, se->hist_lr + 1, (TF_ENGINE_HIST - 1) * sizeof se->hist_lr[0]);
		se->nhist--;
	}
	int h = se->nhist++;
	se->hist[h] = close;
	se->hist_d[h] = dd(close);
	se->hist_lr[h] = h ? logret(se->hist_d[h - 1], se->hist_d[h]) : NAN;
}

static tf_err sym_add_key(tf_engine *e, const sym_key *k, uint32_t h, tf_eng_sym **out)
{
	if (e->nsyms == e->cfg.max_symbols)
		return TF_ERR_TOO_BIG;
	if (e->nsyms == e->cap_syms) {
		tf_err err = grow_syms(e);
		if (err)
			return err;
	}
	tf_eng_sym *s = slab_take(e);
	if (!s)
		return TF_ERR_NOMEM;
	memcpy(s->symbol, k->b, sizeof s->symbol);
	s->last_t = INT64_MIN;
	s->num = (uint32_t)e->nsyms;
	e->scan_t[s->num] = INT64_MAX;
	e->syms[e->nsyms++] = s;
	index_put(e->index, e->index_cap, h, s->num);
	*out = s;
	return TF_OK;
}

tf_err tf_eng_sym_add(tf_engine *e, const char *symbol, tf_eng_sym **out)
{
	sym_key k;
	make_key(symbol, &k);
	return sym_add_key(e, &k, hash_key(&k), out);
}

static void mark(tf_engine *e, tf_eng_sym *s, bool out_changed)
{
	if (!s->out_dirty && !s->state_dirty)
		e->dirty[e->ndirty++] = s->num;
	s->state_dirty = 1;
	if (out_changed) {
		s->out_dirty = 1;
		if (!(s->live_dirty & TF_SYM_LIVE_LISTED))
			e->live[e->nlive++] = s->num;
		s->live_dirty = TF_SYM_LIVE_LISTED | TF_SYM_LIVE_CHANGED;
	}
}

/* ---- output rows ---- */

static tf_err push_row(tf_engine *e, const tf_candle_row *r)
{
	if (e->nrows == e->cap_rows) {
		size_t cap = e->cap_rows ? e->cap_rows * 2 : 256;
		tf_candle_row *rows = realloc(e->rows, cap * sizeof *rows);
		if (!rows)
			return TF_ERR_NOMEM;
		e->rows = rows;
		e->cap_rows = cap;
	}
	e->rows[e->nrows++] = *r;
	return TF_OK;
}

static tf_err push_alert(tf_engine *e, const char *symbol, tf_alert_kind kind, int64_t t, double value, double threshold,
			 const char *detail)
{
	if (e->nalerts == e->cap_alerts) {
		size_t cap = e->cap_alerts ? e->cap_alerts * 2 : 64;
		tf_alert_row *a = realloc(e->alerts, cap * sizeof *a);
		if (!a)
			return TF_ERR_NOMEM;
		e->alerts = a;
		e->cap_alerts = cap;
	}
	tf_alert_row *a = &e->alerts[e->nalerts++];
	memset(a, 0, sizeof *a);
	snprintf(a->symbol, sizeof a->symbol, "%s", symbol);
	a->kind = kind;
	a->event_time = t;
	a->value = value;
	a->threshold = threshold;
	snprintf(a->detail, sizeof a->detail, "%s", detail);
	char key[96];
	snprintf(key, sizeof key, "%s|%s|%lld", symbol, tf_alert_kind_name(kind), (long long)t);
	a->id = (int64_t)(hash_str(key) & 0x7fffffffffffffffULL);
	return TF_OK;
}

/* tf_dec_to_double's formula with 64-bit division when the value fits (almost always): the same
 * double, without the slow 128-bit division on the per-record path. */
static double dd(tf_dec v)
{
	if (v >= INT64_MIN && v <= INT64_MAX) {
		int64_t x = (int64_t)v;
		return (double)(x / 100000000) + (double)(x % 100000000) / 1e8;
	}
	return tf_dec_to_double(v);
}

/* The candle row of open window i of series k, with indicators over the final history plus the
 * open windows up to i. */
static void make_row(const tf_engine *e, const tf_eng_sym *s, int k, int i, bool final, tf_candle_row *r)
{
	const tf_eng_series *se = &s->s[k];
	const tf_eng_win *w = &se->open[i];
	memset(r, 0, sizeof *r);
	memcpy(r->symbol, s->symbol, sizeof r->symbol); /* both TF_SYMBOL_MAX, NUL-terminated */
	r->interval_ms = e->cfg.intervals_ms[k];
	memcpy(r->interval, e->iv_name[k], sizeof r->interval);
	r->open_time = w->open_time;
	r->last_event_time = w->close_t;
	r->open = w->open;
	r->high = w->high;
	r->low = w->low;
	r->close = w->close;
	r->spread = w->high - w->low;
	r->updates = w->updates;
	r->final = final;
	r->volume_approx = w->approx;
	if (w->approx) {
		tf_dec vref = i > 0 ? se->open[i - 1].v_last : se->has_final ? se->final_v_last : w->v_first;
		tf_dec qref = i > 0 ? se->open[i - 1].q_last : se->has_final ? se->final_q_last : w->q_first;
		r->volume = w->v_last > vref ? w->v_last - vref : 0;
		r->quote_volume = w->q_last > qref ? w->q_last - qref : 0;
	} else {
		r->volume = w->vol_exact;
		r->quote_volume = w->qvol_exact;
		r->vwap = tf_ind_ratio(dd(w->qvol_exact), dd(w->vol_exact));
	}
	r->mid.valid = true;
	r->mid.v = (dd(w->high) + dd(w->low)) / 2;
	r->ret = tf_ind_ratio(dd(w->close - w->open), dd(w->open));
	r->rel_vol = tf_ind_ratio(dd(w->high - w->low), r->mid.v);
	if (w->has24)
		r->change_24h_pct = tf_ind_ratio(100.0 * dd(tf_eng_win_c24(w) - w->o24), dd(w->o24));
	/* closes and their log returns: the history's from the caches (computed once when a close
	 * became final), the open windows' here; the same doubles in the same order as recomputing all */
	double closes[TF_ENGINE_HIST + TF_ENGINE_MAX_OPEN], lr[TF_ENGINE_HIST + TF_ENGINE_MAX_OPEN];
	size_t nh = (size_t)se->nhist, n = nh + (size_t)i + 1;
	memcpy(closes, se->hist_d, nh * sizeof closes[0]);
	for (int j = 0; j <= i; j++)
		closes[nh + (size_t)j] = dd(se->open[j].close);
	r->ma7 = tf_ind_mean_last(closes, n, 7);
	r->ma25 = tf_ind_mean_last(closes, n, 25);
	size_t nlr = 0, start = n > TF_ENGINE_SD_RETURNS + 1 ? n - (TF_ENGINE_SD_RETURNS + 1) : 0;
	for (size_t j = start + 1; j < n; j++) {
		double v = j < nh ? se->hist_lr[j] : logret(closes[j - 1], closes[j]);
		if (!isnan(v))
			lr[nlr++] = v;
	}
	r->sd_logret = tf_ind_sample_sd(lr, nlr);
}

/* ---- merging a record ---- */

/* a * b in decimal units: exact while both fit in 62 bits (any real price and quantity), else
 * through doubles and clamped, so that crafted input can never overflow 128 bits. */
static tf_dec mul_dec(tf_dec a, tf_dec b)
{
	const tf_dec lim = (tf_dec)1 << 62;
	if (a < lim && a > -lim && b < lim && b > -lim)
		return a * b / TF_DEC_SCALE;
	double d = dd(a) * dd(b);
	if (!(fabs(d) < 1e28))
		d = d < 0 ? -1e28 : 1e28;
	return (tf_dec)(d * 1e8);
}

/* The index of the open window of series k that holds event time t, inserting it (opened with
 * the tick's values) in order when there is none. The usual case, the newest window, is found
 * with two comparisons instead of a division. */
/* The open windows of series k: where tf_eng_sym_layout points s->s[k].open, computed without
 * loading the series header (one dependent cache miss less per record and interval). */
static tf_eng_win *wins(const tf_engine *e, tf_eng_sym *s, int k)
{
	return (tf_eng_win *)(void *)((char *)s + e->win_off) + (size_t)k * (size_t)e->max_open;
}

static int window_for(tf_engine *e, tf_eng_sym *s, int k, const tf_tick *t, tf_dec price, bool is24, bool *created)
{
	tf_eng_win *open = wins(e, s, k);
	int64_t iv = e->cfg.intervals_ms[k], et = t->event_time;
	int n = s->nopen[k];
	*created = false;
	if (n && et >= open[n - 1].open_time && et - open[n - 1].open_time < iv)
		return n - 1;
	int64_t ot = et - et % iv;
	int i = 0;
	while (i < n && open[i].open_time < ot)
		i++;
	if (i < n && open[i].open_time == ot)
		return i;
	if (n == e->max_open)
		return -1; /* cfg_check bounds the open windows; never happens */
	memmove(&open[i + 1], &open[i], (size_t)(n - i) * sizeof open[0]);
	s->nopen[k] = (uint8_t)(n + 1);
	tf_eng_win *w = &open[i];
	memset(w, 0, sizeof *w);
	w->open_time = ot;
	w->open = w->high = w->low = w->close = price;
	w->open_t = w->close_t = et;
	if (is24) {
		w->v_first = w->v_last = t->s24.volume;
		w->q_first = w->q_last = t->s24.quote_volume;
	}
	*created = true;
	return i;
}

static tf_err merge(tf_engine *e, tf_eng_sym *s, const tf_tick *t, tf_dec price)
{
	bool is24 = t->kind == TF_TICK_MINI_TICKER || t->kind == TF_TICK_TICKER_24HR || t->kind == TF_TICK_REST_24HR;
	bool trade = t->kind == TF_TICK_TRADE || t->kind == TF_TICK_AGG_TRADE;
	for (int k = 0; k < e->cfg.nintervals; k++) {
		tf_eng_win *open = wins(e, s, k);
		bool created;
		int i = window_for(e, s, k, t, price, is24, &created);
		if (i < 0)
			return TF_ERR_INTERNAL;
		tf_eng_win *w = &open[i];
		if (!created) {
			if (price > w->high)
				w->high = price;
			if (price < w->low)
				w->low = price;
			/* open_t <= close_t: only a record older than the close can be older than the open,
			 * so the open's cache line is read only then */
			if (t->event_time < w->close_t && t->event_time < w->open_t) {
				w->open_t = t->event_time;
				w->open = price;
				if (is24) {
					w->v_first = t->s24.volume;
					w->q_first = t->s24.quote_volume;
				}
			}
		}
		if (t->event_time >= w->close_t) {
			if (is24) {
				w->v_last = t->s24.volume;
				w->q_last = t->s24.quote_volume;
				w->o24 = t->s24.open;
				w->c24_own = 0; /* c24 = s24.last = price = the new close */
				w->has24 = 1;
			} else if (w->has24 && !w->c24_own) {
				w->c24 = w->close; /* the close moves on, c24 stays */
				w->c24_own = 1;
			}
			w->close_t = t->event_time;
			w->close = price;
		}
		if (is24)
			w->approx = 1;
		if (trade) {
			w->vol_exact += t->trade.qty;
			w->qvol_exact += mul_dec(t->trade.qty, t->trade.price);
		}
		w->updates++;
		/* later windows' volume and averages depend on this one */
		for (int j = i, n = s->nopen[k]; j < n; j++) /* n in a register: the stores may alias it */
			open[j].dirty = TF_WIN_DIRTY_COMMIT | TF_WIN_DIRTY_LIVE;
	}
	return TF_OK;
}

/* ---- finalisation and alerts ---- */

typedef struct {
	tf_eng_sym *s;
	int64_t open_time;
	tf_maybe rel_vol;
} vol_cand;

static int cmp_cand(const void *a, const void *b)
{
	const vol_cand *x = a, *y = b;
	return x->open_time < y->open_time ? -1 : x->open_time > y->open_time;
}

static tf_err return_alert(tf_engine *e, tf_eng_sym *s, const tf_candle_row *r)
{
	bool cond = false;
	double sd = 0, mean = 0;
	if (r->ret.valid && s->nrets >= e->cfg.return_min_samples) {
		tf_maybe m = tf_ind_mean_last(s->rets, (size_t)s->nrets, (size_t)s->nrets);
		tf_maybe d = tf_ind_sample_sd(s->rets, (size_t)s->nrets);
		mean = m.v;
		sd = d.v;
		cond = d.valid && sd > 0 && fabs(r->ret.v - mean) > e->cfg.return_k * sd;
	}
	if (cond && !s->ep[TF_ALERT_RETURN_SIGMA]) {
		char detail[96];
		snprintf(detail, sizeof detail, "%s return %.6f vs mean %.6f sd %.6f", r->interval, r->ret.v, mean, sd);
		tf_err err = push_alert(e, s->symbol, TF_ALERT_RETURN_SIGMA, r->open_time + r->interval_ms, r->ret.v,
					mean + (r->ret.v < mean ? -1 : 1) * e->cfg.return_k * sd, detail);
		if (err)
			return err;
	}
	s->ep[TF_ALERT_RETURN_SIGMA] = cond;
	if (r->ret.valid) {
		if (s->nrets == TF_ENGINE_RET_HIST) {
			memmove(s->rets, s->rets + 1, (TF_ENGINE_RET_HIST - 1) * sizeof s->rets[0]);
			s->nrets--;
		}
		s->rets[s->nrets++] = r->ret.v;
	}
	return TF_OK;
}

static tf_err volatility_alerts(tf_engine *e, vol_cand *c, size_t n)
{
	/* usually every candidate closed the same minute: already in order, and a stable sort would
	 * leave it so (glibc's qsort is a merge sort) */
	bool sorted = true;
	for (size_t i = 1; sorted && i < n; i++)
		sorted = c[i - 1].open_time <= c[i].open_time;
	if (!sorted)
		qsort(c, n, sizeof *c, cmp_cand);
	double *v = malloc((n ? n : 1) * sizeof *v);
	if (!v)
		return TF_ERR_NOMEM;
	tf_err err = TF_OK;
	for (size_t a = 0, b; a < n; a = b) {
		size_t nv = 0;
		for (b = a; b < n && c[b].open_time == c[a].open_time; b++)
			if (c[b].rel_vol.valid)
				v[nv++] = c[b].rel_vol.v;
		if (nv < 4)
			continue;
		double q3 = tf_ind_quantile(v, nv, 0.75);
		for (size_t i = a; i < b; i++) {
			tf_eng_sym *s = c[i].s;
			bool cond = c[i].rel_vol.valid && c[i].rel_vol.v > q3;
			if (cond && !s->ep[TF_ALERT_VOLATILITY]) {
				char detail[96];
				snprintf(detail, sizeof detail, "relative volatility above the 3rd quartile of %zu symbols", nv);
				err = push_alert(e, s->symbol, TF_ALERT_VOLATILITY, c[i].open_time + e->cfg.intervals_ms[0], c[i].rel_vol.v, q3,
						 detail);
				if (err)
					goto out;
			}
			s->ep[TF_ALERT_VOLATILITY] = cond;
		}
	}
out:
	free(v);
	return err;
}

static tf_err finalize_all(tf_engine *e)
{
	vol_cand *cand = NULL;
	size_t ncand = 0, cap = 0;
	tf_err err = TF_OK;
	for (size_t n = 0; n < e->nsyms; n++) {
		tf_eng_sym *s = e->syms[n];
		for (int k = 0; k < e->cfg.nintervals; k++) {
			tf_eng_series *se = &s->s[k];
			int64_t iv = e->cfg.intervals_ms[k];
			while (s->nopen[k] && se->open[0].open_time + iv <= e->wm) {
				tf_candle_row r;
				make_row(e, s, k, 0, true, &r);
				if ((err = push_row(e, &r)))
					goto out;
				if (k == 0) {
					if ((err = return_alert(e, s, &r)))
						goto out;
					if (ncand == cap) {
						cap = cap ? cap * 2 : 256;
						vol_cand *c = realloc(cand, cap * sizeof *c);
						if (!c) {
							err = TF_ERR_NOMEM;
							goto out;
						}
						cand = c;
					}
					cand[ncand++] = (vol_cand){s, r.open_time, r.rel_vol};
				}
				hist_push(se, se->open[0].close);
				se->has_final = 1;
				se->final_v_last = se->open[0].v_last;
				se->final_q_last = se->open[0].q_last;
				memmove(&se->open[0], &se->open[1], (size_t)(s->nopen[k] - 1) * sizeof se->open[0]);
				s->nopen[k]--;
				mark(e, s, false);
			}
		}
	}
	err = volatility_alerts(e, cand, ncand);
out:
	free(cand);
	return err;
}

static tf_err stale_scan(tf_engine *e)
{
	int64_t limit = e->wm - e->cfg.stale_ms, floor = INT64_MAX;
	if (e->stale_floor > limit)
		return TF_OK; /* no symbol outside an episode can be silent that long */
	for (size_t n = 0; n < e->nsyms; n++) {
		int64_t st = e->scan_t[n];
		if (st > limit) {
			if (st < floor)
				floor = st; /* INT64_MAX (no episode possible) changes nothing */
			continue;
		}
		tf_eng_sym *s = e->syms[n];
		char detail[96];
		snprintf(detail, sizeof detail, "no update since %lld", (long long)s->last_t);
		double secs = (double)e->cfg.stale_ms / 1000.0;
		tf_err err = push_alert(e, s->symbol, TF_ALERT_STALE, s->last_t + e->cfg.stale_ms, secs, secs, detail);
		if (err) {
			e->stale_floor = INT64_MIN; /* the scan stopped early: rescan next time */
			return err;
		}
		s->ep[TF_ALERT_STALE] = 1;
		e->scan_t[n] = INT64_MAX;
		mark(e, s, false);
	}
	e->stale_floor = floor;
	return TF_OK;
}

/* ---- sliding windows ---- */

/* Whether |100 * diff / base| is surely at most pct, so that the 24 h change alert's condition
 * (computed with dd and a division) is false without computing it: the integers converted
 * directly are within 1e-16 of the exact values, so a margin of 1e-9 leaves no doubt. false means
 * "decide exactly" (near the threshold, base 0, or values beyond 64 bits). */
static bool change_below(tf_dec diff, tf_dec base, double pct)
{
	if (diff < INT64_MIN || diff > INT64_MAX || base < INT64_MIN || base > INT64_MAX)
		return false;
	double num = fabs((double)(int64_t)diff) * 100.0, lim = pct * fabs((double)(int64_t)base);
	return num < lim * (1 - 1e-9);
}

static int return_bin(double r);

/* return_bin(dd(diff) / dd(base)) for base > 0, without the two conversions when the quotient of
 * the integers (within 1e-15 of that one) is not within 1e-9 of a bin edge. */
static int return_bin_dec(tf_dec diff, tf_dec base)
{
	static const double edges[TF_RATE_BINS - 1] = {-0.01, -0.001, -0.0001, 0, 0.0001, 0.001, 0.01};
	if (diff >= INT64_MIN && diff <= INT64_MAX && base <= INT64_MAX) {
		double r = (double)(int64_t)diff / (double)(int64_t)base;
		int i = 0;
		while (i < TF_RATE_BINS - 1 && r >= edges[i])
			i++;
		/* the edge below r (i > 0) and the edge above (i < 7); 0 is exact: diff's sign */
		bool near = (i > 0 && edges[i - 1] != 0 && r - edges[i - 1] <= 1e-9 * fabs(edges[i - 1])) ||
			    (i < TF_RATE_BINS - 1 && edges[i] != 0 && edges[i] - r <= 1e-9 * fabs(edges[i]));
		if (!near)
			return i;
	}
	return return_bin(dd(diff) / dd(base));
}

static int return_bin(double r)
{
	static const double edges[TF_RATE_BINS - 1] = {-0.01, -0.001, -0.0001, 0, 0.0001, 0.001, 0.01};
	int i = 0;
	while (i < TF_RATE_BINS - 1 && r >= edges[i])
		i++;
	return i;
}

static void slide_count(tf_engine *e, int64_t t, int bin)
{
	/* consecutive records share a bucket: the last one's range saves a division */
	if (t < e->slide_lo || t - e->slide_lo >= e->cfg.slide_ms || e->slide_b == INT64_MIN) {
		e->slide_b = floor_div(t, e->cfg.slide_ms);
		e->slide_lo = e->slide_b * e->cfg.slide_ms;
	}
	int64_t b = e->slide_b;
	if (e->have_wm && b < e->slide_emitted)
		return; /* its bucket is closed: counted as late for rates only */
	tf_eng_bucket *k = &e->ring[b % TF_SLIDE_RING];
	if (k->b != b) {
		memset(k, 0, sizeof *k);
		k->b = b;
	}
	k->updates++;
	if (bin >= 0)
		k->hist[bin]++;
}

/* Emits every window whose end the watermark has passed. */
static tf_err slide_emit(tf_engine *e)
{
	int64_t nb = e->cfg.slide_size_ms / e->cfg.slide_ms, upto = floor_div(e->wm, e->cfg.slide_ms);
	int64_t from = e->slide_emitted + 1;
	if (upto - from > 2 * nb)
		from = upto - 2 * nb; /* after a long gap only the recent (empty) windows matter */
	for (int64_t end = from; end <= upto; end++) {
		tf_rate_row r;
		memset(&r, 0, sizeof r);
		snprintf(r.scope, sizeof r.scope, "%s", e->scope);
		r.window_end = end * e->cfg.slide_ms;
		r.size_ms = e->cfg.slide_size_ms;
		for (int64_t b = end - nb; b < end; b++) {
			const tf_eng_bucket *k = &e->ring[((b % TF_SLIDE_RING) + TF_SLIDE_RING) % TF_SLIDE_RING];
			if (k->b != b)
				continue;
			r.updates += k->updates;
			for (int i = 0; i < TF_RATE_BINS; i++)
				r.hist[i] += k->hist[i];
		}
		r.updates_per_s = (double)r.updates * 1000.0 / (double)r.size_ms;
		if (e->nwhist >= TF_SLIDE_MIN_HIST) {
			tf_maybe m = tf_ind_mean_last(e->whist, (size_t)e->nwhist, (size_t)e->nwhist);
			tf_maybe sd = tf_ind_sample_sd(e->whist, (size_t)e->nwhist);
			if (sd.valid && sd.v > 0) {
				r.zscore.valid = true;
				r.zscore.v = ((double)r.updates - m.v) / sd.v;
			}
			bool cond = r.zscore.valid && fabs(r.zscore.v) > e->cfg.trend_z;
			if (cond && !e->trend_ep) {
				char sym[TF_SYMBOL_MAX], detail[96];
				snprintf(sym, sizeof sym, "@%s", e->scope);
				snprintf(detail, sizeof detail, "%lld updates in %llds vs mean %.1f sd %.1f", (long long)r.updates,
					 (long long)(r.size_ms / 1000), m.v, sd.v);
				tf_err err = push_alert(e, sym, TF_ALERT_TREND, r.window_end, r.zscore.v, e->cfg.trend_z, detail);
				if (err)
					return err;
			}
			e->trend_ep = cond;
		}
		if (e->nwhist == TF_SLIDE_HIST) {
			memmove(e->whist, e->whist + 1, (TF_SLIDE_HIST - 1) * sizeof e->whist[0]);
			e->nwhist--;
		}
		e->whist[e->nwhist++] = (double)r.updates;
		if (e->nrates == e->cap_rates) {
			size_t cap = e->cap_rates ? e->cap_rates * 2 : 64;
			tf_rate_row *rates = realloc(e->rates, cap * sizeof *rates);
			if (!rates)
				return TF_ERR_NOMEM;
			e->rates = rates;
			e->cap_rates = cap;
		}
		e->rates[e->nrates++] = r;
	}
	e->slide_emitted = upto;
	return TF_OK;
}

void tf_engine_prefetch(const tf_engine *e, const tf_tick *t)
{
	if (!e->index_cap)
		return;
	sym_key key;
	make_key_tick(t->symbol, &key);
	uint32_t h = hash_key(&key);
	size_t mask = e->index_cap - 1;
	/* the first entry with the tag (a false match only wastes the prefetches). The symbol's line 0
	 * (its open window counts) is not read, as that would wait for the miss: the first window of
	 * each interval is fetched, which is the newest one except while the previous window waits
	 * out the lateness (2 s of each minute by default). */
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint64_t v = e->index[i];
		if (!v)
			return; /* a new symbol */
		if ((uint32_t)(v >> 32) != h)
			continue;
		const char *base = (const char *)e->syms[(uint32_t)v - 1];
		__builtin_prefetch(base, 1);
		__builtin_prefetch(base + 64, 1);
		for (int k = 0; k < e->cfg.nintervals; k++) {
			const char *p = base + e->win_off + (size_t)k * (size_t)e->max_open * sizeof(tf_eng_win);
			__builtin_prefetch(p, 1);
			__builtin_prefetch(p + 64, 1); /* the window's hot half (tf_eng_win) */
		}
		return;
	}
}

tf_err tf_engine_add(tf_engine *e, const tf_tick *t, tf_verdict *verdict, char *why, size_t why_cap)
{
	int64_t first = e->cfg.intervals_ms[0];
	if (t->event_time <= 0 || t->event_time > 32503680000000LL) /* year 3000 */
		return TF_ERR_RANGE;
	if (e->have_wm && t->event_time <= e->wm) { /* newer than the watermark: its window is open */
		int64_t end = t->event_time - t->event_time % first + first;
		if (end <= e->wm) {
			char name[TF_INTERVAL_MAX];
			tf_engine_interval_name(first, name);
			snprintf(why, why_cap, "late: %s window %lld is final (watermark %lld)", name,
				 (long long)(end - first), (long long)e->wm);
			e->late++;
			*verdict = TF_TICK_LATE;
			return TF_OK;
		}
	}
	sym_key key;
	make_key_tick(t->symbol, &key);
	uint32_t h = hash_key(&key);
	tf_eng_sym *s = find_key(e, &key, h);
	tf_err err;
	if (!s && (err = sym_add_key(e, &key, h, &s)))
		return err;
	tf_dec price = tf_tick_price(t);
	if ((err = merge(e, s, t, price)))
		return err;
	mark(e, s, true);
	bool is24 = t->kind == TF_TICK_MINI_TICKER || t->kind == TF_TICK_TICKER_24HR || t->kind == TF_TICK_REST_24HR;
	if (is24 && t->event_time >= s->last_t) {
		bool cond = !change_below(t->s24.last - t->s24.open, t->s24.open, e->cfg.change_pct);
		tf_maybe pct = {false, 0};
		if (cond) {
			pct = tf_ind_ratio(100.0 * dd(t->s24.last - t->s24.open), dd(t->s24.open));
			cond = pct.valid && fabs(pct.v) > e->cfg.change_pct;
		}
		if (cond && !s->ep[TF_ALERT_CHANGE_24H]) {
			char detail[96];
			snprintf(detail, sizeof detail, "24 h change %.4f%%", pct.v);
			if ((err = push_alert(e, s->symbol, TF_ALERT_CHANGE_24H, t->event_time, pct.v, e->cfg.change_pct, detail)))
				return err;
		}
		s->ep[TF_ALERT_CHANGE_24H] = cond;
	}
	int bin = -1;
	if (t->event_time > s->last_t) {
		if (s->last_price > 0 && price > 0)
			bin = return_bin_dec(price - s->last_price, s->last_price);
		s->last_t = t->event_time;
		s->last_price = price;
		s->ep[TF_ALERT_STALE] = 0;
		e->scan_t[s->num] = s->last_t;
		if (s->last_t < e->stale_floor)
			e->stale_floor = s->last_t;
	}
	slide_count(e, t->event_time, bin);
	e->accepted++;
	*verdict = TF_TICK_ACCEPTED;
	if (!e->have_wm || t->event_time > e->max_t) {
		e->max_t = t->event_time;
		e->wm = e->max_t - e->cfg.lateness_ms;
		if (!e->have_wm) {
			e->have_wm = 1;
			e->wm_window = floor_div(e->wm, first);
			e->wm_sec = floor_div(e->wm, 1000);
			e->slide_emitted = floor_div(e->wm, e->cfg.slide_ms);
			return TF_OK;
		}
		/* boundaries crossed? (a multiplication each instead of three divisions per new max) */
		if (e->wm >= (e->slide_emitted + 1) * e->cfg.slide_ms && (err = slide_emit(e)))
			return err;
		if (e->wm >= (e->wm_window + 1) * first) {
			e->wm_window = floor_div(e->wm, first);
			if ((err = finalize_all(e)))
				return err;
		}
		if (e->wm >= (e->wm_sec + 1) * 1000) {
			e->wm_sec = floor_div(e->wm, 1000);
			if ((err = stale_scan(e)))
				return err;
		}
	}
	return TF_OK;
}

/* ---- drain ---- */

tf_err tf_engine_drain(tf_engine *e, const tf_engine_sink *sink)
{
	tf_err err = TF_OK;
	tf_buf blob;
	tf_buf_init(&blob, 1 << 20);
	for (size_t i = 0; i < e->nrows; i++)
		if (sink->on_candle && (err = sink->on_candle(sink->ud, &e->rows[i])))
			goto out;
	for (size_t i = 0; i < e->nrates; i++)
		if (sink->on_rate && (err = sink->on_rate(sink->ud, &e->rates[i])))
			goto out;
	for (size_t i = 0; i < e->nalerts; i++)
		if (sink->on_alert && (err = sink->on_alert(sink->ud, &e->alerts[i])))
			goto out;
	for (size_t d = 0; d < e->ndirty; d++) {
		tf_eng_sym *s = e->syms[e->dirty[d]];
		if (s->out_dirty && sink->on_candle)
			for (int k = 0; k < e->cfg.nintervals; k++)
				for (int i = 0; i < s->nopen[k]; i++) {
					if (!(s->s[k].open[i].dirty & TF_WIN_DIRTY_COMMIT))
						continue;
					tf_candle_row r;
					make_row(e, s, k, i, false, &r);
					if ((err = sink->on_candle(sink->ud, &r)))
						goto out;
				}
		if (sink->on_symbol_state) {
			tf_buf_reset(&blob);
			if ((err = tf_eng_sym_save(e, s, &blob)) ||
			    (err = sink->on_symbol_state(sink->ud, s->symbol, blob.data, blob.len)))
				goto out;
		}
	}
out:
	tf_buf_free(&blob);
	return err;
}

void tf_engine_drained(tf_engine *e)
{
	for (size_t d = 0; d < e->ndirty; d++) {
		tf_eng_sym *s = e->syms[e->dirty[d]];
		s->out_dirty = s->state_dirty = 0;
		for (int k = 0; k < e->cfg.nintervals; k++)
			for (int i = 0; i < s->nopen[k]; i++)
				s->s[k].open[i].dirty &= (uint8_t)~TF_WIN_DIRTY_COMMIT;
	}
	e->ndirty = e->nrows = e->nalerts = e->nrates = 0;
	e->live_rows = e->live_alerts = 0; /* what the live view did not take by now it never will */
}

/* The live view's first part: the finals of interval_ms and the alerts not handed on yet. Sets *k
 * to the index of interval_ms (nintervals when it is not one of them). */
static tf_err drain_live_finals(tf_engine *e, int64_t interval_ms, const tf_engine_sink *sink, int *k)
{
	tf_err err;
	for (size_t i = e->live_rows; i < e->nrows; i++)
		if (e->rows[i].interval_ms == interval_ms && sink->on_candle && (err = sink->on_candle(sink->ud, &e->rows[i])))
			return err;
	for (size_t i = e->live_alerts; i < e->nalerts; i++)
		if (sink->on_alert && (err = sink->on_alert(sink->ud, &e->alerts[i])))
			return err;
	*k = 0;
	while (*k < e->cfg.nintervals && e->cfg.intervals_ms[*k] != interval_ms)
		++*k;
	return TF_OK;
}

/* s's windows are no longer changed for the live view. */
static void live_forget(const tf_engine *e, tf_eng_sym *s)
{
	for (int k = 0; k < e->cfg.nintervals; k++)
		for (int i = 0; i < s->nopen[k]; i++)
			s->s[k].open[i].dirty &= (uint8_t)~TF_WIN_DIRTY_LIVE;
}

/* The open candles of series k of s changed since the last publish. */
static tf_err drain_live_symbol(const tf_engine *e, const tf_eng_sym *s, int k, const tf_engine_sink *sink)
{
	for (int i = 0; i < s->nopen[k]; i++) {
		if (!(s->s[k].open[i].dirty & TF_WIN_DIRTY_LIVE))
			continue;
		tf_candle_row r;
		make_row(e, s, k, i, false, &r);
		tf_err err = sink->on_candle(sink->ud, &r);
		if (err)
			return err;
	}
	return TF_OK;
}

/* Hands s's changed candles of series k on (when candles) and forgets them for the live view: s
 * stays listed, unchanged, until its round ends. */
static tf_err hand_on(const tf_engine *e, tf_eng_sym *s, int k, bool candles, const tf_engine_sink *sink)
{
	tf_err err;
	if (candles && (err = drain_live_symbol(e, s, k, sink)))
		return err;
	s->live_dirty = TF_SYM_LIVE_LISTED;
	live_forget(e, s);
	return TF_OK;
}

tf_err tf_engine_drain_live_part(tf_engine *e, int64_t interval_ms, size_t max_symbols, const tf_engine_sink *sink,
				 bool *done)
{
	int k;
	tf_err err = drain_live_finals(e, interval_ms, sink, &k);
	*done = false;
	if (err)
		return err;
	e->live_rows = e->nrows;
	e->live_alerts = e->nalerts;
	bool candles = k < e->cfg.nintervals && sink->on_candle;
	size_t end = e->nlive - e->live_next > max_symbols ? e->live_next + max_symbols : e->nlive;
	for (; e->live_next < end; e->live_next++) {
		tf_eng_sym *s = e->syms[e->live[e->live_next]];
		if ((s->live_dirty & TF_SYM_LIVE_CHANGED) && (err = hand_on(e, s, k, candles, sink)))
			return err;
	}
	if (e->live_next < e->nlive)
		return TF_OK;
	/* the round is over: what changed again after it went out stays listed for the next one */
	size_t n = 0;
	for (size_t d = 0; d < e->nlive; d++) {
		tf_eng_sym *s = e->syms[e->live[d]];
		if (s->live_dirty & TF_SYM_LIVE_CHANGED)
			e->live[n++] = e->live[d];
		else
			s->live_dirty = 0;
	}
	e->nlive = n;
	e->live_next = 0;
	*done = n == 0;
	return TF_OK;
}

tf_err tf_engine_drain_live_some(tf_engine *e, int64_t interval_ms, const char (*symbols)[TF_SYMBOL_MAX], size_t n,
				 const tf_engine_sink *sink)
{
	int k;
	tf_err err = drain_live_finals(e, interval_ms, sink, &k);
	if (err)
		return err;
	/* a lookup per symbol, not a walk of the live list: this runs every few milliseconds */
	bool candles = k < e->cfg.nintervals && sink->on_candle;
	for (size_t j = 0; j < n; j++) {
		tf_eng_sym *s = tf_eng_sym_find(e, symbols[j]);
		if (s && (s->live_dirty & TF_SYM_LIVE_CHANGED) && (err = hand_on(e, s, k, candles, sink)))
			return err;
	}
	e->live_rows = e->nrows;
	e->live_alerts = e->nalerts;
	return TF_OK;
}

void tf_engine_stats_get(const tf_engine *e, tf_engine_stats *st)
{
	st->accepted = e->accepted;
	st->late = e->late;
	st->max_event_time = e->have_wm ? e->max_t : 0;
	st->watermark = e->have_wm ? e->wm : 0;
	st->symbols = e->nsyms;
}
