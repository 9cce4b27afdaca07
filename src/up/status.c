/* status.c — see status.h. */
#include "up/status.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"
#include "store/query.h"

struct tf_up_status {
	tf_query *q;
	int64_t since_ms;    /* alerts raised from here on are counted (the start of this run) */
	int64_t newest;      /* newest tick event time seen by the previous line */
	int64_t records;     /* the stream's committed record count at the previous line; -1 before the first */
	int64_t last_mono_ms;
};

tf_err tf_up_status_open(const char *store_url, int64_t since_ms, tf_up_status **out, char *why, size_t why_cap)
{
	tf_up_status *s = calloc(1, sizeof *s);
	if (!s)
		return TF_ERR_NOMEM;
	tf_err err = tf_query_open(store_url, &s->q, why, why_cap);
	if (err) {
		free(s);
		return err;
	}
	s->since_ms = since_ms;
	s->newest = since_ms;
	s->records = -1;
	s->last_mono_ms = tf_mono_ms();
	*out = s;
	return TF_OK;
}

void tf_up_status_close(tf_up_status *s)
{
	if (!s)
		return;
	tf_query_close(s->q);
	free(s);
}

static tf_err count_symbol(void *ud, const tf_q_symbol *sym)
{
	(void)sym;
	++*(int64_t *)ud;
	return TF_OK;
}

static tf_err count_alert(void *ud, const tf_q_alert *a)
{
	(void)a;
	++*(int64_t *)ud;
	return TF_OK;
}

/* Groups digits by thousands: 1234567 -> "1,234,567". */
static void thousands(int64_t v, char *out, size_t cap)
{
	char digits[32];
	int n = snprintf(digits, sizeof digits, "%lld", (long long)(v < 0 ? -v : v));
	size_t o = 0;
	if (v < 0 && o + 1 < cap)
		out[o++] = '-';
	for (int i = 0; i < n && o + 1 < cap; i++) {
		if (i && (n - i) % 3 == 0 && o + 2 < cap)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

tf_err tf_up_status_line(tf_up_status *s, char *line, size_t cap)
{
	int64_t records = 0, newest = 0, symbols = 0, alerts = 0;
	tf_err err = tf_query_progress(s->q, &records, &newest);
	if (!err)
		err = tf_query_symbols(s->q, "1m", count_symbol, &symbols);
	if (!err)
		err = tf_query_alerts(s->q, s->since_ms, 1000000, count_alert, &alerts);
	if (err)
		return err;
	int64_t now = tf_mono_ms(), dt = now - s->last_mono_ms;
	s->last_mono_ms = now;
	/* the first line has no earlier total to compare with; a rebuild (--from) restarts the counters */
	int64_t count = s->records < 0 || records < s->records ? 0 : records - s->records;
	s->records = records;
	if (newest > s->newest)
		s->newest = newest;
	char rate[32], syms[32], al[32];
	thousands(dt > 0 ? count * 1000 / dt : 0, rate, sizeof rate);
	thousands(symbols, syms, sizeof syms);
	thousands(alerts, al, sizeof al);
	if (s->newest > s->since_ms)
		snprintf(line, cap, "%s records/s, newest tick %.1f s old, %s symbols, %s alerts since start", rate,
			 (double)(tf_now_ms() - s->newest) / 1000.0, syms, al);
	else
		snprintf(line, cap, "waiting for the first records (%s symbols stored)", syms);
	return TF_OK;
}
