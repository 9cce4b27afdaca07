/* collect_cmd.c — `tickflow collect`: snapshot GET /api/v3/ticker/24hr into ticker_snapshots once,
 * or on a wall-clock-aligned schedule with --every (surviving transient failures). */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/opt.h"
#include "base/run.h"
#include "batch/collect.h"
#include "batch/schedule.h"
#include "cmd.h"

static int run_once(const tf_collect_opts *co, const char *store_url, tf_collect_state *st)
{
	char why[512] = "";
	tf_store *s = NULL;
	tf_err err = tf_store_open(store_url, &s, why, sizeof why);
	if (err) {
		fprintf(stderr, "tickflow: cannot open store %s: %s\n", store_url, why);
		return err == TF_ERR_USAGE ? TF_EXIT_USAGE : TF_EXIT_FAILURE;
	}
	tf_collect_result r;
	err = tf_batch_collect_once(co, s, st, &r, why, sizeof why);
	tf_store_close(s);
	if (err) {
		fprintf(stderr, "tickflow: collect failed: %s; check --rest-url and --store\n", why);
		return TF_EXIT_FAILURE;
	}
	tf_info("run_ts %lld: %zu symbols (%zu dead, %zu undecodable) in %d attempt(s), used weight %lld",
		(long long)r.run_ts, r.rows, r.dead, r.bad, r.attempts, (long long)r.used_weight);
	printf("run_ts=%lld rows=%zu dead=%zu bad=%zu\n", (long long)r.run_ts, r.rows, r.dead, r.bad);
	fflush(stdout);
	return TF_EXIT_OK;
}

int tf_cmd_collect(int argc, char **argv)
{
	const char *rest_url = NULL, *store = NULL;
	int64_t every = 0, retries = 0, backoff = 0, timeout = 0, max_wait = 0, weight = 0, runs = 0, max_body = 0;
	tf_opt opts[] = {
		{"rest-url", TF_OPT_STR, "https://api.binance.com", "REST base URL (the simulator: http://127.0.0.1:9443)", &rest_url, 0, 0, NULL},
		{"store", TF_OPT_STR, "sqlite:tickflow.db", "sqlite:PATH or postgresql://user@host/db", &store, 0, 0, NULL},
		{"every", TF_OPT_DURATION, "0s", "collect on this schedule, aligned to the UTC clock (0 = once)", &every, 0, 0, NULL},
		{"runs", TF_OPT_INT, "0", "with --every: stop after this many runs (0 = until SIGINT/SIGTERM)", &runs, 0, 1000000000, NULL},
		{"retries", TF_OPT_INT, "4", "retries of a transient failure (network, 5xx, 429, store busy)", &retries, 0, 100, NULL},
		{"backoff", TF_OPT_DURATION, "1s", "first retry delay; doubles each retry", &backoff, 0, 0, NULL},
		{"timeout", TF_OPT_DURATION, "30s", "per request", &timeout, 0, 0, NULL},
		{"max-retry-wait", TF_OPT_DURATION, "120s", "longest Retry-After (429/418) to wait for before giving up", &max_wait, 0, 0, NULL},
		{"weight-limit", TF_OPT_INT, "6000", "X-MBX-USED-WEIGHT-1M budget: wait for the next minute rather than exceed it", &weight, 0, 1000000000, NULL},
		{"max-body", TF_OPT_INT, "67108864", "largest response body in bytes", &max_body, 1024, 1 << 30, NULL},
		{NULL, 0, NULL, NULL, NULL, 0, 0, NULL},
	};
	tf_cmd_spec spec = {"collect", "snapshot GET /api/v3/ticker/24hr into ticker_snapshots",
			    "Fetches the 24 h statistics of every symbol and stores them in one transaction with one "
			    "run_ts (ms since epoch). Dead symbols (no trades, price zero) are stored with dead=1 and "
			    "never ranked. Honours Retry-After and X-MBX-USED-WEIGHT-1M and retries transient failures "
			    "with exponential backoff; a batch is written whole or not at all.",
			    opts};
	tf_opt_outcome outcome;
	if (tf_opt_parse(&spec, argc, argv, &outcome) != TF_OK)
		return TF_EXIT_USAGE;
	if (outcome == TF_OPT_HELP_SHOWN)
		return TF_EXIT_OK;
	tf_collect_opts co = {rest_url, (int)retries, backoff, timeout, max_wait, weight, (size_t)max_body};
	tf_collect_state st = {-1, 0};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc;
	if (every <= 0) {
		rc = run_once(&co, store, &st);
	} else {
		tf_run_signals();
		tf_run_ready();
		tf_info("every %lld ms into %s", (long long)every, store);
		rc = TF_EXIT_OK;
		for (int64_t n = 0; !tf_run_stopping() && (!runs || n < runs); n++) {
			int64_t now = tf_now_ms();
			if (!tf_batch_sleep_until(tf_batch_next_slot(now, every)))
				break;
			if (run_once(&co, store, &st) != TF_EXIT_OK)
				tf_warn("this run failed; trying again at the next slot");
		}
	}
	curl_global_cleanup();
	return rc;
}
