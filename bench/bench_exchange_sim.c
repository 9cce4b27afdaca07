/* bench_exchange_sim.c — the simulator alone: time and memory to build 24 h of history, and the
 * rate at which it produces !miniTicker@arr records under load (--rate), against the 1,000,000
 * records/s that `tickflow exchange --rate` promises at most. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "exchange/sim.h"

#define START 1700000000000LL

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/* Frames of up to `per_frame` records, one simulated millisecond apart, for `ms` milliseconds. */
static void load(int nsym, double rate, int per_frame, int ms)
{
	tf_sim_config c = {.seed = 42, .nsymbols = nsym, .start_ms = START,
			   .extra_trade_rate = tf_sim_rate_for(rate, nsym)};
	tf_sim *s;
	if (tf_sim_new(&c, &s) != TF_OK) {
		printf("sim_new failed\n");
		return;
	}
	tf_buf b;
	tf_buf_init(&b, 1 << 28);
	size_t total = 0, bytes = 0;
	int64_t t0 = tf_mono_ns();
	for (int i = 1; i <= ms; i++) {
		size_t n;
		tf_buf_reset(&b);
		tf_sim_next_frame(s, START + i, (size_t)per_frame, &b, &n);
		total += n;
		bytes += b.len;
	}
	double secs = (double)(tf_mono_ns() - t0) / 1e9;
	double rps = (double)total / secs;
	printf("| load %5d symbols, %7.0f/s asked | %9.0f records per CPU second | %6.1f MB of JSON per CPU second | %5.2fx of 1,000,000/s |\n", nsym,
	       rate, rps, (double)bytes / secs / 1e6, rps / 1e6);
	tf_buf_free(&b);
	tf_sim_free(s);
}

int main(void)
{
	printf("| what | value | | |\n|---|---|---|---|\n");
	int sizes[] = {200, 2000};
	for (int i = 0; i < 2; i++) {
		long before = rss_kb();
		int64_t t0 = tf_mono_ns();
		tf_sim_config c = {.seed = 42, .nsymbols = sizes[i], .start_ms = START};
		tf_sim *s;
		if (tf_sim_new(&c, &s) != TF_OK)
			return 1;
		double ms = (double)(tf_mono_ns() - t0) / 1e6;
		long after = rss_kb();
		/* Binance pace: one frame a second of every changed symbol, for a simulated minute */
		tf_buf b;
		tf_buf_init(&b, 1 << 26);
		size_t recs = 0;
		int64_t t1 = tf_mono_ns();
		for (int sec = 1; sec <= 60; sec++) {
			size_t n;
			tf_buf_reset(&b);
			tf_sim_next_frame(s, START + sec * 1000, (size_t)sizes[i], &b, &n);
			recs += n;
		}
		double cpu = (double)(tf_mono_ns() - t1) / 1e9;
		printf("| %d symbols: history | %.0f ms, %.1f MB RSS | Binance pace: %.0f records/frame | %.2f %% of a core |\n",
		       sizes[i], ms, (double)(after - before) / 1024.0, (double)recs / 60, cpu / 60 * 100);
		tf_buf_free(&b);
		tf_sim_free(s);
	}
	load(2000, 1000000, 2000, 2000);
	load(200, 100000, 200, 3000);
	return 0;
}
