/* source_yahoo.c — see source_yahoo.h. One GET per symbol per cycle, at most one request in
 * flight; a failed request is logged and the symbol tried again next cycle. */
#include "feed/source_yahoo.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "net/rest_client.h"

#define MAX_SYMBOLS 256

typedef struct {
	tf_source base;
	tf_source_yahoo_opts o;
	char *base_url, *ca_file;
	char symbols[MAX_SYMBOLS][TF_SYMBOL_MAX];
	int nsymbols, idx;
	int64_t next_cycle;        /* monotonic ms */
	tf_rest_response resp;
	bool resp_live;
	char name[64];
} yahoo_source;

static bool symbol_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '^' || c == '=' || c == '_';
}

/* Appends sym to url, percent-encoding the characters that are not unreserved. */
static void append_symbol(char *url, size_t cap, const char *sym)
{
	size_t n = strlen(url);
	for (; *sym && n + 4 < cap; sym++) {
		if (isalnum((unsigned char)*sym) || *sym == '.' || *sym == '-' || *sym == '_')
			url[n++] = *sym;
		else
			n += (size_t)snprintf(url + n, cap - n, "%%%02X", (unsigned char)*sym);
	}
	url[n] = '\0';
}

static tf_err yahoo_next(tf_source *src, tf_feed_msg *m, int timeout_ms)
{
	yahoo_source *y = (yahoo_source *)src;
	if (y->idx == y->nsymbols) {
		int64_t now = tf_mono_ms();
		if (now < y->next_cycle) {
			tf_sleep_ms(y->next_cycle - now < timeout_ms ? y->next_cycle - now : timeout_ms);
			return TF_ERR_AGAIN;
		}
		y->idx = 0;
		y->next_cycle = now + y->o.poll_ms;
	}
	const char *sym = y->symbols[y->idx++];
	char url[700], errbuf[600];
	snprintf(url, sizeof url, "%s/v8/finance/chart/", y->base_url);
	append_symbol(url, sizeof url, sym);
	snprintf(url + strlen(url), sizeof url - strlen(url), "?interval=1m&range=1d");
	tf_rest_opts ro = {.ca_file = y->ca_file, .max_body = y->o.max_body, .max_retries = 1,
			   .max_retry_wait_ms = (int)(y->o.poll_ms < 60000 ? y->o.poll_ms : 60000), .stop = y->o.stop};
	if (y->resp_live)
		tf_rest_response_free(&y->resp);
	tf_err err = tf_rest_get(&ro, url, &y->resp, errbuf, sizeof errbuf);
	y->resp_live = true;
	/* Yahoo answers an unknown symbol with 404 and {"chart":{"error":..}}: let the decoder say so. */
	bool remote_json = err == TF_ERR_REMOTE && y->resp.status >= 400 && y->resp.status < 500 &&
			   y->resp.status != 429 && y->resp.body.len && y->resp.body.data[0] == '{';
	if (err && !remote_json) {
		tf_warn("yahoo %s: %s; next try in the next poll", sym, errbuf);
		return TF_ERR_AGAIN;
	}
	memset(m, 0, sizeof *m);
	m->format = TF_FEED_YAHOO_CHART;
	m->data = y->resp.body.data ? y->resp.body.data : "";
	m->len = y->resp.body.len;
	m->recv_ms = tf_now_ms();
	snprintf(m->symbol, sizeof m->symbol, "%s", sym);
	return TF_OK;
}

static const char *yahoo_error(const tf_source *src)
{
	return "yahoo source failed";
}

static void yahoo_free(tf_source *src)
{
	yahoo_source *y = (yahoo_source *)src;
	if (y->resp_live)
		tf_rest_response_free(&y->resp);
	free(y->base_url);
	free(y->ca_file);
	free(y);
}

static tf_err parse_symbols(yahoo_source *y, const char *list, char *errbuf, size_t errcap)
{
	const char *p = list;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 0 || n >= TF_SYMBOL_MAX || y->nsymbols == MAX_SYMBOLS) {
			snprintf(errbuf, errcap, "bad yahoo symbol list '%.200s'; write yahoo:AAPL,MSFT (up to %d symbols of "
				 "at most %d characters)", list, MAX_SYMBOLS, TF_SYMBOL_MAX - 1);
			return TF_ERR_USAGE;
		}
		for (size_t i = 0; i < n; i++) {
			if (!symbol_char_ok(p[i])) {
				snprintf(errbuf, errcap, "bad character '%c' in yahoo symbol '%.*s'", p[i], (int)n, p);
				return TF_ERR_USAGE;
			}
		}
		memcpy(y->symbols[y->nsymbols], p, n);
		y->symbols[y->nsymbols++][n] = '\0';
		p += n;
		if (*p == ',')
			p++;
	}
	if (!y->nsymbols) {
		snprintf(errbuf, errcap, "no yahoo symbols given; write yahoo:AAPL,MSFT");
		return TF_ERR_USAGE;
	}
	return TF_OK;
}

tf_err tf_source_yahoo_new(const tf_source_yahoo_opts *o, tf_source **out, char *errbuf, size_t errcap)
{
	*out = NULL;
	yahoo_source *y = calloc(1, sizeof *y);
	if (!y)
		return TF_ERR_NOMEM;
	y->o = *o;
	if (y->o.poll_ms < 1000)
		y->o.poll_ms = 1000;
	snprintf(y->name, sizeof y->name, "yahoo");
	y->base = (tf_source){y->name, yahoo_next, NULL, NULL, yahoo_error, yahoo_free};
	tf_err err = parse_symbols(y, o->symbols ? o->symbols : "", errbuf, errcap);
	if (err) {
		yahoo_free(&y->base);
		return err;
	}
	y->base_url = strdup(o->base_url);
	y->ca_file = o->ca_file ? strdup(o->ca_file) : NULL;
	if (!y->base_url || (o->ca_file && !y->ca_file)) {
		yahoo_free(&y->base);
		return TF_ERR_NOMEM;
	}
	size_t n = strlen(y->base_url);
	while (n && y->base_url[n - 1] == '/')
		y->base_url[--n] = '\0';
	y->idx = y->nsymbols; /* the first next() starts a cycle at once */
	*out = &y->base;
	return TF_OK;
}
