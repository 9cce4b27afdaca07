/* engine_fixture.h — ticks for the engine's unit tests (test_engine.c, test_engine_livebus.c). */
#ifndef TF_TEST_ENGINE_FIXTURE_H
#define TF_TEST_ENGINE_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "market/tick.h"

/* x as a tf_dec (1e-8 units), rounded half away from zero. */
#define D(x) ((tf_dec)((x) * 100000000.0 + ((x) >= 0 ? 0.5 : -0.5)))

/* A miniTicker tick: last price, 24 h open (high/low follow), 24 h volume (quote volume twice it). */
static inline tf_tick mini(const char *sym, int64_t t, double last, double open24, double vol24)
{
	tf_tick k;
	memset(&k, 0, sizeof k);
	k.kind = TF_TICK_MINI_TICKER;
	snprintf(k.symbol, sizeof k.symbol, "%s", sym);
	k.event_time = t;
	k.s24.last = D(last);
	k.s24.open = D(open24);
	k.s24.high = D(last > open24 ? last : open24);
	k.s24.low = D(last < open24 ? last : open24);
	k.s24.volume = D(vol24);
	k.s24.quote_volume = D(vol24 * 2);
	k.dead = last == 0;
	return k;
}

#endif
