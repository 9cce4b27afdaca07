/* indicators.c — ratios, moving averages, standard deviations and quantiles (see indicators.h). */
#include "engine/indicators.h"

#include <math.h>
#include <stdlib.h>

tf_maybe tf_ind_ratio(double num, double den)
{
	tf_maybe m = {false, 0};
	if (den == 0)
		return m;
	double r = num / den;
	if (!isfinite(r))
		return m;
	m.valid = true;
	m.v = r;
	return m;
}

tf_maybe tf_ind_mean_last(const double *v, size_t len, size_t n)
{
	tf_maybe m = {false, 0};
	if (n == 0 || len < n)
		return m;
	double sum = 0;
	for (size_t i = len - n; i < len; i++)
		sum += v[i];
	m.valid = true;
	m.v = sum / (double)n;
	return m;
}

tf_maybe tf_ind_sample_sd(const double *v, size_t len)
{
	tf_maybe m = {false, 0};
	if (len < 2)
		return m;
	double sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += v[i];
	double mean = sum / (double)len, ss = 0;
	for (size_t i = 0; i < len; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	m.valid = true;
	m.v = sqrt(ss / (double)(len - 1));
	return m;
}

tf_maybe tf_ind_sd_logret(const double *c, size_t len, size_t returns)
{
	double r[64];
	size_t n = 0, start = len > returns + 1 ? len - (returns + 1) : 0;
	for (size_t i = start + 1; i < len && n < 64; i++)
		if (c[i - 1] > 0 && c[i] > 0)
			r[n++] = log(c[i] / c[i - 1]);
	return tf_ind_sample_sd(r, n);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double tf_ind_quantile(double *v, size_t len, double q)
{
	qsort(v, len, sizeof *v, cmp_double);
	double pos = q * (double)(len - 1);
	size_t lo = (size_t)pos;
	if (lo + 1 >= len)
		return v[len - 1];
	return v[lo] + (v[lo + 1] - v[lo]) * (pos - (double)lo);
}
