/* fuzz_http_request.c — the HTTP request head parser (net/http.h) and query lookup on any bytes.
 * Checks invariants: a parsed head lies within the input, pointers are inside the buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"

static tf_http_request req;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	bool line = false;
	tf_err err = tf_http_parse_request(buf, size, &req, &line);
	if (err == TF_OK) {
		if (req.head_len > size || req.head_len > TF_HTTP_MAX_HEAD || req.nheaders > TF_HTTP_MAX_HEADERS)
			abort();
		for (size_t i = 0; i < req.nheaders; i++) {
			if (req.headers[i].name < buf || req.headers[i].value >= buf + size)
				abort();
			(void)strlen(req.headers[i].value);
		}
		char out[64];
		tf_http_query_get(req.query, "symbol", out, sizeof out, NULL);
		tf_http_query_get(req.query, "", out, sizeof out, NULL);
		(void)tf_http_header_get(req.headers, req.nheaders, "Host");
		if (req.upgrade_websocket && !tf_http_header_get(req.headers, req.nheaders, "Upgrade"))
			abort();
	} else if (err != TF_ERR_AGAIN && err != TF_ERR_PARSE && err != TF_ERR_TOO_BIG) {
		abort();
	}
	free(buf);
	return 0;
}
