/* rest_client.h — a small blocking HTTP(S) GET client on libcurl, for REST calls the feed makes
 * (Binance /api/v3/klines backfill, Yahoo's v8 chart API).
 *
 * Every call is bounded: connect and total timeouts, a maximum body size, TLS always verified
 * (system CAs or ca_file). Rate limiting is honoured: HTTP 429 (too many requests), 418 (banned)
 * and 503 with a Retry-After header are retried after that delay, at most max_retries times and
 * only when the delay is at most max_retry_wait_ms; otherwise the wait is handed back to the
 * caller in retry_after_ms. */
#ifndef TF_NET_REST_CLIENT_H
#define TF_NET_REST_CLIENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct {
	int connect_timeout_ms;  /* TCP + TLS; 0 = 5000 */
	int timeout_ms;          /* whole request; 0 = 15000 */
	size_t max_body;         /* larger bodies fail with TF_ERR_TOO_BIG; 0 = 8 MiB */
	const char *ca_file;     /* PEM bundle for https; NULL = system CAs */
	int max_retries;         /* retries after 429/418/503 with Retry-After; 0 = none */
	int max_retry_wait_ms;   /* longest Retry-After we wait for; 0 = 60000 */
	const volatile sig_atomic_t *stop; /* optional: when it becomes non-zero, waiting ends (TF_ERR_STOPPED) */
} tf_rest_opts;

typedef struct {
	long status;             /* HTTP status of the last attempt; 0 when no response came */
	tf_buf body;             /* the last response's body, NUL-terminated; owned by the response */
	int64_t retry_after_ms;  /* Retry-After of the last response in ms; -1 when absent */
} tf_rest_response;

/* GETs url. TF_OK for a 2xx status. Otherwise: TF_ERR_REMOTE (non-2xx; status, body and
 * retry_after_ms say more), TF_ERR_TOO_BIG (body over max_body), TF_ERR_TIMEOUT, TF_ERR_REFUSED
 * (connection refused or name not resolved), TF_ERR_TLS (handshake or verification), TF_ERR_USAGE
 * (malformed URL), TF_ERR_STOPPED, TF_ERR_IO (anything else); errbuf gets one line naming the
 * cause. resp is always initialised; free it with tf_rest_response_free even on error. */
tf_err tf_rest_get(const tf_rest_opts *o, const char *url, tf_rest_response *resp, char *errbuf, size_t errcap);

void tf_rest_response_free(tf_rest_response *r);

/* Parses an HTTP Retry-After value (delta-seconds; an HTTP-date is not accepted) into ms; -1 when
 * it is not a plain non-negative number of seconds. */
int64_t tf_rest_parse_retry_after(const char *value, size_t len);

#endif
