/* params.h — validation of the HTTP API's query parameters (DESIGN §7). Every value from a URL is
 * untrusted: each parser checks syntax and range and, on failure, fills a one-line reason that the
 * API returns as {"error": ..., "param": name} with status 400. */
#ifndef TF_WEB_PARAMS_H
#define TF_WEB_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "market/tick.h"

#define TF_WEB_MAX_SYMBOLS 50 /* symbols in one ?symbols= list */

/* A parse failure: which parameter and why (static strings or text in why). */
typedef struct {
	const char *param;
	char why[160];
} tf_web_perr;

typedef struct {
	char names[TF_WEB_MAX_SYMBOLS][TF_SYMBOL_MAX];
	size_t n;
} tf_web_symbols;

/* A symbol: 1..20 characters of A-Z, 0-9 (Binance spells them so). Lower case is upper-cased. */
tf_err tf_web_param_symbol(const char *query, const char *name, bool required, char out[TF_SYMBOL_MAX], tf_web_perr *e);
/* A comma-separated list of symbols, at most TF_WEB_MAX_SYMBOLS, duplicates dropped; absent: n = 0. */
tf_err tf_web_param_symbols(const char *query, const char *name, tf_web_symbols *out, tf_web_perr *e);
/* 1m, 5m or 1h (the engine's default intervals), or def when absent; *ms gets its length. */
tf_err tf_web_param_interval(const char *query, const char *name, const char *def, char out[TF_INTERVAL_MAX],
			     int64_t *ms, tf_web_perr *e);
/* 1H, 24H, 7D, 30D or All (case-insensitive), or def when absent; *ms = its length, 0 for All. */
tf_err tf_web_param_period(const char *query, const char *name, const char *def, int64_t *ms, tf_web_perr *e);
/* A decimal integer in [min, max], or def when absent. */
tf_err tf_web_param_int(const char *query, const char *name, int64_t def, int64_t min, int64_t max, int64_t *out,
			tf_web_perr *e);
/* One of choices "a|b|c", or def when absent. */
tf_err tf_web_param_choice(const char *query, const char *name, const char *choices, const char *def, char *out,
			   size_t cap, tf_web_perr *e);
/* Rejects parameters other than those in known ("a|b|c"): a typo should not be ignored silently. */
tf_err tf_web_param_only(const char *query, const char *known, tf_web_perr *e);

#endif
