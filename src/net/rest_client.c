/* rest_client.c — see rest_client.h. One curl easy handle per call: REST calls here are rare
 * (backfill after a gap, a poll a minute), so connection reuse is not worth shared state. */
#include "net/rest_client.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DEFAULT_CONNECT_TIMEOUT_MS 5000
#define DEFAULT_TIMEOUT_MS 15000
#define DEFAULT_MAX_BODY (8u << 20)
#define DEFAULT_MAX_RETRY_WAIT_MS 60000

typedef struct {
	tf_rest_response *resp;
	int too_big;
} transfer;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	transfer *t = ud;
	size_t len = size * n;
	if (tf_buf_append(&t->resp->body, p, len) != TF_OK) {
		t->too_big = 1;
		return 0; /* makes curl fail the transfer with CURLE_WRITE_ERROR */
	}
	return len;
}

int64_t tf_rest_parse_retry_after(const char *v, size_t len)
{
	while (len && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len && isspace((unsigned char)v[len - 1]))
		len--;
	if (!len || len > 9)
		return -1;
	int64_t s = 0;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)v[i]))
			return -1;
		s = s * 10 + (v[i] - '0');
	}
	return s * 1000;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	transfer *t = ud;
	size_t len = size * n;
	static const char name[] = "retry-after:";
	if (len > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0)
		t->resp->retry_after_ms = tf_rest_parse_retry_after(p + sizeof name - 1, len - (sizeof name - 1));
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
		t->resp->retry_after_ms = -1; /* a new response (after a redirect or 100) starts afresh */
	return len;
}

static tf_err map_curl(CURLcode rc, const transfer *t)
{
	if (t->too_big)
		return TF_ERR_TOO_BIG;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return TF_ERR_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return TF_ERR_REFUSED;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return TF_ERR_TLS;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return TF_ERR_USAGE;
	default:
		return TF_ERR_IO;
	}
}

/* One attempt. */
static tf_err get_once(const tf_rest_opts *o, const char *url, tf_rest_response *resp, char *errbuf, size_t errcap)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	transfer t = {resp, 0};
	tf_buf_reset(&resp->body);
	resp->status = 0;
	resp->retry_after_ms = -1;
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(errbuf, errcap, "GET %s: cannot create a curl handle", url);
		return TF_ERR_NOMEM;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(o->connect_timeout_ms ? o->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS));
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS));
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* gzip if the server offers it */
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tickflow/0.1");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)resp->body.max);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		tf_err err = rc == CURLE_FILESIZE_EXCEEDED ? TF_ERR_TOO_BIG : map_curl(rc, &t);
		if (err == TF_ERR_TOO_BIG)
			snprintf(errbuf, errcap, "GET %s: response body larger than %zu bytes", url, resp->body.max);
		else
			snprintf(errbuf, errcap, "GET %s: %s", url, curl_err[0] ? curl_err : curl_easy_strerror(rc));
		return err;
	}
	if (resp->status < 200 || resp->status > 299) {
		snprintf(errbuf, errcap, "GET %s: HTTP %ld: %.160s", url, resp->status,
			 resp->body.data ? resp->body.data : "");
		return TF_ERR_REMOTE;
	}
	return TF_OK;
}

/* Sleeps ms in short slices so a stop request ends the wait quickly. */
static tf_err wait_ms(const tf_rest_opts *o, int64_t ms)
{
	while (ms > 0) {
		if (o->stop && *o->stop)
			return TF_ERR_STOPPED;
		int64_t step = ms < 100 ? ms : 100;
		struct timespec ts = {(time_t)(step / 1000), (long)(step % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return TF_OK;
}

tf_err tf_rest_get(const tf_rest_opts *o, const char *url, tf_rest_response *resp, char *errbuf, size_t errcap)
{
	tf_buf_init(&resp->body, o->max_body ? o->max_body : DEFAULT_MAX_BODY);
	resp->status = 0;
	resp->retry_after_ms = -1;
	int64_t max_wait = o->max_retry_wait_ms ? o->max_retry_wait_ms : DEFAULT_MAX_RETRY_WAIT_MS;
	for (int attempt = 0;; attempt++) {
		tf_err err = get_once(o, url, resp, errbuf, errcap);
		int limited = resp->status == 429 || resp->status == 418 || resp->status == 503;
		if (err != TF_ERR_REMOTE || !limited || resp->retry_after_ms < 0 || attempt >= o->max_retries ||
		    resp->retry_after_ms > max_wait)
			return err;
		if (wait_ms(o, resp->retry_after_ms) != TF_OK) {
			snprintf(errbuf, errcap, "GET %s: stopped while waiting for Retry-After", url);
			return TF_ERR_STOPPED;
		}
	}
}

void tf_rest_response_free(tf_rest_response *r)
{
	if (r)
		tf_buf_free(&r->body);
}
