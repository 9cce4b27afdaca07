/* err.c — names of tickflow's error codes. */
#include "base/err.h"

const char *tf_err_str(tf_err err)
{
	switch (err) {
	case TF_OK: return "ok";
	case TF_KAFKA_UNKNOWN_SERVER_ERROR: return "unknown server error";
	case TF_ERR_NOMEM: return "out of memory";
	case TF_ERR_IO: return "I/O error";
	case TF_ERR_PARSE: return "malformed input";
	case TF_ERR_SCHEMA: return "unexpected structure";
	case TF_ERR_TOO_BIG: return "too big";
	case TF_ERR_RANGE: return "out of range";
	case TF_ERR_USAGE: return "usage error";
	case TF_ERR_PROTO: return "protocol error";
	case TF_ERR_TLS: return "TLS error";
	case TF_ERR_CLOSED: return "connection closed";
	case TF_ERR_TIMEOUT: return "timed out";
	case TF_ERR_AGAIN: return "try again";
	case TF_ERR_NOT_FOUND: return "not found";
	case TF_ERR_REFUSED: return "connection refused";
	case TF_ERR_REMOTE: return "remote error";
	case TF_ERR_STOPPED: return "stopped";
	case TF_ERR_INTERNAL: return "internal error";
	default: return err > 0 && err < 1000 ? "Kafka error" : "unknown error";
	}
}
