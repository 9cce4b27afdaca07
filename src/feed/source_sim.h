/* source_sim.h — `--source sim`: the in-process market simulator (exchange/sim.h) as a source.
 * At Binance's pace (rate 0) it produces one `!miniTicker@arr` frame a second with every symbol
 * that moved; with a rate it produces frames of up to one round of symbols as often as needed to
 * reach `rate` records a second. */
#ifndef TF_FEED_SOURCE_SIM_H
#define TF_FEED_SOURCE_SIM_H

#include <stdint.h>

#include "feed/source.h"

typedef struct {
	uint64_t seed;
	int nsymbols;   /* 1..5000 */
	double rate;    /* records per second; 0 = Binance's pace */
} tf_source_sim_opts;

/* TF_ERR_USAGE for a bad symbol count or rate (errbuf says which); TF_ERR_NOMEM. */
tf_err tf_source_sim_new(const tf_source_sim_opts *o, tf_source **out, char *errbuf, size_t errcap);

#endif
