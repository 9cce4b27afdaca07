/* sim.c — the simulated market (see sim.h): per-symbol price paths, trades, minute buckets and the
 * rolling 24 h statistics derived from them.
 *
 * Model. Each symbol has a latent log price that follows geometric Brownian motion (zero drift in
 * price: d log S = -sigma^2/2 dt + sigma dW) plus rare jumps (Poisson, normal log size). Trades
 * arrive as a Poisson process; a trade happens at the latent price rounded to the tick size, so a
 * trade may leave the price unchanged. Live trades are simulated one by one; the 24 h of history
 * before start_ms is generated coarsely (a few sub-steps per minute carrying that minute's trade
 * count and volume) because a day of individual trades for 2000 symbols would take too long.
 *
 * Storage. A ring of minute buckets per symbol (1440 for crypto, 30 days for stocks) holds
 * open/high/low/close in ticks, trade count, base volume and taker-buy base volume in lots, and
 * quote volume in tick*lot units, all exact. Running sums over the last 1440 buckets give the 24 h
 * statistics in O(1); high/low are rescanned once per minute. Trade ids are consecutive per symbol,
 * so a bucket's first id follows from the counts after it. 36 bytes a bucket: 2000 symbols hold
 * 2000 * 1440 * 36 B = 104 MB, 200 symbols 10 MB.
 *
 * Time. Every symbol carries its own time t (ms); advancing moves t forward only, simulating the
 * trades in between. Each symbol has its own random stream, so the path does not depend on when
 * or how often anyone advances it. */
#include "exchange/sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/sim_int.h"

#define MINUTE_MS 60000
#define WINDOW 1440                /* minutes in the 24 h statistics */
#define STOCK_RING (30 * 1440)     /* stocks keep 30 days for the Yahoo chart ranges */
#define MAX_STOCKS 8
#define JUMPS_PER_DAY 0.3
#define MIN_LOGP 2.995732273553991 /* log(20): reflect the latent price above 20 ticks */
#define MAX_LOGP 21.416413017506358 /* log(2e9): prices stay inside int32 ticks */

typedef struct {
	int32_t o, h, l, c;       /* ticks */
	uint32_t n;               /* trades */
	uint32_t v, tv;           /* base volume and taker-buy base volume, lots */
	uint32_t q_lo, q_hi;      /* quote volume, ticks*lots, split so the struct packs to 36 bytes */
} bucket;

typedef struct {
	tf_sim_entry e;
	tf_sim_rng rng;
	double sig_ms;            /* sigma per sqrt(ms) */
	double rate_ms;           /* trades per ms */
	double jump_ms;           /* jumps per ms */
	double jump_sd;
	double qty_mu;            /* log of the median trade size in lots */
	double logp;              /* latent log price in ticks, at time path_t */
	double path_t;
	double next_trade;        /* time of the next trade, ms */
	int64_t t;                /* advanced up to */
	int64_t minute;           /* current minute = t / 60000 */
	int64_t first_minute;     /* oldest minute with generated data */
	int64_t next_id;          /* id of the next trade */
	int32_t last;             /* last trade price, ticks */
	uint32_t last_qty;
	bucket *ring;
	int ring_len;
	int32_t open24, high24, low24;
	uint64_t v24, n24;
	unsigned __int128 q24;
	bool changed;             /* traded since last included in a frame */
} sym;

struct tf_sim {
	tf_sim_config cfg;
	int n, nstocks;
	sym *syms;                /* n crypto symbols then nstocks stocks */
	int cursor;               /* round-robin position of the next frame */
	int *frame_idx;           /* symbols of the last frame */
	size_t frame_n;
	int64_t now;
	void (*on_trade)(void *ud, int idx, const tf_sim_trade *t);
	void *on_trade_ud;
};

static inline uint64_t bucket_q(const bucket *b)
{
	return ((uint64_t)b->q_hi << 32) | b->q_lo;
}

static inline void bucket_set_q(bucket *b, uint64_t q)
{
	b->q_lo = (uint32_t)q;
	b->q_hi = (uint32_t)(q >> 32);
}

static inline bucket *slot(const sym *y, int64_t minute)
{
	int64_t i = minute % y->ring_len;
	return &y->ring[i < 0 ? i + y->ring_len : i];
}

static void empty_bucket(bucket *b, int32_t price)
{
	memset(b, 0, sizeof *b);
	b->o = b->h = b->l = b->c = price;
}

/* ---- the latent price ---------------------------------------------------------------------- */

/* Moves the latent log price from path_t to t: exact GBM increment, maybe one jump. */
static void step_latent(tf_sim *s, sym *y, double t)
{
	double dt = t - y->path_t;
	if (dt <= 0)
		return;
	y->logp += -0.5 * y->sig_ms * y->sig_ms * dt + y->sig_ms * sqrt(dt) * tf_sim_normal(&y->rng);
	if (!s->cfg.no_jumps && tf_sim_uniform(&y->rng) < -expm1(-y->jump_ms * dt))
		y->logp += y->jump_sd * tf_sim_normal(&y->rng);
	if (y->logp < MIN_LOGP)
		y->logp = 2 * MIN_LOGP - y->logp;
	if (y->logp > MAX_LOGP)
		y->logp = 2 * MAX_LOGP - y->logp;
	y->path_t = t;
}

static int32_t price_ticks(const sym *y)
{
	double p = floor(exp(y->logp) + 0.5);
	return p < 1 ? 1 : (int32_t)p;
}

/* ---- minute buckets and the 24 h window ---------------------------------------------------- */

static void rescan_high_low(sym *y)
{
	int32_t hi = INT32_MIN, lo = INT32_MAX;
	for (int64_t m = y->minute - WINDOW + 1; m <= y->minute; m++) {
		const bucket *b = slot(y, m);
		if (b->h > hi)
			hi = b->h;
		if (b->l < lo)
			lo = b->l;
	}
	y->high24 = hi;
	y->low24 = lo;
}

/* Makes minute m (> current) the current minute: the bucket 1440 minutes back leaves the window
 * (read before the ring slot may be reused), a fresh bucket at the last price enters. */
static void roll_one(sym *y)
{
	int64_t m = ++y->minute;
	const bucket *old = slot(y, m - WINDOW);
	y->open24 = old->c;
	y->v24 -= old->v;
	y->n24 -= old->n;
	y->q24 -= bucket_q(old);
	empty_bucket(slot(y, m), y->last);
}

/* Rolls forward to minute M. A gap longer than the ring empties it outright. */
static void roll_to(sym *y, int64_t M, bool rescan)
{
	if (M <= y->minute)
		return;
	if (M - y->minute > y->ring_len + 1) {
		for (int i = 0; i < y->ring_len; i++)
			empty_bucket(&y->ring[i], y->last);
		y->v24 = y->n24 = 0;
		y->q24 = 0;
		y->open24 = y->last;
		y->minute = M;
		if (y->first_minute < M - y->ring_len + 1)
			y->first_minute = M - y->ring_len + 1;
	}
	while (y->minute < M)
		roll_one(y);
	if (rescan)
		rescan_high_low(y);
}

/* Adds n trades worth v lots (tv taker-buy) at price p to the current bucket and the window. The
 * volume is clipped so the 32-bit lot counters never wrap (a minute would need 4e9 lots). */
static void add_trades(sym *y, int32_t p, uint32_t n, uint64_t v, uint64_t tv)
{
	bucket *b = slot(y, y->minute);
	if (v > (uint64_t)(UINT32_MAX - b->v))
		v = UINT32_MAX - b->v;
	if (tv > v)
		tv = v;
	if (b->n == 0)
		b->o = b->h = b->l = p;
	if (p > b->h)
		b->h = p;
	if (p < b->l)
		b->l = p;
	b->c = p;
	b->n += n;
	b->v += (uint32_t)v;
	b->tv += (uint32_t)tv;
	uint64_t q = (uint64_t)p * v;
	bucket_set_q(b, bucket_q(b) + q);
	y->v24 += v;
	y->n24 += n;
	y->q24 += q;
	if (p > y->high24)
		y->high24 = p;
	if (p < y->low24)
		y->low24 = p;
	y->last = p;
	y->next_id += n;
}

/* ---- history and live trades --------------------------------------------------------------- */

/* Simulates [t0, t1) inside the current minute coarsely: the minute's trade count is drawn at
 * once and carried by up to four sub-steps of the latent path. */
static void coarse_span(tf_sim *s, sym *y, double t0, double t1)
{
	double d = t1 - t0;
	uint64_t n = tf_sim_poisson(&y->rng, y->rate_ms * d);
	int k = n == 0 ? 1 : n < 4 ? (int)n : 4;
	double mean_qty = exp(y->qty_mu + 0.5);
	for (int j = 0; j < k; j++) {
		step_latent(s, y, t0 + d * (j + 1) / k);
		if (n == 0)
			continue;
		uint64_t nj = n / (uint64_t)k + ((uint64_t)j < n % (uint64_t)k ? 1 : 0);
		double vol = (double)nj * mean_qty * exp(0.5 * tf_sim_normal(&y->rng) / sqrt((double)nj));
		uint64_t v = vol < (double)nj ? nj : vol > 4e9 ? 4000000000u : (uint64_t)(vol + 0.5);
		uint64_t tv = (uint64_t)((double)v * (0.35 + 0.3 * tf_sim_uniform(&y->rng)) + 0.5);
		add_trades(y, price_ticks(y), (uint32_t)(nj > UINT32_MAX ? UINT32_MAX : nj), v, tv);
		y->last_qty = (uint32_t)(v / nj);
	}
}

/* Generates the ring's history up to start_ms, minute by minute. */
static void generate_history(tf_sim *s, sym *y, int64_t start_ms)
{
	int64_t M0 = start_ms / MINUTE_MS;
	for (int i = 0; i < y->ring_len; i++)
		empty_bucket(&y->ring[i], y->last);
	y->minute = M0 - y->ring_len;
	y->first_minute = M0 - y->ring_len + 1;
	y->open24 = y->high24 = y->low24 = y->last;
	y->path_t = (double)(y->first_minute * MINUTE_MS);
	for (int64_t m = y->first_minute; m <= M0; m++) {
		roll_to(y, m, false);
		double end = m == M0 ? (double)start_ms : (double)((m + 1) * MINUTE_MS);
		coarse_span(s, y, (double)(m * MINUTE_MS), end);
	}
	rescan_high_low(y);
	y->t = start_ms;
	y->path_t = (double)start_ms;
	y->next_trade = (double)start_ms + tf_sim_exponential(&y->rng) / y->rate_ms;
}

static void live_trade(tf_sim *s, int idx, sym *y)
{
	double tt = y->next_trade;
	int64_t ms = (int64_t)tt;
	roll_to(y, ms / MINUTE_MS, true);
	step_latent(s, y, tt);
	int32_t p = price_ticks(y);
	double q = floor(exp(y->qty_mu + tf_sim_normal(&y->rng)) + 0.5);
	uint64_t qty = q < 1 ? 1 : q > 1e8 ? 100000000u : (uint64_t)q;
	bool buyer_maker = tf_sim_uniform(&y->rng) < 0.5;
	int64_t id = y->next_id;
	const bucket *b = slot(y, y->minute);
	if (qty > (uint64_t)(UINT32_MAX - b->v))
		qty = UINT32_MAX - b->v;
	if (qty > 0) {
		add_trades(y, p, 1, qty, buyer_maker ? 0 : qty);
		y->last_qty = (uint32_t)qty;
		y->changed = true;
		if (s->on_trade) {
			tf_sim_trade t = {.id = id, .time = ms, .buyer_maker = buyer_maker,
					  .price = (tf_dec)p * y->e.tick, .qty = (tf_dec)qty * y->e.lot};
			s->on_trade(s->on_trade_ud, idx, &t);
		}
	}
	y->next_trade += tf_sim_exponential(&y->rng) / y->rate_ms;
}

void tf_sim_advance(tf_sim *s, int idx, int64_t now_ms)
{
	if (idx < 0 || idx >= s->n + s->nstocks)
		return;
	sym *y = &s->syms[idx];
	if (now_ms > s->now)
		s->now = now_ms;
	if (now_ms <= y->t)
		return;
	while (y->next_trade < (double)(now_ms + 1))
		live_trade(s, idx, y);
	roll_to(y, now_ms / MINUTE_MS, true);
	y->t = now_ms;
}

/* ---- creation ------------------------------------------------------------------------------ */

static tf_err init_sym(tf_sim *s, sym *y, const tf_sim_entry *e, uint64_t seed)
{
	y->e = *e;
	tf_sim_rng_seed(&y->rng, seed);
	y->ring_len = e->stock ? STOCK_RING : WINDOW;
	y->ring = malloc(sizeof(bucket) * (size_t)y->ring_len);
	if (!y->ring)
		return TF_ERR_NOMEM;
	double day = 86400000.0;
	y->sig_ms = e->sigma_day / sqrt(day);
	double natural = e->tps;
	double rate = natural + s->cfg.extra_trade_rate;
	y->rate_ms = rate / 1000.0;
	y->jump_ms = JUMPS_PER_DAY / day;
	y->jump_sd = 1.5 * e->sigma_day;
	/* Load runs trade more often in smaller sizes, so volumes stay realistic. */
	y->qty_mu = log(e->notional * natural / rate);
	y->logp = log(e->price * 1e8 / (double)e->tick);
	y->last = price_ticks(y);
	y->next_id = 1000 + (int64_t)(e->tps * 86400.0 * 400.0 * (0.5 + tf_sim_uniform(&y->rng)));
	generate_history(s, y, s->cfg.start_ms);
	return TF_OK;
}

tf_err tf_sim_new(const tf_sim_config *cfg, tf_sim **out)
{
	*out = NULL;
	if (cfg->nsymbols < 1 || cfg->nsymbols > 5000 || cfg->start_ms < 2 * 86400000LL ||
	    cfg->extra_trade_rate < 0 || cfg->extra_trade_rate > 1e7)
		return TF_ERR_RANGE;
	tf_err err = TF_ERR_NOMEM;
	tf_sim_entry *cat = calloc((size_t)cfg->nsymbols + MAX_STOCKS, sizeof *cat);
	tf_sim *s = calloc(1, sizeof *s);
	if (!cat || !s)
		goto out;
	s->cfg = *cfg;
	s->n = cfg->nsymbols;
	s->now = cfg->start_ms;
	if ((err = tf_sim_catalogue(cfg->seed, s->n, cat)))
		goto out;
	s->nstocks = tf_sim_stock_catalogue(cfg->seed, cat + s->n, MAX_STOCKS);
	s->syms = calloc((size_t)(s->n + s->nstocks), sizeof *s->syms);
	s->frame_idx = calloc((size_t)s->n, sizeof *s->frame_idx);
	err = TF_ERR_NOMEM;
	if (!s->syms || !s->frame_idx)
		goto out;
	for (int i = 0; i < s->n + s->nstocks; i++) {
		uint64_t x = cfg->seed ^ ((uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL);
		if ((err = init_sym(s, &s->syms[i], &cat[i], tf_sim_splitmix64(&x))))
			goto out;
	}
	*out = s;
	s = NULL;
	err = TF_OK;
out:
	free(cat);
	tf_sim_free(s);
	return err;
}

void tf_sim_free(tf_sim *s)
{
	if (!s)
		return;
	if (s->syms)
		for (int i = 0; i < s->n + s->nstocks; i++)
			free(s->syms[i].ring);
	free(s->syms);
	free(s->frame_idx);
	free(s);
}

double tf_sim_rate_for(double records_per_s, int nsymbols)
{
	if (records_per_s <= 0 || nsymbols <= 0)
		return 0;
	return 4.0 * records_per_s / nsymbols;
}

/* ---- accessors ----------------------------------------------------------------------------- */

int tf_sim_nsymbols(const tf_sim *s)
{
	return s->n;
}

int tf_sim_nstocks(const tf_sim *s)
{
	return s->nstocks;
}

const int *tf_sim_last_frame(const tf_sim *s, size_t *n)
{
	*n = s->frame_n;
	return s->frame_idx;
}

int64_t tf_sim_now(const tf_sim *s)
{
	return s->now;
}

int tf_sim_find(const tf_sim *s, const char *symbol, size_t len)
{
	if (len == 0 || len >= sizeof s->syms[0].e.symbol)
		return -1;
	for (int i = 0; i < s->n + s->nstocks; i++)
		if (strncmp(s->syms[i].e.symbol, symbol, len) == 0 && s->syms[i].e.symbol[len] == '\0')
			return i;
	return -1;
}

void tf_sim_symbol(const tf_sim *s, int idx, tf_sim_symbol_info *out)
{
	const sym *y = &s->syms[idx];
	out->symbol = y->e.symbol;
	out->base = y->e.base;
	out->quote = y->e.quote;
	out->tick_size = y->e.tick;
	out->step_size = y->e.lot;
	out->sigma_day = y->e.sigma_day;
	out->trades_per_s = y->rate_ms * 1000.0;
	out->stock = y->e.stock;
}

void tf_sim_on_trade(tf_sim *s, void (*fn)(void *ud, int idx, const tf_sim_trade *t), void *ud)
{
	s->on_trade = fn;
	s->on_trade_ud = ud;
}

static tf_dec quote_dec(const sym *y, unsigned __int128 q)
{
	unsigned __int128 units = q * (unsigned __int128)y->e.tick * (unsigned __int128)y->e.lot;
	return (tf_dec)((units + 50000000) / 100000000);
}

void tf_sim_stats24(const tf_sim *s, int idx, tf_sim_stats *out)
{
	const sym *y = &s->syms[idx];
	tf_dec tick = y->e.tick;
	out->open_time = (y->minute - WINDOW + 1) * MINUTE_MS;
	out->close_time = y->t;
	out->open = tick * y->open24;
	out->high = tick * y->high24;
	out->low = tick * y->low24;
	out->last = tick * y->last;
	out->last_qty = (tf_dec)y->e.lot * y->last_qty;
	out->volume = (tf_dec)y->e.lot * (tf_dec)y->v24;
	out->quote_volume = quote_dec(y, y->q24);
	out->count = (int64_t)y->n24;
	out->first_id = y->n24 ? y->next_id - (int64_t)y->n24 : -1;
	out->last_id = y->n24 ? y->next_id - 1 : -1;
}

int64_t tf_sim_history_start(const tf_sim *s, int idx)
{
	const sym *y = &s->syms[idx];
	int64_t oldest = y->minute - y->ring_len + 1;
	return (oldest > y->first_minute ? oldest : y->first_minute) * MINUTE_MS;
}

/* Aggregates minutes [m0, m1] (already clipped to what is held) into k. first_id is the id of the
 * first trade at or after m0. */
static void aggregate(const sym *y, int64_t m0, int64_t m1, int64_t first_id, tf_sim_kline *k)
{
	int32_t hi = INT32_MIN, lo = INT32_MAX;
	uint64_t n = 0, v = 0, tv = 0;
	unsigned __int128 q = 0, tq = 0;
	for (int64_t m = m0; m <= m1; m++) {
		const bucket *b = slot(y, m);
		if (m == m0)
			k->open = (tf_dec)y->e.tick * b->o;
		k->close = (tf_dec)y->e.tick * b->c;
		if (b->h > hi)
			hi = b->h;
		if (b->l < lo)
			lo = b->l;
		n += b->n;
		v += b->v;
		tv += b->tv;
		q += bucket_q(b);
		if (b->v)
			tq += (unsigned __int128)bucket_q(b) * b->tv / b->v;
	}
	k->high = (tf_dec)y->e.tick * hi;
	k->low = (tf_dec)y->e.tick * lo;
	k->volume = (tf_dec)y->e.lot * (tf_dec)v;
	k->taker_base = (tf_dec)y->e.lot * (tf_dec)tv;
	k->quote_volume = quote_dec(y, q);
	k->taker_quote = quote_dec(y, tq);
	k->count = (int64_t)n;
	k->first_id = n ? first_id : -1;
	k->last_id = n ? first_id + (int64_t)n - 1 : -1;
}

/* Id of the first trade at or after minute m (within the ring). */
static int64_t first_id_from(const sym *y, int64_t m)
{
	uint64_t after = 0;
	for (int64_t i = m; i <= y->minute; i++)
		after += slot(y, i)->n;
	return y->next_id - (int64_t)after;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

size_t tf_sim_klines(const tf_sim *s, int idx, int64_t interval_ms, int64_t start_ms, int64_t end_ms,
		     tf_sim_kline *out, size_t max)
{
	const sym *y = &s->syms[idx];
	if (interval_ms < MINUTE_MS || interval_ms % MINUTE_MS || max == 0)
		return 0;
	int64_t held0 = tf_sim_history_start(s, idx) / MINUTE_MS, held1 = y->minute;
	int64_t ot = floor_div(start_ms + interval_ms - 1, interval_ms) * interval_ms; /* first >= start */
	int64_t first_held_ot = floor_div(held0 * MINUTE_MS, interval_ms) * interval_ms;
	if (ot < first_held_ot)
		ot = first_held_ot;
	size_t n = 0;
	int64_t m_next = -1, id_next = 0;
	for (; ot <= end_ms && ot <= held1 * MINUTE_MS && n < max; ot += interval_ms) {
		int64_t m0 = ot / MINUTE_MS, m1 = (ot + interval_ms) / MINUTE_MS - 1;
		if (m0 < held0)
			m0 = held0;
		if (m1 > held1)
			m1 = held1;
		if (m0 > m1)
			continue;
		int64_t fid = m0 == m_next ? id_next : first_id_from(y, m0);
		tf_sim_kline *k = &out[n++];
		k->open_time = ot;
		k->close_time = ot + interval_ms - 1;
		k->closed = k->close_time < y->t;
		aggregate(y, m0, m1, fid, k);
		m_next = m1 + 1;
		id_next = fid + k->count;
	}
	return n;
}

bool tf_sim_kline_at(const tf_sim *s, int idx, int64_t interval_ms, int64_t t, tf_sim_kline *out)
{
	if (interval_ms < MINUTE_MS)
		return false;
	int64_t ot = floor_div(t, interval_ms) * interval_ms;
	return tf_sim_klines(s, idx, interval_ms, ot, ot, out, 1) == 1;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

tf_err tf_sim_mini_ticker_json(const tf_sim *s, int idx, int64_t event_ms, tf_buf *out)
{
	tf_sim_stats st;
	tf_sim_stats24(s, idx, &st);
	char c[TF_DEC_STR_MAX], o[TF_DEC_STR_MAX], h[TF_DEC_STR_MAX], l[TF_DEC_STR_MAX];
	char v[TF_DEC_STR_MAX], q[TF_DEC_STR_MAX];
	tf_dec_format(st.last, c);
	tf_dec_format(st.open, o);
	tf_dec_format(st.high, h);
	tf_dec_format(st.low, l);
	tf_dec_format(st.volume, v);
	tf_dec_format(st.quote_volume, q);
	return tf_buf_appendf(out,
			      "{\"e\":\"24hrMiniTicker\",\"E\":%lld,\"s\":\"%s\",\"c\":\"%s\",\"o\":\"%s\","
			      "\"h\":\"%s\",\"l\":\"%s\",\"v\":\"%s\",\"q\":\"%s\"}",
			      (long long)event_ms, s->syms[idx].e.symbol, c, o, h, l, v, q);
}

tf_err tf_sim_next_frame(tf_sim *s, int64_t now_ms, size_t max_records, tf_buf *out, size_t *nrecords)
{
	*nrecords = 0;
	size_t start = out->len;
	size_t n = 0;
	int first = s->cursor, visited = 0;
	tf_err err = TF_OK;
	for (; visited < s->n && n < max_records; visited++) {
		int i = (first + visited) % s->n;
		tf_sim_advance(s, i, now_ms);
		if (!s->syms[i].changed)
			continue;
		if ((err = tf_buf_append(out, n ? "," : "[", 1)) || (err = tf_sim_mini_ticker_json(s, i, now_ms, out)))
			goto out;
		s->frame_idx[n++] = i;
	}
	if (n && (err = tf_buf_append(out, "]", 1)))
		goto out;
	/* Only a frame that was written in full clears the symbols' news and moves the cursor, so a
	 * failed append (buffer at its maximum) loses nothing. */
	for (int j = 0; j < visited; j++)
		s->syms[(first + j) % s->n].changed = false;
	s->cursor = (first + visited) % s->n;
	s->frame_n = n;
	*nrecords = n;
out:
	if (err) {
		s->frame_n = 0;
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return err;
}
