/* query.c — dispatch of the store's read side (query.h) to the SQLite or PostgreSQL backend. */
#include <stdio.h>
#include <string.h>

#include "store/query.h"

tf_err tf_query_open(const char *url, tf_query **out, char *why, size_t why_cap)
{
	*out = NULL;
	if (!strncmp(url, "sqlite:", 7))
		return tf_query_sqlite_open(url + 7, out, why, why_cap);
	if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
		return tf_query_pg_open(url, out, why, why_cap);
	snprintf(why, why_cap, "unknown store '%s'; use sqlite:PATH or postgresql://user@host:port/db", url);
	return TF_ERR_USAGE;
}

void tf_query_close(tf_query *q)
{
	if (q)
		q->ops->close(q);
}

const char *tf_query_error(const tf_query *q) { return q->error; }
const char *tf_query_kind(const tf_query *q) { return q->ops->kind; }
tf_err tf_query_ping(tf_query *q) { return q->ops->ping(q); }

tf_err tf_query_symbols(tf_query *q, const char *interval, tf_q_symbol_fn fn, void *ud)
{
	return q->ops->symbols(q, interval, fn, ud);
}

tf_err tf_query_latest_time(tf_query *q, const char *interval, int64_t *open_time, bool *found)
{
	return q->ops->latest_time(q, interval, open_time, found);
}

tf_err tf_query_candles(tf_query *q, const char *symbol, const char *interval, int64_t from, int64_t to, int64_t limit,
			tf_q_candle_fn fn, void *ud)
{
	return q->ops->candles(q, symbol, interval, from, to, limit, fn, ud);
}

tf_err tf_query_candles_since(tf_query *q, const char *interval, int64_t from, int64_t limit, tf_q_candle_fn fn,
			      void *ud)
{
	return q->ops->candles_since(q, interval, from, limit, fn, ud);
}

tf_err tf_query_stats(tf_query *q, const char *interval, int64_t from, const char *const *symbols, size_t nsymbols,
		      tf_q_stats_fn fn, void *ud)
{
	if (nsymbols > TF_QUERY_MAX_SYMBOLS) {
		snprintf(q->error, sizeof q->error, "at most %d symbols in one query", TF_QUERY_MAX_SYMBOLS);
		return TF_ERR_TOO_BIG;
	}
	return q->ops->stats(q, interval, from, symbols, nsymbols, fn, ud);
}

tf_err tf_query_alerts(tf_query *q, int64_t from, int64_t limit, tf_q_alert_fn fn, void *ud)
{
	return q->ops->alerts(q, from, limit, fn, ud);
}

tf_err tf_query_ticks(tf_query *q, const char *symbol, int64_t before, int64_t limit, tf_q_tick_fn fn, void *ud)
{
	return q->ops->ticks(q, symbol, before, limit, fn, ud);
}

tf_err tf_query_progress(tf_query *q, int64_t *records, int64_t *newest) { return q->ops->progress(q, records, newest); }

tf_err tf_query_partitions(tf_query *q, int64_t limit, tf_q_partition_fn fn, void *ud)
{
	return q->ops->partitions(q, limit, fn, ud);
}
