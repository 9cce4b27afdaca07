/* handlers_data.c — the data path: Produce (validate, assign offsets, append; acks=0 gets no
 * response), Fetch (held until data arrives or max_wait passes; whole batches served as stored,
 * compressed or not) and ListOffsets (earliest, latest, by time). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "broker/broker_int.h"

#define E_OFFSET_OUT_OF_RANGE 1
#define E_UNKNOWN_TOPIC_OR_PARTITION 3

static tf_plog *find_part(tf_broker *b, tf_kstr name, int32_t part)
{
	tf_topic *t = tf_topic_find(b, name.p, name.len);
	if (!t || part < 0 || part >= t->nparts)
		return NULL;
	return t->parts[part];
}

/* ---- Produce ---- */

static bool produce_layout_ok(tf_kr r, int16_t v)
{
	if (v >= 3)
		(void)tf_kr_str(&r);
	(void)tf_kr_i16(&r);
	(void)tf_kr_i32(&r);
	int32_t nt = tf_kr_array(&r, 6);
	for (int32_t t = 0; t < nt && tf_kr_ok(&r); t++) {
		(void)tf_kr_str(&r);
		int32_t np = tf_kr_array(&r, 8);
		for (int32_t p = 0; p < np && tf_kr_ok(&r); p++) {
			const uint8_t *rec;
			int32_t n;
			(void)tf_kr_i32(&r);
			tf_kr_bytes(&r, &rec, &n);
		}
	}
	return tf_kr_ok(&r) && nt >= 0;
}

tf_err tf_h_produce(tf_req *rq)
{
	tf_kr *r = &rq->r;
	int16_t v = rq->version;
	if (!produce_layout_ok(*r, v))
		return TF_ERR_PARSE;
	tf_kstr txn = {NULL, -1};
	if (v >= 3)
		txn = tf_kr_str(r);
	int16_t acks = tf_kr_i16(r);
	(void)tf_kr_i32(r);
	int32_t nt = tf_kr_array(r, 6);
	tf_kw *w = &rq->w;
	tf_kw_i32(w, nt);
	bool appended = false;
	for (int32_t t = 0; t < nt; t++) {
		tf_kstr name = tf_kr_str(r);
		int32_t np = tf_kr_array(r, 8);
		tf_kw_str(w, name.p, name.len < 0 ? 0 : name.len);
		tf_kw_i32(w, np);
		for (int32_t p = 0; p < np; p++) {
			int32_t idx = tf_kr_i32(r);
			const uint8_t *rec;
			int32_t n;
			tf_kr_bytes(r, &rec, &n);
			tf_plog *l = find_part(rq->b, name, idx);
			int64_t base = -1;
			int kerr;
			if (txn.len >= 0)
				kerr = 53; /* TRANSACTIONAL_ID_AUTHORIZATION_FAILED: no transactions here */
			else if (!l)
				kerr = E_UNKNOWN_TOPIC_OR_PARTITION;
			else if (!rec || n <= 0)
				kerr = 87;
			else
				kerr = tf_plog_append(l, rq->body + (rec - rq->body), (size_t)n, &base);
			if (kerr == 0)
				appended = true;
			else
				tf_debug("produce %.*s[%d]: error %d", name.len < 0 ? 0 : (int)name.len, name.p, idx, kerr);
			tf_kw_i32(w, idx);
			tf_kw_i16(w, (int16_t)kerr);
			tf_kw_i64(w, base);
			if (v >= 2)
				tf_kw_i64(w, -1); /* log_append_time: CreateTime topics */
			if (v >= 5)
				tf_kw_i64(w, l ? l->start_offset : -1);
		}
	}
	if (v >= 1)
		tf_kw_i32(w, 0); /* throttle */
	if (appended)
		rq->b->data_arrived = true;
	return acks == 0 ? TF_BROKER_NO_RESPONSE : TF_OK;
}

/* ---- Fetch ---- */

typedef struct {
	int32_t part;
	int64_t offset;
	int32_t max_bytes;
} fetch_part;

typedef struct {
	char *name;
	int32_t name_len;
	int32_t nparts;
	fetch_part *parts;
} fetch_topic;

typedef struct tf_held_fetch {
	struct tf_held_fetch *next, *prev;
	tf_broker *b;
	tf_slot *slot;
	int16_t version;
	int32_t max_bytes;
	int64_t deadline_ms;
	int32_t ntopics;
	fetch_topic *topics;
} tf_held_fetch;

static void fetch_free(tf_held_fetch *f)
{
	if (!f)
		return;
	for (int32_t i = 0; i < f->ntopics; i++) {
		free(f->topics[i].name);
		free(f->topics[i].parts);
	}
	free(f->topics);
	free(f);
}

/* Parses a Fetch request v2..11 into f. TF_ERR_PARSE / TF_ERR_NOMEM. */
static tf_err fetch_parse(tf_req *rq, tf_held_fetch *f, int32_t *max_wait)
{
	tf_kr *r = &rq->r;
	int16_t v = rq->version;
	(void)tf_kr_i32(r);           /* replica id */
	*max_wait = tf_kr_i32(r);
	(void)tf_kr_i32(r);           /* min bytes: any data answers */
	f->max_bytes = v >= 3 ? tf_kr_i32(r) : 50 << 20;
	if (v >= 4)
		(void)tf_kr_i8(r);    /* isolation: no transactions, so LSO = HW */
	if (v >= 7) {
		(void)tf_kr_i32(r);   /* session id: sessions not used (0) */
		(void)tf_kr_i32(r);
	}
	int32_t nt = tf_kr_array(r, 6);
	if (!tf_kr_ok(r) || nt < 0)
		return TF_ERR_PARSE;
	f->topics = calloc((size_t)nt + 1, sizeof *f->topics);
	if (!f->topics)
		return TF_ERR_NOMEM;
	size_t psize = 4 + (v >= 9 ? 4 : 0) + 8 + (v >= 5 ? 8 : 0) + 4;
	for (int32_t t = 0; t < nt; t++) {
		tf_kstr name = tf_kr_str(r);
		int32_t np = tf_kr_array(r, psize);
		if (!tf_kr_ok(r) || np < 0 || name.len < 0)
			return TF_ERR_PARSE;
		fetch_topic *ft = &f->topics[f->ntopics++];
		ft->name = malloc((size_t)name.len + 1); /* not strndup: names may hold NUL bytes */
		if (ft->name) {
			memcpy(ft->name, name.p, (size_t)name.len);
			ft->name[name.len] = '\0';
		}
		ft->name_len = name.len;
		ft->parts = calloc((size_t)np + 1, sizeof *ft->parts);
		if (!ft->name || !ft->parts)
			return TF_ERR_NOMEM;
		for (int32_t p = 0; p < np; p++) {
			fetch_part *fp = &ft->parts[ft->nparts++];
			fp->part = tf_kr_i32(r);
			if (v >= 9)
				(void)tf_kr_i32(r); /* current leader epoch */
			fp->offset = tf_kr_i64(r);
			if (v >= 5)
				(void)tf_kr_i64(r); /* log start offset (followers only) */
			fp->max_bytes = tf_kr_i32(r);
		}
	}
	if (v >= 7) {
		int32_t nf = tf_kr_array(r, 6);
		for (int32_t i = 0; i < nf && tf_kr_ok(r); i++) {
			(void)tf_kr_str(r);
			int32_t n = tf_kr_array(r, 4);
			tf_kr_skip(r, n > 0 ? (size_t)n * 4 : 0);
		}
	}
	if (v >= 11)
		(void)tf_kr_str(r); /* rack */
	return tf_kr_ok(r) ? TF_OK : TF_ERR_PARSE;
}

/* True when the fetch can be answered now: some partition has data or an error. */
static bool fetch_ready(tf_broker *b, const tf_held_fetch *f)
{
	for (int32_t t = 0; t < f->ntopics; t++) {
		tf_topic *tp = tf_topic_find(b, f->topics[t].name, f->topics[t].name_len);
		for (int32_t p = 0; p < f->topics[t].nparts; p++) {
			const fetch_part *fp = &f->topics[t].parts[p];
			if (!tp || fp->part < 0 || fp->part >= tp->nparts)
				return true;
			tf_plog *l = tp->parts[fp->part];
			if (fp->offset < l->start_offset || fp->offset != l->next_offset)
				return true;
		}
	}
	return false;
}

static void fetch_write(tf_broker *b, const tf_held_fetch *f, tf_kw *w)
{
	int16_t v = f->version;
	tf_kw_i32(w, 0); /* throttle */
	if (v >= 7) {
		tf_kw_i16(w, 0);
		tf_kw_i32(w, 0); /* session id */
	}
	size_t budget = f->max_bytes > 0 ? (size_t)f->max_bytes : 0;
	size_t used = 0;
	tf_kw_i32(w, f->ntopics);
	for (int32_t t = 0; t < f->ntopics; t++) {
		const fetch_topic *ft = &f->topics[t];
		tf_topic *tp = tf_topic_find(b, ft->name, ft->name_len);
		tf_kw_str(w, ft->name, ft->name_len);
		tf_kw_i32(w, ft->nparts);
		for (int32_t p = 0; p < ft->nparts; p++) {
			const fetch_part *fp = &ft->parts[p];
			tf_plog *l = tp && fp->part >= 0 && fp->part < tp->nparts ? tp->parts[fp->part] : NULL;
			int16_t err = 0;
			if (!l)
				err = E_UNKNOWN_TOPIC_OR_PARTITION;
			else if (fp->offset < l->start_offset || fp->offset > l->next_offset)
				err = E_OFFSET_OUT_OF_RANGE;
			int64_t hw = l ? l->next_offset : -1;
			tf_kw_i32(w, fp->part);
			tf_kw_i16(w, err);
			tf_kw_i64(w, hw);
			if (v >= 4)
				tf_kw_i64(w, hw); /* last stable offset */
			if (v >= 5)
				tf_kw_i64(w, l ? l->start_offset : -1);
			if (v >= 4)
				tf_kw_i32(w, 0);  /* aborted transactions: none */
			if (v >= 11)
				tf_kw_i32(w, -1); /* preferred read replica */
			size_t at = tf_kw_reserve(w, 4);
			size_t before = w->b->len;
			if (!err && !w->err && fp->offset < l->next_offset && fp->max_bytes > 0 &&
			    (used < budget || used == 0)) {
				size_t limit = (size_t)fp->max_bytes;
				if (used > 0 && budget - used < limit)
					limit = budget - used;
				if (tf_plog_read(l, fp->offset, limit, w->b) < 0)
					w->b->len = before; /* I/O error: logged; serve nothing for it */
			}
			size_t got = w->b->len - before;
			used += got;
			tf_kw_patch_i32(w, at, (int32_t)got);
		}
	}
}

static void fetch_unlink(tf_broker *b, tf_held_fetch *f)
{
	if (f->prev)
		f->prev->next = f->next;
	else
		b->held = f->next;
	if (f->next)
		f->next->prev = f->prev;
}

static void fetch_cancel(tf_slot *s)
{
	tf_held_fetch *f = s->owner;
	fetch_unlink(f->b, f);
	fetch_free(f);
}

static void fetch_answer(tf_broker *b, tf_held_fetch *f)
{
	tf_kw w;
	tf_srv_slot_writer(f->slot, &w);
	fetch_write(b, f, &w);
	if (w.err) {
		tf_error("fetch response too large; closing %s", f->slot->conn->peer);
		f->slot->conn->closing = true;
	}
	tf_srv_slot_done(f->slot);
}

tf_err tf_h_fetch(tf_req *rq)
{
	tf_held_fetch *f = calloc(1, sizeof *f);
	if (!f)
		return TF_ERR_NOMEM;
	f->b = rq->b;
	f->version = rq->version;
	int32_t max_wait;
	tf_err err = fetch_parse(rq, f, &max_wait);
	if (err) {
		fetch_free(f);
		return err;
	}
	if (max_wait <= 0 || fetch_ready(rq->b, f)) {
		fetch_write(rq->b, f, &rq->w);
		fetch_free(f);
		return TF_OK;
	}
	if (max_wait > 300000)
		max_wait = 300000;
	f->slot = rq->slot;
	f->deadline_ms = tf_mono_ms() + max_wait;
	f->slot->owner = f;
	f->slot->cancel = fetch_cancel;
	f->next = rq->b->held;
	if (f->next)
		f->next->prev = f;
	rq->b->held = f;
	return TF_BROKER_DEFER;
}

void tf_fetch_check_held(tf_broker *b, int64_t now_ms, bool expire_only)
{
	for (tf_held_fetch *f = b->held, *next; f; f = next) {
		next = f->next;
		if (f->deadline_ms <= now_ms || (!expire_only && fetch_ready(b, f))) {
			fetch_unlink(b, f);
			fetch_answer(b, f);
			fetch_free(f);
		}
	}
}

int64_t tf_fetch_next_deadline(tf_broker *b)
{
	int64_t dl = -1;
	for (tf_held_fetch *f = b->held; f; f = f->next)
		if (dl < 0 || f->deadline_ms < dl)
			dl = f->deadline_ms;
	return dl;
}

/* ---- ListOffsets ---- */

tf_err tf_h_list_offsets(tf_req *rq)
{
	tf_kr *r = &rq->r;
	int16_t v = rq->version;
	(void)tf_kr_i32(r);
	if (v >= 2)
		(void)tf_kr_i8(r);
	int32_t nt = tf_kr_array(r, 6);
	size_t at = r->pos;
	for (int32_t t = 0; t < nt && tf_kr_ok(r); t++) {
		(void)tf_kr_str(r);
		int32_t np = tf_kr_array(r, 12);
		tf_kr_skip(r, np > 0 ? (size_t)np * 12 : 0);
	}
	if (!tf_kr_ok(r) || nt < 0)
		return TF_ERR_PARSE;
	r->pos = at;
	tf_kw *w = &rq->w;
	if (v >= 2)
		tf_kw_i32(w, 0);
	tf_kw_i32(w, nt);
	for (int32_t t = 0; t < nt; t++) {
		tf_kstr name = tf_kr_str(r);
		int32_t np = tf_kr_array(r, 12);
		tf_kw_str(w, name.p, name.len < 0 ? 0 : name.len);
		tf_kw_i32(w, np);
		for (int32_t p = 0; p < np; p++) {
			int32_t idx = tf_kr_i32(r);
			int64_t ts = tf_kr_i64(r);
			tf_plog *l = find_part(rq->b, name, idx);
			int16_t err = 0;
			int64_t off = -1, found_ts = -1;
			if (!l)
				err = E_UNKNOWN_TOPIC_OR_PARTITION;
			else if (ts == -1)
				off = l->next_offset;
			else if (ts == -2)
				off = l->start_offset;
			else if (ts < 0)
				err = 42; /* INVALID_REQUEST: -3 (max timestamp) needs v7 */
			else if (tf_plog_find_time(l, ts, &off, &found_ts) != TF_OK)
				err = -1;
			tf_kw_i32(w, idx);
			tf_kw_i16(w, err);
			tf_kw_i64(w, found_ts);
			tf_kw_i64(w, off);
		}
	}
	return TF_OK;
}
