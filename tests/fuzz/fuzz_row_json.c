/* fuzz_row_json.c — live-bus messages are outside input to serve: parsing any bytes as a candle or
 * an alert must fail cleanly or give a row that writes back to JSON which parses to the same row
 * and the same bytes again (what serve forwards is always well-formed and stable). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/row_json.h"

static void candle(tf_json_doc *d, const char *in, size_t n)
{
	tf_q_candle c, c2;
	char why[200];
	if (tf_row_json_parse_candle(d, in, n, &c, why, sizeof why))
		return;
	tf_buf b1, b2;
	tf_buf_init(&b1, TF_ROW_JSON_MAX);
	tf_buf_init(&b2, TF_ROW_JSON_MAX);
	if (tf_row_json_candle(&b1, &c, true) || tf_row_json_parse_candle(d, b1.data, b1.len, &c2, why, sizeof why) ||
	    tf_row_json_candle(&b2, &c2, true) || b1.len != b2.len || memcmp(b1.data, b2.data, b1.len))
		abort();
	tf_buf_free(&b1);
	tf_buf_free(&b2);
}

static void alert(tf_json_doc *d, const char *in, size_t n)
{
	tf_q_alert a, a2;
	char why[200];
	if (tf_row_json_parse_alert(d, in, n, &a, why, sizeof why))
		return;
	tf_buf b1, b2;
	tf_buf_init(&b1, TF_ROW_JSON_MAX);
	tf_buf_init(&b2, TF_ROW_JSON_MAX);
	if (tf_row_json_alert(&b1, &a) || tf_row_json_parse_alert(d, b1.data, b1.len, &a2, why, sizeof why) ||
	    tf_row_json_alert(&b2, &a2) || b1.len != b2.len || memcmp(b1.data, b2.data, b1.len))
		abort();
	tf_buf_free(&b1);
	tf_buf_free(&b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tf_json_doc d;
	tf_json_init(&d);
	candle(&d, (const char *)data, size);
	alert(&d, (const char *)data, size);
	tf_json_free(&d);
	return 0;
}
