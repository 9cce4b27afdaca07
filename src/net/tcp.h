/* tcp.h — TCP sockets: non-blocking listen and accept, connect with a timeout. IPv4 and IPv6 via
 * getaddrinfo. All returned fds are non-blocking and close-on-exec, TCP_NODELAY set. */
#ifndef TF_NET_TCP_H
#define TF_NET_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Listens on "host:port" (see tf_addr_parse; port 0 = any free port) with SO_REUSEADDR. errbuf names the
 * address, the reason and what to do (EADDRINUSE: stop the other process).
 * Errors: TF_ERR_PARSE (bad string), TF_ERR_REFUSED (name not resolved), TF_ERR_IO (bind/listen;
 * errbuf says which and why, e.g. "address already in use"). */
tf_err tf_tcp_listen(const char *hostport, int backlog, int *fd_out, char *errbuf, size_t errcap);

/* Accepts one connection. TF_ERR_AGAIN when none is pending, TF_ERR_IO on other errors
 * (EMFILE included; errno is kept). peer (may be NULL) gets "ip:port". */
tf_err tf_tcp_accept(int lfd, int *fd_out, char *peer, size_t peercap);

/* Connects to host:port, trying every resolved address until timeout_ms (total) runs out.
 * Blocking for the caller (poll inside); the returned fd is non-blocking.
 * Errors: TF_ERR_REFUSED (DNS failure or connection refused), TF_ERR_TIMEOUT, TF_ERR_IO;
 * errbuf gets one line ("connect 127.0.0.1:9: connection refused"). */
tf_err tf_tcp_connect(const char *host, uint16_t port, int timeout_ms, int *fd_out, char *errbuf,
		      size_t errcap);

/* Local port of a bound socket (useful after listening on port 0). */
tf_err tf_tcp_local_port(int fd, uint16_t *port);

#endif
