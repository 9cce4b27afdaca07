/* indicators.h — pure numeric helpers of the stream engine (no state, no I/O).
 *
 * Every ratio goes through tf_ind_ratio so that a zero divisor (a dead symbol's price 0) gives an
 * absent value, never inf or nan. Sums run oldest to newest so that the reference model in the
 * tests, which adds in the same order, finds the same doubles. */
#ifndef TF_ENGINE_INDICATORS_H
#define TF_ENGINE_INDICATORS_H

#include <stddef.h>

#include "base/dec.h"
#include "engine/engine.h"

/* num / den; absent when den is 0 or the result is not finite. */
tf_maybe tf_ind_ratio(double num, double den);

/* Mean of the last n of v[0..len) (oldest first); absent when len < n. */
tf_maybe tf_ind_mean_last(const double *v, size_t len, size_t n);

/* Sample standard deviation (n - 1) of v[0..len); absent when len < 2. */
tf_maybe tf_ind_sample_sd(const double *v, size_t len);

/* Sample standard deviation of the log returns between consecutive closes among the last
 * (returns + 1) closes of c[0..len), skipping pairs with a non-positive price; absent when fewer
 * than 2 returns remain. */
tf_maybe tf_ind_sd_logret(const double *c, size_t len, size_t returns);

/* Quantile q (0..1) of v[0..len), sorting v in place, linear interpolation between closest ranks
 * (numpy's default); len must be > 0. */
double tf_ind_quantile(double *v, size_t len, double q);

#endif
