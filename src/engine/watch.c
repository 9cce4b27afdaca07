/* watch.c — the watched symbols: the list, the message format and the topic's reader (watch.h). */
#include "engine/watch.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/run.h"
#include "kafka/rdk.h"

/* ---- the list ---- */

/* Index of the first name >= symbol. */
static size_t lower_bound(const tf_watch_list *l, const char *symbol)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(l->names[mid], symbol) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool tf_watch_list_has(const tf_watch_list *l, const char *symbol)
{
	size_t i = lower_bound(l, symbol);
	return i < l->n && !strcmp(l->names[i], symbol);
}

void tf_watch_list_add(tf_watch_list *l, const char *symbol)
{
	size_t i = lower_bound(l, symbol);
	if (l->n == TF_WATCH_MAX || (i < l->n && !strcmp(l->names[i], symbol)))
		return;
	memmove(l->names[i + 1], l->names[i], (l->n - i) * sizeof l->names[0]);
	memset(l->names[i], 0, sizeof l->names[i]);
	snprintf(l->names[i], sizeof l->names[i], "%s", symbol);
	l->n++;
}

bool tf_watch_list_equal(const tf_watch_list *a, const tf_watch_list *b)
{
	return a->n == b->n && !memcmp(a->names, b->names, a->n * sizeof a->names[0]);
}

/* ---- the message ---- */

size_t tf_watch_format(int64_t ttl_ms, const tf_watch_list *l, char *out)
{
	size_t at = (size_t)snprintf(out, 24, "%" PRId64 " ", ttl_ms);
	for (size_t i = 0; i < l->n; i++) {
		size_t k = strlen(l->names[i]);
		if (i)
			out[at++] = ',';
		memcpy(out + at, l->names[i], k);
		at += k;
	}
	out[at] = '\0';
	return at;
}

tf_err tf_watch_parse(const char *v, size_t len, int64_t *ttl_ms, tf_watch_list *out)
{
	out->n = 0;
	size_t i = 0;
	int64_t ttl = 0;
	while (i < len && v[i] >= '0' && v[i] <= '9' && i < 7)
		ttl = ttl * 10 + (v[i++] - '0');
	if (i == 0 || i == len || v[i] != ' ' || ttl < 1 || ttl > 600000)
		return TF_ERR_PARSE;
	i++;
	while (i < len) {
		size_t st = i;
		while (i < len && v[i] != ',')
			i++;
		if (!tf_tick_symbol_valid(v + st, i - st) || out->n == TF_WATCH_MAX)
			return TF_ERR_PARSE;
		char sym[TF_SYMBOL_MAX] = {0};
		memcpy(sym, v + st, i - st);
		tf_watch_list_add(out, sym);
		if (i < len && ++i == len)
			return TF_ERR_PARSE; /* a trailing comma */
	}
	*ttl_ms = ttl;
	return TF_OK;
}

/* ---- the reader ---- */

#define WATCH_TAIL 64        /* messages read back per partition at the start: older ones expired */
#define WATCH_ENTRIES 64     /* serve processes tracked */
#define WATCH_KEY_MAX 64
#define WATCH_RETRY_MS 3000  /* looking for a topic that does not exist yet */
#define WATCH_REBUILD_MS 500 /* expiries are applied this often */

typedef struct {
	char key[WATCH_KEY_MAX];
	int64_t until_ms; /* wall clock; 0 = free */
	tf_watch_list list;
} entry;

struct tf_watch {
	rd_kafka_t *rk;
	char topic[256];
	pthread_t thread;
	atomic_int stop;
	bool assigned;
	int64_t next_try_ms, next_rebuild_ms;
	entry entries[WATCH_ENTRIES];
	tf_watch_list scratch;
	int64_t rejected;
	pthread_mutex_t mu; /* guards current and the changes of gen */
	tf_watch_list current;
	_Atomic uint64_t gen; /* read without mu first: tf_watch_get runs in the workers' loops */
};

static void try_assign(tf_watch *w)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(w->rk, w->topic, NULL);
	const struct rd_kafka_metadata *md = NULL;
	if (rkt && rd_kafka_metadata(w->rk, 0, rkt, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 &&
	    !md->topics[0].err && md->topics[0].partition_cnt > 0) {
		rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
		for (int p = 0; p < md->topics[0].partition_cnt; p++)
			rd_kafka_topic_partition_list_add(l, w->topic, md->topics[0].partitions[p].id)->offset =
				RD_KAFKA_OFFSET_TAIL(WATCH_TAIL);
		if (rd_kafka_assign(w->rk, l) == RD_KAFKA_RESP_ERR_NO_ERROR) {
			w->assigned = true;
			tf_info("live bus: reading the watched symbols from %s (%d partitions)", w->topic, l->cnt);
		}
		rd_kafka_topic_partition_list_destroy(l);
	}
	if (md)
		rd_kafka_metadata_destroy(md);
	if (rkt)
		rd_kafka_topic_destroy(rkt);
}

static void apply(tf_watch *w, const rd_kafka_message_t *m)
{
	int64_t ttl;
	rd_kafka_timestamp_type_t tt;
	int64_t ts = rd_kafka_message_timestamp(m, &tt);
	if (!m->key || !m->key_len || m->key_len >= WATCH_KEY_MAX || !m->payload || m->len > TF_WATCH_VALUE_MAX ||
	    tf_watch_parse(m->payload, m->len, &ttl, &w->scratch) != TF_OK) {
		if (!w->rejected++ || w->rejected % 1000 == 0)
			tf_warn("live bus: %lld malformed messages on %s ignored", (long long)w->rejected, w->topic);
		return;
	}
	char key[WATCH_KEY_MAX] = {0};
	memcpy(key, m->key, m->key_len);
	int64_t until = (ts > 0 ? ts : tf_now_ms()) + ttl;
	entry *slot = NULL, *oldest = &w->entries[0];
	for (int i = 0; i < WATCH_ENTRIES && !slot; i++)
		if (!strcmp(w->entries[i].key, key))
			slot = &w->entries[i];
	for (int i = 0; i < WATCH_ENTRIES && !slot; i++)
		if (w->entries[i].until_ms < oldest->until_ms)
			oldest = &w->entries[i];
	if (!slot)
		slot = oldest; /* a free one (until 0) or the one expiring first */
	memcpy(slot->key, key, sizeof key);
	slot->until_ms = until;
	slot->list = w->scratch;
	w->next_rebuild_ms = 0;
}

/* The union of the live entries becomes the current list when it differs. */
static void rebuild(tf_watch *w)
{
	int64_t now = tf_now_ms();
	tf_watch_list *u = &w->scratch;
	u->n = 0;
	for (int i = 0; i < WATCH_ENTRIES; i++)
		if (w->entries[i].until_ms > now)
			for (size_t j = 0; j < w->entries[i].list.n; j++)
				tf_watch_list_add(u, w->entries[i].list.names[j]);
	pthread_mutex_lock(&w->mu);
	if (!tf_watch_list_equal(u, &w->current)) {
		w->current = *u;
		atomic_fetch_add(&w->gen, 1);
	}
	pthread_mutex_unlock(&w->mu);
	w->next_rebuild_ms = tf_mono_ms() + WATCH_REBUILD_MS;
}

static void *run(void *arg)
{
	tf_thread_name("tf-stream-watch");
	tf_watch *w = arg;
	tf_log_set_thread_component("stream");
	while (!atomic_load(&w->stop)) {
		int64_t now = tf_mono_ms();
		if (!w->assigned && now >= w->next_try_ms) {
			try_assign(w);
			w->next_try_ms = now + WATCH_RETRY_MS;
		}
		rd_kafka_message_t *m = rd_kafka_consumer_poll(w->rk, 100);
		if (m) {
			if (!m->err)
				apply(w, m);
			rd_kafka_message_destroy(m);
		}
		if (tf_mono_ms() >= w->next_rebuild_ms)
			rebuild(w);
	}
	return NULL;
}

tf_err tf_watch_start(const char *brokers, const char *topic, tf_watch **out, char *why, size_t why_cap)
{
	*out = NULL;
	tf_watch *w = calloc(1, sizeof *w);
	if (!w)
		return TF_ERR_NOMEM;
	snprintf(w->topic, sizeof w->topic, "%s", topic);
	pthread_mutex_init(&w->mu, NULL);
	static const char *const kv[][2] = {
		{"client.id", "tickflow-stream-watch"},
		{"fetch.wait.max.ms", "100"},
		{"socket.nagle.disable", "true"},
		{"log_level", "3"},
	};
	if (!(w->rk = tf_rdk_assign_consumer(NULL, brokers, "watch", kv, sizeof kv / sizeof kv[0], why, why_cap))) {
		tf_watch_stop(w);
		return TF_ERR_USAGE;
	}
	if (pthread_create(&w->thread, NULL, run, w)) {
		snprintf(why, why_cap, "cannot start the watch thread");
		rd_kafka_destroy(w->rk);
		w->rk = NULL;
		tf_watch_stop(w);
		return TF_ERR_IO;
	}
	*out = w;
	return TF_OK;
}

void tf_watch_stop(tf_watch *w)
{
	if (!w)
		return;
	if (w->rk) {
		atomic_store(&w->stop, 1);
		pthread_join(w->thread, NULL);
		rd_kafka_consumer_close(w->rk);
		rd_kafka_destroy(w->rk);
	}
	pthread_mutex_destroy(&w->mu);
	free(w);
}

bool tf_watch_get(tf_watch *w, uint64_t *gen, tf_watch_list *out)
{
	if (atomic_load(&w->gen) == *gen)
		return false;
	pthread_mutex_lock(&w->mu);
	*out = w->current;
	*gen = atomic_load(&w->gen);
	pthread_mutex_unlock(&w->mu);
	return true;
}
