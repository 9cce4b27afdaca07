/* test_net_curl.c — the real curl CLI against our HTTP server (plain and TLS) on 127.0.0.1:
 * status, headers, body, a reused keep-alive connection, a query string. */
#include <stdio.h>
#include <stdlib.h>

#include "net_fixture.h"
#include "test.h"

/* Runs cmd and captures its stdout into out. */
static int run_capture(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	size_t n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	return pclose(p);
}

static char out[1 << 16];

TF_TEST(net_curl_gets_from_our_server)
{
	net_fixture f;
	TF_CHECK(net_fixture_start(&f, false, NULL));
	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "curl -sS -v --max-time 5 http://127.0.0.1:%u/hello 'http://127.0.0.1:%u/q?x=caf%%C3%%A9' 2>&1",
		 f.port, f.port);
	int rc = run_capture(cmd, out, sizeof out);
	net_fixture_stop(&f);
	TF_CHECK_EQ_INT(rc, 0);
	TF_CHECK(strstr(out, "< HTTP/1.1 200 OK") != NULL);
	TF_CHECK(strstr(out, "hello") != NULL);
	TF_CHECK(strstr(out, "x=caf\xc3\xa9") != NULL);
	TF_CHECK(strstr(out, "Re-using existing connection") != NULL || strstr(out, "Reusing existing") != NULL);
}

TF_TEST(net_curl_gets_over_tls_and_sees_headers)
{
	const char *d = net_fixture_certs();
	TF_CHECK(d[0]);
	net_fixture f;
	TF_CHECK(net_fixture_start(&f, true, NULL));
	char cmd[768];
	snprintf(cmd, sizeof cmd, "curl -sS -i --max-time 5 --cacert %s/ca.pem https://localhost:%u/limited 2>&1",
		 d, f.port);
	int rc = run_capture(cmd, out, sizeof out);
	char cmd2[768], out2[512];
	snprintf(cmd2, sizeof cmd2, "curl -sS --max-time 5 https://localhost:%u/hello 2>&1", f.port);
	int rc2 = run_capture(cmd2, out2, sizeof out2);   /* no CA: curl must refuse */
	net_fixture_stop(&f);
	TF_CHECK_EQ_INT(rc, 0);
	TF_CHECK(strstr(out, "HTTP/1.1 429 Too Many Requests") != NULL);
	TF_CHECK(strstr(out, "Retry-After: 7") != NULL);
	TF_CHECK(strstr(out, "X-MBX-USED-WEIGHT-1M: 6001") != NULL);
	TF_CHECK(rc2 != 0);
}
