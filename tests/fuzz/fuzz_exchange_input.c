/* fuzz_exchange_input.c — libFuzzer target for everything `tickflow exchange` parses from clients:
 * WebSocket control messages, REST query strings on every endpoint, and upgrade stream lists.
 * The first byte picks the parser (and the REST path); the rest is the input. Replies must always
 * be valid JSON that the market decoders classify as a reply or an error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "exchange/rest.h"
#include "exchange/streams.h"
#include "market/market.h"

static tf_sim *sim;
static tf_xweight weight;

static const char *paths[] = {"/api/v3/ticker/24hr", "/api/v3/klines", "/api/v3/exchangeInfo", "/api/v3/ping",
			      "/v8/finance/chart/AAPL", "/v8/finance/chart/nope", "/api/v3/time", "/x"};

static tf_err on_tick(void *ud, const tf_tick *t)
{
	return TF_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!sim) {
		tf_log_setup(TF_LOG_ERROR, TF_LOG_TEXT, "fuzz");
		tf_sim_config c = {.seed = 1, .nsymbols = 5, .start_ms = 1700000000000LL};
		if (tf_sim_new(&c, &sim) != TF_OK)
			abort();
		tf_xweight_init(&weight, INT64_MAX / 4);
	}
	if (size < 1 || size > 16384)
		return 0;
	char *in = malloc(size);
	if (!in)
		return 0;
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	size_t len = size - 1;
	tf_buf out;
	tf_buf_init(&out, 1 << 24);
	switch (data[0] % 3) {
	case 0: {
		static tf_xsubs subs;
		bool combined = false;
		tf_json_doc doc;
		tf_json_init(&doc);
		tf_xcontrol_result res;
		if (subs.n > 900)
			subs.n = 0;
		if (tf_xcontrol_handle(sim, &subs, &combined, in, len, &doc, &out, &res) == TF_OK) {
			tf_msg_kind kind;
			tf_decode_err derr;
			tf_tick_handler h = {on_tick, NULL, NULL};
			if (tf_market_decode_ws(out.data, out.len, &kind, &h, &derr) != TF_OK ||
			    (kind != TF_MSG_REPLY && kind != TF_MSG_ERROR))
				abort();
		}
		tf_json_free(&doc);
		break;
	}
	case 1: {
		if (memchr(in, '\0', len))
			break; /* the HTTP parser never hands us a NUL */
		tf_xrest_meta meta;
		const char *path = paths[(data[0] / 3) % (sizeof paths / sizeof paths[0])];
		if (tf_xrest_handle(sim, &weight, "GET", path, in, "127.0.0.1:1", 1700000001000LL, &out, &meta) == TF_OK &&
		    (meta.status < 200 || meta.status > 599 || out.len == 0 || (out.data[0] != '{' && out.data[0] != '[')))
			abort();
		break;
	}
	default: {
		static tf_xsubs subs;
		char bad[80];
		subs.n = 0;
		tf_xstream_parse_list(sim, in, len, &subs, bad, sizeof bad);
		if (subs.n > TF_XSTREAM_MAX_PER_CONN)
			abort();
		break;
	}
	}
	tf_buf_free(&out);
	free(in);
	return 0;
}
