/* fuzz_dec.c — libFuzzer target for the decimal parsers: whatever the strict parser accepts, the
 * JSON-number parser must accept with the same value, and format → parse must round-trip. */
#include <stdlib.h>
#include <string.h>

#include "base/dec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	tf_dec a, b, c;
	char buf[TF_DEC_STR_MAX];
	tf_err ea = tf_dec_parse(s, size, &a);
	tf_err eb = tf_dec_parse_number(s, size, &b);
	if (ea == TF_OK) {
		if (eb != TF_OK || a != b)
			abort();
	}
	if (eb == TF_OK) {
		size_t n = tf_dec_format(b, buf);
		if (n != strlen(buf) || n >= TF_DEC_STR_MAX)
			abort();
		if (tf_dec_parse(buf, n, &c) != TF_OK || c != b)
			abort();
		if (tf_dec_parse_number(buf, n, &c) != TF_OK || c != b)
			abort();
	}
	return 0;
}
