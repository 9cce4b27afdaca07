/* streams.h — the exchange's WebSocket vocabulary, as pure functions: stream names
 * ("btcusdt@kline_1m", "!miniTicker@arr"), kline intervals, a connection's subscription set, and
 * the live control messages (SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY,
 * GET_PROPERTY) answered the way Binance answers them. No sockets here: server.c feeds messages in
 * and sends the replies out. */
#ifndef TF_EXCHANGE_STREAMS_H
#define TF_EXCHANGE_STREAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "exchange/sim.h"
#include "market/json.h"

#define TF_XSTREAM_MAX_PER_CONN 1024   /* Binance: 1024 streams a connection */
#define TF_XSTREAM_NAME_MAX 64

/* Kline intervals: 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d. */
#define TF_XINTERVALS 12
/* Index of interval text s[0..n) (exact, case-sensitive as Binance), -1 when unknown. */
int tf_xinterval_parse(const char *s, size_t n);
int64_t tf_xinterval_ms(int idx);
const char *tf_xinterval_name(int idx);

typedef enum {
	TF_XS_ALL_MINI, /* !miniTicker@arr */
	TF_XS_MINI,     /* <sym>@miniTicker */
	TF_XS_KLINE,    /* <sym>@kline_<interval> */
	TF_XS_TRADE,    /* <sym>@trade */
} tf_xstream_kind;

typedef struct {
	tf_xstream_kind kind;
	int sym;        /* sim index; -1 for !miniTicker@arr */
	int interval;   /* kline interval index; -1 otherwise */
} tf_xstream;

/* Parses a stream name. The symbol part is the lower-case symbol (Binance's streams are lower
 * case); upper case is refused like any unknown stream. TF_ERR_NOT_FOUND when the name is not a
 * stream this exchange serves (unknown symbol, kind or interval, stocks included). */
tf_err tf_xstream_parse(const tf_sim *sim, const char *name, size_t len, tf_xstream *out);
/* The canonical name ("btcusdt@kline_1m") into out (NUL-terminated); returns its length. */
size_t tf_xstream_name(const tf_sim *sim, const tf_xstream *s, char *out, size_t cap);
/* A compact key, unique per stream, for sets. */
uint32_t tf_xstream_key(const tf_xstream *s);
void tf_xstream_from_key(uint32_t key, tf_xstream *out);

/* A connection's subscriptions, in the order they were made. */
typedef struct {
	uint32_t keys[TF_XSTREAM_MAX_PER_CONN];
	int n;
} tf_xsubs;

bool tf_xsubs_has(const tf_xsubs *s, uint32_t key);
/* TF_OK (also when already there), TF_ERR_TOO_BIG when the set is full. */
tf_err tf_xsubs_add(tf_xsubs *s, uint32_t key);
bool tf_xsubs_remove(tf_xsubs *s, uint32_t key);

/* Parses a path's stream list: "a/b/c" (for /ws/a/b/c) or the streams= value of /stream (same
 * separator). Adds each to subs. TF_ERR_NOT_FOUND naming the bad stream in bad (NUL-terminated,
 * truncated), TF_ERR_TOO_BIG beyond 1024, TF_ERR_PARSE for an empty list or empty name. */
tf_err tf_xstream_parse_list(const tf_sim *sim, const char *list, size_t len, tf_xsubs *subs, char *bad,
			     size_t badcap);

/* What a control message did, for the caller's bookkeeping. */
typedef struct {
	bool changed;   /* subscriptions or the combined property changed */
} tf_xcontrol_result;

/* Handles one text message from a client: applies it to subs / *combined and appends the reply to
 * reply ({"result":null,"id":1}, {"result":[...],"id":3}, or {"code":2,"msg":"..."} with "id" when
 * the request had a valid one). doc is scratch space (tf_json_init'ed by the caller, reused).
 * Returns TF_OK when a reply was written (errors in the request are replies too); TF_ERR_NOMEM /
 * TF_ERR_TOO_BIG only when the reply could not be built. */
tf_err tf_xcontrol_handle(const tf_sim *sim, tf_xsubs *subs, bool *combined, const char *msg, size_t len,
			  tf_json_doc *doc, tf_buf *reply, tf_xcontrol_result *res);

#endif
