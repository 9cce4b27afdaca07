/* engine_throughput.c — the stream engine from memory on one core (no broker, no store).
 *
 * Builds 2,000,000 miniTicker records of N simulated symbols (tf_sim, one element JSON a record
 * as the ticks topic holds them; N = 2,000 and then 20,000 unless --symbols N is given — the sim
 * knows 5,000 names, so above that each frame is repeated with the symbols renamed Z1..., Z2...,
 * which keeps the engine's table N symbols wide), then times over the same bytes (best of REPEAT runs):
 *   decode only      tf_market_decode_ws per record (the single-record fast path of
 *                    decode_mini_fast.c), and tf_market_decode_ws_reference (jsmn) as the peer
 *   engine only      tf_engine_add on pre-decoded ticks (1m,5m,1h windows, alerts, drained with
 *                    indicators every 50,000 records); again with tf_engine_prefetch of the next
 *                    tick before each add (lookahead)
 *   decode+engine    both: what one worker thread does per record, less the store; again with the
 *                    fast path, the fast path with one record of lookahead (decode record i+1 and
 *                    prefetch its state, then add record i) and the jsmn reference path
 * and prints records/s with the ratio to the 3,000,000 records/s per core target and to the jsmn
 * path measured in the same run.
 * A last untimed engine run prints a digest of all its output (candles, alerts, rates, checkpoint
 * blobs), so that two builds can be checked for identical results on the same data.
 *   engine_throughput [--symbols N] [--quick] [--jsonl FILE]   --quick skips the decode-only and
 *                    jsmn runs (A/B runs of two builds); --jsonl also writes the records to FILE
 *                    (one per line) and prints the time to read FILE and compute 1-minute candles,
 *                    for bench/engine_duckdb.sh. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "engine/engine.h"
#include "exchange/sim.h"
#include "market/market.h"
#include "market/market_int.h"

#define NREC 2000000
#define SIM_MAX_SYMBOLS 5000
#define REPEAT 3 /* best of: the machine may be shared */

typedef struct {
	tf_buf *lines;
	size_t *offs;
	size_t n;
	int copy; /* 0: the sim's names; c > 0: "Z<c>" before each name */
} collect_ctx;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this thread: per-core throughput that other processes on a shared machine
 * cannot dilute (they still compete for caches and memory bandwidth). */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static tf_err split_el(void *ud, const tf_tick *t)
{
	collect_ctx *c = ud;
	if (c->n == NREC)
		return TF_OK;
	c->offs[c->n++] = c->lines->len;
	const char *sym = c->copy ? memmem(t->raw, t->raw_len, "\"s\":\"", 5) : NULL;
	if (!sym)
		tf_buf_append(c->lines, t->raw, t->raw_len);
	else {
		char pre[16];
		size_t at = (size_t)(sym - t->raw) + 5;
		int n = snprintf(pre, sizeof pre, "Z%d", c->copy);
		tf_buf_append(c->lines, t->raw, at);
		tf_buf_append(c->lines, pre, (size_t)n);
		tf_buf_append(c->lines, t->raw + at, t->raw_len - at);
	}
	return tf_buf_append(c->lines, "\n", 1);
}

static tf_err keep_tick(void *ud, const tf_tick *t)
{
	*(tf_tick *)ud = *t;
	return TF_OK;
}

static tf_err count_row(void *ud, const tf_candle_row *r)
{
	(*(size_t *)ud)++;
	return TF_OK;
}

/* FNV-1a over everything the engine hands out (candles, alerts, rates, checkpoint blobs): one
 * untimed run prints it, so that two builds can be checked for identical output on the same data. */
static void fnv(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 1099511628211ULL;
}

static tf_err dig_candle(void *ud, const tf_candle_row *r)
{
	fnv(ud, r, sizeof *r);
	return TF_OK;
}

static tf_err dig_alert(void *ud, const tf_alert_row *r)
{
	fnv(ud, r, sizeof *r);
	return TF_OK;
}

static tf_err dig_rate(void *ud, const tf_rate_row *r)
{
	fnv(ud, r, sizeof *r);
	return TF_OK;
}

static tf_err dig_state(void *ud, const char *symbol, const void *blob, size_t len)
{
	fnv(ud, symbol, strlen(symbol));
	fnv(ud, blob, len);
	return TF_OK;
}

static uint64_t digest(const tf_tick *ticks, const tf_engine_cfg *cfg)
{
	uint64_t h = 1469598103934665603ULL;
	tf_engine *e;
	tf_engine_new(cfg, &e);
	tf_engine_sink sink = {dig_candle, dig_alert, dig_rate, dig_state, &h};
	for (size_t i = 0; i < NREC; i++) {
		tf_verdict v;
		char why[160];
		tf_engine_add(e, &ticks[i], &v, why, sizeof why);
		if (i % 50000 == 49999) {
			tf_engine_drain(e, &sink);
			tf_engine_drained(e);
		}
	}
	tf_engine_drain(e, &sink);
	tf_buf part;
	tf_buf_init(&part, 1 << 20);
	tf_engine_save_partition(e, &part);
	fnv(&h, part.data, part.len);
	tf_buf_free(&part);
	tf_engine_free(e);
	return h;
}

static void drain(tf_engine *e, size_t *rows)
{
	tf_engine_sink sink = {count_row, NULL, NULL, NULL, rows};
	tf_engine_drain(e, &sink);
	tf_engine_drained(e);
}

typedef tf_err (*decode_fn)(const char *msg, size_t len, tf_msg_kind *kind, const tf_tick_handler *h,
			   tf_decode_err *err);

typedef struct {
	const tf_buf *lines;
	const size_t *offs;
	tf_tick *ticks;
	const tf_engine_cfg *cfg;
	size_t rows;
	size_t symbols; /* distinct symbols the engine saw */
} run_ctx;

/* Decodes every record into one reused tick. */
static void run_decode(run_ctx *c, decode_fn decode)
{
	tf_tick tk;
	for (size_t i = 0; i < NREC; i++) {
		tf_tick_handler h = {keep_tick, NULL, &tk};
		tf_msg_kind kind;
		tf_decode_err derr;
		decode(c->lines->data + c->offs[i], c->offs[i + 1] - c->offs[i] - 1, &kind, &h, &derr);
	}
}

/* The engine alone over pre-decoded ticks, drained every 50,000 records as a worker commits. */
static void run_engine(run_ctx *c, decode_fn unused)
{
	tf_engine *e;
	tf_engine_new(c->cfg, &e);
	for (size_t i = 0; i < NREC; i++) {
		tf_verdict v;
		char why[160];
		tf_engine_add(e, &c->ticks[i], &v, why, sizeof why);
		if (i % 50000 == 49999)
			drain(e, &c->rows);
	}
	drain(e, &c->rows);
	tf_engine_stats st;
	tf_engine_stats_get(e, &st);
	c->symbols = st.symbols;
	tf_engine_free(e);
}

/* The engine over pre-decoded ticks with the lookahead hint: tf_engine_prefetch of the next tick
 * before adding the current one. */
static void run_engine_ahead(run_ctx *c, decode_fn unused)
{
	tf_engine *e;
	tf_engine_new(c->cfg, &e);
	for (size_t i = 0; i < NREC; i++) {
		tf_verdict v;
		char why[160];
		if (i + 1 < NREC)
			tf_engine_prefetch(e, &c->ticks[i + 1]);
		tf_engine_add(e, &c->ticks[i], &v, why, sizeof why);
		if (i % 50000 == 49999)
			drain(e, &c->rows);
	}
	drain(e, &c->rows);
	tf_engine_free(e);
}

/* decode+engine with one record of lookahead: record i+1 is decoded and its symbol state
 * prefetched (tf_engine_prefetch) before record i is added, so the state's cache misses overlap
 * with the decoding. A worker does the same by decoding the next message of its batch first. */
static void run_both_ahead(run_ctx *c, decode_fn decode)
{
	tf_engine *e;
	tf_engine_new(c->cfg, &e);
	tf_tick tk[2];
	bool ok[2] = {false, false};
	for (size_t i = 0; i <= NREC; i++) {
		tf_tick *next = &tk[i & 1], *cur = &tk[(i + 1) & 1];
		if (i < NREC) {
			tf_tick_handler h = {keep_tick, NULL, next};
			tf_msg_kind kind;
			tf_decode_err derr;
			ok[i & 1] = decode(c->lines->data + c->offs[i], c->offs[i + 1] - c->offs[i] - 1, &kind, &h, &derr) == TF_OK;
			if (ok[i & 1])
				tf_engine_prefetch(e, next);
		}
		if (i > 0 && ok[(i + 1) & 1]) {
			tf_verdict v;
			char why[160];
			tf_engine_add(e, cur, &v, why, sizeof why);
		}
		if (i > 0 && (i - 1) % 50000 == 49999)
			drain(e, &c->rows);
	}
	drain(e, &c->rows);
	tf_engine_free(e);
}

/* What one worker thread does per record, less the store: decode, then the engine. */
static void run_both(run_ctx *c, decode_fn decode)
{
	tf_engine *e;
	tf_engine_new(c->cfg, &e);
	for (size_t i = 0; i < NREC; i++) {
		tf_tick tk;
		tf_tick_handler h = {keep_tick, NULL, &tk};
		tf_msg_kind kind;
		tf_decode_err derr;
		tf_verdict v;
		char why[160];
		if (decode(c->lines->data + c->offs[i], c->offs[i + 1] - c->offs[i] - 1, &kind, &h, &derr) == TF_OK)
			tf_engine_add(e, &tk, &v, why, sizeof why);
		if (i % 50000 == 49999)
			drain(e, &c->rows);
	}
	drain(e, &c->rows);
	tf_engine_free(e);
}

/* Shortest of REPEAT runs: the machine may be shared. */
static double best_of(void (*fn)(run_ctx *, decode_fn), run_ctx *c, decode_fn decode)
{
	double best = 1e30;
	for (int r = 0; r < REPEAT; r++) {
		double t0 = cpu_s();
		fn(c, decode);
		double dt = cpu_s() - t0;
		if (dt < best)
			best = dt;
	}
	return best;
}

/* One table row; peer_s = 0 leaves the ratio column empty. */
static void row(const char *name, double s, double peer_s)
{
	printf("%-34s %9.3f %12.0f %8.2fx", name, s, NREC / s, NREC / s / 3e6);
	if (peer_s > 0)
		printf(" %8.2fx", peer_s / s);
	printf("\n");
}

/* Builds the records of nsym symbols and prints the table; with jsonl also the file run; quick
 * times only the engine and the fast decode+engine path (for A/B runs of two builds). */
static int bench_one(int nsym, const char *jsonl, bool quick)
{
	int simsym = nsym < SIM_MAX_SYMBOLS ? nsym : SIM_MAX_SYMBOLS, copies = (nsym + simsym - 1) / simsym;
	tf_sim_config sc;
	memset(&sc, 0, sizeof sc);
	sc.seed = 42;
	sc.nsymbols = simsym;
	sc.start_ms = 1700000000000LL;
	tf_sim *sim;
	if (tf_sim_new(&sc, &sim))
		return 1;
	tf_buf frame, lines;
	tf_buf_init(&frame, 1u << 26);
	tf_buf_init(&lines, 1u << 30);
	size_t *offs = malloc((NREC + 1) * sizeof *offs);
	tf_tick *ticks = malloc(NREC * sizeof *ticks);
	if (!offs || !ticks)
		return 1;
	collect_ctx c = {&lines, offs, 0, 0};
	int64_t t = sc.start_ms;
	while (c.n < NREC) {
		size_t nrec;
		tf_buf_reset(&frame);
		t += 1000;
		if (tf_sim_next_frame(sim, t, (size_t)simsym, &frame, &nrec))
			return 1;
		tf_tick_handler h = {split_el, NULL, &c};
		tf_msg_kind kind;
		tf_decode_err derr;
		for (c.copy = 0; nrec && c.copy < copies; c.copy++)
			if (tf_market_decode_ws(frame.data, frame.len, &kind, &h, &derr))
				return 1;
	}
	offs[NREC] = lines.len;
	tf_engine_cfg cfg;
	tf_engine_cfg_default(&cfg);
	/* the engine-only run's input, decoded once outside any timing (1.2 GB: faulted in here) */
	for (size_t i = 0; i < NREC; i++) {
		tf_tick_handler h = {keep_tick, NULL, &ticks[i]};
		tf_msg_kind kind;
		tf_decode_err derr;
		if (tf_market_decode_ws(lines.data + offs[i], offs[i + 1] - offs[i] - 1, &kind, &h, &derr))
			return 1;
	}
	run_ctx rc0 = {&lines, offs, ticks, &cfg, 0, 0};
	double dec_s = quick ? 0 : best_of(run_decode, &rc0, tf_market_decode_ws);
	double ref_dec_s = quick ? 0 : best_of(run_decode, &rc0, tf_market_decode_ws_reference);
	double eng_s = best_of(run_engine, &rc0, NULL);
	double eng_ahead_s = best_of(run_engine_ahead, &rc0, NULL);
	double both_s = best_of(run_both, &rc0, tf_market_decode_ws);
	double both_ahead_s = best_of(run_both_ahead, &rc0, tf_market_decode_ws);
	double ref_both_s = quick ? 0 : best_of(run_both, &rc0, tf_market_decode_ws_reference);
	printf("engine throughput, %d records of %zu symbols over %lld s of event time (%.0f MB of JSON), one core, CPU time of the thread, best of %d\n",
	       NREC, rc0.symbols, (long long)((t - sc.start_ms) / 1000), lines.len / 1e6, REPEAT);
	printf("%-34s %9s %12s %9s %9s\n", "path", "seconds", "records/s", "vs 3M/s", "vs jsmn");
	if (!quick) {
		row("decode only (jsmn reference)", ref_dec_s, ref_dec_s);
		row("decode only (fast path)", dec_s, ref_dec_s);
	}
	row("engine only", eng_s, 0);
	row("engine only, lookahead prefetch", eng_ahead_s, 0);
	if (!quick)
		row("decode+engine (jsmn reference)", ref_both_s, ref_both_s);
	row("decode+engine (fast path)", both_s, ref_both_s);
	row("decode+engine (fast, lookahead)", both_ahead_s, ref_both_s);
	printf("(%zu candle rows drained per engine run; output digest %016llx)\n", rc0.rows / ((quick ? 4 : 5) * REPEAT),
	       (unsigned long long)digest(ticks, &cfg));
	if (jsonl) {
		FILE *f = fopen(jsonl, "w");
		if (!f || fwrite(lines.data, 1, lines.len, f) != lines.len || fclose(f)) {
			perror(jsonl);
			return 1;
		}
		/* read the file back and build 1-minute candles only, like the DuckDB query */
		double t0 = now_s();
		f = fopen(jsonl, "r");
		if (!f) {
			perror(jsonl);
			return 1;
		}
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		tf_engine_cfg one = cfg;
		one.nintervals = 1;
		tf_engine *e;
		tf_engine_new(&one, &e);
		size_t candles = 0;
		while ((n = getline(&line, &cap, f)) > 0) {
			tf_tick tk;
			tf_tick_handler h = {keep_tick, NULL, &tk};
			tf_msg_kind kind;
			tf_decode_err derr;
			tf_verdict v;
			char why[160];
			if (tf_market_decode_ws(line, (size_t)n - 1, &kind, &h, &derr) == TF_OK)
				tf_engine_add(e, &tk, &v, why, sizeof why);
		}
		drain(e, &candles);
		fclose(f);
		free(line);
		tf_engine_free(e);
		printf("tickflow_file_candles_s %.3f candles %zu\n", now_s() - t0, candles);
	}
	free(offs);
	free(ticks);
	tf_buf_free(&frame);
	tf_buf_free(&lines);
	tf_sim_free(sim);
	return 0;
}

int main(int argc, char **argv)
{
	int nsym = 0;
	const char *jsonl = NULL;
	bool quick = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--symbols") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 1 || v > 1000000)
				return 2;
			nsym = (int)v;
		} else if (!strcmp(argv[i], "--quick")) {
			quick = true;
		} else if (!strcmp(argv[i], "--jsonl") && i + 1 < argc) {
			jsonl = argv[++i];
		} else {
			fprintf(stderr, "usage: engine_throughput [--symbols N] [--quick] [--jsonl FILE]\n");
			return 2;
		}
	}
	if (nsym || jsonl)
		return bench_one(nsym ? nsym : 2000, jsonl, quick);
	int rc = bench_one(2000, NULL, quick);
	if (!rc) {
		printf("\n");
		rc = bench_one(20000, NULL, quick);
	}
	return rc;
}
