/* source_replay.c — see source_replay.h. Lines are read through a bounded buffer: a line longer
 * than the maximum is skipped to its end and reported, so a corrupt file cannot exhaust memory. */
#include "feed/source_replay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "feed/record.h"

typedef struct {
	tf_source base;
	tf_source_replay_opts o;
	FILE *f;
	char name[300];
	tf_buf line, scratch;
	char *block;                 /* read-ahead from the file */
	size_t block_pos, block_len;
	bool have_line, too_long, eof;
	uint64_t lineno;
	tf_feed_msg pending;         /* parsed, waiting for its time */
	bool pending_ok;
	bool started;
	int64_t base_rec, base_mono; /* pacing origin: first recorded time, when we played it */
	char reason[200];
	char error[300];
} replay_source;

#define BLOCK_BYTES (256u << 10)

/* Reads the next line into r->line (without newline), a block at a time. A line longer than the
 * buffer's maximum is consumed to its end and flagged too_long. false at end of file (or on a
 * read error, noted in r->error); a last line without a newline still counts. */
static bool read_line(replay_source *r)
{
	tf_buf_reset(&r->line);
	r->too_long = false;
	bool any = false;
	for (;;) {
		if (r->block_pos == r->block_len) {
			r->block_pos = 0;
			r->block_len = fread(r->block, 1, BLOCK_BYTES, r->f);
			if (r->block_len == 0) {
				if (ferror(r->f))
					snprintf(r->error, sizeof r->error, "cannot read '%s': %s", r->o.path, strerror(errno));
				return any;
			}
		}
		any = true;
		const char *p = r->block + r->block_pos;
		size_t avail = r->block_len - r->block_pos;
		const char *nl = memchr(p, '\n', avail);
		size_t take = nl ? (size_t)(nl - p) : avail;
		if (!r->too_long && tf_buf_append(&r->line, p, take) != TF_OK)
			r->too_long = true;
		r->block_pos += take + (nl ? 1 : 0);
		if (nl)
			return true;
	}
}

/* Parses the next line into r->pending. false at the end. */
static bool load_next(replay_source *r)
{
	if (r->eof || !read_line(r)) {
		r->eof = true;
		return false;
	}
	r->lineno++;
	const char *why = NULL;
	if (!r->too_long &&
	    tf_record_parse(r->line.data ? r->line.data : "", r->line.len, &r->pending, &r->scratch, &why) == TF_OK) {
		r->pending_ok = true;
		return true;
	}
	memset(&r->pending, 0, sizeof r->pending);
	r->pending.format = TF_FEED_CORRUPT;
	r->pending.data = r->line.data ? r->line.data : "";
	r->pending.len = r->line.len;
	r->pending.recv_ms = tf_now_ms();
	snprintf(r->reason, sizeof r->reason, "replay %s line %llu: %s", r->o.path, (unsigned long long)r->lineno,
		 r->too_long ? "line longer than the maximum message" : why);
	r->pending.reason = r->reason;
	r->pending_ok = true;
	return true;
}

static tf_err replay_next(tf_source *src, tf_feed_msg *m, int timeout_ms)
{
	replay_source *r = (replay_source *)src;
	if (!r->pending_ok && !load_next(r))
		return r->error[0] ? TF_ERR_IO : TF_ERR_STOPPED;
	if (r->o.speed > 0 && r->pending.format != TF_FEED_CORRUPT) {
		int64_t now = tf_mono_ms();
		if (!r->started) {
			r->started = true;
			r->base_rec = r->pending.recv_ms;
			r->base_mono = now;
		}
		int64_t at = r->base_mono + (int64_t)((double)(r->pending.recv_ms - r->base_rec) / r->o.speed);
		if (at > now) {
			tf_sleep_ms(at - now < timeout_ms ? at - now : timeout_ms);
			if (tf_mono_ms() < at)
				return TF_ERR_AGAIN;
		}
	}
	*m = r->pending;
	r->pending_ok = false; /* the line buffer stays valid until the next call */
	return TF_OK;
}

static const char *replay_error(const tf_source *src)
{
	return ((const replay_source *)src)->error;
}

static void replay_free(tf_source *src)
{
	replay_source *r = (replay_source *)src;
	if (r->f)
		fclose(r->f);
	tf_buf_free(&r->line);
	tf_buf_free(&r->scratch);
	free(r->block);
	free(r);
}

tf_err tf_source_replay_new(const tf_source_replay_opts *o, tf_source **out, char *errbuf, size_t errcap)
{
	*out = NULL;
	if (!(o->speed >= 0) || o->speed > 1e6) {
		snprintf(errbuf, errcap, "--speed %g is out of range; use 0 (as fast as possible) to 1e6", o->speed);
		return TF_ERR_USAGE;
	}
	replay_source *r = calloc(1, sizeof *r);
	if (!r)
		return TF_ERR_NOMEM;
	r->o = *o;
	size_t maxmsg = o->max_message ? o->max_message : 1u << 20;
	tf_buf_init(&r->line, 4 * (maxmsg / 3) + 256);
	tf_buf_init(&r->scratch, maxmsg + 4);
	snprintf(r->name, sizeof r->name, "replay:%.250s", o->path);
	r->base = (tf_source){r->name, replay_next, NULL, NULL, replay_error, replay_free};
	if (!(r->block = malloc(BLOCK_BYTES))) {
		replay_free(&r->base);
		return TF_ERR_NOMEM;
	}
	if (!(r->f = fopen(o->path, "r"))) {
		snprintf(errbuf, errcap, "cannot open replay file '%s' (%s)", o->path, strerror(errno));
		replay_free(&r->base);
		return TF_ERR_IO;
	}
	*out = &r->base;
	return TF_OK;
}
