/* report_json.c — see report_json.h. Symbols and quotes are [A-Z0-9^.=-]: no escaping needed, but
 * anything else is refused rather than emitted raw. */
#include "batch/report_json.h"

#include <math.h>
#include <string.h>

#define APPEND(...)                                         \
	do {                                                \
		if ((err = tf_buf_appendf(b, __VA_ARGS__))) \
			return err;                         \
	} while (0)

/* A batch shares one or two dates: format each day once. */
static void date_of(int64_t epoch_s, char out[11])
{
	static _Thread_local int64_t day = INT64_MIN;
	static _Thread_local char cached[11];
	int64_t dd = epoch_s >= 0 ? epoch_s / 86400 : (epoch_s - 86399) / 86400;
	if (dd != day) {
		tf_report_date(epoch_s, cached);
		day = dd;
	}
	memcpy(out, cached, 11);
}

static tf_err num(tf_buf *b, bool has, double v)
{
	return has && isfinite(v) ? tf_buf_appendf(b, "%.17g", v) : tf_buf_appendf(b, "null");
}

static tf_err str(tf_buf *b, const char *s)
{
	for (const char *p = s; *p; p++)
		if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
			return TF_ERR_SCHEMA;
	return tf_buf_appendf(b, "\"%s\"", s);
}

static tf_err metric(tf_buf *b, const tf_metric *m)
{
	tf_err err;
	char date[11];
	date_of(m->epoch_s, date);
	APPEND("{\"symbol\":");
	if ((err = str(b, m->symbol)))
		return err;
	APPEND(",\"quote\":");
	if ((err = str(b, m->quote)))
		return err;
	APPEND(",\"dead\":%s,\"ranked\":%s,\"date\":\"%s\",\"epoch_s\":%lld,\"trades\":%lld", m->dead ? "true" : "false",
	       m->ranked ? "true" : "false", date, (long long)m->epoch_s, (long long)m->trades);
	const char *names[] = {"open", "high", "low", "last", "spread", "mid", "volume_m"};
	const double v[] = {m->open, m->high, m->low, m->last, m->spread, m->mid, m->volume_m};
	for (int i = 0; i < 7; i++) {
		APPEND(",\"%s\":", names[i]);
		if ((err = num(b, true, v[i])))
			return err;
	}
	APPEND(",\"return_pct\":");
	if ((err = num(b, m->has_ret, m->ret_pct)))
		return err;
	APPEND(",\"volatility_pct\":");
	if ((err = num(b, m->has_vol, m->rel_vol_pct)))
		return err;
	APPEND("}");
	return TF_OK;
}

static tf_err top(tf_buf *b, const char *name, const tf_metric *list, size_t n, bool first)
{
	tf_err err;
	APPEND("%s\"%s\":[", first ? "" : ",", name);
	for (size_t i = 0; i < n; i++) {
		if (i)
			APPEND(",");
		if ((err = metric(b, &list[i])))
			return err;
	}
	APPEND("]");
	return TF_OK;
}

tf_err tf_report_json(tf_buf *b, const tf_report_data *d, int64_t generated_ms)
{
	tf_err err;
	APPEND("{\"run_ts\":%lld,\"since_ms\":%lld,\"generated_ms\":%lld,\"quote\":\"%s\",\"quote_defaulted\":%s,",
	       (long long)d->run_ts, (long long)d->since_ms, (long long)generated_ms, d->quote,
	       d->quote_defaulted ? "true" : "false");
	APPEND("\"totals\":{\"symbols\":%zu,\"dead\":%zu,\"ranked\":%zu,\"advancers\":%zu,\"decliners\":%zu,"
	       "\"unchanged\":%zu,\"total_volume_m\":%.17g,\"mean_return_pct\":%.17g,\"mean_volatility_pct\":%.17g,"
	       "\"median_return_pct\":%.17g,\"volatility_q1\":%.17g,\"volatility_median\":%.17g,\"volatility_q3\":%.17g},",
	       d->n, d->dead, d->ranked, d->advancers, d->decliners, d->unchanged, d->total_volume_m, d->mean_ret_pct,
	       d->mean_vol_pct, d->median_ret_pct, d->vol_q1, d->vol_median, d->vol_q3);
	APPEND("\"top\":{");
	if ((err = top(b, "best", d->best, d->n_best, true)) || (err = top(b, "worst", d->worst, d->n_worst, false)) ||
	    (err = top(b, "volume", d->by_volume, d->n_by_volume, false)) ||
	    (err = top(b, "volatility", d->by_vol, d->n_by_vol, false)))
		return err;
	APPEND("},\"histogram\":[");
	for (int i = 0; i < TF_HIST_BINS; i++)
		APPEND("%s%zu", i ? "," : "", d->hist[i]);
	APPEND("],\"symbols\":[");
	for (size_t i = 0; i < d->n_all; i++) {
		if (i)
			APPEND(",");
		if ((err = metric(b, &d->all[i])))
			return err;
	}
	APPEND("]}\n");
	return TF_OK;
}
