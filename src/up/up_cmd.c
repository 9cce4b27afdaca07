/* up_cmd.c — `tickflow up`: the whole system in one process.
 *
 * up is a launcher, not a second code path: it runs the ordinary commands (exchange, broker,
 * stream, ingest, serve, collect, report), each on its own thread with the argv a user would type,
 * and they talk to each other exactly as separate processes do: the Kafka protocol to the broker over
 * loopback, SQL to the store, WebSocket/REST to the exchange. --brokers and --store swap the embedded
 * broker and SQLite for a Kafka cluster and PostgreSQL without changing anything else.
 *
 *   start, in order, each once the previous says it is ready (base/run.h):
 *     exchange (--source sim) -> broker (no --brokers) -> stream -> ingest -> serve -> collect, report
 *   stop (SIGINT/SIGTERM), in the order that loses nothing in flight:
 *     ingest (flushes its producer) -> collect, report -> exchange -> stream (commits) -> serve -> broker
 *   a second signal ends the process at once: every acknowledged record is on disk already (the
 *   broker's contract), and the store's transactions make a half-done batch invisible.
 *
 * The signals are blocked in every thread and taken by the main thread with sigtimedwait, so no
 * command's handler runs (tf_run_signals is a no-op under up) and shutdown stays in one place. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/opt.h"
#include "base/run.h"
#include "cmd.h"
#include "net/tcp.h"
#include "up/status.h"

#define MAX_ARGS 40
#define START_TIMEOUT_MS 120000 /* the simulator builds 24 h of history for every symbol first */
#define STOP_TIMEOUT_MS 60000

typedef struct {
	const char *name;
	int (*main)(int argc, char **argv);
	bool enabled;
	char *argv[MAX_ARGS + 1];
	int argc;
	char strings[4096]; /* the argv's text */
	size_t used;
	tf_run run;
	pthread_t thread;
	bool started;
	int rc;
} component;

enum { C_EXCHANGE, C_BROKER, C_STREAM, C_INGEST, C_SERVE, C_COLLECT, C_REPORT, C_COUNT };
static const int stop_order[C_COUNT] = {C_INGEST, C_COLLECT, C_REPORT, C_EXCHANGE, C_STREAM, C_SERVE, C_BROKER};

static struct {
	const char *data_dir, *http, *source, *exchange_listen, *broker_listen, *brokers, *store, *seed;
	const char *mail_to, *smtp, *token;
	int64_t symbols, rate, report_every, status_every, partitions, stream_threads;
	bool store_ticks;
} o;

static tf_opt opts[] = {
	{"data-dir", TF_OPT_STR, "./tickflow-data", "broker log, SQLite store and reports go here (created if missing)",
	 &o.data_dir, 0, 0, NULL},
	{"http", TF_OPT_STR, "127.0.0.1:8080", "address of the dashboard and HTTP API", &o.http, 0, 0, NULL},
	{"source", TF_OPT_STR, "sim",
	 "sim: the built-in exchange simulator; binance: the live market (wss://stream.binance.com); or any "
	 "ingest --source (url:WSS_URL, replay:FILE, yahoo:SYMS)",
	 &o.source, 0, 0, NULL},
	{"symbols", TF_OPT_INT, "200", "sim: number of simulated symbols", &o.symbols, 1, 5000, NULL},
	{"rate", TF_OPT_INT, "0", "sim: records per second (0 = Binance's pace: every changed symbol once a second)",
	 &o.rate, 0, 1000000, NULL},
	{"seed", TF_OPT_STR, NULL, "sim: random seed (default: from the clock)", &o.seed, 0, 0, NULL},
	{"exchange-listen", TF_OPT_STR, "127.0.0.1:9443", "sim: address of the simulated exchange (WebSocket + REST)",
	 &o.exchange_listen, 0, 0, NULL},
	{"broker-listen", TF_OPT_STR, "127.0.0.1:9092", "address of the embedded Kafka-protocol broker", &o.broker_listen,
	 0, 0, NULL},
	{"partitions", TF_OPT_INT, "4", "partitions of the ticks topic (embedded broker)", &o.partitions, 1, 256, NULL},
	{"stream-threads", TF_OPT_INT, "1",
	 "stream engine worker threads: one keeps up with Binance's pace; more for --rate loads (each holds a store connection)",
	 &o.stream_threads, 1, 64, NULL},
	{"store-ticks", TF_OPT_BOOL, "true", "stream: keep every tick in table ticks (--no-store-ticks: the broker's log keeps them)",
	 &o.store_ticks, 0, 0, NULL},
	{"brokers", TF_OPT_STR, NULL, "use these Kafka brokers (HOST:PORT,...) instead of the embedded broker", &o.brokers,
	 0, 0, NULL},
	{"store", TF_OPT_STR, NULL, "sqlite:PATH or postgresql://... (default: sqlite:DATA-DIR/tickflow.db)", &o.store, 0,
	 0, NULL},
	{"token", TF_OPT_STR, NULL, "dashboard bearer token (needed when --http is not loopback)", &o.token, 0, 0, NULL},
	{"report-every", TF_OPT_DURATION, "0s", "collect a REST snapshot and write a report on this schedule (e.g. 6h); 0s = off",
	 &o.report_every, 0, 0, NULL},
	{"mail-to", TF_OPT_STR, NULL, "with --report-every: mail each report to these addresses", &o.mail_to, 0, 0, NULL},
	{"smtp", TF_OPT_STR, NULL, "with --mail-to: smtp://host:587 or smtps://host:465 (see report --help)", &o.smtp, 0,
	 0, NULL},
	{"status-every", TF_OPT_DURATION, "5s", "print a status line this often (0s = never)", &o.status_every, 0, 0,
	 NULL},
	{NULL, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const tf_cmd_spec spec = {
	"up",
	"everything at once on one machine: exchange simulator, broker, ingest, stream, dashboard",
	"Runs exchange (--source sim), broker, ingest, stream (SQLite under --data-dir) and serve in one process,\n"
	"each as its own command talking over loopback exactly as separate processes would, and prints the\n"
	"dashboard URL and a status line. --report-every adds collect + report. Ctrl-C stops in order\n"
	"(ingest flushes, stream commits, the broker last); a second Ctrl-C stops at once, losing nothing that\n"
	"was acknowledged. Starting again continues where it stopped.",
	opts,
};

/* Appends one argument (printf-style) to c's argv. */
static bool arg(component *c, const char *fmt, ...)
{
	if (c->argc >= MAX_ARGS)
		return false;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(c->strings + c->used, sizeof c->strings - c->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof c->strings - c->used)
		return false;
	c->argv[c->argc++] = c->strings + c->used;
	c->argv[c->argc] = NULL;
	c->used += (size_t)n + 1;
	return true;
}

/* Options every command takes from up: its log settings and its config file. */
static bool common_args(component *c, const char *log_level, const char *log_format, const char *config)
{
	bool ok = arg(c, "%s", c->name);
	if (log_level)
		ok = ok && arg(c, "--log-level=%s", log_level);
	if (log_format)
		ok = ok && arg(c, "--log-format=%s", log_format);
	if (config)
		ok = ok && arg(c, "--config=%s", config);
	return ok;
}

static bool is_sim(void) { return !strcmp(o.source, "sim"); }

/* Builds every component's argv from up's options. false when an argument does not fit. */
static bool plan(component *cs, const char *store, const char *brokers, const char *lvl, const char *fmt, const char *cfg)
{
	static const struct {
		const char *name;
		int (*main)(int, char **);
	} table[C_COUNT] = {{"exchange", tf_cmd_exchange}, {"broker", tf_cmd_broker}, {"stream", tf_cmd_stream},
			    {"ingest", tf_cmd_ingest},     {"serve", tf_cmd_serve},   {"collect", tf_cmd_collect},
			    {"report", tf_cmd_report}};
	bool ok = true;
	for (int i = 0; i < C_COUNT; i++) {
		cs[i].name = table[i].name;
		cs[i].main = table[i].main;
	}
	cs[C_EXCHANGE].enabled = is_sim();
	cs[C_BROKER].enabled = !o.brokers;
	cs[C_STREAM].enabled = cs[C_INGEST].enabled = cs[C_SERVE].enabled = true;
	cs[C_COLLECT].enabled = cs[C_REPORT].enabled = o.report_every > 0;
	for (int i = 0; i < C_COUNT; i++)
		if (cs[i].enabled)
			ok = ok && common_args(&cs[i], lvl, fmt, cfg);

	component *c = &cs[C_EXCHANGE];
	if (c->enabled) {
		ok = ok && arg(c, "--listen=%s", o.exchange_listen) && arg(c, "--symbols=%lld", (long long)o.symbols) &&
		     arg(c, "--rate=%lld", (long long)o.rate);
		if (o.seed)
			ok = ok && arg(c, "--seed=%s", o.seed);
	}
	c = &cs[C_BROKER];
	if (c->enabled)
		ok = ok && arg(c, "--listen=%s", o.broker_listen) && arg(c, "--data-dir=%s/broker", o.data_dir) &&
		     arg(c, "--partitions=%lld", (long long)o.partitions);
	c = &cs[C_STREAM];
	ok = ok && arg(c, "--brokers=%s", brokers) && arg(c, "--store=%s", store) &&
	     arg(c, "--threads=%lld", (long long)o.stream_threads) && arg(c, "--store-ticks=%s", o.store_ticks ? "true" : "false");
	c = &cs[C_INGEST];
	ok = ok && arg(c, "--brokers=%s", brokers);
	if (is_sim())
		ok = ok && arg(c, "--source=url:ws://%s/ws/!miniTicker@arr", o.exchange_listen) &&
		     arg(c, "--rest-url=http://%s", o.exchange_listen);
	else
		ok = ok && arg(c, "--source=%s", o.source);
	c = &cs[C_SERVE];
	ok = ok && arg(c, "--store=%s", store) && arg(c, "--http=%s", o.http) && arg(c, "--brokers=%s", brokers);
	if (o.token)
		ok = ok && arg(c, "--token=%s", o.token);
	if (o.report_every > 0) {
		c = &cs[C_COLLECT];
		ok = ok && arg(c, "--store=%s", store) && arg(c, "--every=%lldms", (long long)o.report_every);
		if (is_sim())
			ok = ok && arg(c, "--rest-url=http://%s", o.exchange_listen);
		c = &cs[C_REPORT];
		/* Both align to the same UTC slots; a report reads the newest complete snapshot, which is the
		 * previous slot's when collect is still fetching (report --help: --run-ts picks one). */
		ok = ok && arg(c, "--store=%s", store) && arg(c, "--every=%lldms", (long long)o.report_every) &&
		     arg(c, "--out=%s/reports", o.data_dir);
		if (o.mail_to)
			ok = ok && arg(c, "--mail-to=%s", o.mail_to);
		if (o.smtp)
			ok = ok && arg(c, "--smtp=%s", o.smtp);
	}
	return ok;
}

static void *component_main(void *ud)
{
	component *c = ud;
	char name[16];
	snprintf(name, sizeof name, "tf-%s", c->name);
	tf_thread_name(name);
	tf_run_bind(&c->run);
	c->rc = c->main(c->argc, c->argv);
	tf_run_bind(NULL);
	tf_run_mark_done(&c->run);
	return NULL;
}

/* The first signal of the set if one is pending within timeout_ms, else 0. */
static int next_signal(const sigset_t *set, int timeout_ms)
{
	struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
	int sig = sigtimedwait(set, NULL, &ts);
	return sig > 0 ? sig : 0;
}

/* Starts c and waits until it serves. false when it ended, did not get ready in time, or a signal came
 * (*signalled). */
static bool start(component *c, const sigset_t *set, bool *signalled)
{
	tf_run_init(&c->run, c->name);
	if (pthread_create(&c->thread, NULL, component_main, c)) {
		tf_error("cannot start a thread for %s", c->name);
		tf_run_destroy(&c->run);
		return false;
	}
	c->started = true;
	for (int64_t t0 = tf_mono_ms(); tf_mono_ms() - t0 < START_TIMEOUT_MS;) {
		bool done;
		if (tf_run_wait_ready(&c->run, 100, &done))
			return true;
		if (done) {
			tf_error("%s stopped while starting (exit %d); see its message above", c->name, c->rc);
			return false;
		}
		if (next_signal(set, 0)) {
			*signalled = true;
			return false;
		}
	}
	tf_error("%s did not get ready within %d s", c->name, START_TIMEOUT_MS / 1000);
	return false;
}

/* Stops the started components in stop order. A second signal exits the process at once. */
static int stop_all(component *cs, const sigset_t *set, int rc)
{
	for (int k = 0; k < C_COUNT; k++) {
		component *c = &cs[stop_order[k]];
		if (!c->started)
			continue;
		tf_run_request_stop(&c->run);
		int64_t t0 = tf_mono_ms();
		while (!tf_run_wait_done(&c->run, 100)) {
			if (next_signal(set, 0)) {
				fprintf(stderr, "tickflow up: second signal: stopping at once (acknowledged records are on disk)\n");
				_exit(130);
			}
			if (tf_mono_ms() - t0 > STOP_TIMEOUT_MS) {
				fprintf(stderr, "tickflow up: %s did not stop within %d s; exiting\n", c->name, STOP_TIMEOUT_MS / 1000);
				_exit(1);
			}
		}
		pthread_join(c->thread, NULL);
		tf_run_destroy(&c->run);
		c->started = false;
		if (c->rc && !rc)
			rc = TF_EXIT_FAILURE;
	}
	return rc;
}

/* mkdir -p of the data directory, with a message that says what to do. */
static bool make_data_dir(const char *dir)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path || !*path) {
		fprintf(stderr, "tickflow up: --data-dir is empty or too long\n");
		return false;
	}
	for (char *p = path + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			fprintf(stderr, "tickflow up: cannot create data directory %s: %s; pass another --data-dir\n", path,
				strerror(errno));
			return false;
		}
		*p = saved;
		if (!saved)
			break;
	}
	if (access(dir, W_OK)) {
		fprintf(stderr, "tickflow up: data directory %s is not writable (%s); pass another --data-dir\n", dir,
			strerror(errno));
		return false;
	}
	return true;
}

/* Fails early, naming up's own flag, when one of its addresses is taken (usually another up). The
 * command that listens there would say so too, but in terms of its own flags. */
static bool ports_free(const component *cs)
{
	const struct {
		bool used;
		const char *addr, *flag;
	} ports[] = {{cs[C_EXCHANGE].enabled, o.exchange_listen, "--exchange-listen"},
		     {cs[C_BROKER].enabled, o.broker_listen, "--broker-listen"},
		     {true, o.http, "--http"}};
	for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
		int fd;
		char why[256];
		if (!ports[i].used)
			continue;
		if (tf_tcp_listen(ports[i].addr, 1, &fd, why, sizeof why)) {
			fprintf(stderr, "tickflow up: %s (%s); stop what uses it (another tickflow up?) or pass another %s\n", why,
				ports[i].flag, ports[i].flag);
			return false;
		}
		close(fd);
	}
	return true;
}

/* The option up was given for its own logging and config, handed on to every command. */
static const char *flag_value(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);
	const char *v = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], name, n) && argv[i][n] == '=')
			v = argv[i] + n + 1;
		else if (!strcmp(argv[i], name) && i + 1 < argc)
			v = argv[++i];
	}
	return v;
}

static void print_status(tf_up_status **st, const char *store, int64_t start_ms, bool tty)
{
	char why[256], line[256];
	if (!*st && tf_up_status_open(store, start_ms, st, why, sizeof why)) {
		tf_warn("status: cannot read the store: %s", why);
		return;
	}
	if (tf_up_status_line(*st, line, sizeof line)) {
		tf_warn("status: the store did not answer");
		tf_up_status_close(*st);
		*st = NULL;
		return;
	}
	if (tty) {
		char ts[32];
		tf_time_iso(tf_now_ms(), ts, sizeof ts);
		printf("%.19s  %s\n", ts, line);
		fflush(stdout);
	} else {
		tf_info("%s", line);
	}
}

int tf_cmd_up(int argc, char **argv)
{
	tf_opt_outcome outcome;
	if (tf_opt_parse(&spec, argc, argv, &outcome) != TF_OK)
		return TF_EXIT_USAGE;
	if (outcome == TF_OPT_HELP_SHOWN)
		return TF_EXIT_OK;
	if (o.mail_to && o.report_every <= 0) {
		fprintf(stderr, "tickflow up: --mail-to sends the scheduled report; add --report-every (e.g. 6h)\n");
		return TF_EXIT_USAGE;
	}
	if (!make_data_dir(o.data_dir))
		return TF_EXIT_FAILURE;
	char store[4200], brokers[512];
	if (o.store)
		snprintf(store, sizeof store, "%s", o.store);
	else if (snprintf(store, sizeof store, "sqlite:%s/tickflow.db", o.data_dir) >= (int)sizeof store) {
		fprintf(stderr, "tickflow up: --data-dir is too long\n");
		return TF_EXIT_USAGE;
	}
	snprintf(brokers, sizeof brokers, "%s", o.brokers ? o.brokers : o.broker_listen);
	static component cs[C_COUNT];
	memset(cs, 0, sizeof cs);
	if (!plan(cs, store, brokers, flag_value(argc, argv, "--log-level"), flag_value(argc, argv, "--log-format"),
		  flag_value(argc, argv, "--config"))) {
		fprintf(stderr, "tickflow up: an option value is too long\n");
		return TF_EXIT_USAGE;
	}

	if (!ports_free(cs))
		return TF_EXIT_FAILURE;

	/* Signals: blocked here before any thread exists, so every thread inherits the mask. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	int64_t start_ms = tf_now_ms(), t0 = tf_mono_ms();
	int rc = TF_EXIT_OK;
	bool signalled = false;
	static const int start_order[C_COUNT] = {C_EXCHANGE, C_BROKER, C_STREAM, C_INGEST, C_SERVE, C_COLLECT, C_REPORT};
	for (int k = 0; k < C_COUNT && !signalled; k++) {
		component *c = &cs[start_order[k]];
		if (c->enabled && !start(c, &set, &signalled)) {
			if (!signalled)
				rc = TF_EXIT_FAILURE;
			break;
		}
	}
	tf_up_status *st = NULL;
	if (rc == TF_EXIT_OK && !signalled) {
		printf("tickflow up: dashboard at http://%s/ (ready in %.1f s; data in %s; Ctrl-C stops)\n", o.http,
		       (double)(tf_mono_ms() - t0) / 1000.0, o.data_dir);
		fflush(stdout);
		bool tty = isatty(STDOUT_FILENO);
		char why[256];
		if (o.status_every > 0 && tf_up_status_open(store, start_ms, &st, why, sizeof why))
			tf_warn("status: cannot read the store: %s", why);
		int64_t next_status = tf_mono_ms() + (o.status_every > 0 ? o.status_every : 0);
		for (;;) {
			if (next_signal(&set, 200)) {
				fprintf(stderr, "tickflow up: stopping (Ctrl-C again to stop at once)\n");
				break;
			}
			component *ended = NULL;
			for (int i = 0; i < C_COUNT && !ended; i++) {
				bool done;
				if (cs[i].started && !tf_run_wait_ready(&cs[i].run, 0, &done) && done)
					ended = &cs[i];
			}
			if (ended) {
				tf_error("%s stopped unexpectedly (exit %d); stopping everything", ended->name, ended->rc);
				rc = TF_EXIT_FAILURE;
				break;
			}
			if (o.status_every > 0 && tf_mono_ms() >= next_status) {
				print_status(&st, store, start_ms, tty);
				next_status += o.status_every;
			}
		}
	}
	tf_up_status_close(st);
	rc = stop_all(cs, &set, rc);
	tf_info("stopped");
	return rc;
}
