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
 * Storage: recompute, do not keep. A symbol's path depends only on its own random stream, so any
 * past minute can be simulated again, bit for bit, from the model's state (`model`: generator,
 * latent price, next trade time, next id) at the start of its hour. A symbol therefore keeps:
 *   - the last 60 minute buckets (the current hour, whatever the clock), exact: o/h/l/c in ticks,
 *     trade count, base and taker-buy base volume in lots, quote volume in tick*lot units;
 *   - per held hour (25 for crypto, 30 days for stocks) a checkpoint of the model at the hour's
 *     start and, once the hour is over, its aggregate (so candles of 1 h and more need no replay);
 *   - a second model running 24 h behind the clock ("tail"): when a minute leaves the 24 h window
 *     it is simulated once more to subtract it from the window's sums;
 *   - two monotonic queues (sliding-window maximum and minimum of the closed minutes' high and
 *     low), so the 24 h high and low need no rescan.
 * Older minutes (klines, the Yahoo chart) are replayed hour by hour into a small shared cache.
 * About 7 kB a symbol instead of the 52 kB a ring of 1440 36-byte buckets took (2000 symbols:
 * ~15 MB instead of 104 MB; stocks 0.13 MB instead of 1.5 MB each). The price: every trade is
 * simulated twice once the history has rolled out of the window (live, then 24 h later by the
 * tail), and a kline request older than an hour replays the hours it needs once.
 *
 *   time ──────────────────────────────────────────────────────────────────────────────►
 *   │ hour checkpoints + aggregates (25 h / 30 d)                    │ recent: 60 buckets │
 *   ▲ tail model: expires minute - 1440                                          ▲ live model
 *
 * Time. Every symbol carries its own time t (ms); advancing moves t forward only, simulating the
 * trades in between. Each symbol has its own random stream, so the path does not depend on when
 * or how often anyone advances it — which is also what makes replaying exact. */
#include "exchange/sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/sim_int.h"

#define MINUTE_MS 60000
#define HOUR_MIN 60                /* minutes an hour */
#define WINDOW 1440                /* minutes in the 24 h statistics */
#define RECENT 60                  /* exact buckets kept: always covers the current hour */
#define STOCK_HELD (30 * 1440)     /* stocks keep 30 days for the Yahoo chart ranges */
#define MAX_STOCKS 8
#define CACHE_HOURS 48             /* replayed hours kept, shared by all symbols */
#define QUEUE_MIN 16               /* monotonic queue capacity at start (grows to QUEUE_MAX) */
#define QUEUE_MAX 2048             /* > WINDOW: a queue never holds more than the window */
#define JUMPS_PER_DAY 0.3
#define MIN_LOGP 2.995732273553991 /* log(20): reflect the latent price above 20 ticks */
#define MAX_LOGP 21.416413017506358 /* log(2e9): prices stay inside int32 ticks */

typedef struct {
	int32_t o, h, l, c;       /* ticks */
	uint32_t n;               /* trades */
	uint32_t v, tv;           /* base volume and taker-buy base volume, lots */
	uint32_t q_lo, q_hi;      /* quote volume, ticks*lots, split so the struct packs to 36 bytes */
} bucket;

/* Everything a symbol's future depends on: a copy simulates the same minutes again. */
typedef struct {
	tf_sim_rng rng;
	double logp;              /* latent log price in ticks, at time path_t */
	double path_t;
	double next_trade;        /* time of the next trade, ms */
	int64_t next_id;          /* id of the next trade */
	int32_t last;             /* last trade price, ticks */
	uint32_t last_qty;
} model;

/* One held hour: the model when its first held minute began, and (once the hour is over) the
 * aggregate of its minutes, as aggregate() would compute it minute by minute. */
typedef struct {
	int64_t hour;             /* which hour the slot holds; INT64_MIN none */
	int64_t from;             /* first minute simulated in it (the hour's start, or the history's) */
	model m;
	int32_t o, h, l, c;
	uint64_t n, v, tv;
	unsigned __int128 q, tq;  /* quote volume, taker-buy quote volume (sum of per-minute shares) */
} hour_slot;

/* Sliding-window extreme of closed minutes: minutes ascending, prices strictly monotonic (falling
 * for the maximum, rising for the minimum). A ring of cap entries, cap a power of two. */
typedef struct {
	struct qent { int32_t dm, p; } *e; /* dm = minute - sym.first_minute */
	uint32_t head, len, cap;
} mono_queue;

typedef struct {
	tf_sim_entry e;
	double sig_ms;            /* sigma per sqrt(ms) */
	double rate_ms;           /* trades per ms */
	double jump_ms;           /* jumps per ms */
	double jump_sd;
	double qty_mu;            /* log of the median trade size in lots */
	model m;                  /* the live model, at time t */
	int64_t t;                /* advanced up to */
	int64_t minute;           /* current minute = t / 60000 */
	int64_t first_minute;     /* oldest minute with generated data */
	int32_t p0;               /* price before the history: what minutes before it hold */
	int held;                 /* minutes held: WINDOW or STOCK_HELD */
	int nhours;               /* hour slots: enough for every hour touching the held minutes */
	bucket *recent;           /* RECENT buckets, minute % RECENT */
	hour_slot *hours;         /* nhours slots, hour % nhours */
	model tail;               /* at the start of minute tail_minute */
	int64_t tail_minute;      /* INT64_MIN: to be seeded from a checkpoint */
	mono_queue qhi, qlo;
	bool queue_failed;        /* a queue could not grow: high/low come from aggregate() */
	int32_t open24, high24, low24; /* high/low over the closed minutes of the window */
	uint64_t v24, n24;        /* closed minutes of the window (the current one is added on read) */
	unsigned __int128 q24;
	bool changed;             /* traded since last included in a frame */
} sym;

typedef struct {
	int idx;                  /* -1: empty */
	int64_t hour;
	uint64_t used;            /* LRU clock */
	bucket b[HOUR_MIN];
	int64_t first_id[HOUR_MIN]; /* id of the first trade at or after each minute */
} hour_block;

/* Replayed hours. Mutable behind const tf_sim pointers: readers replay into it. */
typedef struct {
	hour_block blk[CACHE_HOURS];
	uint64_t clock;
} replay_cache;

struct tf_sim {
	tf_sim_config cfg;
	int n, nstocks;
	sym *syms;                /* n crypto symbols then nstocks stocks */
	int cursor;               /* round-robin position of the next frame */
	int *frame_idx;           /* symbols of the last frame */
	size_t frame_n;
	int64_t now;
	replay_cache *cache;
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

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static inline bucket *recent(const sym *y, int64_t minute)
{
	int64_t i = minute % RECENT;
	return &y->recent[i < 0 ? i + RECENT : i];
}

static inline hour_slot *hour_of(const sym *y, int64_t hour)
{
	int64_t i = hour % y->nhours;
	return &y->hours[i < 0 ? i + y->nhours : i];
}

static void empty_bucket(bucket *b, int32_t price)
{
	memset(b, 0, sizeof *b);
	b->o = b->h = b->l = b->c = price;
}

/* ---- the latent price ---------------------------------------------------------------------- */

/* Moves the latent log price from path_t to t: exact GBM increment, maybe one jump. */
static void step_latent(const tf_sim *s, const sym *y, model *md, double t)
{
	double dt = t - md->path_t;
	if (dt <= 0)
		return;
	md->logp += -0.5 * y->sig_ms * y->sig_ms * dt + y->sig_ms * sqrt(dt) * tf_sim_normal(&md->rng);
	if (!s->cfg.no_jumps && tf_sim_uniform(&md->rng) < -expm1(-y->jump_ms * dt))
		md->logp += y->jump_sd * tf_sim_normal(&md->rng);
	if (md->logp < MIN_LOGP)
		md->logp = 2 * MIN_LOGP - md->logp;
	if (md->logp > MAX_LOGP)
		md->logp = 2 * MAX_LOGP - md->logp;
	md->path_t = t;
}

static int32_t price_ticks(const model *md)
{
	double p = floor(exp(md->logp) + 0.5);
	return p < 1 ? 1 : (int32_t)p;
}

/* ---- simulating one minute (live and replayed alike) --------------------------------------- */

/* Adds n trades worth v lots (tv taker-buy) at price p to bucket b. The volume is clipped so the
 * 32-bit lot counters never wrap (a minute would need 4e9 lots). */
static void add_trades(bucket *b, model *md, int32_t p, uint32_t n, uint64_t v, uint64_t tv)
{
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
	bucket_set_q(b, bucket_q(b) + (uint64_t)p * v);
	md->last = p;
	md->next_id += n;
}

/* Simulates [t0, t1) inside one minute coarsely (history): the span's trade count is drawn at
 * once and carried by up to four sub-steps of the latent path. */
static void coarse_span(const tf_sim *s, const sym *y, model *md, bucket *b, double t0, double t1)
{
	double d = t1 - t0;
	uint64_t n = tf_sim_poisson(&md->rng, y->rate_ms * d);
	int k = n == 0 ? 1 : n < 4 ? (int)n : 4;
	double mean_qty = exp(y->qty_mu + 0.5);
	for (int j = 0; j < k; j++) {
		step_latent(s, y, md, t0 + d * (j + 1) / k);
		if (n == 0)
			continue;
		uint64_t nj = n / (uint64_t)k + ((uint64_t)j < n % (uint64_t)k ? 1 : 0);
		double vol = (double)nj * mean_qty * exp(0.5 * tf_sim_normal(&md->rng) / sqrt((double)nj));
		uint64_t v = vol < (double)nj ? nj : vol > 4e9 ? 4000000000u : (uint64_t)(vol + 0.5);
		uint64_t tv = (uint64_t)((double)v * (0.35 + 0.3 * tf_sim_uniform(&md->rng)) + 0.5);
		add_trades(b, md, price_ticks(md), (uint32_t)(nj > UINT32_MAX ? UINT32_MAX : nj), v, tv);
		md->last_qty = (uint32_t)(v / nj);
	}
}

/* The switch from generated history to live trades at start_ms. */
static void start_live(const tf_sim *s, const sym *y, model *md)
{
	md->path_t = (double)s->cfg.start_ms;
	md->next_trade = (double)s->cfg.start_ms + tf_sim_exponential(&md->rng) / y->rate_ms;
}

/* Simulates the trade at md->next_trade into b and draws the next trade's time. Returns false
 * when the bucket's volume is full and the trade is dropped; else fills *t. */
static bool trade_once(const tf_sim *s, const sym *y, model *md, bucket *b, tf_sim_trade *t)
{
	double tt = md->next_trade;
	step_latent(s, y, md, tt);
	int32_t p = price_ticks(md);
	double q = floor(exp(y->qty_mu + tf_sim_normal(&md->rng)) + 0.5);
	uint64_t qty = q < 1 ? 1 : q > 1e8 ? 100000000u : (uint64_t)q;
	bool buyer_maker = tf_sim_uniform(&md->rng) < 0.5;
	int64_t id = md->next_id;
	if (qty > (uint64_t)(UINT32_MAX - b->v))
		qty = UINT32_MAX - b->v;
	if (qty > 0) {
		add_trades(b, md, p, 1, qty, buyer_maker ? 0 : qty);
		md->last_qty = (uint32_t)qty;
		*t = (tf_sim_trade){.id = id, .time = (int64_t)tt, .buyer_maker = buyer_maker,
				    .price = (tf_dec)p * y->e.tick, .qty = (tf_dec)qty * y->e.lot};
	}
	md->next_trade += tf_sim_exponential(&md->rng) / y->rate_ms;
	return qty > 0;
}

/* Simulates all of minute mi from md (the model at mi's start) into b, exactly as the live
 * symbol did: coarse before start_ms, trade by trade after. Leaves md at the next minute. */
static void replay_minute(const tf_sim *s, const sym *y, model *md, int64_t mi, bucket *b)
{
	empty_bucket(b, md->last);
	int64_t m0 = s->cfg.start_ms / MINUTE_MS;
	if (mi < m0) {
		coarse_span(s, y, md, b, (double)(mi * MINUTE_MS), (double)((mi + 1) * MINUTE_MS));
		return;
	}
	if (mi == m0) {
		coarse_span(s, y, md, b, (double)(mi * MINUTE_MS), (double)s->cfg.start_ms);
		start_live(s, y, md);
	}
	double end = (double)((mi + 1) * MINUTE_MS);
	tf_sim_trade t;
	while (md->next_trade < end)
		trade_once(s, y, md, b, &t);
}

/* ---- monotonic queues (sliding-window high and low) ----------------------------------------- */

static bool queue_grow(mono_queue *q)
{
	uint32_t cap = q->cap ? q->cap * 2 : QUEUE_MIN;
	if (cap > QUEUE_MAX)
		return false;
	struct qent *e = malloc(sizeof *e * cap);
	if (!e)
		return false;
	for (uint32_t i = 0; i < q->len; i++)
		e[i] = q->e[(q->head + i) & (q->cap - 1)];
	free(q->e);
	q->e = e;
	q->head = 0;
	q->cap = cap;
	return true;
}

#define QAT(q, i) ((q)->e[((q)->head + (i)) & ((q)->cap - 1)])

/* Appends (dm, p) after dropping the entries it dominates (sign 1: maximum, -1: minimum). */
static bool queue_push(mono_queue *q, int32_t dm, int32_t p, int sign)
{
	while (q->len && (sign > 0 ? QAT(q, q->len - 1).p <= p : QAT(q, q->len - 1).p >= p))
		q->len--;
	if (q->len == q->cap && !queue_grow(q))
		return false;
	QAT(q, q->len) = (struct qent){dm, p};
	q->len++;
	return true;
}

static void queue_expire(mono_queue *q, int32_t first_dm)
{
	while (q->len && QAT(q, 0).dm < first_dm) {
		q->head = (q->head + 1) & (q->cap - 1);
		q->len--;
	}
}

/* ---- hours: checkpoints, aggregates, replay ------------------------------------------------- */

static void slot_start(sym *y, int64_t minute)
{
	hour_slot *h = hour_of(y, floor_div(minute, HOUR_MIN));
	memset(h, 0, sizeof *h);
	h->hour = floor_div(minute, HOUR_MIN);
	h->from = minute;
	h->m = y->m;
}

static void slot_add(hour_slot *h, int64_t minute, const bucket *b)
{
	if (minute == h->from) {
		h->o = b->o;
		h->h = b->h;
		h->l = b->l;
	}
	if (b->h > h->h)
		h->h = b->h;
	if (b->l < h->l)
		h->l = b->l;
	h->c = b->c;
	h->n += b->n;
	h->v += b->v;
	h->tv += b->tv;
	h->q += bucket_q(b);
	if (b->v)
		h->tq += (unsigned __int128)bucket_q(b) * b->tv / b->v;
}

/* The checkpoint of the hour holding minute mi, or NULL when it is no longer (or not yet) held. */
static const hour_slot *checkpoint(const sym *y, int64_t mi)
{
	const hour_slot *h = hour_of(y, floor_div(mi, HOUR_MIN));
	return h->hour == floor_div(mi, HOUR_MIN) && h->from <= mi ? h : NULL;
}

/* Minute mi (before the recent buckets, at or after first_minute and held) simulated again from
 * its hour's checkpoint into the cache. NULL when no checkpoint covers it (a caller's bug). */
static const hour_block *replay_hour(const tf_sim *s, int idx, int64_t mi)
{
	replay_cache *c = s->cache;
	int64_t hour = floor_div(mi, HOUR_MIN);
	hour_block *victim = &c->blk[0];
	for (int i = 0; i < CACHE_HOURS; i++) {
		hour_block *b = &c->blk[i];
		if (b->idx == idx && b->hour == hour) {
			b->used = ++c->clock;
			return b;
		}
		if (b->used < victim->used)
			victim = b;
	}
	const sym *y = &s->syms[idx];
	const hour_slot *h = checkpoint(y, mi);
	if (!h)
		return NULL;
	model md = h->m;
	for (int64_t m = hour * HOUR_MIN; m < (hour + 1) * HOUR_MIN; m++) {
		int j = (int)(m - hour * HOUR_MIN);
		victim->first_id[j] = md.next_id;
		if (m < h->from)
			empty_bucket(&victim->b[j], y->p0);
		else
			replay_minute(s, y, &md, m, &victim->b[j]);
	}
	victim->idx = idx;
	victim->hour = hour;
	victim->used = ++c->clock;
	return victim;
}

/* The bucket of held minute mi and the id of its first trade (recent buckets or a replay). */
static void minute_at(const tf_sim *s, int idx, int64_t mi, bucket *out, int64_t *first_id)
{
	const sym *y = &s->syms[idx];
	if (mi < y->first_minute) { /* before the history: the first price, no trades */
		empty_bucket(out, y->p0);
		*first_id = y->m.next_id; /* no trade there: callers report -1 */
		return;
	}
	if (mi > y->minute - RECENT) {
		*out = *recent(y, mi);
		uint64_t after = 0;
		for (int64_t i = mi; i <= y->minute; i++)
			after += recent(y, i)->n;
		*first_id = y->m.next_id - (int64_t)after;
		return;
	}
	const hour_block *b = replay_hour(s, idx, mi);
	if (!b) { /* unreachable for held minutes: an empty minute rather than a crash */
		empty_bucket(out, y->p0);
		*first_id = y->m.next_id;
		return;
	}
	int j = (int)(mi - b->hour * HOUR_MIN);
	*out = b->b[j];
	*first_id = b->first_id[j];
}

/* The bucket of minute mi leaving the 24 h window, simulated by the tail model (normally one
 * minute after the previous one; seeded from the hour's checkpoint otherwise). */
static void tail_minute(const tf_sim *s, sym *y, int64_t mi, bucket *out)
{
	if (mi < y->first_minute) {
		empty_bucket(out, y->p0);
		return;
	}
	if (y->tail_minute != mi) {
		const hour_slot *h = checkpoint(y, mi);
		if (!h) {
			empty_bucket(out, y->p0);
			return;
		}
		y->tail = h->m;
		for (int64_t m = h->from; m < mi; m++)
			replay_minute(s, y, &y->tail, m, out);
	}
	replay_minute(s, y, &y->tail, mi, out);
	y->tail_minute = mi + 1;
}

/* ---- minute buckets and the 24 h window ---------------------------------------------------- */

static void aggregate(const tf_sim *s, int idx, int64_t m0, int64_t m1, int64_t first_id, tf_sim_kline *k);

/* The window's high and low over its closed minutes, without the queues (their fallback). */
static void window_high_low_slow(tf_sim *s, int idx)
{
	sym *y = &s->syms[idx];
	tf_sim_kline k;
	aggregate(s, idx, y->minute - WINDOW + 1, y->minute - 1, 0, &k);
	y->high24 = (int32_t)(k.high / y->e.tick);
	y->low24 = (int32_t)(k.low / y->e.tick);
}

/* Closes the current minute and makes the next one current: the closed minute joins the window's
 * sums, queues and its hour's aggregate; the minute 1440 back leaves the window. */
static void roll_one(tf_sim *s, int idx)
{
	sym *y = &s->syms[idx];
	int64_t c = y->minute, m = c + 1;
	const bucket *cb = recent(y, c);
	hour_slot *hs = hour_of(y, floor_div(c, HOUR_MIN));
	if (hs->hour == floor_div(c, HOUR_MIN))
		slot_add(hs, c, cb);
	y->v24 += cb->v;
	y->n24 += cb->n;
	y->q24 += bucket_q(cb);
	int32_t dm = (int32_t)(c - y->first_minute), first_dm = (int32_t)(m - WINDOW + 1 - y->first_minute);
	if (!y->queue_failed && (!queue_push(&y->qhi, dm, cb->h, 1) || !queue_push(&y->qlo, dm, cb->l, -1)))
		y->queue_failed = true;
	bucket old;
	tail_minute(s, y, m - WINDOW, &old);
	y->open24 = old.c;
	y->v24 -= old.v;
	y->n24 -= old.n;
	y->q24 -= bucket_q(&old);
	y->minute = m;
	if (floor_div(m, HOUR_MIN) * HOUR_MIN == m)
		slot_start(y, m);
	empty_bucket(recent(y, m), y->m.last);
	if (y->queue_failed) {
		window_high_low_slow(s, idx);
		return;
	}
	queue_expire(&y->qhi, first_dm);
	queue_expire(&y->qlo, first_dm);
	y->high24 = y->qhi.len ? QAT(&y->qhi, 0).p : y->m.last;
	y->low24 = y->qlo.len ? QAT(&y->qlo, 0).p : y->m.last;
}

static void roll_to(tf_sim *s, int idx, int64_t M)
{
	while (s->syms[idx].minute < M)
		roll_one(s, idx);
}

/* ---- history and live trades --------------------------------------------------------------- */

/* Generates the held history up to start_ms, minute by minute. */
static void generate_history(tf_sim *s, int idx)
{
	sym *y = &s->syms[idx];
	int64_t start_ms = s->cfg.start_ms, M0 = start_ms / MINUTE_MS;
	y->first_minute = M0 - y->held + 1;
	y->minute = y->first_minute;
	y->p0 = y->m.last;
	y->open24 = y->high24 = y->low24 = y->m.last;
	y->m.path_t = (double)(y->first_minute * MINUTE_MS);
	y->tail_minute = INT64_MIN;
	slot_start(y, y->first_minute);
	for (int i = 0; i < RECENT; i++)
		empty_bucket(&y->recent[i], y->m.last);
	for (int64_t m = y->first_minute; m <= M0; m++) {
		roll_to(s, idx, m);
		double end = m == M0 ? (double)start_ms : (double)((m + 1) * MINUTE_MS);
		coarse_span(s, y, &y->m, recent(y, m), (double)(m * MINUTE_MS), end);
	}
	y->t = start_ms;
	start_live(s, y, &y->m);
}

static void live_trade(tf_sim *s, int idx, sym *y)
{
	roll_to(s, idx, (int64_t)y->m.next_trade / MINUTE_MS);
	tf_sim_trade t;
	if (trade_once(s, y, &y->m, recent(y, y->minute), &t)) {
		y->changed = true;
		if (s->on_trade)
			s->on_trade(s->on_trade_ud, idx, &t);
	}
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
	while (y->m.next_trade < (double)(now_ms + 1))
		live_trade(s, idx, y);
	roll_to(s, idx, now_ms / MINUTE_MS);
	y->t = now_ms;
}

/* ---- creation ------------------------------------------------------------------------------ */

static tf_err init_sym(tf_sim *s, int idx, const tf_sim_entry *e, uint64_t seed)
{
	sym *y = &s->syms[idx];
	y->e = *e;
	tf_sim_rng_seed(&y->m.rng, seed);
	y->held = e->stock ? STOCK_HELD : WINDOW;
	/* hours touching `held` minutes, one more so the tail's hour outlives the window */
	y->nhours = y->held / HOUR_MIN + 2;
	y->recent = malloc(sizeof(bucket) * RECENT);
	y->hours = malloc(sizeof(hour_slot) * (size_t)y->nhours);
	if (!y->recent || !y->hours)
		return TF_ERR_NOMEM;
	for (int i = 0; i < y->nhours; i++)
		y->hours[i].hour = INT64_MIN;
	if (!queue_grow(&y->qhi) || !queue_grow(&y->qlo))
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
	y->m.logp = log(e->price * 1e8 / (double)e->tick);
	y->m.last = price_ticks(&y->m);
	y->m.next_id = 1000 + (int64_t)(e->tps * 86400.0 * 400.0 * (0.5 + tf_sim_uniform(&y->m.rng)));
	generate_history(s, idx);
	return TF_OK;
}

tf_err tf_sim_new(const tf_sim_config *cfg, tf_sim **out)
{
	*out = NULL;
	/* minutes since the epoch must fit the queues' 32-bit offsets: start before year 6000 */
	if (cfg->nsymbols < 1 || cfg->nsymbols > 5000 || cfg->start_ms < 2 * 86400000LL ||
	    cfg->start_ms > 126000000000000LL || cfg->extra_trade_rate < 0 || cfg->extra_trade_rate > 1e7)
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
	s->cache = calloc(1, sizeof *s->cache);
	err = TF_ERR_NOMEM;
	if (!s->syms || !s->frame_idx || !s->cache)
		goto out;
	for (int i = 0; i < CACHE_HOURS; i++)
		s->cache->blk[i].idx = -1;
	for (int i = 0; i < s->n + s->nstocks; i++) {
		uint64_t x = cfg->seed ^ ((uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL);
		if ((err = init_sym(s, i, &cat[i], tf_sim_splitmix64(&x))))
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
		for (int i = 0; i < s->n + s->nstocks; i++) {
			free(s->syms[i].recent);
			free(s->syms[i].hours);
			free(s->syms[i].qhi.e);
			free(s->syms[i].qlo.e);
		}
	free(s->syms);
	free(s->frame_idx);
	free(s->cache);
	free(s);
}

double tf_sim_rate_for(double records_per_s, int nsymbols)
{
	if (records_per_s <= 0 || nsymbols <= 0)
		return 0;
	return 2.0 * records_per_s / nsymbols;
}

void tf_sim_test_no_queues(tf_sim *s)
{
	for (int i = 0; i < s->n + s->nstocks; i++) {
		s->syms[i].queue_failed = true;
		window_high_low_slow(s, i);
	}
}

size_t tf_sim_state_bytes(const tf_sim *s)
{
	size_t n = sizeof *s + sizeof *s->cache + sizeof(int) * (size_t)s->n;
	for (int i = 0; i < s->n + s->nstocks; i++) {
		const sym *y = &s->syms[i];
		n += sizeof *y + sizeof(bucket) * RECENT + sizeof(hour_slot) * (size_t)y->nhours +
		     sizeof(struct qent) * (y->qhi.cap + y->qlo.cap);
	}
	return n;
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
	const bucket *cur = recent(y, y->minute);
	tf_dec tick = y->e.tick;
	uint64_t n = y->n24 + cur->n;
	out->open_time = (y->minute - WINDOW + 1) * MINUTE_MS;
	out->close_time = y->t;
	out->open = tick * y->open24;
	out->high = tick * (cur->h > y->high24 ? cur->h : y->high24);
	out->low = tick * (cur->l < y->low24 ? cur->l : y->low24);
	out->last = tick * y->m.last;
	out->last_qty = (tf_dec)y->e.lot * y->m.last_qty;
	out->volume = (tf_dec)y->e.lot * (tf_dec)(y->v24 + cur->v);
	out->quote_volume = quote_dec(y, y->q24 + bucket_q(cur));
	out->count = (int64_t)n;
	out->first_id = n ? y->m.next_id - (int64_t)n : -1;
	out->last_id = n ? y->m.next_id - 1 : -1;
}

int64_t tf_sim_history_start(const tf_sim *s, int idx)
{
	const sym *y = &s->syms[idx];
	int64_t oldest = y->minute - y->held + 1;
	return (oldest > y->first_minute ? oldest : y->first_minute) * MINUTE_MS;
}

/* Can hour `hour`'s stored aggregate stand for its 60 minutes? Only once it is over and when it
 * was simulated from its start. */
static const hour_slot *whole_hour(const sym *y, int64_t hour)
{
	const hour_slot *h = hour_of(y, hour);
	return h->hour == hour && h->from == hour * HOUR_MIN && hour < floor_div(y->minute, HOUR_MIN) ? h : NULL;
}

/* Aggregates minutes [m0, m1] (already clipped to what is held) into k; whole past hours come
 * from their aggregates, other minutes from the recent buckets or a replay. first_id is the id of
 * the first trade at or after m0. */
static void aggregate(const tf_sim *s, int idx, int64_t m0, int64_t m1, int64_t first_id, tf_sim_kline *k)
{
	const sym *y = &s->syms[idx];
	int32_t hi = INT32_MIN, lo = INT32_MAX, o = 0, c = 0;
	uint64_t n = 0, v = 0, tv = 0;
	unsigned __int128 q = 0, tq = 0;
	for (int64_t m = m0; m <= m1;) {
		const hour_slot *hs = m % HOUR_MIN == 0 && m + HOUR_MIN - 1 <= m1 ? whole_hour(y, m / HOUR_MIN) : NULL;
		if (hs) {
			if (m == m0)
				o = hs->o;
			c = hs->c;
			hi = hs->h > hi ? hs->h : hi;
			lo = hs->l < lo ? hs->l : lo;
			n += hs->n;
			v += hs->v;
			tv += hs->tv;
			q += hs->q;
			tq += hs->tq;
			m += HOUR_MIN;
			continue;
		}
		bucket b;
		int64_t fid;
		minute_at(s, idx, m, &b, &fid);
		if (m == m0)
			o = b.o;
		c = b.c;
		hi = b.h > hi ? b.h : hi;
		lo = b.l < lo ? b.l : lo;
		n += b.n;
		v += b.v;
		tv += b.tv;
		q += bucket_q(&b);
		if (b.v)
			tq += (unsigned __int128)bucket_q(&b) * b.tv / b.v;
		m++;
	}
	k->open = (tf_dec)y->e.tick * o;
	k->close = (tf_dec)y->e.tick * c;
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

/* Id of the first trade at or after held minute m. */
static int64_t first_id_from(const tf_sim *s, int idx, int64_t m)
{
	bucket b;
	int64_t fid;
	minute_at(s, idx, m, &b, &fid);
	return fid;
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
		int64_t fid = m0 == m_next ? id_next : first_id_from(s, idx, m0);
		tf_sim_kline *k = &out[n++];
		k->open_time = ot;
		k->close_time = ot + interval_ms - 1;
		k->closed = k->close_time < y->t;
		aggregate(s, idx, m0, m1, fid, k);
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

/* Appends "<key>":"<decimal>" pieces without printf: this is the hot path of load runs. */
static char *put_lit(char *p, const char *lit, size_t n)
{
	memcpy(p, lit, n);
	return p + n;
}

static char *put_dec_field(char *p, const char *key, size_t klen, tf_dec v)
{
	p = put_lit(p, key, klen);
	p += tf_dec_format(v, p);
	*p++ = '"';
	return p;
}

tf_err tf_sim_mini_ticker_json(const tf_sim *s, int idx, int64_t event_ms, tf_buf *out)
{
	tf_sim_stats st;
	tf_sim_stats24(s, idx, &st);
	/* 6 decimals, a symbol (< 16 bytes), a time and the fixed text fit in 512 bytes */
	tf_err err = tf_buf_reserve(out, 512);
	if (err)
		return err;
	char *p0 = out->data + out->len, *p = p0;
	p = put_lit(p, "{\"e\":\"24hrMiniTicker\",\"E\":", sizeof("{\"e\":\"24hrMiniTicker\",\"E\":") - 1);
	p += snprintf(p, 24, "%lld", (long long)event_ms);
	p = put_lit(p, ",\"s\":\"", sizeof(",\"s\":\"") - 1);
	size_t sl = strlen(s->syms[idx].e.symbol);
	p = put_lit(p, s->syms[idx].e.symbol, sl);
	p = put_dec_field(p, "\",\"c\":\"", sizeof("\",\"c\":\"") - 1, st.last);
	p = put_dec_field(p, ",\"o\":\"", sizeof(",\"o\":\"") - 1, st.open);
	p = put_dec_field(p, ",\"h\":\"", sizeof(",\"h\":\"") - 1, st.high);
	p = put_dec_field(p, ",\"l\":\"", sizeof(",\"l\":\"") - 1, st.low);
	p = put_dec_field(p, ",\"v\":\"", sizeof(",\"v\":\"") - 1, st.volume);
	p = put_dec_field(p, ",\"q\":\"", sizeof(",\"q\":\"") - 1, st.quote_volume);
	*p++ = '}';
	out->len += (size_t)(p - p0);
	out->data[out->len] = '\0';
	return TF_OK;
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
