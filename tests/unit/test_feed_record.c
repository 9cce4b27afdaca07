/* test_feed_record.c — the --record line format: round trips, escaping of awkward payloads,
 * rejection of corrupt lines. */
#include <stdlib.h>

#include "feed/record.h"
#include "test.h"

static tf_feed_msg ws_msg(const char *data, size_t len, int64_t ms)
{
	tf_feed_msg m;
	memset(&m, 0, sizeof m);
	m.format = TF_FEED_WS;
	m.data = data;
	m.len = len;
	m.recv_ms = ms;
	return m;
}

TF_TEST(feed_record_round_trips_every_sample_frame)
{
	size_t len;
	char *text = tf_test_read_sample("unicornfy_spot_ws_messages.jsonl", &len);
	TF_CHECK(text != NULL);
	tf_buf line, scratch;
	tf_buf_init(&line, 1 << 22);
	tf_buf_init(&scratch, 1 << 22);
	int frames = 0;
	for (char *p = text, *nl; p < text + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			nl = text + len;
		if (nl == p)
			continue;
		tf_feed_msg m = ws_msg(p, (size_t)(nl - p), 1592594715802 + frames), back;
		tf_buf_reset(&line);
		TF_CHECK_EQ_INT(tf_record_format(&m, &line), TF_OK);
		TF_CHECK(line.len > 0 && line.data[line.len - 1] == '\n');
		TF_CHECK(memchr(line.data, '\n', line.len) == line.data + line.len - 1);
		const char *why = NULL;
		TF_CHECK_EQ_INT(tf_record_parse(line.data, line.len - 1, &back, &scratch, &why), TF_OK);
		TF_CHECK_EQ_INT(back.format, TF_FEED_WS);
		TF_CHECK_EQ_INT(back.recv_ms, m.recv_ms);
		TF_CHECK_EQ_INT(back.len, m.len);
		TF_CHECK(memcmp(back.data, m.data, m.len) == 0);
		frames++;
	}
	TF_CHECK(frames >= 6);
	tf_buf_free(&line);
	tf_buf_free(&scratch);
	free(text);
}

TF_TEST(feed_record_escapes_newlines_nul_and_binary)
{
	const char pretty[] = "[\n  {\"e\":\"24hrMiniTicker\"}\r\n]";
	const char bin[] = {0, 1, 2, (char)0xff, '\n'};
	tf_buf line, scratch;
	tf_buf_init(&line, 4096);
	tf_buf_init(&scratch, 4096);
	tf_feed_msg m = ws_msg(pretty, sizeof pretty - 1, 7), b = ws_msg(bin, sizeof bin, 8), back;
	b.binary = true;
	TF_CHECK_EQ_INT(tf_record_format(&m, &line), TF_OK);
	TF_CHECK_EQ_INT(tf_record_format(&b, &line), TF_OK);
	char *nl = memchr(line.data, '\n', line.len);
	TF_CHECK(nl && memchr(nl + 1, '\n', line.len - (size_t)(nl + 1 - line.data)) == line.data + line.len - 1);
	TF_CHECK(strncmp(line.data, "7 ws+b64 ", 9) == 0);
	const char *why = NULL;
	TF_CHECK_EQ_INT(tf_record_parse(line.data, (size_t)(nl - line.data), &back, &scratch, &why), TF_OK);
	TF_CHECK_EQ_INT(back.len, sizeof pretty - 1);
	TF_CHECK(memcmp(back.data, pretty, back.len) == 0);
	TF_CHECK(!back.binary);
	TF_CHECK_EQ_INT(tf_record_parse(nl + 1, line.len - (size_t)(nl + 1 - line.data) - 1, &back, &scratch, &why), TF_OK);
	TF_CHECK_EQ_INT(back.len, sizeof bin);
	TF_CHECK(memcmp(back.data, bin, sizeof bin) == 0);
	TF_CHECK(back.binary);
	TF_CHECK_EQ_INT(back.recv_ms, 8);
	tf_buf_free(&line);
	tf_buf_free(&scratch);
}

TF_TEST(feed_record_rest_tags_carry_symbol_and_interval)
{
	tf_buf line, scratch;
	tf_buf_init(&line, 4096);
	tf_buf_init(&scratch, 4096);
	tf_feed_msg m = ws_msg("[[1,\"2\"]]", 9, 123), back;
	m.format = TF_FEED_REST_KLINES;
	snprintf(m.symbol, sizeof m.symbol, "BTCUSDT");
	snprintf(m.interval, sizeof m.interval, "1m");
	TF_CHECK_EQ_INT(tf_record_format(&m, &line), TF_OK);
	TF_CHECK_EQ_MEM(line.data, line.len, "123 klines/BTCUSDT/1m [[1,\"2\"]]\n");
	const char *why;
	TF_CHECK_EQ_INT(tf_record_parse(line.data, line.len - 1, &back, &scratch, &why), TF_OK);
	TF_CHECK_EQ_INT(back.format, TF_FEED_REST_KLINES);
	TF_CHECK_EQ_STR(back.symbol, "BTCUSDT");
	TF_CHECK_EQ_STR(back.interval, "1m");
	tf_buf_reset(&line);
	m.format = TF_FEED_YAHOO_CHART;
	snprintf(m.symbol, sizeof m.symbol, "^GSPC");
	TF_CHECK_EQ_INT(tf_record_format(&m, &line), TF_OK);
	TF_CHECK_EQ_INT(tf_record_parse(line.data, line.len - 1, &back, &scratch, &why), TF_OK);
	TF_CHECK_EQ_INT(back.format, TF_FEED_YAHOO_CHART);
	TF_CHECK_EQ_STR(back.symbol, "^GSPC");
	snprintf(m.symbol, sizeof m.symbol, "BAD SYM");
	TF_CHECK_EQ_INT(tf_record_format(&m, &line), TF_ERR_USAGE);
	tf_buf_free(&line);
	tf_buf_free(&scratch);
}

TF_TEST(feed_record_rejects_corrupt_lines)
{
	static const char *const bad[] = {
		"", "ws [1]", "12 ", "12 ws", "12x ws [1]", "12 tcp [1]", "12 klines/BTCUSDT [1]",
		"12 klines//1m [1]", "12 yahoo/ [1]", "12 ws+b64 abc", "12 ws+b64 !!!!", "99999999999999999999 ws [1]",
		"12 ws a\rb",
	};
	tf_buf scratch;
	tf_buf_init(&scratch, 64);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tf_feed_msg m;
		const char *why = NULL;
		if (tf_record_parse(bad[i], strlen(bad[i]), &m, &scratch, &why) != TF_ERR_PARSE || !why) {
			tf_test_fail(__FILE__, __LINE__, "accepted corrupt line '%s'", bad[i]);
			break;
		}
	}
	tf_buf_free(&scratch);
}
