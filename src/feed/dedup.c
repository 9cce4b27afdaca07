/* dedup.c — see dedup.h. An open-addressing hash table (linear probing) keyed by (kind, symbol),
 * grown by doubling up to a capacity that holds max_keys at <= 50 % load. */
#include "feed/dedup.h"

#include <stdlib.h>
#include <string.h>

#include "market/tick.h"

#define SAME_E_HASHES 8

typedef struct {
	bool used;
	int kind;
	char symbol[TF_SYMBOL_MAX];
	int64_t last_e;
	uint8_t nhash, next;      /* hashes of records emitted at last_e (a ring) */
	uint64_t hash[SAME_E_HASHES];
} entry;

struct tf_dedup {
	entry *slots;
	size_t cap;               /* power of two */
	size_t count, max_keys;
	uint64_t untracked;
};

static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t key_hash(int kind, const char *symbol)
{
	uint64_t h = fnv1a(&kind, sizeof kind, 0xcbf29ce484222325ull);
	return fnv1a(symbol, strlen(symbol), h);
}

tf_err tf_dedup_new(size_t max_keys, tf_dedup **out)
{
	*out = NULL;
	tf_dedup *d = calloc(1, sizeof *d);
	if (!d)
		return TF_ERR_NOMEM;
	d->cap = 256;
	d->max_keys = max_keys ? max_keys : 1;
	d->slots = calloc(d->cap, sizeof *d->slots);
	if (!d->slots) {
		free(d);
		return TF_ERR_NOMEM;
	}
	*out = d;
	return TF_OK;
}

void tf_dedup_free(tf_dedup *d)
{
	if (!d)
		return;
	free(d->slots);
	free(d);
}

/* The slot of (kind, symbol), or the empty slot where it would go. */
static entry *probe(entry *slots, size_t cap, int kind, const char *symbol)
{
	size_t i = (size_t)key_hash(kind, symbol) & (cap - 1);
	for (;;) {
		entry *e = &slots[i];
		if (!e->used || (e->kind == kind && strcmp(e->symbol, symbol) == 0))
			return e;
		i = (i + 1) & (cap - 1);
	}
}

static tf_err grow(tf_dedup *d)
{
	size_t cap = d->cap * 2;
	entry *slots = calloc(cap, sizeof *slots);
	if (!slots)
		return TF_ERR_NOMEM;
	for (size_t i = 0; i < d->cap; i++)
		if (d->slots[i].used)
			*probe(slots, cap, d->slots[i].kind, d->slots[i].symbol) = d->slots[i];
	free(d->slots);
	d->slots = slots;
	d->cap = cap;
	return TF_OK;
}

static void remember(entry *e, int64_t event_time, uint64_t h)
{
	if (e->last_e != event_time) {
		e->last_e = event_time;
		e->nhash = 0;
		e->next = 0;
	}
	e->hash[e->next] = h;
	e->next = (uint8_t)((e->next + 1) % SAME_E_HASHES);
	if (e->nhash < SAME_E_HASHES)
		e->nhash++;
}

tf_dedup_verdict tf_dedup_check(tf_dedup *d, int kind, const char *symbol, int64_t event_time, const char *raw,
				size_t raw_len, bool strict)
{
	uint64_t h = fnv1a(raw, raw_len, 0xcbf29ce484222325ull);
	entry *e = probe(d->slots, d->cap, kind, symbol);
	if (!e->used) {
		if (d->count >= d->max_keys || strlen(symbol) >= TF_SYMBOL_MAX) {
			d->untracked++;
			return TF_DEDUP_NEW;
		}
		if ((d->count + 1) * 2 > d->cap) {
			if (grow(d) != TF_OK) {
				d->untracked++;
				return TF_DEDUP_NEW;
			}
			e = probe(d->slots, d->cap, kind, symbol);
		}
		memset(e, 0, sizeof *e);
		e->used = true;
		e->kind = kind;
		memcpy(e->symbol, symbol, strlen(symbol) + 1);
		d->count++;
		remember(e, event_time, h);
		return TF_DEDUP_NEW;
	}
	if (event_time < e->last_e || (strict && event_time == e->last_e))
		return TF_DEDUP_STALE;
	if (event_time == e->last_e)
		for (int i = 0; i < e->nhash; i++)
			if (e->hash[i] == h)
				return TF_DEDUP_REPEAT;
	remember(e, event_time, h);
	return TF_DEDUP_NEW;
}

bool tf_dedup_last(const tf_dedup *d, int kind, const char *symbol, int64_t *event_time)
{
	const entry *e = probe(d->slots, d->cap, kind, symbol);
	if (!e->used)
		return false;
	*event_time = e->last_e;
	return true;
}

uint64_t tf_dedup_untracked(const tf_dedup *d)
{
	return d->untracked;
}
