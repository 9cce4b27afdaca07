/* bench_exchange_sim.c — the simulator alone: time and memory to build 24 h of history, and the
 * rate at which it produces !miniTicker@arr records under load (--rate), against the 1,000,000
 * records/s that `tickflow exchange --rate` promises at most. The memory line compares the state
 * the sim holds with the minute data it serves (1440 minutes x 36-byte buckets per symbol, what
 * the simulator stored before it replayed old minutes from hour checkpoints), after 10 minutes
 * and after 25 hours of simulated trading (the steady state: the window then holds only live
 * minutes, each expired by a second simulation). */
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

/* State and RSS of a 2000-symbol sim at start, +10 min and +25 h of Binance-pace frames. */
static void memory(void)
{
	const int nsym = 2000;
	long before = rss_kb();
	tf_sim_config c = {.seed = 42, .nsymbols = nsym, .start_ms = START};
	tf_sim *s;
	if (tf_sim_new(&c, &s) != TF_OK) {
		printf("sim_new failed\n");
		return;
	}
	double raw = (double)(tf_sim_nsymbols(s) * 1440 + tf_sim_nstocks(s) * 30 * 1440) * 36;
	tf_buf b;
	tf_buf_init(&b, 1 << 26);
	int64_t marks[] = {0, 10 * 60, 25 * 3600};
	int64_t sec = 0;
	for (int i = 0; i < 3; i++) {
		/* one frame a simulated minute: the same trades as once a second, fewer JSON bytes */
		for (; sec < marks[i]; sec += 60) {
			size_t n;
			tf_buf_reset(&b);
			tf_sim_next_frame(s, START + (sec + 60) * 1000, (size_t)nsym, &b, &n);
		}
		size_t bytes = tf_sim_state_bytes(s);
		printf("| memory, %d symbols, +%5.2f h | state %.1f MB = %.0f B/symbol | RSS +%.1f MB | %.3fx of the minute data (%.0f MB) |\n",
		       nsym, (double)marks[i] / 3600, (double)bytes / 1e6, (double)bytes / nsym,
		       (double)(rss_kb() - before) / 1024.0, (double)bytes / raw, raw / 1e6);
	}
	tf_buf_free(&b);
	tf_sim_free(s);
}

int main(void)
{
	printf("| what | value | | |\n|---|---|---|---|\n");
	memory(); /* first: RSS is measured from a fresh heap */
	int sizes[] = {200, 2000};
	for (int i = 0; i < 2; i++) {
		int64_t t0 = tf_mono_ns();
		tf_sim_config c = {.seed = 42, .nsymbols = sizes[i], .start_ms = START};
		tf_sim *s;
		if (tf_sim_new(&c, &s) != TF_OK)
			return 1;
		double ms = (double)(tf_mono_ns() - t0) / 1e6;
		double mb = (double)tf_sim_state_bytes(s) / 1e6;
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
		printf("| %d symbols: history | %.0f ms, %.1f MB of state | Binance pace: %.0f records/frame | %.2f %% of a core |\n",
		       sizes[i], ms, mb, (double)recs / 60, cpu / 60 * 100);
		tf_buf_free(&b);
		tf_sim_free(s);
	}
	load(2000, 1000000, 2000, 2000);
	load(200, 100000, 200, 3000);
	return 0;
}
