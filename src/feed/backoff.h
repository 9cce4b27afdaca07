/* backoff.h — reconnect delays: exponential backoff with full jitter.
 *
 * Attempt n (0-based) waits a uniformly random time in [0, min(max, base * 2^n)] — "full jitter",
 * so a crowd of clients dropped at once does not come back in lockstep. A floor keeps the delay
 * from ever being 0 (never a hot reconnect loop). After a connection stayed healthy for reset_after
 * ms the schedule starts again at attempt 0. */
#ifndef TF_FEED_BACKOFF_H
#define TF_FEED_BACKOFF_H

#include <stdint.h>

typedef struct {
	int64_t base_ms;      /* first ceiling, e.g. 250 */
	int64_t max_ms;       /* largest ceiling, e.g. 30000 */
	int64_t floor_ms;     /* smallest delay ever returned, e.g. 50 */
	int64_t reset_after_ms; /* a connection this old resets the schedule, e.g. 60000 */
	int attempt;          /* failures since the last reset */
	uint64_t rng;         /* xorshift state; never 0 */
} tf_backoff;

void tf_backoff_init(tf_backoff *b, int64_t base_ms, int64_t max_ms, uint64_t seed);

/* The ceiling of the next delay: min(max, base * 2^attempt). */
int64_t tf_backoff_ceiling(const tf_backoff *b);

/* Returns the next delay in ms (in [floor, ceiling]) and counts the attempt. */
int64_t tf_backoff_next(tf_backoff *b);

/* Tells the schedule a connection ended after lasting connected_ms; a healthy one resets it. */
void tf_backoff_connection_ended(tf_backoff *b, int64_t connected_ms);

#endif
