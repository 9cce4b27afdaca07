/* fuzz_engine_state.c — checkpoint blobs come back from the store (outside input): loading any
 * bytes as a partition or symbol state must fail cleanly or give an engine that keeps working. */
#include <stdint.h>
#include <string.h>

#include "engine/engine.h"

/* Drains and, as a committed store would, forgets the output. */
static tf_err drain_all(tf_engine *e, const tf_engine_sink *sink)
{
	tf_err err = tf_engine_drain(e, sink);
	if (!err)
		tf_engine_drained(e);
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tf_engine_cfg cfg;
	tf_engine_cfg_default(&cfg);
	tf_engine *e = NULL;
	if (tf_engine_new(&cfg, &e))
		return 0;
	if (size && data[0] == 'P')
		(void)tf_engine_load_partition(e, data, size);
	else
		(void)tf_engine_load_symbol(e, data, size);
	/* the engine must still take ticks and drain */
	tf_tick t;
	memset(&t, 0, sizeof t);
	t.kind = TF_TICK_MINI_TICKER;
	memcpy(t.symbol, "BTCUSDT", 8);
	t.s24.last = 100;
	for (int i = 0; i < 3; i++) {
		t.event_time = 1700000000000LL + i * 70000;
		tf_verdict v;
		char why[160];
		(void)tf_engine_add(e, &t, &v, why, sizeof why);
	}
	tf_engine_sink sink = {NULL, NULL, NULL, NULL, NULL};
	(void)drain_all(e, &sink);
	tf_engine_free(e);
	return 0;
}
