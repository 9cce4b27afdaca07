/* test_feed_source_ws.c — the parts of the WebSocket source that need no server: which streams of
 * a URL are kline streams (they get REST backfill after a gap), interval lengths, URL checks. */
#include "feed/source_ws.h"
#include "test.h"

typedef struct {
	char got[8][48];
	int n;
} streams;

static void collect(void *ud, const char *symbol, const char *interval)
{
	streams *s = ud;
	if (s->n < 8)
		snprintf(s->got[s->n++], sizeof s->got[0], "%s %s", symbol, interval);
}

TF_TEST(feed_ws_kline_streams_in_urls)
{
	streams s = {0};
	tf_source_ws_kline_streams("wss://stream.binance.com:9443/ws/btcusdt@kline_1m", collect, &s);
	TF_CHECK_EQ_INT(s.n, 1);
	TF_CHECK_EQ_STR(s.got[0], "BTCUSDT 1m");
	s.n = 0;
	tf_source_ws_kline_streams("ws://127.0.0.1:9443/stream?streams=ethbtc@kline_15m/btcusdt@trade/bnbusdt@kline_1h&x=1",
				   collect, &s);
	TF_CHECK_EQ_INT(s.n, 2);
	TF_CHECK_EQ_STR(s.got[0], "ETHBTC 15m");
	TF_CHECK_EQ_STR(s.got[1], "BNBUSDT 1h");
	s.n = 0;
	tf_source_ws_kline_streams(TF_BINANCE_WS_URL, collect, &s);
	tf_source_ws_kline_streams("ws://h/ws/@kline_1m/b%c@kline_1m/abc@kline_/abc@kline_123456789", collect, &s);
	TF_CHECK_EQ_INT(s.n, 0);
}

TF_TEST(feed_ws_kline_interval_lengths)
{
	TF_CHECK_EQ_INT(tf_kline_interval_ms("1s"), 1000);
	TF_CHECK_EQ_INT(tf_kline_interval_ms("1m"), 60000);
	TF_CHECK_EQ_INT(tf_kline_interval_ms("4h"), 4 * 3600000);
	TF_CHECK_EQ_INT(tf_kline_interval_ms("1w"), 7 * 86400000LL);
	TF_CHECK_EQ_INT(tf_kline_interval_ms("1M"), 0); /* months have no fixed length: no backfill */
	TF_CHECK_EQ_INT(tf_kline_interval_ms("2m"), 0);
}

TF_TEST(feed_ws_source_rejects_non_websocket_urls)
{
	tf_source *src = (tf_source *)1;
	char errbuf[256] = "";
	tf_source_ws_opts o = {.url = "http://127.0.0.1/ws"};
	TF_CHECK_EQ_INT(tf_source_ws_new(&o, &src, errbuf, sizeof errbuf), TF_ERR_USAGE);
	TF_CHECK(src == NULL);
	TF_CHECK(strstr(errbuf, "ws://") != NULL);
	o.url = "ws://127.0.0.1:1/ws/x";
	TF_CHECK_EQ_INT(tf_source_ws_new(&o, &src, errbuf, sizeof errbuf), TF_OK);
	TF_CHECK_EQ_STR(src->name, "ws ws://127.0.0.1:1/ws/x");
	tf_source_free(src);
}
