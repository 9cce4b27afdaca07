/* server.h — `tickflow exchange` on the network: the simulator served over WebSocket streams and
 * REST on one listen address, with the net branch's loop and HTTP/WebSocket server.
 *
 * One loop thread does everything. A timer ticks (every 100 ms at Binance's pace, faster under
 * --rate) and on each tick: produces the `!miniTicker@arr` frame when due and fans it out, sends
 * per-symbol miniTicker and kline updates, pings, and enforces pong timeouts, connection age and
 * per-connection output bounds. Trades reach `@trade` subscribers from the simulator's trade hook. */
#ifndef TF_EXCHANGE_SERVER_H
#define TF_EXCHANGE_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "exchange/sim.h"
#include "net/loop.h"

typedef struct {
	const char *listen;           /* "127.0.0.1:9443" */
	const char *tls_cert, *tls_key; /* both or neither */
	double rate;                  /* records/s; 0 = every changed symbol once a second */
	int64_t ping_interval_ms;
	int64_t pong_timeout_ms;
	int64_t max_conn_age_ms;
	int64_t weight_limit;
	int max_conns;
	size_t max_queued;            /* per-connection output bound (slow consumers are dropped) */
} tf_xserver_opts;

typedef struct tf_xserver tf_xserver;

/* Listens and starts serving sim (borrowed) on loop l. errbuf gets one line on failure (address in
 * use, TLS files unreadable). */
tf_err tf_xserver_new(tf_loop *l, tf_sim *sim, const tf_xserver_opts *o, tf_xserver **out, char *errbuf,
		      size_t errcap);
uint16_t tf_xserver_port(const tf_xserver *s);
/* Closes every connection (1001) and frees. NULL ok. */
void tf_xserver_free(tf_xserver *s);

#endif
