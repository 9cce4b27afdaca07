/* render.c — JSON payloads of the exchange (see render.h). Decimals are exact (tf_dec, 8 places as
 * Binance prints them); Yahoo's numbers are the same decimals with trailing zeros trimmed. */
#include "exchange/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIT(out, s) tf_buf_append((out), (s), sizeof(s) - 1)

#define D(name, v)                       \
	char name[TF_DEC_STR_MAX];       \
	tf_dec_format((v), name)

/* Appends msg as the inside of a JSON string. */
static tf_err put_escaped(tf_buf *out, const char *msg)
{
	tf_err err = TF_OK;
	for (const char *p = msg; *p && !err; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\')
			err = tf_buf_appendf(out, "\\%c", c);
		else if (c < 0x20)
			err = tf_buf_appendf(out, "\\u%04x", c);
		else
			err = tf_buf_append(out, p, 1);
	}
	return err;
}

tf_err tf_xrender_error(tf_buf *out, int code, const char *msg)
{
	tf_err err = tf_buf_appendf(out, "{\"code\":%d,\"msg\":\"", code);
	if (!err)
		err = put_escaped(out, msg);
	return err ? err : LIT(out, "\"}");
}

void tf_xrender_pct(tf_dec open, tf_dec last, char out[32])
{
	if (open <= 0) {
		snprintf(out, 32, "0.000");
		return;
	}
	tf_dec num = (last - open) * 100000; /* percent with 3 decimals, scaled by 1000 */
	tf_dec q = num / open, r = num % open;
	if ((r < 0 ? -r : r) * 2 >= open)
		q += num < 0 ? -1 : 1; /* round half away from zero */
	long long v = (long long)q;
	unsigned long long a = v < 0 ? (unsigned long long)(-(v + 1)) + 1 : (unsigned long long)v;
	snprintf(out, 32, "%s%llu.%03llu", v < 0 ? "-" : "", a / 1000, a % 1000);
}

tf_err tf_xrender_ticker24(const tf_sim *sim, int idx, tf_buf *out)
{
	tf_sim_symbol_info info;
	tf_sim_stats st;
	tf_sim_symbol(sim, idx, &info);
	tf_sim_stats24(sim, idx, &st);
	tf_dec wap = st.volume > 0 ? st.quote_volume * TF_DEC_SCALE / st.volume : 0;
	/* A one-tick spread around the last price, with a few lots on each side. */
	tf_dec bid = st.last, ask = st.last + info.tick_size;
	tf_dec bid_qty = info.step_size * (1 + (st.last_id & 0xff)), ask_qty = info.step_size * (1 + ((st.last_id >> 8) & 0xff));
	char pct[32];
	tf_xrender_pct(st.open, st.last, pct);
	D(change, st.last - st.open);
	D(wap_s, wap);
	D(prev, st.open);
	D(last, st.last);
	D(last_qty, st.last_qty);
	D(bid_s, bid);
	D(bid_q, bid_qty);
	D(ask_s, ask);
	D(ask_q, ask_qty);
	D(open, st.open);
	D(high, st.high);
	D(low, st.low);
	D(vol, st.volume);
	D(qvol, st.quote_volume);
	return tf_buf_appendf(out,
			      "{\"symbol\":\"%s\",\"priceChange\":\"%s\",\"priceChangePercent\":\"%s\","
			      "\"weightedAvgPrice\":\"%s\",\"prevClosePrice\":\"%s\",\"lastPrice\":\"%s\","
			      "\"lastQty\":\"%s\",\"bidPrice\":\"%s\",\"bidQty\":\"%s\",\"askPrice\":\"%s\","
			      "\"askQty\":\"%s\",\"openPrice\":\"%s\",\"highPrice\":\"%s\",\"lowPrice\":\"%s\","
			      "\"volume\":\"%s\",\"quoteVolume\":\"%s\",\"openTime\":%lld,\"closeTime\":%lld,"
			      "\"firstId\":%lld,\"lastId\":%lld,\"count\":%lld}",
			      info.symbol, change, pct, wap_s, prev, last, last_qty, bid_s, bid_q, ask_s, ask_q, open,
			      high, low, vol, qvol, (long long)st.open_time, (long long)st.close_time,
			      (long long)st.first_id, (long long)st.last_id, (long long)st.count);
}

tf_err tf_xrender_kline_row(const tf_sim_kline *k, tf_buf *out)
{
	D(o, k->open);
	D(h, k->high);
	D(l, k->low);
	D(c, k->close);
	D(v, k->volume);
	D(q, k->quote_volume);
	D(tv, k->taker_base);
	D(tq, k->taker_quote);
	return tf_buf_appendf(out, "[%lld,\"%s\",\"%s\",\"%s\",\"%s\",\"%s\",%lld,\"%s\",%lld,\"%s\",\"%s\",\"0\"]",
			      (long long)k->open_time, o, h, l, c, v, (long long)k->close_time, q,
			      (long long)k->count, tv, tq);
}

tf_err tf_xrender_kline_event(const char *symbol, const char *interval, const tf_sim_kline *k, int64_t event_ms,
			      tf_buf *out)
{
	D(o, k->open);
	D(h, k->high);
	D(l, k->low);
	D(c, k->close);
	D(v, k->volume);
	D(q, k->quote_volume);
	D(tv, k->taker_base);
	D(tq, k->taker_quote);
	return tf_buf_appendf(out,
			      "{\"e\":\"kline\",\"E\":%lld,\"s\":\"%s\",\"k\":{\"t\":%lld,\"T\":%lld,\"s\":\"%s\","
			      "\"i\":\"%s\",\"f\":%lld,\"L\":%lld,\"o\":\"%s\",\"c\":\"%s\",\"h\":\"%s\",\"l\":\"%s\","
			      "\"v\":\"%s\",\"n\":%lld,\"x\":%s,\"q\":\"%s\",\"V\":\"%s\",\"Q\":\"%s\",\"B\":\"0\"}}",
			      (long long)event_ms, symbol, (long long)k->open_time, (long long)k->close_time, symbol,
			      interval, (long long)k->first_id, (long long)k->last_id, o, c, h, l, v,
			      (long long)k->count, k->closed ? "true" : "false", q, tv, tq);
}

tf_err tf_xrender_trade_event(const char *symbol, const tf_sim_trade *t, int64_t event_ms, tf_buf *out)
{
	D(p, t->price);
	D(q, t->qty);
	return tf_buf_appendf(out,
			      "{\"e\":\"trade\",\"E\":%lld,\"s\":\"%s\",\"t\":%lld,\"p\":\"%s\",\"q\":\"%s\","
			      "\"T\":%lld,\"m\":%s,\"M\":true}",
			      (long long)event_ms, symbol, (long long)t->id, p, q, (long long)t->time,
			      t->buyer_maker ? "true" : "false");
}

tf_err tf_xrender_combined(const char *stream, const char *payload, size_t len, tf_buf *out)
{
	tf_err err = tf_buf_appendf(out, "{\"stream\":\"%s\",\"data\":", stream);
	if (!err)
		err = tf_buf_append(out, payload, len);
	return err ? err : LIT(out, "}");
}

static tf_err symbol_info(const tf_sim *sim, int idx, tf_buf *out)
{
	tf_sim_symbol_info info;
	tf_sim_symbol(sim, idx, &info);
	D(tick, info.tick_size);
	D(maxp, info.tick_size * 1000000000);
	D(step, info.step_size);
	D(maxq, info.step_size * 1000000000);
	return tf_buf_appendf(
		out,
		"{\"symbol\":\"%s\",\"status\":\"TRADING\",\"baseAsset\":\"%s\",\"baseAssetPrecision\":8,"
		"\"quoteAsset\":\"%s\",\"quotePrecision\":8,\"quoteAssetPrecision\":8,"
		"\"baseCommissionPrecision\":8,\"quoteCommissionPrecision\":8,"
		"\"orderTypes\":[\"LIMIT\",\"LIMIT_MAKER\",\"MARKET\",\"STOP_LOSS_LIMIT\",\"TAKE_PROFIT_LIMIT\"],"
		"\"icebergAllowed\":true,\"ocoAllowed\":true,\"quoteOrderQtyMarketAllowed\":true,"
		"\"allowTrailingStop\":true,\"cancelReplaceAllowed\":true,\"isSpotTradingAllowed\":true,"
		"\"isMarginTradingAllowed\":false,\"filters\":["
		"{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"%s\",\"maxPrice\":\"%s\",\"tickSize\":\"%s\"},"
		"{\"filterType\":\"LOT_SIZE\",\"minQty\":\"%s\",\"maxQty\":\"%s\",\"stepSize\":\"%s\"},"
		"{\"filterType\":\"NOTIONAL\",\"minNotional\":\"5.00000000\",\"applyMinToMarket\":true,"
		"\"maxNotional\":\"9000000.00000000\",\"applyMaxToMarket\":false,\"avgPriceMins\":5}],"
		"\"permissions\":[\"SPOT\"],\"defaultSelfTradePreventionMode\":\"EXPIRE_MAKER\","
		"\"allowedSelfTradePreventionModes\":[\"EXPIRE_TAKER\",\"EXPIRE_MAKER\",\"EXPIRE_BOTH\"]}",
		info.symbol, info.base, info.quote, tick, maxp, tick, step, maxq, step);
}

tf_err tf_xrender_exchange_info(const tf_sim *sim, int64_t now_ms, int64_t weight_limit, const int *idx, int n,
				tf_buf *out)
{
	tf_err err = tf_buf_appendf(
		out,
		"{\"timezone\":\"UTC\",\"serverTime\":%lld,\"rateLimits\":["
		"{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":%lld},"
		"{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":100},"
		"{\"rateLimitType\":\"RAW_REQUESTS\",\"interval\":\"MINUTE\",\"intervalNum\":5,\"limit\":61000}],"
		"\"exchangeFilters\":[],\"symbols\":[",
		(long long)now_ms, (long long)weight_limit);
	int count = idx ? n : tf_sim_nsymbols(sim);
	for (int i = 0; i < count && !err; i++) {
		if (i)
			err = LIT(out, ",");
		if (!err)
			err = symbol_info(sim, idx ? idx[i] : i, out);
	}
	return err ? err : LIT(out, "]}");
}

/* A decimal as a JSON number with trailing zeros trimmed ("190.12", "7"). */
static tf_err put_num(tf_buf *out, tf_dec v)
{
	char s[TF_DEC_STR_MAX];
	size_t n = tf_dec_format(v, s);
	while (n > 0 && s[n - 1] == '0')
		n--;
	if (n > 0 && s[n - 1] == '.')
		n--;
	return tf_buf_append(out, s, n);
}

typedef enum { COL_OPEN, COL_HIGH, COL_LOW, COL_CLOSE, COL_VOLUME } column;

static tf_err put_column(tf_buf *out, const char *name, const tf_sim_kline *k, size_t n, column col,
			 tf_dec share)
{
	tf_err err = tf_buf_appendf(out, "\"%s\":[", name);
	for (size_t i = 0; i < n && !err; i++) {
		if (i)
			err = LIT(out, ",");
		if (err)
			break;
		switch (col) {
		case COL_OPEN: err = put_num(out, k[i].open); break;
		case COL_HIGH: err = put_num(out, k[i].high); break;
		case COL_LOW: err = put_num(out, k[i].low); break;
		case COL_CLOSE: err = put_num(out, k[i].close); break;
		case COL_VOLUME: err = tf_buf_appendf(out, "%lld", (long long)(k[i].volume / share)); break;
		}
	}
	return err ? err : LIT(out, "]");
}

tf_err tf_xrender_yahoo_chart(const tf_sim *sim, int idx, int64_t interval_ms, int64_t range_ms,
			      const char *interval, const char *range, tf_buf *out)
{
	tf_sim_symbol_info info;
	tf_sim_symbol(sim, idx, &info);
	tf_sim_stats st;
	tf_sim_stats24(sim, idx, &st);
	int64_t now = st.close_time, from = now - range_ms;
	size_t max = (size_t)(range_ms / interval_ms) + 2;
	tf_sim_kline *k = malloc(max * sizeof *k);
	if (!k)
		return TF_ERR_NOMEM;
	size_t n = tf_sim_klines(sim, idx, interval_ms, from, now, k, max);
	tf_sim_kline prev;
	tf_dec prev_close = n ? k[0].open : st.last;
	if (n && tf_sim_kline_at(sim, idx, interval_ms, k[0].open_time - 1, &prev))
		prev_close = prev.close;
	int64_t day0 = now / 86400000 * 86400;
	tf_err err = tf_buf_appendf(out,
				    "{\"chart\":{\"result\":[{\"meta\":{\"currency\":\"USD\",\"symbol\":\"%s\","
				    "\"exchangeName\":\"SIM\",\"fullExchangeName\":\"tickflow simulator\","
				    "\"instrumentType\":\"EQUITY\",\"firstTradeDate\":%lld,\"regularMarketTime\":%lld,"
				    "\"hasPrePostMarketData\":false,\"gmtoffset\":0,\"timezone\":\"UTC\","
				    "\"exchangeTimezoneName\":\"UTC\",\"regularMarketPrice\":",
				    info.symbol, (long long)(tf_sim_history_start(sim, idx) / 1000), (long long)(now / 1000));
	if (!err)
		err = put_num(out, st.last);
	if (!err)
		err = LIT(out, ",\"regularMarketDayHigh\":");
	if (!err)
		err = put_num(out, st.high);
	if (!err)
		err = LIT(out, ",\"regularMarketDayLow\":");
	if (!err)
		err = put_num(out, st.low);
	if (!err)
		err = tf_buf_appendf(out, ",\"regularMarketVolume\":%lld,\"chartPreviousClose\":",
				     (long long)(st.volume / info.step_size));
	if (!err)
		err = put_num(out, prev_close);
	if (!err)
		err = tf_buf_appendf(out,
				     ",\"priceHint\":2,\"currentTradingPeriod\":{"
				     "\"pre\":{\"timezone\":\"UTC\",\"start\":%lld,\"end\":%lld,\"gmtoffset\":0},"
				     "\"regular\":{\"timezone\":\"UTC\",\"start\":%lld,\"end\":%lld,\"gmtoffset\":0},"
				     "\"post\":{\"timezone\":\"UTC\",\"start\":%lld,\"end\":%lld,\"gmtoffset\":0}},"
				     "\"dataGranularity\":\"%s\",\"range\":\"%s\",\"validRanges\":[\"1d\",\"5d\",\"1mo\"]},"
				     "\"timestamp\":[",
				     (long long)day0, (long long)day0, (long long)day0, (long long)(day0 + 86400),
				     (long long)(day0 + 86400), (long long)(day0 + 86400), interval, range);
	for (size_t i = 0; i < n && !err; i++)
		err = tf_buf_appendf(out, "%s%lld", i ? "," : "", (long long)(k[i].open_time / 1000));
	if (!err)
		err = LIT(out, "],\"indicators\":{\"quote\":[{");
	if (!err)
		err = put_column(out, "open", k, n, COL_OPEN, info.step_size);
	if (!err)
		err = LIT(out, ",");
	if (!err)
		err = put_column(out, "high", k, n, COL_HIGH, info.step_size);
	if (!err)
		err = LIT(out, ",");
	if (!err)
		err = put_column(out, "low", k, n, COL_LOW, info.step_size);
	if (!err)
		err = LIT(out, ",");
	if (!err)
		err = put_column(out, "close", k, n, COL_CLOSE, info.step_size);
	if (!err)
		err = LIT(out, ",");
	if (!err)
		err = put_column(out, "volume", k, n, COL_VOLUME, info.step_size);
	if (!err)
		err = LIT(out, "}]}}],\"error\":null}}");
	free(k);
	return err;
}

tf_err tf_xrender_yahoo_error(tf_buf *out, const char *code, const char *description)
{
	tf_err err = LIT(out, "{\"chart\":{\"result\":null,\"error\":{\"code\":\"");
	if (!err)
		err = put_escaped(out, code);
	if (!err)
		err = LIT(out, "\",\"description\":\"");
	if (!err)
		err = put_escaped(out, description);
	return err ? err : LIT(out, "\"}}}");
}

tf_err tf_xrender_server_shutdown(int64_t event_ms, tf_buf *out)
{
	return tf_buf_appendf(out, "{\"e\":\"serverShutdown\",\"E\":%lld}", (long long)event_ms);
}
