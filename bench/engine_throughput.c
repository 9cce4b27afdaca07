/* engine_throughput.c — the stream engine from memory on one core (no broker, no store).
 *
 * Builds 2,000,000 miniTicker records of 2,000 simulated symbols (tf_sim, one element JSON a record
 * as the ticks topic holds them), then times over the same bytes:
 *   decode only      tf_market_decode_ws per record
 *   engine only      tf_engine_add on pre-decoded ticks (1m,5m,1h windows, alerts, drained with
 *                    indicators every 50,000 records)
 *   decode+engine    both: what one worker thread does per record, less the store
 * and prints records/s with the ratio to the 3,000,000 records/s per core target.
 *   engine_throughput --jsonl FILE   also writes the records to FILE (one per line) and prints the
 *                    time to read FILE and compute 1-minute candles, for bench/engine_duckdb.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "engine/engine.h"
#include "exchange/sim.h"
#include "market/market.h"

#define NSYM 2000
#define NREC 2000000

typedef struct {
	tf_buf *lines;
	size_t *offs;
	size_t n;
} collect_ctx;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static tf_err split_el(void *ud, const tf_tick *t)
{
	collect_ctx *c = ud;
	if (c->n == NREC)
		return TF_OK;
	c->offs[c->n++] = c->lines->len;
	tf_buf_append(c->lines, t->raw, t->raw_len);
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

static void drain(tf_engine *e, size_t *rows)
{
	tf_engine_sink sink = {count_row, NULL, NULL, NULL, rows};
	tf_engine_drain(e, &sink);
	tf_engine_drained(e);
}

int main(int argc, char **argv)
{
	tf_sim_config sc;
	memset(&sc, 0, sizeof sc);
	sc.seed = 42;
	sc.nsymbols = NSYM;
	sc.start_ms = 1700000000000LL;
	tf_sim *sim;
	if (tf_sim_new(&sc, &sim))
		return 1;
	tf_buf frame, lines;
	tf_buf_init(&frame, 1u << 26);
	tf_buf_init(&lines, 1u << 30);
	size_t *offs = malloc((NREC + 1) * sizeof *offs);
	tf_tick *ticks = malloc(NREC * sizeof *ticks);
	collect_ctx c = {&lines, offs, 0};
	int64_t t = sc.start_ms;
	while (c.n < NREC) {
		size_t nrec;
		tf_buf_reset(&frame);
		t += 1000;
		if (tf_sim_next_frame(sim, t, NSYM, &frame, &nrec))
			return 1;
		tf_tick_handler h = {split_el, NULL, &c};
		tf_msg_kind kind;
		tf_decode_err derr;
		if (nrec && tf_market_decode_ws(frame.data, frame.len, &kind, &h, &derr))
			return 1;
	}
	offs[NREC] = lines.len;
	tf_engine_cfg cfg;
	tf_engine_cfg_default(&cfg);
	/* decode only */
	double t0 = now_s();
	for (size_t i = 0; i < NREC; i++) {
		tf_tick_handler h = {keep_tick, NULL, &ticks[i]};
		tf_msg_kind kind;
		tf_decode_err derr;
		tf_market_decode_ws(lines.data + offs[i], offs[i + 1] - offs[i] - 1, &kind, &h, &derr);
	}
	double dec_s = now_s() - t0;
	/* engine only */
	tf_engine *e;
	tf_engine_new(&cfg, &e);
	size_t rows = 0, late = 0;
	t0 = now_s();
	for (size_t i = 0; i < NREC; i++) {
		tf_verdict v;
		char why[160];
		tf_engine_add(e, &ticks[i], &v, why, sizeof why);
		late += v == TF_TICK_LATE;
		if (i % 50000 == 49999)
			drain(e, &rows);
	}
	drain(e, &rows);
	double eng_s = now_s() - t0;
	tf_engine_free(e);
	/* both */
	tf_engine_new(&cfg, &e);
	t0 = now_s();
	for (size_t i = 0; i < NREC; i++) {
		tf_tick tk;
		tf_tick_handler h = {keep_tick, NULL, &tk};
		tf_msg_kind kind;
		tf_decode_err derr;
		tf_verdict v;
		char why[160];
		if (tf_market_decode_ws(lines.data + offs[i], offs[i + 1] - offs[i] - 1, &kind, &h, &derr) == TF_OK)
			tf_engine_add(e, &tk, &v, why, sizeof why);
		if (i % 50000 == 49999)
			drain(e, &rows);
	}
	drain(e, &rows);
	double both_s = now_s() - t0;
	tf_engine_free(e);
	printf("engine throughput, %d records of %d symbols (%.0f MB of JSON), one core\n", NREC, NSYM, lines.len / 1e6);
	printf("%-16s %12s %14s %10s\n", "path", "seconds", "records/s", "vs 3M/s");
	printf("%-16s %12.3f %14.0f %9.2fx\n", "decode only", dec_s, NREC / dec_s, NREC / dec_s / 3e6);
	printf("%-16s %12.3f %14.0f %9.2fx\n", "engine only", eng_s, NREC / eng_s, NREC / eng_s / 3e6);
	printf("%-16s %12.3f %14.0f %9.2fx\n", "decode+engine", both_s, NREC / both_s, NREC / both_s / 3e6);
	printf("(%zu candle rows drained, %zu late)\n", rows, late);
	int rc = 0;
	if (argc == 3 && !strcmp(argv[1], "--jsonl")) {
		FILE *f = fopen(argv[2], "w");
		if (!f || fwrite(lines.data, 1, lines.len, f) != lines.len || fclose(f)) {
			perror(argv[2]);
			return 1;
		}
		/* read the file back and build 1-minute candles only, like the DuckDB query */
		t0 = now_s();
		f = fopen(argv[2], "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		tf_engine_cfg one = cfg;
		one.nintervals = 1;
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
	return rc;
}
