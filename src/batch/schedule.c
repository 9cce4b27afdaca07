/* schedule.c — see schedule.h. */
#include "batch/schedule.h"

#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/run.h"

int64_t tf_batch_next_slot(int64_t now_ms, int64_t every_ms)
{
	if (every_ms <= 0)
		return now_ms;
	return (now_ms / every_ms + 1) * every_ms;
}

bool tf_batch_sleep(int64_t ms)
{
	int64_t end = tf_mono_ms() + ms;
	while (!tf_run_stopping()) {
		int64_t left = end - tf_mono_ms();
		if (left <= 0)
			return true;
		if (left > 100)
			left = 100;
		struct timespec ts = {left / 1000, (left % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	return false;
}

bool tf_batch_sleep_until(int64_t slot_ms)
{
	for (int64_t now = tf_now_ms(); now < slot_ms; now = tf_now_ms())
		if (!tf_batch_sleep(slot_ms - now < 100 ? slot_ms - now : 100))
			return false;
	return !tf_run_stopping();
}
