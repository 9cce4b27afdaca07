/* checkpoint.c — the engine's state as plain bytes, so that a worker can store it in the same
 * transaction as its results and offsets, and a successor can continue exactly where it stopped.
 *
 * Format (little-endian, version 2):
 *   partition: 'P' 2 have_wm:u8 max_t:i64 wm_window:i64 wm_sec:i64 accepted:i64 late:i64
 *              slide_emitted:i64 trend_ep:u8 nwhist:u8 whist:f64[nwhist]
 *              nbuckets:u8 (b:i64 updates:i64 hist:i64[8])[nbuckets]
 *   symbol:    'S' 2 len:u8 symbol last_t:i64 last_price:i128 ep:u8[5] nrets:u8 rets:f64[nrets] nint:u8
 *              per interval: has_final:u8 final_v_last:i128 final_q_last:i128 nhist:u8 hist:i128[nhist]
 *                            nopen:u8 windows (see put_win)
 * Blobs come back from a database, which is outside input: the reader is bounds-checked and every
 * count, time and alignment is validated before the engine is touched. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

/* ---- writer: the blob's size first, then its bytes through a cursor ----
 * A commit writes the state of every symbol that changed (2,000 at 100,000 records/s) while the
 * worker holds its records; one bounds check a blob instead of one an append halves that part of
 * the commit's pause (per-field tf_buf_append was 55 % of it, perf). */

typedef struct {
	uint8_t *p;
} wr;

enum { WIN_BYTES = 8 + 12 * 16 + 3 * 8 + 2 };

static void put_u8(wr *w, unsigned v) { *w->p++ = (uint8_t)v; }

static void put_i64(wr *w, int64_t v)
{
	for (int i = 0; i < 8; i++)
		*w->p++ = (uint8_t)((uint64_t)v >> (8 * i));
}

static void put_dec(wr *w, tf_dec v)
{
	unsigned __int128 u = (unsigned __int128)v;
	put_i64(w, (int64_t)(uint64_t)u);
	put_i64(w, (int64_t)(uint64_t)(u >> 64));
}

static void put_f64(wr *w, double v)
{
	int64_t x;
	memcpy(&x, &v, 8);
	put_i64(w, x);
}

static void put_win(wr *w, const tf_eng_win *win)
{
	put_i64(w, win->open_time);
	const tf_dec d[] = {win->open, win->high, win->low, win->close, win->v_first, win->v_last, win->q_first,
			    win->q_last, win->vol_exact, win->qvol_exact, win->o24, tf_eng_win_c24(win)};
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
		put_dec(w, d[i]);
	put_i64(w, win->open_t);
	put_i64(w, win->close_t);
	put_i64(w, win->updates);
	put_u8(w, win->approx);
	put_u8(w, win->has24);
}

/* Room for size more bytes of b; the cursor at its end. */
static tf_err begin(tf_buf *b, size_t size, wr *w)
{
	tf_err err = tf_buf_reserve(b, size);
	w->p = (uint8_t *)b->data + b->len;
	return err;
}

/* Closes what begin opened: exactly size bytes were written. */
static void end(tf_buf *b, size_t size, const wr *w)
{
	if ((size_t)(w->p - ((uint8_t *)b->data + b->len)) != size)
		abort(); /* the size and the writer disagree: a bug, not input */
	b->len += size;
	b->data[b->len] = '\0';
}

tf_err tf_engine_save_partition(const tf_engine *e, tf_buf *b)
{
	unsigned nb = 0;
	for (int i = 0; i < TF_SLIDE_RING; i++)
		nb += e->ring[i].b >= 0;
	size_t size = 3 + 6 * 8 + 2 + 8 * (size_t)e->nwhist + 1 + nb * (size_t)(2 + TF_RATE_BINS) * 8;
	wr w;
	tf_err err = begin(b, size, &w);
	if (err)
		return err;
	put_u8(&w, 'P');
	put_u8(&w, 2);
	put_u8(&w, e->have_wm);
	const int64_t v[] = {e->max_t, e->wm_window, e->wm_sec, e->accepted, e->late, e->slide_emitted};
	for (size_t i = 0; i < 6; i++)
		put_i64(&w, v[i]);
	put_u8(&w, e->trend_ep);
	put_u8(&w, (unsigned)e->nwhist);
	for (int i = 0; i < e->nwhist; i++)
		put_f64(&w, e->whist[i]);
	put_u8(&w, nb);
	for (int i = 0; i < TF_SLIDE_RING; i++) {
		if (e->ring[i].b < 0)
			continue;
		put_i64(&w, e->ring[i].b);
		put_i64(&w, e->ring[i].updates);
		for (int k = 0; k < TF_RATE_BINS; k++)
			put_i64(&w, e->ring[i].hist[k]);
	}
	end(b, size, &w);
	return TF_OK;
}

tf_err tf_eng_sym_save(const tf_engine *e, const tf_eng_sym *s, tf_buf *b)
{
	size_t len = strlen(s->symbol);
	size_t size = 3 + len + 8 + 16 + TF_ALERT_KINDS_ + 1 + 8 * (size_t)s->nrets + 1;
	for (int k = 0; k < e->cfg.nintervals; k++)
		size += 1 + 2 * 16 + 1 + 16 * (size_t)s->s[k].nhist + 1 + WIN_BYTES * (size_t)s->nopen[k];
	wr w;
	tf_err err = begin(b, size, &w);
	if (err)
		return err;
	put_u8(&w, 'S');
	put_u8(&w, 2);
	put_u8(&w, (unsigned)len);
	memcpy(w.p, s->symbol, len);
	w.p += len;
	put_i64(&w, s->last_t);
	put_dec(&w, s->last_price);
	for (int i = 0; i < TF_ALERT_KINDS_; i++)
		put_u8(&w, s->ep[i]);
	put_u8(&w, (unsigned)s->nrets);
	for (int i = 0; i < s->nrets; i++)
		put_f64(&w, s->rets[i]);
	put_u8(&w, (unsigned)e->cfg.nintervals);
	for (int k = 0; k < e->cfg.nintervals; k++) {
		const tf_eng_series *se = &s->s[k];
		put_u8(&w, se->has_final);
		put_dec(&w, se->final_v_last);
		put_dec(&w, se->final_q_last);
		put_u8(&w, (unsigned)se->nhist);
		for (int i = 0; i < se->nhist; i++)
			put_dec(&w, se->hist[i]);
		put_u8(&w, (unsigned)s->nopen[k]);
		for (int i = 0; i < s->nopen[k]; i++)
			put_win(&w, &se->open[i]);
	}
	end(b, size, &w);
	return TF_OK;
}

/* ---- reader: every get fails (and sticks) once the input runs out ---- */

typedef struct {
	const uint8_t *p;
	size_t len, pos;
	bool bad;
} rd;

static const uint8_t *take(rd *r, size_t n)
{
	if (r->bad || r->len - r->pos < n) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *p = r->p + r->pos;
	r->pos += n;
	return p;
}

static unsigned get_u8(rd *r)
{
	const uint8_t *p = take(r, 1);
	return p ? *p : 0;
}

static int64_t get_i64(rd *r)
{
	const uint8_t *p = take(r, 8);
	uint64_t v = 0;
	for (int i = 0; p && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return (int64_t)v;
}

/* A decimal no parser could have produced (more than TF_DEC_MAX_INT_DIGITS integer digits) marks
 * the blob bad: arithmetic on restored values (close - open, high - low) must not overflow. */
static tf_dec get_dec(rd *r)
{
	static const tf_dec limit = (tf_dec)10000000000000000000ULL * (tf_dec)1000000000; /* 1e28 = 1e20 units */
	uint64_t lo = (uint64_t)get_i64(r), hi = (uint64_t)get_i64(r);
	tf_dec v = (tf_dec)(((unsigned __int128)hi << 64) | lo);
	if (v >= limit || v <= -limit) {
		r->bad = true;
		return 0;
	}
	return v;
}

static double get_f64(rd *r)
{
	int64_t x = get_i64(r);
	double v;
	memcpy(&v, &x, 8);
	return v;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && a < 0) ? q - 1 : q;
}

static bool time_ok(int64_t t) { return t > 0 && t <= 32503680000000LL; }

tf_err tf_engine_load_partition(tf_engine *e, const void *blob, size_t len)
{
	rd r = {blob, len, 0, false};
	if (get_u8(&r) != 'P' || get_u8(&r) != 2)
		return TF_ERR_PARSE;
	unsigned have = get_u8(&r);
	int64_t v[6];
	for (int i = 0; i < 6; i++)
		v[i] = get_i64(&r);
	unsigned trend_ep = get_u8(&r), nwhist = get_u8(&r);
	double whist[TF_SLIDE_HIST];
	if (trend_ep > 1 || nwhist > TF_SLIDE_HIST)
		return TF_ERR_PARSE;
	for (unsigned i = 0; i < nwhist; i++)
		if (!isfinite(whist[i] = get_f64(&r)) || whist[i] < 0)
			return TF_ERR_PARSE;
	tf_eng_bucket ring[TF_SLIDE_RING];
	for (int i = 0; i < TF_SLIDE_RING; i++)
		ring[i].b = -1;
	unsigned nb = get_u8(&r);
	if (nb > TF_SLIDE_RING)
		return TF_ERR_PARSE;
	for (unsigned i = 0; i < nb && !r.bad; i++) {
		tf_eng_bucket k;
		k.b = get_i64(&r);
		k.updates = get_i64(&r);
		for (int j = 0; j < TF_RATE_BINS; j++)
			if ((k.hist[j] = get_i64(&r)) < 0)
				return TF_ERR_RANGE;
		if (k.b < 0 || k.updates < 0 || ring[k.b % TF_SLIDE_RING].b >= 0)
			return TF_ERR_RANGE;
		ring[k.b % TF_SLIDE_RING] = k;
	}
	if (r.bad || r.pos != len || have > 1)
		return TF_ERR_PARSE;
	/* The watermark fields are derived from max_t; a blob that disagrees is not ours. Before the
	 * first tick they are all zero (slide_emitted is reset by that tick anyway, but an extreme value
	 * would overflow the window arithmetic first). */
	if (v[3] < 0 || v[4] < 0)
		return TF_ERR_RANGE;
	if (have) {
		int64_t wm = v[0] - e->cfg.lateness_ms;
		if (!time_ok(v[0]) || v[1] != floor_div(wm, e->cfg.intervals_ms[0]) || v[2] != floor_div(wm, 1000) ||
		    v[5] != floor_div(wm, e->cfg.slide_ms))
			return TF_ERR_RANGE;
	} else if (v[0] || v[1] || v[2] || v[5]) {
		return TF_ERR_RANGE;
	}
	e->have_wm = (uint8_t)have;
	e->max_t = v[0];
	e->wm = v[0] - e->cfg.lateness_ms;
	e->wm_window = v[1];
	e->wm_sec = v[2];
	e->accepted = v[3];
	e->late = v[4];
	e->slide_emitted = v[5];
	e->trend_ep = (uint8_t)trend_ep;
	e->nwhist = (int)nwhist;
	memcpy(e->whist, whist, nwhist * sizeof whist[0]);
	memcpy(e->ring, ring, sizeof ring);
	return TF_OK;
}

static bool get_win(rd *r, tf_eng_win *w, int64_t iv)
{
	w->open_time = get_i64(r);
	tf_dec *d[] = {&w->open, &w->high, &w->low, &w->close, &w->v_first, &w->v_last, &w->q_first,
		       &w->q_last, &w->vol_exact, &w->qvol_exact, &w->o24, &w->c24};
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
		*d[i] = get_dec(r);
	w->open_t = get_i64(r);
	w->close_t = get_i64(r);
	w->updates = get_i64(r);
	w->approx = (uint8_t)get_u8(r);
	w->has24 = (uint8_t)get_u8(r);
	w->c24_own = 1; /* c24 as saved, whatever the close */
	return !r->bad && time_ok(w->open_time) && w->open_time % iv == 0 && w->open_t >= w->open_time &&
	       w->close_t >= w->open_t && w->close_t < w->open_time + iv && w->updates > 0 && w->approx <= 1 &&
	       w->has24 <= 1 && w->low <= w->high;
}

tf_err tf_engine_load_symbol(tf_engine *e, const void *blob, size_t len)
{
	rd r = {blob, len, 0, false};
	if (get_u8(&r) != 'S' || get_u8(&r) != 2)
		return TF_ERR_PARSE;
	unsigned slen = get_u8(&r);
	const uint8_t *sym = take(&r, slen);
	if (!sym || !tf_tick_symbol_valid((const char *)sym, slen))
		return TF_ERR_PARSE;
	char name[TF_SYMBOL_MAX];
	memcpy(name, sym, slen);
	name[slen] = '\0';
	if (tf_eng_sym_find(e, name))
		return TF_ERR_PARSE;
	/* decode into a scratch copy first so that a bad blob leaves the engine unchanged */
	tf_eng_sym *s = tf_eng_sym_alloc(e);
	if (!s)
		return TF_ERR_NOMEM;
	tf_err err = TF_ERR_PARSE;
	s->last_t = get_i64(&r);
	s->last_price = get_dec(&r);
	for (int i = 0; i < TF_ALERT_KINDS_; i++)
		if ((s->ep[i] = (uint8_t)get_u8(&r)) > 1)
			goto out;
	s->nrets = (int)get_u8(&r);
	if (s->nrets > TF_ENGINE_RET_HIST)
		goto out;
	for (int i = 0; i < s->nrets; i++)
		if (!isfinite(s->rets[i] = get_f64(&r)))
			goto out;
	if ((int)get_u8(&r) != e->cfg.nintervals || !time_ok(s->last_t))
		goto out;
	for (int k = 0; k < e->cfg.nintervals; k++) {
		tf_eng_series *se = &s->s[k];
		int64_t iv = e->cfg.intervals_ms[k];
		se->has_final = (uint8_t)get_u8(&r);
		se->final_v_last = get_dec(&r);
		se->final_q_last = get_dec(&r);
		se->nhist = (int)get_u8(&r);
		if (se->has_final > 1 || se->nhist > TF_ENGINE_HIST)
			goto out;
		for (int i = 0; i < se->nhist; i++)
			se->hist[i] = get_dec(&r);
		unsigned nopen = get_u8(&r);
		if (nopen > (unsigned)e->max_open)
			goto out;
		s->nopen[k] = (uint8_t)nopen;
		for (int i = 0; i < s->nopen[k]; i++)
			if (!get_win(&r, &se->open[i], iv) || (i && se->open[i].open_time <= se->open[i - 1].open_time))
				goto out;
	}
	if (r.bad || r.pos != len)
		goto out;
	tf_eng_sym_recache(e, s);
	tf_eng_sym *added;
	if ((err = tf_eng_sym_add(e, name, &added)))
		goto out;
	uint32_t num = added->num;
	tf_eng_sym_copy(e, added, s);
	memset(added->symbol, 0, sizeof added->symbol);
	memcpy(added->symbol, name, slen + 1);
	added->num = num;
	e->scan_t[num] = tf_eng_scan_t(added);
	e->stale_floor = INT64_MIN; /* recomputed by the next stale scan */
	err = TF_OK;
out:
	tf_eng_sym_free(s);
	return err;
}
