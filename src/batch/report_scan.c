/* report_scan.c — see report_scan.h. The two readers meet like this:
 *
 *   symbols:  A ... lo]  unread  [hi ... Z
 *             reader 0 ->        <- reader 1
 *
 * Each reader takes a chunk of rows from its store, then under the lock keeps the prefix of it
 * that lies strictly before the other reader's frontier (below hi for reader 0, above lo for
 * reader 1), moves its own frontier to the last row it kept and stops at the first row it may not
 * keep. Claims are made under the lock against the other's latest frontier, so no row is taken
 * twice; a reader stops only where the other has already claimed, so none is missed. */
#include "batch/report_scan.h"

#include "base/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	pthread_mutex_t mu;
	char lo[TF_SYMBOL_MAX], hi[TF_SYMBOL_MAX];
	bool lo_set, hi_set, failed;
} meeting;

typedef struct {
	meeting *m; /* NULL with one reader */
	bool desc, brief;
	tf_store *s;
	int64_t run_ts;
	tf_report_part *part;
	tf_err err;
	char why[512];
} reader;

/* How many of rows[0..n) this reader may keep; moves its frontier. Called under m->mu. */
static size_t claim(meeting *m, bool desc, const tf_snapshot *rows, size_t n)
{
	size_t k = 0;
	if (m->failed)
		return 0;
	/* rows are in the reader's order: when the chunk's last row may be kept, so may all the others
	 * (one comparison per chunk until the readers come near each other) */
	if (!desc) {
		if (n && (!m->hi_set || strcmp(rows[n - 1].symbol, m->hi) < 0))
			k = n;
		while (k < n && (!m->hi_set || strcmp(rows[k].symbol, m->hi) < 0))
			k++;
		if (k) {
			memcpy(m->lo, rows[k - 1].symbol, sizeof m->lo);
			m->lo_set = true;
		}
	} else {
		if (n && (!m->lo_set || strcmp(rows[n - 1].symbol, m->lo) > 0))
			k = n;
		while (k < n && (!m->lo_set || strcmp(rows[k].symbol, m->lo) > 0))
			k++;
		if (k) {
			memcpy(m->hi, rows[k - 1].symbol, sizeof m->hi);
			m->hi_set = true;
		}
	}
	return k;
}

static tf_err sink(void *ctx, const tf_snapshot *rows, size_t n, bool *stop)
{
	reader *r = ctx;
	size_t k = n;
	if (r->m) {
		pthread_mutex_lock(&r->m->mu);
		k = claim(r->m, r->desc, rows, n);
		pthread_mutex_unlock(&r->m->mu);
		*stop = k < n;
	}
	return tf_report_part_add(r->part, rows, k);
}

static void *read_batch(void *arg)
{
	reader *r = arg;
	r->err = tf_store_scan_snapshots(r->s, r->run_ts, r->desc, r->brief, sink, r);
	if (r->err) {
		snprintf(r->why, sizeof r->why, "cannot read ticker_snapshots: %s",
			 r->err == TF_ERR_NOMEM ? "out of memory" : tf_store_error(r->s));
		if (r->m) { /* the other reader stops at its next chunk */
			pthread_mutex_lock(&r->m->mu);
			r->m->failed = true;
			pthread_mutex_unlock(&r->m->mu);
		}
	}
	return NULL;
}

/* Two readers need a second connection (a URL) and a symbol order strcmp can follow (meeting in
 * the middle compares symbols); PostgreSQL under a language collation gets one. */
static int readers_for(tf_store *s, const tf_report_scan_opts *o)
{
	bool bytewise = false;
	if (!o->url || o->readers == 1 || tf_store_snapshot_order_bytewise(s, &bytewise) || !bytewise)
		return 1;
	if (o->readers > 1)
		return 2;
	return sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
}

/* The rows a report shows: the per-symbol table and the four Top 5s. */
static size_t shown(tf_report_data *d, tf_metric **out)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n_table; i++)
		out[n++] = &d->table[i];
	tf_metric *tops[4] = {d->best, d->worst, d->by_volume, d->by_vol};
	const size_t nt[4] = {d->n_best, d->n_worst, d->n_by_volume, d->n_by_vol};
	for (int t = 0; t < 4; t++)
		for (size_t i = 0; i < nt[t]; i++)
			out[n++] = &tops[t][i];
	return n;
}

/* After a brief scan: trades and dates of the rows the report shows, looked up by symbol. */
static tf_err fill_details(tf_store *s, int64_t run_ts, tf_report_data *d, char *why, size_t cap)
{
	tf_metric **m = malloc((d->n_table + 4 * TF_TOP_N) * sizeof *m);
	tf_snapshot_detail *det = malloc((d->n_table + 4 * TF_TOP_N) * sizeof *det);
	tf_err err = m && det ? TF_OK : TF_ERR_NOMEM;
	size_t n = err ? 0 : shown(d, m);
	for (size_t i = 0; i < n; i++)
		memcpy(det[i].symbol, m[i]->symbol, sizeof det[i].symbol);
	if (!err && (err = tf_store_snapshot_details(s, run_ts, det, n)))
		snprintf(why, cap, "cannot read ticker_snapshots: %s", tf_store_error(s));
	for (size_t i = 0; i < n && !err; i++) {
		m[i]->trades = det[i].trades;
		m[i]->epoch_s = det[i].close_time / 1000;
	}
	if (err == TF_ERR_NOMEM)
		snprintf(why, cap, "out of memory");
	free(m);
	free(det);
	return err;
}

tf_err tf_report_scan(tf_store *s, const tf_report_scan_opts *o, tf_report_data *d, char *why, size_t cap)
{
	meeting m = {.mu = PTHREAD_MUTEX_INITIALIZER};
	reader r[2] = {{.s = s, .run_ts = o->run_ts}, {.desc = true, .run_ts = o->run_ts}};
	int nr = readers_for(s, o);
	tf_err err = TF_OK;
	/* Without every row kept, trades and close_time are read only for the rows shown (a few
	 * hundred lookups instead of two columns of every row) */
	bool brief = !o->keep_all && o->table_rows + 4 * TF_TOP_N <= TF_SNAPSHOT_DETAILS_MAX;
	r[0].brief = r[1].brief = brief;
	memset(d, 0, sizeof *d);
	if (nr == 2) {
		char w[256];
		if (tf_store_open(o->url, &r[1].s, w, sizeof w) != TF_OK)
			nr = 1; /* one reader still gives the same report */
	}
	for (int i = 0; i < nr && !err; i++) {
		r[i].m = nr == 2 ? &m : NULL;
		err = tf_report_part_new(o->quote, o->table_rows, o->keep_all, &r[i].part);
	}
	if (err) {
		snprintf(why, cap, "out of memory");
		goto out;
	}
	pthread_t t;
	bool started = nr == 2 && !pthread_create(&t, NULL, read_batch, &r[1]);
	if (nr == 2 && !started)
		r[0].m = NULL, nr = 1;
	read_batch(&r[0]);
	if (started)
		pthread_join(t, NULL);
	for (int i = 0; i < nr && !err; i++)
		if ((err = r[i].err))
			snprintf(why, cap, "%s", r[i].why);
	if (err)
		goto out;
	if (!tf_report_part_rows(r[0].part) && (nr == 1 || !tf_report_part_rows(r[1].part))) {
		snprintf(why, cap, "no snapshot with run_ts %lld", (long long)o->run_ts);
		err = TF_ERR_NOT_FOUND;
		goto out;
	}
	tf_info("run_ts %lld: %zu rows read by %d reader(s)", (long long)o->run_ts,
		tf_report_part_rows(r[0].part) + (nr == 2 ? tf_report_part_rows(r[1].part) : 0), nr);
	tf_report_part *parts[2] = {r[0].part, r[1].part};
	const bool reversed[2] = {false, true};
	err = tf_report_finish(parts, reversed, (size_t)nr, o->quote, o->run_ts, 0, d, why, cap);
	if (!err && brief)
		err = fill_details(s, o->run_ts, d, why, cap);
out:
	tf_report_part_free(r[0].part);
	tf_report_part_free(r[1].part);
	tf_store_close(r[1].s);
	return err;
}
