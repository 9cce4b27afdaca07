/* addr.h — parsing of "host:port" strings and ws:// / wss:// / http(s):// URLs. Pure string work,
 * no I/O; every field is bounded and rejected when too long. */
#ifndef TF_NET_ADDR_H
#define TF_NET_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define TF_ADDR_HOST_MAX 256    /* DNS names are at most 253 characters */
#define TF_URL_PATH_MAX 4096

typedef struct {
	char host[TF_ADDR_HOST_MAX];  /* without IPv6 brackets: "::1", "127.0.0.1", "localhost" */
	uint16_t port;
} tf_hostport;

/* Parses "127.0.0.1:9443", "[::1]:9443", "localhost:80", ":8080" (host "" = all interfaces for
 * listening). The port is required, 0..65535 (0 = any, for listening). TF_ERR_PARSE on anything else. */
tf_err tf_addr_parse(const char *s, tf_hostport *out);

/* Formats host and port as "host:port" or "[v6]:port" into out (NUL-terminated, truncated). */
void tf_addr_format(const char *host, uint16_t port, char *out, size_t cap);

typedef struct {
	char scheme[8];               /* "ws", "wss", "http", "https" (lower-cased) */
	bool tls;                     /* wss or https */
	char host[TF_ADDR_HOST_MAX];  /* brackets removed */
	uint16_t port;                /* explicit, else 80 / 443 */
	bool default_port;            /* no port in the URL (the Host header then omits it) */
	char path[TF_URL_PATH_MAX];   /* path + "?query", "/" when empty; no fragment */
} tf_url;

/* Parses an absolute ws/wss/http/https URL. Rejects userinfo, fragments, spaces and control
 * characters, empty hosts and ports out of range: TF_ERR_PARSE (TF_ERR_TOO_BIG when a field is too
 * long). */
tf_err tf_url_parse(const char *url, tf_url *out);

#endif
