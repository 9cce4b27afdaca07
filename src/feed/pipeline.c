/* pipeline.c — see pipeline.h. */
#include "feed/pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "feed/dedup.h"
#include "feed/record.h"

#define MAX_DEDUP_KEYS 100000
#define REST_KIND_OFFSET 100 /* REST rows carry open times, stream events event times: keep apart */

struct tf_pipeline {
	tf_pipeline_opts o;
	tf_pipeline_stats st;
	tf_dedup *dedup;
	FILE *record;
	tf_buf record_line;
	const tf_feed_msg *cur;     /* message being decoded, for the handler callbacks */
	bool dirty;                 /* written since the last flush */
	tf_err handler_err;         /* what a handler callback returned to stop the decoder */
	char reason[320];
};

tf_err tf_pipeline_new(const tf_pipeline_opts *o, tf_pipeline **out, char *errbuf, size_t errcap)
{
	*out = NULL;
	tf_pipeline *p = calloc(1, sizeof *p);
	if (!p)
		return TF_ERR_NOMEM;
	p->o = *o;
	if (!p->o.flush_interval_ms)
		p->o.flush_interval_ms = 100;
	size_t maxmsg = o->max_message ? o->max_message : 1u << 20;
	tf_buf_init(&p->record_line, 4 * (maxmsg / 3) + 256);
	tf_err err = tf_dedup_new(MAX_DEDUP_KEYS, &p->dedup);
	if (err)
		goto fail;
	if (o->record_path && !(p->record = fopen(o->record_path, "w"))) {
		snprintf(errbuf, errcap, "cannot create --record file '%s' (%s)", o->record_path, strerror(errno));
		err = TF_ERR_IO;
		goto fail;
	}
	*out = p;
	return TF_OK;
fail:
	tf_pipeline_free(p);
	return err;
}

void tf_pipeline_free(tf_pipeline *p)
{
	if (!p)
		return;
	if (p->record && fclose(p->record) != 0)
		tf_error("cannot write --record file '%s': %s", p->o.record_path, strerror(errno));
	tf_dedup_free(p->dedup);
	tf_buf_free(&p->record_line);
	free(p);
}

const tf_pipeline_stats *tf_pipeline_stats_get(const tf_pipeline *p)
{
	return &p->st;
}

static tf_err dead_letter(tf_pipeline *p, const char *raw, size_t len, const char *reason)
{
	p->st.dead_letters++;
	p->dirty = true;
	return p->o.sink->write_dead_letter(p->o.sink, raw, len, reason, p->cur->recv_ms);
}

static tf_err on_tick(void *ud, const tf_tick *t)
{
	tf_pipeline *p = ud;
	const tf_feed_msg *m = p->cur;
	if (p->o.limit && p->st.records >= p->o.limit)
		return p->handler_err = TF_ERR_STOPPED;
	int kind = (int)t->kind + (m->format == TF_FEED_REST_KLINES ? REST_KIND_OFFSET : 0);
	bool strict = m->format != TF_FEED_WS;
	if (tf_dedup_check(p->dedup, kind, t->symbol, t->event_time, t->raw, t->raw_len, strict) != TF_DEDUP_NEW) {
		p->st.duplicates++;
		return TF_OK;
	}
	if (m->format == TF_FEED_WS && p->o.source && p->o.source->on_tick)
		p->o.source->on_tick(p->o.source, m, t);
	tf_feed_record r = {t->symbol, strlen(t->symbol), t->raw, t->raw_len, t->event_time, t};
	tf_err err = p->o.sink->write(p->o.sink, &r);
	if (err)
		return p->handler_err = err;
	p->st.records++;
	p->dirty = true;
	return TF_OK;
}

static tf_err on_bad(void *ud, const char *raw, size_t raw_len, const tf_decode_err *why)
{
	tf_pipeline *p = ud;
	snprintf(p->reason, sizeof p->reason, "bad element: %s", why->msg);
	return p->handler_err = dead_letter(p, raw, raw_len, p->reason);
}

static tf_err record_msg(tf_pipeline *p, const tf_feed_msg *m)
{
	tf_buf_reset(&p->record_line);
	tf_err err = tf_record_format(m, &p->record_line);
	if (err) {
		tf_warn("message of %zu bytes not recorded: %s", m->len, tf_err_str(err));
		return TF_OK; /* the recording is a side copy: it must not stop ingest */
	}
	if (fwrite(p->record_line.data, 1, p->record_line.len, p->record) != p->record_line.len) {
		tf_error("cannot write --record file '%s': %s", p->o.record_path, strerror(errno));
		return TF_ERR_IO;
	}
	return TF_OK;
}

static tf_err decode(tf_pipeline *p, const tf_feed_msg *m, tf_msg_kind *kind, tf_decode_err *de)
{
	tf_tick_handler h = {on_tick, on_bad, p};
	*kind = TF_MSG_EVENTS;
	switch (m->format) {
	case TF_FEED_WS:
		return tf_market_decode_ws(m->data, m->len, kind, &h, de);
	case TF_FEED_REST_KLINES:
		return tf_market_decode_rest_klines(m->data, m->len, m->symbol, m->interval, &h, de);
	case TF_FEED_YAHOO_CHART:
		return tf_market_decode_yahoo_chart(m->data, m->len, &h, de);
	case TF_FEED_CORRUPT:
		break;
	}
	return TF_ERR_INTERNAL;
}

tf_err tf_pipeline_handle(tf_pipeline *p, const tf_feed_msg *m)
{
	p->st.messages++;
	p->st.bytes += m->len;
	p->cur = m;
	tf_err err;
	if (m->format == TF_FEED_CORRUPT)
		return dead_letter(p, m->data, m->len, m->reason ? m->reason : "corrupt input");
	if (p->record && (err = record_msg(p, m)))
		return err;
	if (!p->o.decode)
		return TF_OK;
	if (m->binary)
		return dead_letter(p, m->data, m->len, "binary WebSocket frame; market data is JSON text");
	tf_msg_kind kind;
	tf_decode_err de = {"", 0};
	p->handler_err = TF_OK;
	err = decode(p, m, &kind, &de);
	if (p->handler_err)
		return p->handler_err; /* the sink failed or the limit was reached: not the input's fault */
	if (err) {
		snprintf(p->reason, sizeof p->reason, "undecodable %s (%s at byte %zu): %s",
			 m->format == TF_FEED_WS ? "message" : "REST body", tf_err_str(err), de.offset, de.msg);
		return dead_letter(p, m->data, m->len, p->reason);
	}
	switch (kind) {
	case TF_MSG_EVENTS:
		break;
	case TF_MSG_REPLY:
		p->st.replies++;
		tf_debug("server reply: %.*s", (int)(m->len > 200 ? 200 : m->len), m->data);
		break;
	case TF_MSG_ERROR:
		p->st.server_errors++;
		tf_warn("server error message: %.*s", (int)(m->len > 200 ? 200 : m->len), m->data);
		break;
	case TF_MSG_SERVER_SHUTDOWN:
		p->st.server_shutdowns++;
		tf_info("server announced shutdown; reconnecting early");
		if (p->o.source && p->o.source->on_server_shutdown)
			p->o.source->on_server_shutdown(p->o.source);
		break;
	}
	return TF_OK;
}

tf_err tf_pipeline_flush(tf_pipeline *p)
{
	p->dirty = false;
	tf_err err = p->o.sink->flush(p->o.sink);
	if (p->record && fflush(p->record) != 0) {
		tf_error("cannot write --record file '%s': %s", p->o.record_path, strerror(errno));
		err = err ? err : TF_ERR_IO;
	}
	return err;
}

tf_err tf_pipeline_run(tf_pipeline *p)
{
	int64_t start = tf_mono_ms(), last_flush = start;
	tf_err err = TF_OK;
	while (!(p->o.stop && *p->o.stop)) {
		int64_t now = tf_mono_ms();
		int timeout = 100;
		if (p->o.duration_ms) {
			int64_t left = start + p->o.duration_ms - now;
			if (left <= 0)
				break;
			if (left < timeout)
				timeout = (int)left;
		}
		if (p->o.limit && p->st.records >= p->o.limit)
			break;
		tf_feed_msg m;
		err = p->o.source->next(p->o.source, &m, timeout);
		if (err == TF_ERR_AGAIN) {
			err = TF_OK;
			if (p->dirty && (err = tf_pipeline_flush(p)))
				break;
			last_flush = tf_mono_ms();
			continue;
		}
		if (err == TF_ERR_STOPPED) {
			err = TF_OK;
			tf_info("source %s ended", p->o.source->name);
			break;
		}
		if (err) {
			tf_error("source %s failed: %s", p->o.source->name,
				 p->o.source->error ? p->o.source->error(p->o.source) : tf_err_str(err));
			break;
		}
		err = tf_pipeline_handle(p, &m);
		if (err == TF_ERR_STOPPED) {
			err = TF_OK;
			break;
		}
		if (err)
			break;
		if (p->dirty && now - last_flush >= p->o.flush_interval_ms) {
			if ((err = tf_pipeline_flush(p)))
				break;
			last_flush = now;
		}
	}
	tf_err ferr = tf_pipeline_flush(p);
	return err ? err : ferr;
}
