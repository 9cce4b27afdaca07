/* sim_int.h — internals shared by the simulator's files: the random number generator and the
 * symbol catalogue. Not for use outside src/exchange/sim*.c. */
#ifndef TF_EXCHANGE_SIM_INT_H
#define TF_EXCHANGE_SIM_INT_H

#include <math.h>
#include <stdint.h>

#include "base/err.h"

/* splitmix64 (Steele, Lea, Flood 2014): seeds the generators and hashes indexes. */
static inline uint64_t tf_sim_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* xoshiro256** (Blackman, Vigna 2018) plus a cached second normal from the polar method. */
typedef struct {
	uint64_t s[4];
	double spare;
	int has_spare;
} tf_sim_rng;

static inline void tf_sim_rng_seed(tf_sim_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = tf_sim_splitmix64(&x);
	r->has_spare = 0;
	r->spare = 0;
}

static inline uint64_t tf_sim_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t tf_sim_next(tf_sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = tf_sim_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = tf_sim_rotl(s[3], 45);
	return result;
}

/* Uniform in (0, 1): never 0, so log() is safe. */
static inline double tf_sim_uniform(tf_sim_rng *r)
{
	return ((double)(tf_sim_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static inline double tf_sim_normal(tf_sim_rng *r)
{
	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	double u, v, q;
	do {
		u = 2.0 * tf_sim_uniform(r) - 1.0;
		v = 2.0 * tf_sim_uniform(r) - 1.0;
		q = u * u + v * v;
	} while (q >= 1.0 || q == 0.0);
	double f = sqrt(-2.0 * log(q) / q);
	r->spare = v * f;
	r->has_spare = 1;
	return u * f;
}

static inline double tf_sim_exponential(tf_sim_rng *r)
{
	return -log(tf_sim_uniform(r));
}

/* Poisson(mean): Knuth's product method for small means, a rounded normal above (the error is far
 * below what a price model notices). */
static inline uint64_t tf_sim_poisson(tf_sim_rng *r, double mean)
{
	if (mean <= 0)
		return 0;
	if (mean < 12) {
		double limit = exp(-mean), p = 1.0;
		uint64_t k = 0;
		for (;;) {
			p *= tf_sim_uniform(r);
			if (p <= limit)
				return k;
			k++;
		}
	}
	double x = floor(mean + sqrt(mean) * tf_sim_normal(r) + 0.5);
	return x < 0 ? 0 : (uint64_t)x;
}

/* One catalogue entry: what a symbol is before the model runs. */
typedef struct {
	char symbol[16], base[10], quote[8];
	int64_t tick;      /* price step in 1e-8 units */
	int64_t lot;       /* quantity step in 1e-8 units */
	double price;      /* starting price in quote units (24 h before start) */
	double sigma_day;  /* daily log volatility */
	double tps;        /* trades per second */
	double notional;   /* median trade size in lots */
	int stock;
} tf_sim_entry;

/* Fills out[0..n-1] with n crypto symbols (real names first, then synthetic ones) and returns
 * TF_OK; the seed moves price levels, volatilities and activity, never names. */
tf_err tf_sim_catalogue(uint64_t seed, int n, tf_sim_entry *out);
/* The stock-like symbols for the Yahoo chart endpoint. */
int tf_sim_stock_catalogue(uint64_t seed, tf_sim_entry *out, int max);

#endif
