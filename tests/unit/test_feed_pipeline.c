/* test_feed_pipeline.c — the pipeline between a source and a sink: the record splitter (one record
 * per element, value = the element's bytes, key = symbol, timestamp = E), dead-letter routing,
 * de-duplication, the record limit, and --record → replay:FILE reproducing the same records. */
#include <stdlib.h>
#include <unistd.h>

#include "feed/pipeline.h"
#include "feed/source_replay.h"
#include "market/json.h"
#include "test.h"

typedef struct {
	char key[TF_SYMBOL_MAX];
	char *value;
	size_t value_len;
	int64_t ts;
} rec;

typedef struct {
	tf_sink base;
	rec recs[4096];
	size_t n;
	char *dl_raw[64];
	size_t dl_len[64];
	char dl_reason[64][320];
	size_t ndl;
	int flushes;
} capture_sink;

static tf_err cap_write(tf_sink *s, const tf_feed_record *r)
{
	capture_sink *c = (capture_sink *)s;
	if (c->n == 4096)
		return TF_ERR_TOO_BIG;
	rec *x = &c->recs[c->n++];
	snprintf(x->key, sizeof x->key, "%.*s", (int)r->key_len, r->key);
	x->value = malloc(r->value_len + 1);
	memcpy(x->value, r->value, r->value_len);
	x->value_len = r->value_len;
	x->ts = r->timestamp_ms;
	return TF_OK;
}

static tf_err cap_dead(tf_sink *s, const char *raw, size_t len, const char *reason, int64_t recv_ms)
{
	capture_sink *c = (capture_sink *)s;
	if (c->ndl == 64)
		return TF_ERR_TOO_BIG;
	c->dl_raw[c->ndl] = malloc(len + 1);
	memcpy(c->dl_raw[c->ndl], raw, len);
	c->dl_raw[c->ndl][len] = '\0';
	c->dl_len[c->ndl] = len;
	snprintf(c->dl_reason[c->ndl], sizeof c->dl_reason[0], "%s", reason);
	c->ndl++;
	return TF_OK;
}

static tf_err cap_flush(tf_sink *s)
{
	((capture_sink *)s)->flushes++;
	return TF_OK;
}

static tf_err cap_close(tf_sink *s)
{
	capture_sink *c = (capture_sink *)s;
	for (size_t i = 0; i < c->n; i++)
		free(c->recs[i].value);
	for (size_t i = 0; i < c->ndl; i++)
		free(c->dl_raw[i]);
	free(c);
	return TF_OK;
}

static capture_sink *cap_new(void)
{
	capture_sink *c = calloc(1, sizeof *c);
	c->base = (tf_sink){cap_write, cap_dead, cap_flush, cap_close};
	return c;
}

static tf_pipeline *pipe_new(capture_sink *c, const char *record_path, uint64_t limit)
{
	tf_pipeline_opts o = {.sink = &c->base, .record_path = record_path, .decode = true, .limit = limit};
	tf_pipeline *p = NULL;
	char errbuf[256];
	tf_pipeline_new(&o, &p, errbuf, sizeof errbuf);
	return p;
}

static tf_feed_msg ws_msg(const char *data, size_t len)
{
	tf_feed_msg m;
	memset(&m, 0, sizeof m);
	m.format = TF_FEED_WS;
	m.data = data;
	m.len = len;
	m.recv_ms = 1592594716000;
	return m;
}

/* The sample's elements, found by brace matching (its objects are flat and its strings hold no
 * braces) — independent of the decoder under test. */
static size_t split_flat_objects(const char *s, size_t len, const char **at, size_t *n, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < len && k < max; i++) {
		if (s[i] != '{')
			continue;
		const char *end = memchr(s + i, '}', len - i);
		if (!end)
			break;
		at[k] = s + i;
		n[k++] = (size_t)(end - (s + i)) + 1;
		i = (size_t)(end - s);
	}
	return k;
}

/* "E":<digits> inside an element. */
static int64_t field_e(const char *el, size_t n)
{
	const char *p = memmem(el, n, "\"E\":", 4);
	return p ? strtoll(p + 4, NULL, 10) : -1;
}

TF_TEST(feed_pipeline_splits_26_symbols_into_26_exact_records)
{
	size_t len;
	char *frame = tf_test_read_sample("unicornfy_spot_miniTicker_arr_raw_26symbols.json", &len);
	TF_CHECK(frame != NULL);
	while (len && (frame[len - 1] == '\n' || frame[len - 1] == '\r'))
		len--;
	const char *el[64];
	size_t eln[64];
	size_t nel = split_flat_objects(frame, len, el, eln, 64);
	TF_CHECK_EQ_INT(nel, 26);
	capture_sink *c = cap_new();
	tf_pipeline *p = pipe_new(c, NULL, 0);
	TF_CHECK(p != NULL);
	tf_feed_msg m = ws_msg(frame, len);
	TF_CHECK_EQ_INT(tf_pipeline_handle(p, &m), TF_OK);
	TF_CHECK_EQ_INT(c->n, 26);
	TF_CHECK_EQ_INT(c->ndl, 0);
	for (size_t i = 0; i < 26; i++) {
		TF_CHECK_EQ_INT(c->recs[i].value_len, eln[i]);
		TF_CHECK(memcmp(c->recs[i].value, el[i], eln[i]) == 0);
		char want_key[64];
		const char *s = memmem(el[i], eln[i], "\"s\":\"", 5);
		TF_CHECK(s != NULL);
		snprintf(want_key, sizeof want_key, "%.*s", (int)(strchr(s + 5, '"') - (s + 5)), s + 5);
		TF_CHECK_EQ_STR(c->recs[i].key, want_key);
		TF_CHECK_EQ_INT(c->recs[i].ts, field_e(el[i], eln[i]));
	}
	/* the same frame again (a rotation overlap): every record is a duplicate */
	TF_CHECK_EQ_INT(tf_pipeline_handle(p, &m), TF_OK);
	TF_CHECK_EQ_INT(c->n, 26);
	TF_CHECK_EQ_INT(tf_pipeline_stats_get(p)->duplicates, 26);
	TF_CHECK_EQ_INT(tf_pipeline_stats_get(p)->records, 26);
	tf_pipeline_free(p);
	tf_sink_close(&c->base);
	free(frame);
}

TF_TEST(feed_pipeline_routes_bad_input_to_dead_letters)
{
	capture_sink *c = cap_new();
	tf_pipeline *p = pipe_new(c, NULL, 0);
	TF_CHECK(p != NULL);
	static const char good1[] = "{\"e\":\"24hrMiniTicker\",\"E\":1592594715455,\"s\":\"ETHBTC\",\"c\":\"0.02456700\","
				    "\"o\":\"0.02459800\",\"h\":\"0.02470900\",\"l\":\"0.02438100\",\"v\":\"163116.18600000\","
				    "\"q\":\"4006.04936991\"}";
	static const char bad[] = "{\"e\":\"24hrMiniTicker\",\"E\":1592594715775,\"s\":\"BTCUSDT\",\"c\":9342.7,"
				  "\"o\":\"9393.74000000\",\"h\":\"9438.30000000\",\"l\":\"9215.79000000\","
				  "\"v\":\"47798.03832300\",\"q\":\"446546826.58722200\"}";
	char frame[2048];
	snprintf(frame, sizeof frame, "[%s,%s]", good1, bad);
	tf_feed_msg m = ws_msg(frame, strlen(frame));
	TF_CHECK_EQ_INT(tf_pipeline_handle(p, &m), TF_OK);
	TF_CHECK_EQ_INT(c->n, 1);
	TF_CHECK_EQ_STR(c->recs[0].key, "ETHBTC");
	TF_CHECK_EQ_INT(c->ndl, 1);
	TF_CHECK_EQ_MEM(c->dl_raw[0], c->dl_len[0], bad); /* the element alone, as received */
	TF_CHECK(strstr(c->dl_reason[0], "bad element") != NULL);

	static const char junk[] = "this is not JSON {";
	m = ws_msg(junk, sizeof junk - 1);
	TF_CHECK_EQ_INT(tf_pipeline_handle(p, &m), TF_OK); /* never stops the pipeline */
	TF_CHECK_EQ_INT(c->ndl, 2);
	TF_CHECK_EQ_MEM(c->dl_raw[1], c->dl_len[1], junk);
	TF_CHECK(strstr(c->dl_reason[1], "undecodable message") != NULL);

	m = ws_msg("\x01\x02", 2);
	m.binary = true;
	TF_CHECK_EQ_INT(tf_pipeline_handle(p, &m), TF_OK);
	TF_CHECK_EQ_INT(c->ndl, 3);
	TF_CHECK(strstr(c->dl_reason[2], "binary") != NULL);

	/* a good message after all that still comes through */
	snprintf(frame, sizeof frame, "[%s]", good1);
	char *again = strstr(frame, "1592594715455");
	memcpy(again, "1592594715456", 13);
	m = ws_msg(frame, strlen(frame));
	TF_CHECK_EQ_INT(tf_pipeline_handle(p, &m), TF_OK);
	TF_CHECK_EQ_INT(c->n, 2);
	TF_CHECK_EQ_INT(tf_pipeline_stats_get(p)->dead_letters, 3);
	tf_pipeline_free(p);
	tf_sink_close(&c->base);
}

TF_TEST(feed_pipeline_stops_at_the_limit)
{
	size_t len;
	char *frame = tf_test_read_sample("unicornfy_spot_miniTicker_arr_raw_26symbols.json", &len);
	TF_CHECK(frame != NULL);
	capture_sink *c = cap_new();
	tf_pipeline *p = pipe_new(c, NULL, 5);
	tf_feed_msg m = ws_msg(frame, len);
	TF_CHECK_EQ_INT(tf_pipeline_handle(p, &m), TF_ERR_STOPPED);
	TF_CHECK_EQ_INT(c->n, 5);
	tf_pipeline_free(p);
	tf_sink_close(&c->base);
	free(frame);
}

/* Feeds every line of a JSONL sample as one WS message. */
static void feed_lines(tf_pipeline *p, const char *name)
{
	size_t len;
	char *text = tf_test_read_sample(name, &len);
	if (!text)
		return;
	for (char *s = text, *nl; s < text + len; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(text + len - s));
		if (!nl)
			nl = text + len;
		if (nl > s) {
			tf_feed_msg m = ws_msg(s, (size_t)(nl - s));
			tf_pipeline_handle(p, &m);
		}
	}
	free(text);
}

TF_TEST(feed_pipeline_record_then_replay_gives_the_same_records)
{
	char path[] = "/tmp/tf-record.XXXXXX";
	int fd = mkstemp(path);
	TF_CHECK(fd >= 0);
	close(fd);
	capture_sink *live = cap_new();
	tf_pipeline *p = pipe_new(live, path, 0);
	TF_CHECK(p != NULL);
	feed_lines(p, "unicornfy_spot_ws_messages.jsonl");
	feed_lines(p, "cryptofeed_extracted_kline_aggTrade_combined.jsonl");
	size_t len;
	char *klines = tf_test_read_sample("nautilus_rest_klines_BTCUSDT_1m.json", &len); /* multi-line body */
	TF_CHECK(klines != NULL);
	tf_feed_msg m = ws_msg(klines, len);
	m.format = TF_FEED_REST_KLINES;
	snprintf(m.symbol, sizeof m.symbol, "BTCUSDT");
	snprintf(m.interval, sizeof m.interval, "1m");
	TF_CHECK_EQ_INT(tf_pipeline_handle(p, &m), TF_OK);
	free(klines);
	m = ws_msg("not json", 8); /* recorded too: replay must dead-letter it again */
	tf_pipeline_handle(p, &m);
	tf_pipeline_stats live_st = *tf_pipeline_stats_get(p);
	tf_pipeline_free(p);
	TF_CHECK(live_st.records > 26 + 10);
	TF_CHECK_EQ_INT(live_st.dead_letters, 1);

	tf_source *src = NULL;
	char errbuf[256];
	tf_source_replay_opts ro = {path, 0, 1 << 20};
	TF_CHECK_EQ_INT(tf_source_replay_new(&ro, &src, errbuf, sizeof errbuf), TF_OK);
	capture_sink *again = cap_new();
	tf_pipeline_opts o = {.source = src, .sink = &again->base, .decode = true};
	TF_CHECK_EQ_INT(tf_pipeline_new(&o, &p, errbuf, sizeof errbuf), TF_OK);
	TF_CHECK_EQ_INT(tf_pipeline_run(p), TF_OK); /* ends at the end of the file */
	const tf_pipeline_stats *st = tf_pipeline_stats_get(p);
	TF_CHECK_EQ_INT(st->messages, live_st.messages);
	TF_CHECK_EQ_INT(st->records, live_st.records);
	TF_CHECK_EQ_INT(st->dead_letters, 1);
	TF_CHECK_EQ_INT(again->n, live->n);
	for (size_t i = 0; i < live->n; i++) {
		TF_CHECK_EQ_STR(again->recs[i].key, live->recs[i].key);
		TF_CHECK_EQ_INT(again->recs[i].ts, live->recs[i].ts);
		TF_CHECK_EQ_INT(again->recs[i].value_len, live->recs[i].value_len);
		TF_CHECK(memcmp(again->recs[i].value, live->recs[i].value, live->recs[i].value_len) == 0);
	}
	tf_pipeline_free(p);
	tf_source_free(src);
	tf_sink_close(&live->base);
	tf_sink_close(&again->base);
	unlink(path);
}

TF_TEST(feed_pipeline_replay_reports_corrupt_lines_and_goes_on)
{
	char path[] = "/tmp/tf-replay.XXXXXX";
	int fd = mkstemp(path);
	TF_CHECK(fd >= 0);
	static const char text[] =
		"1 ws [{\"e\":\"24hrMiniTicker\",\"E\":1592594715455,\"s\":\"ETHBTC\",\"c\":\"0.02456700\",\"o\":\"0.02459800\","
		"\"h\":\"0.02470900\",\"l\":\"0.02438100\",\"v\":\"163116.18600000\",\"q\":\"4006.04936991\"}]\n"
		"garbage line\n"
		"2 ws+b64 %%%%\n";
	TF_CHECK_EQ_INT(write(fd, text, sizeof text - 1), (long long)(sizeof text - 1));
	close(fd);
	tf_source *src = NULL;
	char errbuf[256];
	tf_source_replay_opts ro = {path, 0, 1 << 20};
	TF_CHECK_EQ_INT(tf_source_replay_new(&ro, &src, errbuf, sizeof errbuf), TF_OK);
	capture_sink *c = cap_new();
	tf_pipeline *p = NULL;
	tf_pipeline_opts o = {.source = src, .sink = &c->base, .decode = true};
	TF_CHECK_EQ_INT(tf_pipeline_new(&o, &p, errbuf, sizeof errbuf), TF_OK);
	TF_CHECK_EQ_INT(tf_pipeline_run(p), TF_OK);
	TF_CHECK_EQ_INT(c->n, 1);
	TF_CHECK_EQ_INT(c->ndl, 2);
	TF_CHECK(strstr(c->dl_reason[0], "line 2") != NULL);
	TF_CHECK_EQ_STR(c->dl_raw[0], "garbage line");
	TF_CHECK(strstr(c->dl_reason[1], "line 3") != NULL);
	tf_pipeline_free(p);
	tf_source_free(src);
	tf_sink_close(&c->base);
	unlink(path);
	TF_CHECK_EQ_INT(tf_source_replay_new(&ro, &src, errbuf, sizeof errbuf), TF_ERR_IO); /* gone now */
	TF_CHECK(strstr(errbuf, path) != NULL);
}

TF_TEST(feed_pipeline_polled_sources_emit_only_newer_bars)
{
	size_t len;
	char *fixture = tf_test_read_sample("yahoo_nyf2_chart-AAPL-2020-08-31-to-2020-11-07.json", &len);
	TF_CHECK(fixture != NULL);
	/* the fixture wraps the real body: {"response":{"bodyJson":{...}}} */
	tf_json_doc d;
	tf_json_init(&d);
	tf_decode_err err;
	uint32_t resp = 0, bj = 0;
	TF_CHECK_EQ_INT(tf_json_parse(&d, fixture, len, &err), TF_OK);
	TF_CHECK((resp = tf_json_find(&d, 0, "response")) && (bj = tf_json_find(&d, resp, "bodyJson")));
	tf_feed_msg m = ws_msg(fixture + d.tok[bj].start, d.tok[bj].end - d.tok[bj].start);
	tf_json_free(&d);
	m.format = TF_FEED_YAHOO_CHART;
	snprintf(m.symbol, sizeof m.symbol, "AAPL");
	capture_sink *c = cap_new();
	tf_pipeline *p = pipe_new(c, NULL, 0);
	TF_CHECK_EQ_INT(tf_pipeline_handle(p, &m), TF_OK);
	TF_CHECK_EQ_INT(c->n, 49); /* 49 daily bars in the fixture */
	TF_CHECK_EQ_INT(c->ndl, 0);
	for (size_t i = 1; i < c->n; i++)
		TF_CHECK(c->recs[i].ts > c->recs[i - 1].ts);
	TF_CHECK_EQ_INT(tf_pipeline_handle(p, &m), TF_OK); /* the same poll answer again: nothing new */
	TF_CHECK_EQ_INT(c->n, 49);
	TF_CHECK_EQ_INT(tf_pipeline_stats_get(p)->duplicates, 49);
	tf_pipeline_free(p);
	tf_sink_close(&c->base);
	free(fixture);
}
