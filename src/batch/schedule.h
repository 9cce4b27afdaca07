/* schedule.h — wall-clock-aligned repetition for `collect --every` and `report --every`; waits end
 * promptly when the command is asked to stop (base/run.h: SIGINT/SIGTERM, or `tickflow up`). */
#ifndef TF_BATCH_SCHEDULE_H
#define TF_BATCH_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

/* The next multiple of every_ms after now_ms (UTC wall clock): --every 6h runs at 00:00, 06:00... */
int64_t tf_batch_next_slot(int64_t now_ms, int64_t every_ms);

/* Sleeps until the wall clock reaches slot_ms (never wakes early, so a run aligned to a slot is
 * stamped with that slot's second); false when a stop was requested meanwhile. */
bool tf_batch_sleep_until(int64_t slot_ms);

/* Sleeps ms (in short steps); false when a stop was requested meanwhile. */
bool tf_batch_sleep(int64_t ms);

#endif
