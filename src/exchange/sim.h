/* sim.h — the simulated market behind `tickflow exchange` and `ingest --source sim`.
 *
 * CONTRACT between the exchange branch (implements) and the feed branch (calls). Prices follow
 * geometric Brownian motion per symbol with per-symbol volatility and occasional jumps; 24 h rolling
 * statistics are computed from the simulated history. The same seed and the same sequence of calls
 * give the same bytes. */
#ifndef TF_EXCHANGE_SIM_H
#define TF_EXCHANGE_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

typedef struct tf_sim tf_sim;

typedef struct {
	uint64_t seed;
	int nsymbols;        /* 1..5000; real-looking names (BTCUSDT, ETHBTC, ...) */
	int64_t start_ms;    /* simulated time at creation; 24 h of history precede it */
} tf_sim_config;

tf_err tf_sim_new(const tf_sim_config *cfg, tf_sim **out);
void tf_sim_free(tf_sim *s);

/* Appends the next `!miniTicker@arr` payload (a JSON array, E = now_ms) to out, with up to
 * max_records elements: symbols whose price moved, each advanced to now_ms, in round-robin order so
 * every symbol gets its turn. At Binance's pace the caller asks once a second with max_records >=
 * nsymbols; a load test asks for frames of max_records as often as its rate needs. *nrecords gets
 * the element count (0 appends nothing). now_ms must not go backwards. */
tf_err tf_sim_next_frame(tf_sim *s, int64_t now_ms, size_t max_records, tf_buf *out, size_t *nrecords);

#endif
