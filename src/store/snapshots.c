/* snapshots.c — the batch path's part of the store (see store.h, "ticker snapshots"): dispatches
 * to the SQLite or PostgreSQL implementation and builds result rows from text columns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/snapshots_int.h"

static bool is_sqlite(tf_store *s) { return !strcmp(tf_store_kind(s), "sqlite"); }

tf_err tf_store_put_snapshots(tf_store *s, int64_t run_ts, const tf_snapshot *rows, size_t n)
{
	void *h = s->ops->native(s);
	return is_sqlite(s) ? tf_snapshots_sqlite_put(s, h, run_ts, rows, n) : tf_snapshots_pg_put(s, h, run_ts, rows, n);
}

tf_err tf_store_latest_run(tf_store *s, int64_t *run_ts, bool *found)
{
	void *h = s->ops->native(s);
	*found = false;
	return is_sqlite(s) ? tf_snapshots_sqlite_latest(s, h, run_ts, found) : tf_snapshots_pg_latest(s, h, run_ts, found);
}

tf_err tf_store_load_snapshots(tf_store *s, int64_t run_ts, tf_snapshot **rows, size_t *n)
{
	void *h = s->ops->native(s);
	return is_sqlite(s) ? tf_snapshots_sqlite_load(s, h, NULL, run_ts, 0, rows, n)
			    : tf_snapshots_pg_load(s, h, NULL, run_ts, 0, rows, n);
}

tf_err tf_store_load_candle_summary(tf_store *s, const char *interval, int64_t from_ms, int64_t to_ms,
				    tf_snapshot **rows, size_t *n)
{
	void *h = s->ops->native(s);
	return is_sqlite(s) ? tf_snapshots_sqlite_load(s, h, interval, from_ms, to_ms, rows, n)
			    : tf_snapshots_pg_load(s, h, interval, from_ms, to_ms, rows, n);
}

tf_err tf_store_scan_snapshots(tf_store *s, int64_t run_ts, bool desc, bool brief, tf_snapshot_sink sink, void *ctx)
{
	void *h = s->ops->native(s);
	return is_sqlite(s) ? tf_snapshots_sqlite_scan(s, h, run_ts, desc, brief, sink, ctx)
			    : tf_snapshots_pg_scan(s, h, run_ts, desc, brief, sink, ctx);
}

tf_err tf_store_snapshot_details(tf_store *s, int64_t run_ts, tf_snapshot_detail *d, size_t n)
{
	if (n > TF_SNAPSHOT_DETAILS_MAX) {
		snprintf(s->error, sizeof s->error, "more than %d symbols to look up", TF_SNAPSHOT_DETAILS_MAX);
		return TF_ERR_USAGE;
	}
	for (size_t i = 0; i < n; i++)
		d[i].found = false, d[i].trades = d[i].close_time = 0;
	if (!n)
		return TF_OK;
	void *h = s->ops->native(s);
	return is_sqlite(s) ? tf_snapshots_sqlite_details(s, h, run_ts, d, n) : tf_snapshots_pg_details(s, h, run_ts, d, n);
}

tf_err tf_store_snapshot_order_bytewise(tf_store *s, bool *out)
{
	*out = true; /* SQLite's BINARY collation */
	return is_sqlite(s) ? TF_OK : tf_snapshots_pg_bytewise(s, s->ops->native(s), out);
}

void tf_snap_dec(tf_dec v, char out[TF_DEC_STR_MAX]) { tf_dec_format(v, out); }

static tf_err dec_col(tf_store *s, const char *v, int len, const char *name, tf_dec *out)
{
	*out = 0;
	if (!v)
		return TF_OK;
	if (tf_dec_parse(v, (size_t)len, out)) {
		snprintf(s->error, sizeof s->error, "stored %s '%.*s' is not a decimal", name, len < 40 ? len : 40, v);
		return TF_ERR_PARSE;
	}
	return TF_OK;
}

/* [-]digits, at most 18 of them (well inside int64): all a stored count or time can be. */
tf_err tf_snap_int(tf_store *s, const char *v, int len, const char *name, int64_t *out)
{
	*out = 0;
	if (!v)
		return TF_OK;
	int i = len > 0 && v[0] == '-';
	int64_t x = 0;
	if (len - i < 1 || len - i > 18)
		goto bad;
	for (; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			goto bad;
		x = x * 10 + (v[i] - '0');
	}
	*out = v[0] == '-' ? -x : x;
	return TF_OK;
bad:
	snprintf(s->error, sizeof s->error, "stored %s '%.*s' is not an integer", name, len < 40 ? len : 40, v);
	return TF_ERR_PARSE;
}

/* Copies a text column into a fixed field; longer values are cut (symbols are <= 31 bytes). */
static void text_col(char *dst, size_t cap, const char *v, int len)
{
	size_t n = v ? (size_t)len : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, v, n);
	dst[n] = 0;
}

static tf_err grow(tf_store *s, tf_snap_list *l)
{
	if (l->n < l->cap)
		return TF_OK;
	if (l->n >= TF_SNAPSHOT_MAX_ROWS) {
		snprintf(s->error, sizeof s->error, "more than %d rows to load", TF_SNAPSHOT_MAX_ROWS);
		return TF_ERR_TOO_BIG;
	}
	size_t cap = l->cap ? l->cap * 2 : 1024;
	tf_snapshot *r = realloc(l->rows, cap * sizeof *r);
	if (!r)
		return TF_ERR_NOMEM;
	l->rows = r;
	l->cap = cap;
	return TF_OK;
}

static tf_err add_snapshot(tf_store *s, tf_snap_list *l, const char *const *c, const int *n)
{
	tf_err err = grow(s, l);
	if (err)
		return err;
	tf_snapshot *r = &l->rows[l->n];
	memset(r, 0, sizeof *r);
	int64_t dead = 0;
	text_col(r->symbol, sizeof r->symbol, c[SNAP_SYMBOL], n[SNAP_SYMBOL]);
	text_col(r->quote, sizeof r->quote, c[SNAP_QUOTE], n[SNAP_QUOTE]);
	if ((err = dec_col(s, c[SNAP_OPEN], n[SNAP_OPEN], "open", &r->open)) || (err = dec_col(s, c[SNAP_HIGH], n[SNAP_HIGH], "high", &r->high)) ||
	    (err = dec_col(s, c[SNAP_LOW], n[SNAP_LOW], "low", &r->low)) || (err = dec_col(s, c[SNAP_LAST], n[SNAP_LAST], "last", &r->last)) ||
	    (err = dec_col(s, c[SNAP_VOLUME], n[SNAP_VOLUME], "volume", &r->volume)) ||
	    (err = dec_col(s, c[SNAP_QUOTE_VOLUME], n[SNAP_QUOTE_VOLUME], "quote_volume", &r->quote_volume)) ||
	    (err = dec_col(s, c[SNAP_PCT], n[SNAP_PCT], "price_change_pct", &r->price_change_pct)) ||
	    (err = tf_snap_int(s, c[SNAP_TRADES], n[SNAP_TRADES], "trades", &r->trades)) ||
	    (err = tf_snap_int(s, c[SNAP_CLOSE_TIME], n[SNAP_CLOSE_TIME], "close_time", &r->close_time)) ||
	    (err = tf_snap_int(s, c[SNAP_DEAD], n[SNAP_DEAD], "dead", &dead)))
		return err;
	r->dead = dead != 0;
	l->n++;
	return TF_OK;
}

tf_err tf_snap_fill_report(tf_store *s, tf_snapshot *r, const char *const *c, const int *n)
{
	tf_err err;
	text_col(r->symbol, sizeof r->symbol, c[REP_SYMBOL], n[REP_SYMBOL]);
	text_col(r->quote, sizeof r->quote, c[REP_QUOTE], n[REP_QUOTE]);
	r->volume = r->price_change_pct = 0;
	if ((err = dec_col(s, c[REP_OPEN], n[REP_OPEN], "open", &r->open)) ||
	    (err = dec_col(s, c[REP_HIGH], n[REP_HIGH], "high", &r->high)) ||
	    (err = dec_col(s, c[REP_LOW], n[REP_LOW], "low", &r->low)) ||
	    (err = dec_col(s, c[REP_LAST], n[REP_LAST], "last", &r->last)))
		return err;
	return dec_col(s, c[REP_QUOTE_VOLUME], n[REP_QUOTE_VOLUME], "quote_volume", &r->quote_volume);
}

static tf_err add_candle(tf_store *s, tf_snap_list *l, const char *const *c, const int *n)
{
	tf_dec o, h, lo, cl, v, qv;
	int64_t t;
	tf_err err;
	if ((err = tf_snap_int(s, c[CND_OPEN_TIME], n[CND_OPEN_TIME], "open_time", &t)) || (err = dec_col(s, c[CND_OPEN], n[CND_OPEN], "open", &o)) ||
	    (err = dec_col(s, c[CND_HIGH], n[CND_HIGH], "high", &h)) || (err = dec_col(s, c[CND_LOW], n[CND_LOW], "low", &lo)) ||
	    (err = dec_col(s, c[CND_CLOSE], n[CND_CLOSE], "close", &cl)) || (err = dec_col(s, c[CND_VOLUME], n[CND_VOLUME], "volume", &v)) ||
	    (err = dec_col(s, c[CND_QUOTE_VOLUME], n[CND_QUOTE_VOLUME], "quote_volume", &qv)))
		return err;
	char sym[TF_SYMBOL_MAX];
	text_col(sym, sizeof sym, c[CND_SYMBOL], n[CND_SYMBOL]);
	tf_snapshot *r = l->n ? &l->rows[l->n - 1] : NULL;
	if (!r || strcmp(r->symbol, sym)) {
		if ((err = grow(s, l)))
			return err;
		r = &l->rows[l->n++];
		memset(r, 0, sizeof *r);
		memcpy(r->symbol, sym, sizeof sym);
		r->open = o;
		r->high = h;
		r->low = lo;
	}
	if (h > r->high)
		r->high = h;
	if (lo < r->low)
		r->low = lo;
	r->last = cl;
	r->volume += v;
	r->quote_volume += qv;
	r->trades++;
	r->close_time = t;
	return TF_OK;
}

tf_err tf_snap_list_add(tf_store *s, tf_snap_list *l, const char *const *col, const int *len)
{
	return l->candles ? add_candle(s, l, col, len) : add_snapshot(s, l, col, len);
}
