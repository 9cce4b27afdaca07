/* collect.c — see collect.h for the retry diagram. */
#include "batch/collect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "batch/fetch.h"
#include "batch/quote.h"
#include "batch/schedule.h"
#include "market/market.h"

typedef struct {
	tf_snapshot *rows;
	size_t n, cap, bad;
} decode_ctx;

static tf_err on_tick(void *ud, const tf_tick *t)
{
	decode_ctx *d = ud;
	if (d->n == d->cap) {
		if (d->n >= 1000000)
			return TF_ERR_TOO_BIG;
		size_t cap = d->cap ? d->cap * 2 : 4096;
		tf_snapshot *r = realloc(d->rows, cap * sizeof *r);
		if (!r)
			return TF_ERR_NOMEM;
		d->rows = r;
		d->cap = cap;
	}
	tf_snapshot *r = &d->rows[d->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->symbol, sizeof r->symbol, "%s", t->symbol);
	tf_batch_quote_of(t->symbol, r->quote, sizeof r->quote);
	r->open = t->s24.open;
	r->high = t->s24.high;
	r->low = t->s24.low;
	r->last = t->s24.last;
	r->volume = t->s24.volume;
	r->quote_volume = t->s24.quote_volume;
	r->price_change_pct = t->s24.price_change_pct;
	r->trades = t->s24.trades;
	r->close_time = t->s24.close_time;
	r->dead = t->dead || t->s24.trades == 0 || t->s24.last == 0;
	return TF_OK;
}

static tf_err on_bad(void *ud, const char *raw, size_t raw_len, const tf_decode_err *why)
{
	decode_ctx *d = ud;
	if (d->bad++ < 5)
		tf_warn("skipping an undecodable ticker element: %s", why->msg);
	return TF_OK;
}

tf_err tf_batch_snapshots_from_body(const char *body, size_t len, tf_snapshot **rows, size_t *n, size_t *bad,
				    char *why, size_t cap)
{
	decode_ctx d = {0};
	tf_decode_err de = {0};
	tf_tick_handler h = {on_tick, on_bad, &d};
	*rows = NULL;
	*n = *bad = 0;
	tf_err err = tf_market_decode_rest_24hr(body, len, &h, &de);
	if (err) {
		snprintf(why, cap, "ticker/24hr body: %s", de.msg[0] ? de.msg : tf_err_str(err));
		free(d.rows);
		return err;
	}
	*rows = d.rows;
	*n = d.n;
	*bad = d.bad;
	return TF_OK;
}

/* Waits for the next minute when the last reported weight leaves no room for one more call. */
static bool wait_for_weight(const tf_collect_opts *o, const tf_collect_state *st)
{
	if (o->weight_limit <= 0 || st->used_weight < 0 || st->used_weight + TF_COLLECT_WEIGHT <= o->weight_limit)
		return true;
	int64_t now = tf_now_ms(), reset = (st->at_ms / 60000 + 1) * 60000;
	if (reset <= now)
		return true;
	tf_info("used weight %lld of %lld this minute; waiting %lld ms for the next minute",
		(long long)st->used_weight, (long long)o->weight_limit, (long long)(reset - now));
	return tf_batch_sleep(reset - now);
}

static bool transient_http(long status) { return status == 0 || status >= 500 || status == 408; }

tf_err tf_batch_collect_once(const tf_collect_opts *o, tf_store *s, tf_collect_state *st, tf_collect_result *res,
			     char *why, size_t cap)
{
	char url[1024];
	snprintf(url, sizeof url, "%s/api/v3/ticker/24hr", o->rest_url);
	memset(res, 0, sizeof *res);
	res->used_weight = -1;
	int64_t backoff = o->backoff_ms > 0 ? o->backoff_ms : 1000;
	tf_err err = TF_OK;
	for (int attempt = 0;; attempt++) {
		if (!wait_for_weight(o, st))
			return TF_ERR_STOPPED;
		res->attempts = attempt + 1;
		tf_fetch_result fr;
		int64_t run_ts = tf_now_ms();
		err = tf_batch_fetch(url, o->timeout_ms, o->max_body, &fr, why, cap);
		if (fr.used_weight >= 0) {
			st->used_weight = res->used_weight = fr.used_weight;
			st->at_ms = tf_now_ms();
		}
		int64_t wait = backoff;
		bool retry;
		if (!err) {
			tf_snapshot *rows = NULL;
			size_t n = 0;
			err = tf_batch_snapshots_from_body(fr.body.data, fr.body.len, &rows, &n, &res->bad, why, cap);
			if (!err) {
				err = tf_store_put_snapshots(s, run_ts, rows, n);
				if (err)
					snprintf(why, cap, "cannot store the snapshot: %s", tf_store_error(s));
				res->run_ts = run_ts;
				res->rows = n;
				for (size_t i = 0; i < n; i++)
					res->dead += rows[i].dead;
			}
			free(rows);
			retry = err == TF_ERR_AGAIN || err == TF_ERR_PARSE;
		} else if (err == TF_ERR_REMOTE && (fr.status == 429 || fr.status == 418)) {
			retry = fr.retry_after_ms >= 0 && fr.retry_after_ms <= o->max_retry_wait_ms;
			wait = fr.retry_after_ms >= 0 ? fr.retry_after_ms : wait;
			if (!retry)
				snprintf(why + strlen(why), cap - strlen(why), " (Retry-After %lld ms is beyond --max-retry-wait)",
					 (long long)fr.retry_after_ms);
		} else {
			retry = err != TF_ERR_REMOTE || transient_http(fr.status);
			if (err == TF_ERR_TOO_BIG || err == TF_ERR_TLS)
				retry = false;
		}
		tf_batch_fetch_free(&fr);
		if (!err || !retry || attempt >= o->retries)
			return err;
		tf_warn("attempt %d failed (%s); retrying in %lld ms", attempt + 1, why, (long long)wait);
		if (!tf_batch_sleep(wait))
			return TF_ERR_STOPPED;
		if (wait == backoff)
			backoff = backoff * 2 > 60000 ? 60000 : backoff * 2;
	}
}
