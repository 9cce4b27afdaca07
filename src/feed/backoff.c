/* backoff.c — see backoff.h. */
#include "feed/backoff.h"

void tf_backoff_init(tf_backoff *b, int64_t base_ms, int64_t max_ms, uint64_t seed)
{
	b->base_ms = base_ms > 0 ? base_ms : 1;
	b->max_ms = max_ms >= b->base_ms ? max_ms : b->base_ms;
	b->floor_ms = b->base_ms < 50 ? b->base_ms : 50;
	b->reset_after_ms = 60000;
	b->attempt = 0;
	b->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
}

int64_t tf_backoff_ceiling(const tf_backoff *b)
{
	int64_t c = b->base_ms;
	for (int i = 0; i < b->attempt && c < b->max_ms; i++)
		c *= 2;
	return c < b->max_ms ? c : b->max_ms;
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

int64_t tf_backoff_next(tf_backoff *b)
{
	int64_t ceiling = tf_backoff_ceiling(b);
	if (b->attempt < 62)
		b->attempt++;
	int64_t d = (int64_t)(xorshift64(&b->rng) % (uint64_t)(ceiling + 1));
	return d < b->floor_ms ? b->floor_ms : d;
}

void tf_backoff_connection_ended(tf_backoff *b, int64_t connected_ms)
{
	if (connected_ms >= b->reset_after_ms)
		b->attempt = 0;
}
