/* report_cmd.c — `tickflow report`: load a batch (latest run_ts, --run-ts, or --since of candles),
 * compute the report, write reports/report-YYYYmmdd-HHMMSS.html (UTC) or JSON to stdout, and mail
 * it when --mail-to is given. With --every it keeps going on a wall-clock-aligned schedule and a
 * failed run (store down, mail refused) is logged and retried at the next slot. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
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
#include "batch/mail.h"
#include "batch/metrics.h"
#include "batch/quote.h"
#include "batch/report_fmt.h"
#include "batch/report_html.h"
#include "batch/report_json.h"
#include "batch/report_scan.h"
#include "batch/report_text.h"
#include "batch/schedule.h"
#include "cmd.h"

#define REPORT_MAX_BYTES ((size_t)1 << 31)

typedef struct {
	const char *store, *out, *format, *quote, *interval, *mail_to, *mail_from, *smtp, *smtp_ca;
	int64_t run_ts, since, table_rows, readers, mail_retries, mail_backoff, mail_timeout, every, runs;
} report_opts;

/* mkdir -p */
static tf_err make_dirs(const char *path, char *why, size_t cap)
{
	char p[1024];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = p + 1;; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = 0;
			if (mkdir(p, 0755) && errno != EEXIST) {
				snprintf(why, cap, "cannot create directory %.300s: %s", p, strerror(errno));
				return TF_ERR_IO;
			}
			if (!(*s = c))
				return TF_OK;
		}
	}
}

/* Writes data to DIR/report-YYYYmmdd-HHMMSS.html (a "-N" suffix when that second is taken) through
 * a temporary file and rename, so a reader never sees half a report. */
static tf_err write_report(const char *dir, int64_t now_ms, const tf_buf *data, char *path, size_t pcap, char *why,
			   size_t cap)
{
	tf_err err = make_dirs(dir, why, cap);
	if (err)
		return err;
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;
	char stamp[32], tmp[1100];
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	for (int i = 0; i < 100; i++) {
		if (i)
			snprintf(path, pcap, "%.900s/report-%s-%d.html", dir, stamp, i);
		else
			snprintf(path, pcap, "%.900s/report-%s.html", dir, stamp);
		if (access(path, F_OK))
			break;
	}
	snprintf(tmp, sizeof tmp, "%.1000s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	if (!f || fwrite(data->data, 1, data->len, f) != data->len || fflush(f) || fsync(fileno(f))) {
		snprintf(why, cap, "cannot write %.300s: %s", tmp, strerror(errno));
		if (f)
			fclose(f);
		unlink(tmp);
		return TF_ERR_IO;
	}
	fclose(f);
	if (rename(tmp, path)) {
		snprintf(why, cap, "cannot rename %.300s: %s", tmp, strerror(errno));
		unlink(tmp);
		return TF_ERR_IO;
	}
	return TF_OK;
}

/* --since: candles folded into one row per symbol (a few thousand at most), computed in one part. */
static tf_err from_candles(const report_opts *o, tf_store *s, bool keep_all, tf_report_data *d, char *why, size_t cap)
{
	tf_snapshot *rows = NULL;
	size_t n = 0;
	int64_t run_ts = tf_now_ms();
	tf_report_part *p = NULL;
	tf_err err = tf_store_load_candle_summary(s, o->interval, run_ts - o->since, run_ts + 1, &rows, &n);
	if (err) {
		snprintf(why, cap, "cannot read candles: %s", tf_store_error(s));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		tf_batch_quote_of(rows[i].symbol, rows[i].quote, sizeof rows[i].quote);
		rows[i].dead = rows[i].last == 0;
	}
	if (!n) {
		snprintf(why, cap, "no %s candles in the last %lld s; is 'tickflow stream' writing to this store?", o->interval,
			 (long long)(o->since / 1000));
		err = TF_ERR_NOT_FOUND;
		goto out;
	}
	const bool fwd = false;
	if ((err = tf_report_part_new(o->quote, (size_t)o->table_rows, keep_all, &p)) ||
	    (err = tf_report_part_add(p, rows, n))) {
		snprintf(why, cap, "out of memory");
		goto out;
	}
	err = tf_report_finish(&p, &fwd, 1, o->quote, run_ts, o->since, d, why, cap);
out:
	tf_report_part_free(p);
	free(rows);
	return err;
}

/* The report's numbers from the store: the latest batch, --run-ts, or --since of candles. */
static tf_err gather(const report_opts *o, tf_store *s, bool keep_all, tf_report_data *d, char *why, size_t cap)
{
	if (o->since > 0)
		return from_candles(o, s, keep_all, d, why, cap);
	int64_t run_ts = o->run_ts;
	if (run_ts <= 0) {
		bool found;
		tf_err err = tf_store_latest_run(s, &run_ts, &found);
		if (err) {
			snprintf(why, cap, "cannot read ticker_snapshots: %s", tf_store_error(s));
			return err;
		}
		if (!found) {
			snprintf(why, cap, "ticker_snapshots is empty; run 'tickflow collect' first");
			return TF_ERR_NOT_FOUND;
		}
	}
	tf_report_scan_opts so = {o->store, run_ts, o->quote, keep_all ? 0 : (size_t)o->table_rows, keep_all, (int)o->readers};
	return tf_report_scan(s, &so, d, why, cap);
}

static tf_err mail_report(const report_opts *o, const tf_report_data *d, const tf_buf *html, const char *path,
			  char *why, size_t cap)
{
	tf_buf text, subj;
	tf_buf_init(&text, 1 << 20);
	tf_buf_init(&subj, 512);
	tf_err err = tf_report_text(&text, d);
	if (!err)
		err = tf_buf_appendf(&subj, "tickflow market report — %s ", d->quote);
	if (!err)
		err = tf_fmt_time(&subj, d->run_ts);
	if (!err)
		err = tf_buf_appendf(&subj, ", %zu up / %zu down", d->advancers, d->decliners);
	const char *base = strrchr(path, '/');
	tf_mail_msg msg = {subj.data, text.data, html->data, html->len, base ? base + 1 : path};
	char host[128] = "localhost", from[200];
	gethostname(host, sizeof host - 1);
	snprintf(from, sizeof from, "tickflow@%s", host);
	tf_mail_opts mo = {o->smtp, o->mail_from ? o->mail_from : from, o->mail_to, o->smtp_ca, (int)o->mail_retries,
			   o->mail_backoff, o->mail_timeout};
	int attempts = 0;
	if (!err)
		err = tf_batch_mail_send(&mo, &msg, &attempts, why, cap);
	if (!err)
		tf_info("mailed %s to %s (%d attempt(s))", path, o->mail_to, attempts);
	else if (err != TF_ERR_USAGE)
		snprintf(why + strlen(why), cap - strlen(why), " after %d attempt(s); the report is kept at %.300s", attempts, path);
	tf_buf_free(&text);
	tf_buf_free(&subj);
	return err;
}

/* One report; returns an exit code. */
static int run_once(const report_opts *o)
{
	char why[1024] = "", path[1200] = "";
	tf_store *s = NULL;
	int64_t now = tf_now_ms();
	tf_report_data d = {0};
	tf_buf out;
	tf_buf_init(&out, REPORT_MAX_BYTES);
	int rc = TF_EXIT_FAILURE;
	tf_err err = tf_store_open(o->store, &s, why, sizeof why);
	if (err) {
		fprintf(stderr, "tickflow: cannot open store %s: %s\n", o->store, why);
		rc = err == TF_ERR_USAGE ? TF_EXIT_USAGE : TF_EXIT_FAILURE;
		goto out;
	}
	if ((err = gather(o, s, !strcmp(o->format, "json"), &d, why, sizeof why))) {
		fprintf(stderr, "tickflow: report: %s\n", why);
		goto out;
	}
	if (!strcmp(o->format, "json")) {
		if ((err = tf_report_json(&out, &d, now)) || fwrite(out.data, 1, out.len, stdout) != out.len) {
			fprintf(stderr, "tickflow: report: cannot write JSON (%s)\n", tf_err_str(err));
			goto out;
		}
		fflush(stdout);
		rc = TF_EXIT_OK;
		goto out;
	}
	if ((err = tf_report_html(&out, &d, (size_t)o->table_rows, now)) ||
	    (err = write_report(o->out, now, &out, path, sizeof path, why, sizeof why))) {
		fprintf(stderr, "tickflow: report: %s\n", err == TF_ERR_IO ? why : tf_err_str(err));
		goto out;
	}
	tf_info("%s: %zu symbols, %zu ranked in %s", path, d.n, d.ranked, d.quote);
	printf("%s\n", path);
	fflush(stdout);
	if (o->mail_to && *o->mail_to && (err = mail_report(o, &d, &out, path, why, sizeof why))) {
		fprintf(stderr, "tickflow: report: e-mail not sent: %s\n", why);
		rc = err == TF_ERR_USAGE ? TF_EXIT_USAGE : TF_EXIT_FAILURE;
		goto out;
	}
	rc = TF_EXIT_OK;
out:
	tf_report_data_free(&d);
	tf_buf_free(&out);
	tf_store_close(s);
	return rc;
}

int tf_cmd_report(int argc, char **argv)
{
	report_opts o = {0};
	tf_opt opts[] = {
		{"store", TF_OPT_STR, "sqlite:tickflow.db", "sqlite:PATH or postgresql://user@host/db", &o.store, 0, 0, NULL},
		{"out", TF_OPT_STR, "reports", "directory for report-YYYYmmdd-HHMMSS.html (UTC)", &o.out, 0, 0, NULL},
		{"format", TF_OPT_CHOICE, "html", "html: write the file (and mail it); json: print the numbers on stdout", &o.format, 0, 0, "html|json"},
		{"quote", TF_OPT_STR, NULL, "rank within this quote currency (default: USDT when present, else the most common)", &o.quote, 0, 0, NULL},
		{"run-ts", TF_OPT_INT, "0", "report on this collect batch (default: the latest)", &o.run_ts, 0, 0, NULL},
		{"since", TF_OPT_DURATION, "0s", "instead of a snapshot: candles of this last period (e.g. 24h)", &o.since, 0, 0, NULL},
		{"interval", TF_OPT_STR, "1m", "with --since: the candle interval to read", &o.interval, 0, 0, NULL},
		{"table-rows", TF_OPT_INT, "200", "rows of the per-symbol table (by volume)", &o.table_rows, 1, 10000000, NULL},
		{"readers", TF_OPT_INT, "0", "threads reading the batch, each on its own connection (0: two on a multi-core machine; PostgreSQL: one unless the symbol collation is C)", &o.readers, 0, 2, NULL},
		{"mail-to", TF_OPT_STR, NULL, "mail the report to these addresses (a@x,b@y)", &o.mail_to, 0, 0, NULL},
		{"mail-from", TF_OPT_STR, NULL, "sender address (default tickflow@HOSTNAME)", &o.mail_from, 0, 0, NULL},
		{"smtp", TF_OPT_STR, "smtp://127.0.0.1:25", "smtp://host:587 (STARTTLS, required unless loopback) or smtps://host:465; "
			"AUTH from TICKFLOW_SMTP_USER / TICKFLOW_SMTP_PASSWORD in the environment", &o.smtp, 0, 0, NULL},
		{"smtp-ca-file", TF_OPT_STR, NULL, "PEM bundle to verify the SMTP server (default: system CAs)", &o.smtp_ca, 0, 0, NULL},
		{"mail-retries", TF_OPT_INT, "3", "retries of a failed send", &o.mail_retries, 0, 100, NULL},
		{"mail-backoff", TF_OPT_DURATION, "5s", "first delay between sends; doubles", &o.mail_backoff, 0, 0, NULL},
		{"mail-timeout", TF_OPT_DURATION, "60s", "per send attempt", &o.mail_timeout, 0, 0, NULL},
		{"every", TF_OPT_DURATION, "0s", "report on this schedule, aligned to the UTC clock (e.g. 6h); 0 = once", &o.every, 0, 0, NULL},
		{"runs", TF_OPT_INT, "0", "with --every: stop after this many reports (0 = until SIGINT/SIGTERM)", &o.runs, 0, 1000000000, NULL},
		{NULL, 0, NULL, NULL, NULL, 0, 0, NULL},
	};
	tf_cmd_spec spec = {"report", "market report over the latest snapshot: HTML file, JSON, e-mail",
			    "Computes spread, mid, return, volatility and volume per symbol, market totals and Top 5s "
			    "(best, worst, volume, volatility) within one quote currency, over the latest "
			    "ticker_snapshots batch (or --run-ts, or --since of candles), and writes one self-contained "
			    "HTML file with inline SVG charts, a plain-language summary and an informational "
			    "decision-support section. --mail-to sends it (text + HTML, report attached).",
			    opts};
	tf_opt_outcome outcome;
	if (tf_opt_parse(&spec, argc, argv, &outcome) != TF_OK)
		return TF_EXIT_USAGE;
	if (outcome == TF_OPT_HELP_SHOWN)
		return TF_EXIT_OK;
	if (o.quote && (!*o.quote || strlen(o.quote) > 15 || strspn(o.quote, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(o.quote))) {
		fprintf(stderr, "tickflow: --quote '%.40s' is not a quote asset (1-15 of A-Z 0-9, e.g. USDT)\n", o.quote);
		return TF_EXIT_USAGE;
	}
	if (o.mail_to && !strcmp(o.format, "json")) {
		fprintf(stderr, "tickflow: --mail-to sends the HTML report; drop --format json\n");
		return TF_EXIT_USAGE;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc;
	if (o.every <= 0) {
		rc = run_once(&o);
	} else {
		tf_run_signals();
		tf_run_ready();
		tf_info("every %lld ms into %s", (long long)o.every, o.out);
		rc = TF_EXIT_OK;
		for (int64_t i = 0; !tf_run_stopping() && (!o.runs || i < o.runs); i++) {
			int64_t now = tf_now_ms();
			if (!tf_batch_sleep_until(tf_batch_next_slot(now, o.every)))
				break;
			int r = run_once(&o);
			if (r == TF_EXIT_USAGE) {
				rc = r;
				break;
			}
			if (r != TF_EXIT_OK)
				tf_warn("this run failed; trying again at the next slot");
		}
	}
	curl_global_cleanup();
	return rc;
}
