/* net_fixture.h — shared by the net unit tests: an HTTP + WebSocket echo server running on its own
 * loop in a thread on 127.0.0.1 (any free port), optionally with TLS from a throwaway CA made with
 * the openssl CLI, and a tiny blocking raw-socket client. */
#ifndef TF_TEST_NET_FIXTURE_H
#define TF_TEST_NET_FIXTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/http_server.h"

typedef struct {
	tf_loop *loop;
	tf_http_server *srv;
	tf_tls_ctx *tls;
	pthread_t th;
	uint16_t port;
	int ws_closed;           /* on_close calls seen (read after stop) */
	uint16_t last_close_code;
	tf_http_server_opts opts;
} net_fixture;

/* Writes a CA, a server cert for 127.0.0.1/localhost and its key into a temp dir once per process;
 * returns the dir ("" on failure). Files: ca.pem, cert.pem, key.pem, other-ca.pem. */
const char *net_fixture_certs(void);
/* Starts the server; opts may tweak limits (NULL = defaults). false on failure. */
bool net_fixture_start(net_fixture *f, bool tls, const tf_http_server_opts *opts);
void net_fixture_stop(net_fixture *f);

/* Connects to 127.0.0.1:port (blocking socket); -1 on failure. */
int net_raw_connect(uint16_t port);
bool net_raw_send(int fd, const char *s, size_t n);
/* Reads until n bytes, EOF, or timeout_ms; returns the count (buf NUL-terminated, cap > n). */
size_t net_raw_read(int fd, char *buf, size_t cap, int timeout_ms);
/* Reads until the string `until` appears (or EOF/timeout); returns the count. */
size_t net_raw_read_until(int fd, char *buf, size_t cap, const char *until, int timeout_ms);

#endif
