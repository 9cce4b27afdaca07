/* fuzz_http_response.c — the HTTP response head parser (the WebSocket client's upgrade answer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"

static tf_http_response res;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	tf_err err = tf_http_parse_response(buf, size, &res);
	if (err == TF_OK) {
		if (res.head_len > size || res.status < 100 || res.status > 999)
			abort();
		for (size_t i = 0; i < res.nheaders; i++)
			(void)tf_http_has_token(res.headers[i].value, "upgrade");
	}
	free(buf);
	return 0;
}
