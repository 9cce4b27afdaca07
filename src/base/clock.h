/* clock.h — wall-clock and monotonic time. Wall clock (ms since the Unix epoch, UTC) for event
 * times that leave the process; monotonic (ns) for timeouts, rates and latency. */
#ifndef TF_BASE_CLOCK_H
#define TF_BASE_CLOCK_H
#include <stddef.h>
#include <stdint.h>

int64_t tf_now_ms(void);   /* CLOCK_REALTIME in ms */
int64_t tf_mono_ns(void);  /* CLOCK_MONOTONIC in ns */
int64_t tf_mono_ms(void);

/* Sleeps ms (nothing when ms <= 0). A signal cuts it short: callers re-check their stop flag. */
void tf_sleep_ms(int64_t ms);

/* Formats ms since the epoch as "2026-11-21T22:27:56.123Z" into out (>= 25 bytes). */
void tf_time_iso(int64_t ms, char *out, size_t cap);

#endif
