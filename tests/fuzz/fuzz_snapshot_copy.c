/* fuzz_snapshot_copy.c — libFuzzer target for the PostgreSQL COPY text line parser of report scans
 * (tf_snap_copy_row): any bytes give TF_OK or an error with a message, never a crash or an
 * overread; an accepted row has NUL-terminated symbol and quote. */
#include <stdlib.h>
#include <string.h>

#include "store/snapshots_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	char *line = malloc(size ? size : 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	tf_store s;
	memset(&s, 0, sizeof s);
	tf_snapshot r;
	tf_err err = tf_snap_copy_row(&s, line, (int)size, size && (data[0] & 1), &r); /* odd first byte: a brief line */
	if (err == TF_OK && (memchr(r.symbol, 0, sizeof r.symbol) == NULL || memchr(r.quote, 0, sizeof r.quote) == NULL))
		abort();
	if (err != TF_OK && !s.error[0])
		abort();
	free(line);
	return 0;
}
