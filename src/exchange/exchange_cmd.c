/* exchange_cmd.c — `tickflow exchange`: options, the simulator, the server, clean stop on
 * SIGINT/SIGTERM. The work is in sim.c (the market) and server.c (the network). */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/opt.h"
#include "base/run.h"
#include "cmd.h"
#include "exchange/server.h"
#include "exchange/sim.h"
#include "net/loop.h"

static void stop_loop(void *loop) { tf_loop_stop(loop); } /* async-signal-safe */

static const char *listen_addr, *tls_cert, *tls_key;
static int64_t nsymbols, seed = -1, rate, ping_interval, pong_timeout, max_conn_age, weight_limit, max_conns,
	       max_queued;

static tf_opt opts[] = {
	{"listen", TF_OPT_STR, "127.0.0.1:9443", "address for WebSocket streams and REST (host:port; port 0 = any)",
	 &listen_addr, 0, 0, NULL},
	{"symbols", TF_OPT_INT, "200", "number of simulated symbols (real names first, then synthetic)", &nsymbols, 1,
	 5000, NULL},
	{"seed", TF_OPT_INT, NULL, "random seed; the same seed gives the same market (default: from the clock, printed at start)",
	 &seed, 0, INT64_MAX, NULL},
	{"rate", TF_OPT_INT, "0",
	 "miniTicker records per second; 0 = Binance's pace (every changed symbol once a second)", &rate, 0, 1000000,
	 NULL},
	{"tls-cert", TF_OPT_STR, NULL, "PEM certificate chain: serve wss:// and https:// (needs --tls-key)", &tls_cert, 0, 0,
	 NULL},
	{"tls-key", TF_OPT_STR, NULL, "PEM private key for --tls-cert", &tls_key, 0, 0, NULL},
	{"ping-interval", TF_OPT_DURATION, "20s", "ping every WebSocket client this often", &ping_interval, 100,
	 86400000, NULL},
	{"pong-timeout", TF_OPT_DURATION, "60s", "drop a client that has not answered a ping for this long",
	 &pong_timeout, 100, 86400000, NULL},
	{"max-conn-age", TF_OPT_DURATION, "24h", "send serverShutdown and close connections this old", &max_conn_age,
	 1000, 30 * 86400000LL, NULL},
	{"weight-limit", TF_OPT_INT, "6000", "REST request weight allowed per IP and minute (then HTTP 429)",
	 &weight_limit, 1, 100000000, NULL},
	{"max-connections", TF_OPT_INT, "1024", "open connections at most (HTTP and WebSocket)", &max_conns, 1, 100000,
	 NULL},
	{"max-queued", TF_OPT_INT, "16777216", "bytes queued to one WebSocket client before it is dropped as too slow",
	 &max_queued, 65536, 1073741824, NULL},
	{NULL, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const tf_cmd_spec spec = {
	"exchange",
	"a local Binance-compatible exchange (WebSocket + REST) for offline runs and tests",
	"Simulates a spot market (geometric Brownian motion with jumps, tick sizes, trades, 24 h statistics\n"
	"and klines from 24 h of generated history) and serves it like Binance: WebSocket /ws/<stream>,\n"
	"/stream?streams=a/b (streams !miniTicker@arr, <sym>@miniTicker, <sym>@kline_<interval>,\n"
	"<sym>@trade; SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS), REST /api/v3/ping, /time, /ticker/24hr,\n"
	"/klines, /exchangeInfo with request weights, and a Yahoo-style /v8/finance/chart/<SYM> for a few\n"
	"stock-like symbols (AAPL, MSFT, ...).",
	opts,
};

int tf_cmd_exchange(int argc, char **argv)
{
	tf_opt_outcome outcome;
	if (tf_opt_parse(&spec, argc, argv, &outcome) != TF_OK)
		return TF_EXIT_USAGE;
	if (outcome == TF_OPT_HELP_SHOWN)
		return TF_EXIT_OK;
	if (!tls_cert != !tls_key) {
		fprintf(stderr, "tickflow exchange: --tls-cert and --tls-key go together; give both or neither\n");
		return TF_EXIT_USAGE;
	}
	uint64_t s = seed >= 0 ? (uint64_t)seed : (uint64_t)tf_now_ms() ^ ((uint64_t)tf_mono_ns() << 20);
	if (seed < 0)
		s &= INT64_MAX; /* printable and accepted back by --seed */
	int rc = TF_EXIT_FAILURE;
	tf_sim *sim = NULL;
	tf_loop *loop = NULL;
	tf_xserver *srv = NULL;
	tf_sim_config cfg = {.seed = s, .nsymbols = (int)nsymbols, .start_ms = tf_now_ms(),
			     .extra_trade_rate = tf_sim_rate_for((double)rate, (int)nsymbols)};
	int64_t t0 = tf_mono_ms();
	tf_err err = tf_sim_new(&cfg, &sim);
	if (err) {
		fprintf(stderr, "tickflow exchange: cannot build the simulated market: %s\n", tf_err_str(err));
		goto out;
	}
	if ((err = tf_loop_new(&loop))) {
		fprintf(stderr, "tickflow exchange: cannot create the event loop: %s\n", tf_err_str(err));
		goto out;
	}
	tf_xserver_opts so = {
		.listen = listen_addr,
		.tls_cert = tls_cert,
		.tls_key = tls_key,
		.rate = (double)rate,
		.ping_interval_ms = ping_interval,
		.pong_timeout_ms = pong_timeout,
		.max_conn_age_ms = max_conn_age,
		.weight_limit = weight_limit,
		.max_conns = (int)max_conns,
		.max_queued = (size_t)max_queued,
	};
	char errbuf[256] = "";
	if ((err = tf_xserver_new(loop, sim, &so, &srv, errbuf, sizeof errbuf)) == TF_ERR_TLS) {
		fprintf(stderr, "tickflow exchange: TLS setup failed: %s; check --tls-cert and --tls-key\n",
			errbuf[0] ? errbuf : tf_err_str(err));
		goto out;
	} else if (err) {
		fprintf(stderr, "tickflow exchange: %s; to listen elsewhere pass --listen HOST:PORT\n", errbuf[0] ? errbuf : tf_err_str(err));
		goto out;
	}
	tf_run_on_stop(stop_loop, loop);
	tf_run_signals();
	const char *host_end = strrchr(listen_addr, ':');
	/* On stderr with the other log lines: stdout stays free for data when piped (make run). */
	tf_info("listening on %s%.*s:%u (seed %llu, %d symbols%s, history built in %lld ms)",
		tls_cert ? "wss/https " : "", (int)(host_end ? host_end - listen_addr : 0), listen_addr,
		(unsigned)tf_xserver_port(srv), (unsigned long long)s, (int)nsymbols, rate ? ", load rate" : "",
		(long long)(tf_mono_ms() - t0));
	tf_run_ready();
	err = tf_loop_run(loop);
	if (err) {
		fprintf(stderr, "tickflow exchange: event loop failed: %s\n", tf_err_str(err));
		goto out;
	}
	tf_info("stopping");
	rc = TF_EXIT_OK;
out:
	tf_run_on_stop(NULL, NULL);
	tf_xserver_free(srv);
	tf_loop_free(loop);
	tf_sim_free(sim);
	return rc;
}
