/* source_sim.c — see source_sim.h. */
#include "feed/source_sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "exchange/sim.h"

#define FRAME_MAX_BYTES (16u << 20)

typedef struct {
	tf_source base;
	tf_source_sim_opts o;
	tf_sim *sim;
	tf_buf frame;
	int64_t start_ms, next_ms;    /* monotonic */
	double emitted;               /* records (or record slots) produced since start */
} sim_source;

/* How many records are due now; sleeps (bounded by timeout_ms) and returns 0 when none are. */
static size_t due(sim_source *s, int timeout_ms)
{
	int64_t now = tf_mono_ms();
	if (s->o.rate <= 0) {
		if (now < s->next_ms) {
			tf_sleep_ms(s->next_ms - now < timeout_ms ? s->next_ms - now : timeout_ms);
			return 0;
		}
		s->next_ms = now - s->next_ms > 1000 ? now + 1000 : s->next_ms + 1000;
		return (size_t)s->o.nsymbols;
	}
	double owed = (double)(now - s->start_ms) * s->o.rate / 1000.0 - s->emitted;
	if (owed < 1.0) {
		int64_t wait = (int64_t)((1.0 - owed) * 1000.0 / s->o.rate) + 1;
		tf_sleep_ms(wait < timeout_ms ? wait : timeout_ms);
		return 0;
	}
	size_t n = owed > (double)s->o.nsymbols ? (size_t)s->o.nsymbols : (size_t)owed;
	s->emitted += (double)n;
	return n;
}

static tf_err sim_next(tf_source *src, tf_feed_msg *m, int timeout_ms)
{
	sim_source *s = (sim_source *)src;
	size_t want = due(s, timeout_ms);
	if (!want)
		return TF_ERR_AGAIN;
	tf_buf_reset(&s->frame);
	size_t n = 0;
	int64_t now = tf_now_ms();
	tf_err err = tf_sim_next_frame(s->sim, now, want, &s->frame, &n);
	if (err)
		return err;
	if (!n)
		return TF_ERR_AGAIN; /* nothing moved this time */
	memset(m, 0, sizeof *m);
	m->format = TF_FEED_WS;
	m->data = s->frame.data;
	m->len = s->frame.len;
	m->recv_ms = now;
	return TF_OK;
}

static const char *sim_error(const tf_source *src)
{
	return "simulator failed";
}

static void sim_free(tf_source *src)
{
	sim_source *s = (sim_source *)src;
	tf_sim_free(s->sim);
	tf_buf_free(&s->frame);
	free(s);
}

tf_err tf_source_sim_new(const tf_source_sim_opts *o, tf_source **out, char *errbuf, size_t errcap)
{
	*out = NULL;
	if (o->nsymbols < 1 || o->nsymbols > 5000) {
		snprintf(errbuf, errcap, "--symbols %d is out of range; use 1 to 5000", o->nsymbols);
		return TF_ERR_USAGE;
	}
	if (!(o->rate >= 0) || o->rate > 1e9) {
		snprintf(errbuf, errcap, "--rate %g is out of range; use 0 (Binance's pace) to 1e9", o->rate);
		return TF_ERR_USAGE;
	}
	sim_source *s = calloc(1, sizeof *s);
	if (!s)
		return TF_ERR_NOMEM;
	s->o = *o;
	s->base = (tf_source){"sim", sim_next, NULL, NULL, sim_error, sim_free};
	tf_buf_init(&s->frame, FRAME_MAX_BYTES);
	tf_sim_config cfg = {.seed = o->seed, .nsymbols = o->nsymbols, .start_ms = tf_now_ms()};
	if (o->rate > 0) /* enough trading that almost every symbol visited has moved */
		cfg.extra_trade_rate = tf_sim_rate_for(o->rate, o->nsymbols);
	tf_err err = tf_sim_new(&cfg, &s->sim);
	if (err) {
		snprintf(errbuf, errcap, "cannot start the simulator: %s", tf_err_str(err));
		free(s);
		return err;
	}
	s->start_ms = s->next_ms = tf_mono_ms();
	*out = &s->base;
	return TF_OK;
}
