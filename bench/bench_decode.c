/* bench_decode.c — decode throughput of `!miniTicker@arr` frames on one core.
 *
 * Builds a few hundred frames of 200-2000 elements in the shape of the recorded Binance frame
 * (samples/unicornfy_spot_miniTicker_arr_raw_26symbols.json) with varied symbols and prices, about
 * 40 MB in memory, then times over the same bytes:
 *   memchr       one pass looking for a byte that is absent: the memory-scan limit
 *   jsmn         jsmn tokenizing alone (no validation)
 *   validate+tok tf_json_parse: our validation pass plus jsmn plus `next` links
 *   jansson      json_loadb + json_decref: a plain library parse into a DOM
 *   reference    tf_market_decode_ws_reference: validate + tokenize + decimals + symbol checks + ticks
 *   ours         tf_market_decode_ws: the specialised miniTicker scanner (decode_mini_fast.c), same
 *                checks and ticks, falling back to the reference path for anything unusual
 * and prints records/s and MB/s with ratios. Target: ours >= 3,000,000 records/s. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "market/json.h"
#include "market/market.h"
#include "market/market_int.h"

#define NFRAMES 400
#define REPEAT 5 /* best of: the machine may be shared */

typedef struct {
	char *p;
	size_t len;
	size_t records;
} frame;

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A price-like decimal string with 8 decimals around base (in 1e-8 units). */
static void put_price(tf_buf *b, uint64_t base)
{
	char tmp[TF_DEC_STR_MAX];
	uint64_t v = base + next_rand() % (base / 50 + 1);
	size_t n = tf_dec_format((tf_dec)v, tmp);
	tf_buf_append(b, "\"", 1);
	tf_buf_append(b, tmp, n);
	tf_buf_append(b, "\"", 1);
}

static frame make_frame(size_t nel, int64_t e0)
{
	tf_buf b;
	tf_buf_init(&b, 1u << 24);
	tf_buf_append(&b, "[", 1);
	static const char *quotes[] = {"USDT", "BTC", "ETH", "BNB", "BUSD", "TRY"};
	for (size_t i = 0; i < nel; i++) {
		uint64_t base = 1 + next_rand() % 5000000000000ull; /* up to 50,000.00000000 */
		if (i)
			tf_buf_append(&b, ",", 1);
		tf_buf_appendf(&b, "{\"e\":\"24hrMiniTicker\",\"E\":%lld,\"s\":\"S%zu%s\",\"c\":", (long long)(e0 + (int64_t)(next_rand() % 900)), i, quotes[i % 6]);
		put_price(&b, base);
		static const char *keys[] = {"o", "h", "l"};
		for (int k = 0; k < 3; k++) {
			tf_buf_appendf(&b, ",\"%s\":", keys[k]);
			put_price(&b, base);
		}
		tf_buf_append(&b, ",\"v\":", 5);
		put_price(&b, 1 + next_rand() % 100000000000000ull);
		tf_buf_append(&b, ",\"q\":", 5);
		put_price(&b, 1 + next_rand() % 10000000000000000ull);
		tf_buf_append(&b, "}", 1);
	}
	tf_buf_append(&b, "]", 1);
	return (frame){b.data, b.len, nel};
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t ticks_seen;
static tf_dec sink;
static tf_err on_tick(void *ud, const tf_tick *t)
{
	ticks_seen++;
	sink += t->s24.last;
	return TF_OK;
}
static tf_err on_bad(void *ud, const char *raw, size_t len, const tf_decode_err *why)
{
	fprintf(stderr, "bench: unexpected bad element: %s\n", why->msg);
	exit(1);
}

typedef struct {
	const char *name;
	double secs;
} result;

int main(void)
{
	frame *fr = calloc(NFRAMES, sizeof *fr);
	size_t bytes = 0, records = 0;
	for (int i = 0; i < NFRAMES; i++) {
		fr[i] = make_frame(200 + (size_t)(next_rand() % 1801), 1592594715000 + i * 1000);
		bytes += fr[i].len;
		records += fr[i].records;
	}
	enum { C_MEMCHR, C_JSMN, C_VALIDATE, C_JANSSON, C_REFERENCE, C_OURS, C_N };
	result r[C_N];
	int nr = 0;
	volatile size_t guard = 0;
	tf_json_doc d;
	tf_json_init(&d);
	tf_tick_handler h = {on_tick, on_bad, NULL};

	/* best of REPEAT for each contender */
	const char *only = getenv("BENCH_DECODE_ONLY"); /* "5": profile one contender */
	if (only && (only[0] < '0' || only[0] >= '0' + C_N || only[1]))
		only = NULL;
	for (int which = 0; which < C_N; which++) {
		double best = 1e9;
		if (only && *only - '0' != which) {
			r[nr++] = (result){"(skipped)", 1};
			continue;
		}
		for (int rep = 0; rep < REPEAT; rep++) {
			ticks_seen = 0;
			double t0 = now();
			for (int i = 0; i < NFRAMES; i++) {
				switch (which) {
				case 0:
					guard += memchr(fr[i].p, '\x01', fr[i].len) == NULL;
					break;
				case 1:
					if (tf_json_bench_jsmn_only(&d, fr[i].p, fr[i].len) < 0)
						return 1;
					break;
				case 2: {
					tf_decode_err err;
					if (tf_json_parse(&d, fr[i].p, fr[i].len, &err))
						return 1;
					break;
				}
				case 3: {
					json_error_t je;
					json_t *j = json_loadb(fr[i].p, fr[i].len, 0, &je);
					if (!j)
						return 1;
					guard += json_array_size(j);
					json_decref(j);
					break;
				}
				case 4:
				case 5: {
					tf_msg_kind kind;
					tf_decode_err err;
					tf_err e = which == C_OURS ? tf_market_decode_ws(fr[i].p, fr[i].len, &kind, &h, &err)
								   : tf_market_decode_ws_reference(fr[i].p, fr[i].len, &kind, &h, &err);
					if (e) {
						fprintf(stderr, "bench: %s\n", err.msg);
						return 1;
					}
					break;
				}
				}
			}
			double dt = now() - t0;
			if (dt < best)
				best = dt;
			if (which >= C_REFERENCE && ticks_seen != records)
				return 1;
		}
		static const char *names[] = {"memchr (scan limit)", "jsmn tokenize only", "validate+tokenize (tf_json_parse)",
					      "jansson json_loadb (plain library parse)",
					      "reference: validate+jsmn+decode (full)", "ours: tf_market_decode_ws (fast path)"};
		r[nr++] = (result){names[which], best};
	}
	tf_json_free(&d);

	double mb = (double)bytes / 1e6;
	printf("bench_decode: %d frames, %zu miniTicker records, %.1f MB, %zu B/record avg, best of %d\n", NFRAMES, records,
	       mb, bytes / records, REPEAT);
	printf("%-44s %14s %10s %12s\n", "contender", "records/s", "MB/s", "ours speedup");
	if (only) {
		printf("%s: %.0f records/s\n", r[*only - '0'].name, (double)records / r[*only - '0'].secs);
	} else {
		for (int i = 0; i < nr; i++)
			printf("%-44s %14.0f %10.1f %12.2f\n", r[i].name, (double)records / r[i].secs, mb / r[i].secs,
			       r[i].secs / r[C_OURS].secs);
		double ours = (double)records / r[C_OURS].secs;
		printf("ours vs memchr: %.3f  ours vs jansson: %.2fx  ours vs reference: %.2fx  target 3,000,000 rec/s: %s\n",
		       r[C_MEMCHR].secs / r[C_OURS].secs, r[C_JANSSON].secs / r[C_OURS].secs,
		       r[C_REFERENCE].secs / r[C_OURS].secs, ours >= 3e6 ? "met" : "NOT met");
	}
	for (int i = 0; i < NFRAMES; i++)
		free(fr[i].p);
	free(fr);
	return guard == (size_t)-1 || sink == 1;
}
