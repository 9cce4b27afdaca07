/* fetch.c — see fetch.h. */
#include "batch/fetch.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/rest_client.h"

static size_t on_body(char *p, size_t sz, size_t nm, void *ud)
{
	tf_fetch_result *r = ud;
	return tf_buf_append(&r->body, p, sz * nm) ? 0 : sz * nm;
}

static int64_t header_int(const char *v, size_t len)
{
	char tmp[32];
	while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
		len--;
	while (len && *v == ' ')
		v++, len--;
	if (!len || len >= sizeof tmp)
		return -1;
	memcpy(tmp, v, len);
	tmp[len] = 0;
	char *end;
	long long x = strtoll(tmp, &end, 10);
	return *end || x < 0 ? -1 : x;
}

static size_t on_header(char *p, size_t sz, size_t nm, void *ud)
{
	tf_fetch_result *r = ud;
	size_t n = sz * nm;
	static const char ra[] = "retry-after:", uw[] = "x-mbx-used-weight-1m:";
	if (n > sizeof ra - 1 && !strncasecmp(p, ra, sizeof ra - 1))
		r->retry_after_ms = tf_rest_parse_retry_after(p + sizeof ra - 1 + (p[sizeof ra - 1] == ' '),
							      strcspn(p + sizeof ra - 1 + (p[sizeof ra - 1] == ' '), "\r\n"));
	else if (n > sizeof uw - 1 && !strncasecmp(p, uw, sizeof uw - 1))
		r->used_weight = header_int(p + sizeof uw - 1, n - (sizeof uw - 1));
	return n;
}

tf_err tf_batch_fetch(const char *url, int64_t timeout_ms, size_t max_body, tf_fetch_result *r, char *why, size_t cap)
{
	memset(r, 0, sizeof *r);
	r->retry_after_ms = -1;
	r->used_weight = -1;
	tf_buf_init(&r->body, max_body);
	CURL *c = curl_easy_init();
	if (!c)
		return TF_ERR_NOMEM;
	char ebuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tickflow-collect");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	CURLcode rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(c);
	tf_err err = TF_OK;
	if (rc == CURLE_WRITE_ERROR) {
		snprintf(why, cap, "%s: response body larger than %zu bytes", url, max_body);
		err = TF_ERR_TOO_BIG;
	} else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) {
		snprintf(why, cap, "cannot reach %s (%s)", url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
		err = TF_ERR_REFUSED;
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(why, cap, "%s: timed out (%s)", url, ebuf);
		err = TF_ERR_TIMEOUT;
	} else if (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION) {
		snprintf(why, cap, "%s: TLS failed (%s)", url, ebuf);
		err = TF_ERR_TLS;
	} else if (rc != CURLE_OK) {
		snprintf(why, cap, "%s: %s", url, ebuf[0] ? ebuf : curl_easy_strerror(rc));
		err = TF_ERR_IO;
	} else if (r->status < 200 || r->status > 299) {
		snprintf(why, cap, "%s: HTTP %ld: %.160s", url, r->status, r->body.data ? r->body.data : "");
		err = TF_ERR_REMOTE;
	}
	return err;
}

void tf_batch_fetch_free(tf_fetch_result *r) { tf_buf_free(&r->body); }
