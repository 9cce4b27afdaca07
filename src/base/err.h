/* err.h — the one error code type of tickflow.
 *
 * Functions return tf_err and hand results back through out-parameters. Values 0..999 and -1 are
 * kept free for Kafka's wire error codes, unchanged (e.g. 3 UNKNOWN_TOPIC_OR_PARTITION), so the
 * broker can pass them through without a mapping table; tickflow's own codes start at 1000. */
#ifndef TF_BASE_ERR_H
#define TF_BASE_ERR_H

typedef int tf_err;

enum {
	TF_OK = 0,
	TF_KAFKA_UNKNOWN_SERVER_ERROR = -1, /* Kafka's -1; other Kafka codes are used as numbers */
	TF_ERR_NOMEM = 1000,  /* allocation failed */
	TF_ERR_IO,            /* read/write/open failed; errno has details */
	TF_ERR_PARSE,         /* input is not well-formed (JSON, HTTP, frame, config) */
	TF_ERR_SCHEMA,        /* well-formed input lacks a field or has the wrong type */
	TF_ERR_TOO_BIG,       /* input or buffer exceeds its maximum */
	TF_ERR_RANGE,         /* a number is out of its allowed range */
	TF_ERR_USAGE,         /* bad command line, environment or config value */
	TF_ERR_PROTO,         /* peer broke the protocol (WebSocket, HTTP, Kafka) */
	TF_ERR_TLS,           /* TLS handshake or certificate verification failed */
	TF_ERR_CLOSED,        /* peer closed the connection */
	TF_ERR_TIMEOUT,       /* deadline passed */
	TF_ERR_AGAIN,         /* would block; try again when ready */
	TF_ERR_NOT_FOUND,     /* no such symbol, file, route, key */
	TF_ERR_REFUSED,       /* connection refused or name not resolved */
	TF_ERR_REMOTE,        /* remote returned an error payload (Binance {"code","msg"}, HTTP 4xx/5xx) */
	TF_ERR_STOPPED,       /* stopped on request (signal, shutdown) */
	TF_ERR_INTERNAL,      /* a bug: an invariant did not hold */
	TF_ERR_MAX_
};

/* Short English name of an error code ("parse error"); never NULL. */
const char *tf_err_str(tf_err err);

#endif
