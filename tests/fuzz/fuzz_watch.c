/* fuzz_watch.c — the watched-symbols message (live.watch values are written by any serve process
 * and read by every stream: untrusted). Whatever parses must format back to the same bytes' meaning:
 * parse(format(parse(x))) == parse(x). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/watch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tf_watch_list a, b;
	static char out[TF_WATCH_VALUE_MAX];
	int64_t ttl, ttl2;
	if (tf_watch_parse((const char *)data, size, &ttl, &a) != TF_OK)
		return 0;
	if (ttl < 1 || ttl > 600000 || a.n > TF_WATCH_MAX)
		abort();
	for (size_t i = 1; i < a.n; i++)
		if (strcmp(a.names[i - 1], a.names[i]) >= 0)
			abort(); /* sorted, no duplicates */
	size_t n = tf_watch_format(ttl, &a, out);
	if (n >= sizeof out || tf_watch_parse(out, n, &ttl2, &b) != TF_OK || ttl2 != ttl || !tf_watch_list_equal(&a, &b))
		abort();
	return 0;
}
