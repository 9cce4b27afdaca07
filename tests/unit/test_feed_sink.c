/* test_feed_sink.c — the JSON-lines sink: one normalised line per record, dead letters as JSON
 * lines with the reason and the raw bytes (base64 when they are not UTF-8). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "feed/sink.h"
#include "market/market.h"
#include "test.h"

static char *slurp(const char *path, size_t *len)
{
	return tf_test_read_sample(path, len);
}

static tf_err first_tick(void *ud, const tf_tick *t)
{
	*(tf_tick *)ud = *t;
	return TF_ERR_STOPPED;
}

TF_TEST(feed_sink_jsonl_writes_records_and_dead_letters)
{
	char out[] = "/tmp/tf-sink-out.XXXXXX", dlq[] = "/tmp/tf-sink-dlq.XXXXXX";
	int fo = mkstemp(out), fd = mkstemp(dlq);
	TF_CHECK(fo >= 0 && fd >= 0);
	close(fo);
	close(fd);
	size_t len;
	char *frame = tf_test_read_sample("unicornfy_spot_miniTicker_arr_raw_26symbols.json", &len);
	TF_CHECK(frame != NULL);
	tf_tick t;
	tf_tick_handler h = {first_tick, NULL, &t};
	tf_msg_kind kind;
	tf_decode_err de;
	tf_market_decode_ws(frame, len, &kind, &h, &de);
	tf_buf want;
	tf_buf_init(&want, 1 << 16);
	TF_CHECK_EQ_INT(tf_market_tick_json(&t, &want), TF_OK);

	tf_sink *s;
	char errbuf[256];
	TF_CHECK_EQ_INT(tf_sink_jsonl_new(out, dlq, TF_JSONL_TICKS, &s, errbuf, sizeof errbuf), TF_OK);
	tf_feed_record r = {t.symbol, strlen(t.symbol), t.raw, t.raw_len, t.event_time, &t};
	TF_CHECK_EQ_INT(s->write(s, &r), TF_OK);
	TF_CHECK_EQ_INT(s->write_dead_letter(s, "{\"a\":\"\xc3\xa9\n\"}", 11, "bad \"element\"", 5), TF_OK);
	TF_CHECK_EQ_INT(s->write_dead_letter(s, "\xff\xfe", 2, "binary", 6), TF_OK);
	TF_CHECK_EQ_INT(tf_sink_close(s), TF_OK);

	char *got = slurp(out, &len);
	TF_CHECK(got != NULL);
	TF_CHECK_EQ_INT(len, want.len + 1);
	TF_CHECK(memcmp(got, want.data, want.len) == 0 && got[want.len] == '\n');
	free(got);
	got = slurp(dlq, &len);
	TF_CHECK(got != NULL);
	TF_CHECK_EQ_MEM(got, len,
			"{\"reason\":\"bad \\\"element\\\"\",\"recv_ms\":5,\"raw\":\"{\\\"a\\\":\\\"\xc3\xa9\\n\\\"}\"}\n"
			"{\"reason\":\"binary\",\"recv_ms\":6,\"raw_b64\":\"//4=\"}\n");
	free(got);
	unlink(out);
	unlink(dlq);
	tf_buf_free(&want);
	free(frame);
}

TF_TEST(feed_sink_jsonl_reports_unwritable_paths)
{
	tf_sink *s = NULL;
	char errbuf[256] = "";
	TF_CHECK_EQ_INT(tf_sink_jsonl_new("/nonexistent-dir/x.jsonl", NULL, TF_JSONL_TICKS, &s, errbuf, sizeof errbuf), TF_ERR_IO);
	TF_CHECK(s == NULL);
	TF_CHECK(strstr(errbuf, "/nonexistent-dir/x.jsonl") != NULL);
}

TF_TEST(feed_sink_jsonl_record_format_keeps_the_exact_bytes)
{
	char out[] = "/tmp/tf-sink-rec.XXXXXX";
	int fo = mkstemp(out);
	TF_CHECK(fo >= 0);
	close(fo);
	tf_sink *s;
	char errbuf[256];
	TF_CHECK_EQ_INT(tf_sink_jsonl_new(out, NULL, TF_JSONL_RECORDS, &s, errbuf, sizeof errbuf), TF_OK);
	static const char value[] = "{\"e\":\"trade\", \"s\":\"BTCUSDT\",\n\"p\":\"1.0\\u00e9\"}";
	tf_feed_record r = {"BTCUSDT", 7, value, sizeof value - 1, 1592584651517, NULL};
	TF_CHECK_EQ_INT(s->write(s, &r), TF_OK);
	TF_CHECK_EQ_INT(tf_sink_close(s), TF_OK);
	size_t len;
	char *got = slurp(out, &len);
	TF_CHECK(got != NULL);
	TF_CHECK_EQ_MEM(got, len, "{\"key\":\"BTCUSDT\",\"timestamp\":1592584651517,\"value\":"
				  "\"{\\\"e\\\":\\\"trade\\\", \\\"s\\\":\\\"BTCUSDT\\\",\\n\\\"p\\\":\\\"1.0\\\\u00e9\\\"}\"}\n");
	free(got);
	unlink(out);
}
