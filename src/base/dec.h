/* dec.h — exact decimals for prices and quantities.
 *
 * Binance sends prices and quantities as JSON strings with up to 8 decimals ("0.02456700"). A
 * tf_dec holds such a value exactly as a signed count of 1e-8 units. 64 bits are not enough: real
 * 24 h volumes reach 7.9e13 units of a meme coin (PEPEUSDT in samples/), i.e. 7.9e21 in 1e-8 units,
 * so the type is 128-bit. Parsing never goes through strtod and never depends on the locale. */
#ifndef TF_BASE_DEC_H
#define TF_BASE_DEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef __int128 tf_dec;

#define TF_DEC_SCALE ((tf_dec)100000000)  /* 1e8: units per 1 */
#define TF_DEC_MAX_INT_DIGITS 20          /* larger integer parts are rejected as TF_ERR_RANGE */
#define TF_DEC_STR_MAX 48                 /* bytes tf_dec_format needs, NUL included */

/* Parses a Binance decimal string's contents: [-]digits[.digits], at most 8 decimals, no exponent,
 * no spaces, no leading '+'. TF_ERR_PARSE for bad syntax, TF_ERR_RANGE for too many digits. */
tf_err tf_dec_parse(const char *s, size_t len, tf_dec *out);

/* Parses a JSON number (RFC 8259 grammar, exponent allowed, as Yahoo sends floats), rounding half
 * away from zero to 8 decimals. Same errors as tf_dec_parse. */
tf_err tf_dec_parse_number(const char *s, size_t len, tf_dec *out);

/* Writes the canonical form with exactly 8 decimals ("-0.02456700"); returns its length. */
size_t tf_dec_format(tf_dec v, char out[TF_DEC_STR_MAX]);

/* Nearest double (for analytics, never for identity). */
double tf_dec_to_double(tf_dec v);

/* Exact conversion from a whole number of units. */
static inline tf_dec tf_dec_from_int(int64_t n) { return (tf_dec)n * TF_DEC_SCALE; }

#endif
