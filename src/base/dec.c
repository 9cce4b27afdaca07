/* dec.c — exact 8-decimal fixed-point numbers (see dec.h).
 *
 * Two parsers: the strict one for Binance's decimal strings, which is the hot path of every decoder
 * (a fast path keeps values of up to 18 digits in a uint64 before widening), and a JSON-number
 * parser for Yahoo's floats, which rounds half away from zero at the 8th decimal by looking at the
 * decimal digits themselves (never through a binary double). Neither uses strtod or the locale. */
#include "base/dec.h"

#include <string.h>

typedef unsigned __int128 tf_udec;

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const uint64_t pow10_u64[] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
};

tf_err tf_dec_parse(const char *s, size_t len, tf_dec *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < len && s[i] == '-') {
		neg = true;
		i++;
	}
	size_t int_start = i;
	while (i < len && is_digit(s[i]))
		i++;
	size_t int_digits = i - int_start;
	if (int_digits == 0)
		return TF_ERR_PARSE; /* "", "-", ".5" */
	if (int_digits > 1 && s[int_start] == '0')
		return TF_ERR_PARSE; /* "01": leading zeros are not JSON and not Binance */
	size_t frac_start = i, frac_digits = 0;
	if (i < len && s[i] == '.') {
		frac_start = ++i;
		while (i < len && is_digit(s[i]))
			i++;
		frac_digits = i - frac_start;
		if (frac_digits == 0)
			return TF_ERR_PARSE; /* "1." */
	}
	if (i != len)
		return TF_ERR_PARSE; /* exponent, spaces, '+', anything else */
	if (frac_digits > 8)
		return TF_ERR_PARSE;
	if (int_digits > TF_DEC_MAX_INT_DIGITS)
		return TF_ERR_RANGE;

	tf_udec mag;
	if (int_digits <= 10) {
		/* fast path: at most 10 + 8 digits fit in a uint64 */
		uint64_t v = 0;
		for (size_t k = int_start; k < int_start + int_digits; k++)
			v = v * 10 + (uint64_t)(s[k] - '0');
		uint64_t f = 0;
		for (size_t k = frac_start; k < frac_start + frac_digits; k++)
			f = f * 10 + (uint64_t)(s[k] - '0');
		mag = (tf_udec)(v * 100000000ull + f * pow10_u64[8 - frac_digits]);
	} else {
		tf_udec v = 0;
		for (size_t k = int_start; k < int_start + int_digits; k++)
			v = v * 10 + (tf_udec)(s[k] - '0');
		uint64_t f = 0;
		for (size_t k = frac_start; k < frac_start + frac_digits; k++)
			f = f * 10 + (uint64_t)(s[k] - '0');
		mag = v * 100000000u + (tf_udec)(f * pow10_u64[8 - frac_digits]);
	}
	*out = neg ? -(tf_dec)mag : (tf_dec)mag;
	return TF_OK;
}

/* The significant digits of a JSON number: the concatenation of its integer and fraction digits
 * with leading zeros removed, and the position of the decimal point relative to the first one
 * (value = 0.d1d2d3... x 10^point). */
typedef struct {
	const char *int_p, *frac_p;
	size_t int_n, frac_n;
	size_t skip;  /* leading zeros skipped in the concatenation */
	long point;
} digits;

static int raw_digit(const digits *d, size_t idx)
{
	if (idx < d->int_n)
		return d->int_p[idx] - '0';
	idx -= d->int_n;
	if (idx < d->frac_n)
		return d->frac_p[idx] - '0';
	return 0;
}

/* k-th significant digit (0-based), zero beyond the last one */
static int digit_at(const digits *d, long k)
{
	return k < 0 ? 0 : raw_digit(d, (size_t)k + d->skip);
}

tf_err tf_dec_parse_number(const char *s, size_t len, tf_dec *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < len && s[i] == '-') {
		neg = true;
		i++;
	}
	digits d = {.int_p = s + i};
	while (i < len && is_digit(s[i]))
		i++;
	d.int_n = (size_t)(s + i - d.int_p);
	if (d.int_n == 0 || (d.int_n > 1 && d.int_p[0] == '0'))
		return TF_ERR_PARSE;
	d.frac_p = s + i;
	if (i < len && s[i] == '.') {
		d.frac_p = s + ++i;
		while (i < len && is_digit(s[i]))
			i++;
		d.frac_n = (size_t)(s + i - d.frac_p);
		if (d.frac_n == 0)
			return TF_ERR_PARSE;
	}
	long exp = 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		bool eneg = false;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		size_t e0 = i;
		while (i < len && is_digit(s[i])) {
			if (exp < 1000000) /* saturate: anything this large is 0 or out of range */
				exp = exp * 10 + (s[i] - '0');
			i++;
		}
		if (i == e0)
			return TF_ERR_PARSE;
		if (eneg)
			exp = -exp;
	}
	if (i != len)
		return TF_ERR_PARSE;

	size_t total = d.int_n + d.frac_n;
	while (d.skip < total && raw_digit(&d, d.skip) == 0)
		d.skip++;
	if (d.skip == total) {
		*out = 0;
		return TF_OK;
	}
	if (total > 100000)
		return TF_ERR_RANGE; /* no float needs this many digits; keeps the arithmetic bounded */
	d.point = (long)d.int_n - (long)d.skip + exp;
	if (d.point > TF_DEC_MAX_INT_DIGITS)
		return TF_ERR_RANGE;
	/* units = the first point+8 significant digits; the next one decides the rounding */
	long nunits = d.point + 8;
	tf_udec mag = 0;
	for (long k = 0; k < nunits; k++)
		mag = mag * 10 + (tf_udec)digit_at(&d, k);
	if (nunits >= 0 && digit_at(&d, nunits) >= 5)
		mag++;
	static const tf_udec limit = (tf_udec)10000000000000000000ull * 1000000000u; /* 1e28: 21 int digits */
	if (mag >= limit)
		return TF_ERR_RANGE; /* rounding carried into a 21st integer digit */
	*out = neg ? -(tf_dec)mag : (tf_dec)mag;
	return TF_OK;
}

size_t tf_dec_format(tf_dec v, char out[TF_DEC_STR_MAX])
{
	char tmp[TF_DEC_STR_MAX];
	size_t n = 0;
	tf_udec mag = v < 0 ? (tf_udec)0 - (tf_udec)v : (tf_udec)v;
	/* One 128-bit division splits off the decimals; the digits then come from 64-bit words (a
	 * 128-bit division per digit made this the hottest function of `ingest --source sim`). */
	uint64_t frac;
	tf_udec whole;
	if (mag <= UINT64_MAX) { /* every price and most volumes: 64-bit division is several times cheaper */
		frac = (uint64_t)mag % 100000000u;
		whole = (uint64_t)mag / 100000000u;
	} else {
		whole = mag / 100000000u;
		frac = (uint64_t)(mag - whole * 100000000u);
	}
	for (int k = 0; k < 8; k++) {
		tmp[n++] = (char)('0' + (int)(frac % 10));
		frac /= 10;
	}
	tmp[n++] = '.';
	/* digits backwards: 8 decimals, the point, then at least one integer digit */
	while (whole > UINT64_MAX) { /* groups of 19 digits; once at most, as whole < 2^127 / 10^8 */
		uint64_t low = (uint64_t)(whole % 10000000000000000000u);
		whole /= 10000000000000000000u;
		for (int k = 0; k < 19; k++) {
			tmp[n++] = (char)('0' + (int)(low % 10));
			low /= 10;
		}
	}
	uint64_t w = (uint64_t)whole;
	do {
		tmp[n++] = (char)('0' + (int)(w % 10));
		w /= 10;
	} while (w);
	size_t o = 0;
	if (v < 0)
		out[o++] = '-';
	while (n)
		out[o++] = tmp[--n];
	out[o] = '\0';
	return o;
}

double tf_dec_to_double(tf_dec v)
{
	return (double)(v / TF_DEC_SCALE) + (double)(v % TF_DEC_SCALE) / 1e8;
}
