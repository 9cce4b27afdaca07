/* tcp.c — see tcp.h. */
#include "net/tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "net/addr.h"

static void set_nodelay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void format_sa(const struct sockaddr *sa, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
		port = ntohs(a->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
		port = ntohs(a->sin6_port);
	}
	tf_addr_format(ip, port, out, cap);
}

static tf_err resolve(const char *host, uint16_t port, bool passive, struct addrinfo **res,
		      char *errbuf, size_t errcap)
{
	char portstr[8];
	snprintf(portstr, sizeof portstr, "%u", (unsigned)port);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	hints.ai_flags = passive ? AI_PASSIVE : AI_ADDRCONFIG;
	int rc = getaddrinfo(host[0] ? host : NULL, portstr, &hints, res);
	if (rc != 0) {
		snprintf(errbuf, errcap, "cannot resolve '%s': %s", host, gai_strerror(rc));
		return TF_ERR_REFUSED;
	}
	return TF_OK;
}

/* One line for the operator: what failed, why, and what to do. */
static void listen_error(const char *hostport, int e, char *errbuf, size_t errcap)
{
	const char *hint = "";
	if (e == EADDRINUSE)
		hint = " (another process listens there, perhaps an earlier tickflow: stop it; `ss -ltnp` shows which)";
	else if (e == EACCES)
		hint = " (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
	else if (e == EADDRNOTAVAIL)
		hint = " (no network interface of this machine has that address)";
	snprintf(errbuf, errcap, "cannot listen on %s: %s%s", hostport, strerror(e), hint);
}

tf_err tf_tcp_listen(const char *hostport, int backlog, int *fd_out, char *errbuf, size_t errcap)
{
	*fd_out = -1;
	tf_hostport hp;
	if (tf_addr_parse(hostport, &hp) != TF_OK) {
		snprintf(errbuf, errcap, "bad listen address '%s' (want host:port, [v6]:port)", hostport);
		return TF_ERR_PARSE;
	}
	struct addrinfo *res = NULL;
	tf_err err = resolve(hp.host, hp.port, true, &res, errbuf, errcap);
	if (err)
		return err;
	err = TF_ERR_IO;
	snprintf(errbuf, errcap, "cannot listen on %s: no usable address", hostport);
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog > 0 ? backlog : 511) == 0) {
			*fd_out = fd;
			err = TF_OK;
			break;
		}
		listen_error(hostport, errno, errbuf, errcap);
		close(fd);
	}
	freeaddrinfo(res);
	return err;
}

tf_err tf_tcp_accept(int lfd, int *fd_out, char *peer, size_t peercap)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
			return TF_ERR_AGAIN;
		return TF_ERR_IO;
	}
	set_nodelay(fd);
	if (peer)
		format_sa((struct sockaddr *)&ss, peer, peercap);
	*fd_out = fd;
	return TF_OK;
}

/* One non-blocking connect attempt, waiting until deadline. */
static tf_err connect_one(const struct addrinfo *ai, int64_t deadline, int *fd_out, int *err_no)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		*err_no = errno;
		return TF_ERR_IO;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS) {
			*err_no = errno;
			close(fd);
			return errno == ECONNREFUSED ? TF_ERR_REFUSED : TF_ERR_IO;
		}
		for (;;) {
			int64_t left = deadline - tf_mono_ms();
			if (left <= 0) {
				*err_no = ETIMEDOUT;
				close(fd);
				return TF_ERR_TIMEOUT;
			}
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			int r = poll(&p, 1, (int)left);
			if (r < 0 && errno == EINTR)
				continue;
			if (r > 0)
				break;
			if (r < 0) {
				*err_no = errno;
				close(fd);
				return TF_ERR_IO;
			}
		}
		int so = 0;
		socklen_t sl = sizeof so;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl);
		if (so != 0) {
			*err_no = so;
			close(fd);
			return so == ECONNREFUSED ? TF_ERR_REFUSED : TF_ERR_IO;
		}
	}
	set_nodelay(fd);
	*fd_out = fd;
	return TF_OK;
}

tf_err tf_tcp_connect(const char *host, uint16_t port, int timeout_ms, int *fd_out, char *errbuf,
		      size_t errcap)
{
	*fd_out = -1;
	int64_t deadline = tf_mono_ms() + (timeout_ms > 0 ? timeout_ms : 10000);
	struct addrinfo *res = NULL;
	tf_err err = resolve(host, port, false, &res, errbuf, errcap);
	if (err)
		return err;
	char where[300];
	tf_addr_format(host, port, where, sizeof where);
	int err_no = 0;
	err = TF_ERR_IO;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		err = connect_one(ai, deadline, fd_out, &err_no);
		if (err == TF_OK || err == TF_ERR_TIMEOUT)
			break;
	}
	freeaddrinfo(res);
	if (err == TF_ERR_TIMEOUT)
		snprintf(errbuf, errcap, "connect %s: timed out after %d ms", where, timeout_ms > 0 ? timeout_ms : 10000);
	else if (err)
		snprintf(errbuf, errcap, "connect %s: %s", where, strerror(err_no));
	return err;
}

tf_err tf_tcp_local_port(int fd, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return TF_ERR_IO;
	if (ss.ss_family == AF_INET)
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		return TF_ERR_IO;
	return TF_OK;
}
