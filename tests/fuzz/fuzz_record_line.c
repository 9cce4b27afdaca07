/* fuzz_record_line.c — the --record line parser (replay input is untrusted: a file from anywhere).
 * Whatever parses must format back to a line that parses to the same message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feed/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tf_buf scratch, line, scratch2;
	tf_buf_init(&scratch, 1 << 16);
	tf_buf_init(&line, 1 << 18);
	tf_buf_init(&scratch2, 1 << 16);
	tf_feed_msg m, back;
	const char *why = NULL;
	if (tf_record_parse((const char *)data, size, &m, &scratch, &why) == TF_OK) {
		if (tf_record_format(&m, &line) != TF_OK)
			abort();
		if (tf_record_parse(line.data, line.len - 1, &back, &scratch2, &why) != TF_OK)
			abort();
		if (back.len != m.len || memcmp(back.data, m.data, m.len) != 0 || back.recv_ms != m.recv_ms ||
		    back.format != m.format || back.binary != m.binary || strcmp(back.symbol, m.symbol) != 0)
			abort();
	} else if (!why) {
		abort();
	}
	tf_buf_free(&scratch);
	tf_buf_free(&line);
	tf_buf_free(&scratch2);
	return 0;
}
