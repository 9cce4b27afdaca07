/* store.c — picks the backend from the URL and forwards calls (see store.h). */
#include "store/store.h"

#include <stdio.h>
#include <string.h>

tf_err tf_store_open(const char *url, tf_store **out, char *why, size_t why_cap)
{
	*out = NULL;
	if (!strncmp(url, "sqlite:", 7)) {
		if (!url[7]) {
			snprintf(why, why_cap, "--store sqlite: needs a path (sqlite:tickflow.db)");
			return TF_ERR_USAGE;
		}
		return tf_store_sqlite_open(url + 7, out, why, why_cap);
	}
	if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
		return tf_store_pg_open(url, out, why, why_cap);
	snprintf(why, why_cap, "--store '%.100s' is neither sqlite:PATH nor postgresql://...", url);
	return TF_ERR_USAGE;
}

void tf_store_close(tf_store *s)
{
	if (s)
		s->ops->close(s);
}

const char *tf_store_error(const tf_store *s) { return s->error; }
const char *tf_store_kind(const tf_store *s) { return s->ops->kind; }
tf_err tf_store_begin(tf_store *s) { return s->ops->begin(s); }
tf_err tf_store_put_tick(tf_store *s, const tf_tick_row *t) { return s->ops->put_tick(s, t); }

void tf_tick_row_from(const tf_tick *t, tf_tick_row *out)
{
	memset(out, 0, sizeof *out);
	memcpy(out->symbol, t->symbol, sizeof out->symbol);
	out->symbol[TF_SYMBOL_MAX - 1] = '\0';
	out->event_time = t->event_time;
	out->is24 = t->kind == TF_TICK_MINI_TICKER || t->kind == TF_TICK_TICKER_24HR || t->kind == TF_TICK_REST_24HR;
	if (out->is24) {
		out->open = t->s24.open;
		out->high = t->s24.high;
		out->low = t->s24.low;
		out->volume = t->s24.volume;
		out->quote_volume = t->s24.quote_volume;
	}
	out->last = tf_tick_price(t);
}
tf_err tf_store_put_candle(tf_store *s, const tf_candle_row *r) { return s->ops->put_candle(s, r); }
tf_err tf_store_put_alert(tf_store *s, const tf_alert_row *a) { return s->ops->put_alert(s, a); }
tf_err tf_store_put_rate(tf_store *s, const tf_rate_row *r) { return s->ops->put_rate(s, r); }
tf_err tf_store_commit(tf_store *s) { return s->ops->commit(s); }
void tf_store_rollback(tf_store *s) { s->ops->rollback(s); }

tf_err tf_store_put_state(tf_store *s, const char *group, const char *topic, int32_t partition, const char *symbol,
			  const void *blob, size_t len)
{
	return s->ops->put_state(s, group, topic, partition, symbol, blob, len);
}

tf_err tf_store_put_offset(tf_store *s, const char *group, const char *topic, int32_t partition, int64_t next_offset,
			   const tf_stream_counts *counts)
{
	static const tf_stream_counts zero;
	return s->ops->put_offset(s, group, topic, partition, next_offset, counts ? counts : &zero);
}

tf_err tf_store_get_offset(tf_store *s, const char *group, const char *topic, int32_t partition, int64_t *next_offset,
			   tf_stream_counts *counts, bool *found)
{
	tf_stream_counts ignored;
	if (!counts)
		counts = &ignored;
	*counts = (tf_stream_counts){0};
	return s->ops->get_offset(s, group, topic, partition, next_offset, counts, found);
}

tf_err tf_store_load_state(tf_store *s, const char *group, const char *topic, int32_t partition, tf_store_state_fn fn,
			   void *ud)
{
	return s->ops->load_state(s, group, topic, partition, fn, ud);
}

tf_err tf_store_reset_partition(tf_store *s, const char *group, const char *topic, int32_t partition)
{
	return s->ops->reset_partition(s, group, topic, partition);
}

tf_err tf_store_delete_ticks_before(tf_store *s, int64_t before_ms) { return s->ops->delete_ticks_before(s, before_ms); }
