/* sink.h — the output side of the ingest pipeline: where records and dead letters go.
 *
 * A record is one market event: key = symbol, value = the event's JSON exactly as received
 * (sliced from the message, never re-serialised), timestamp = the event's E. The sink decides the
 * representation: sink_jsonl.c prints normalised JSON lines (tf_market_tick_json); a Kafka
 * producer sink sends key/value/timestamp to topic `ticks` and dead letters to `ticks.dlq` with a
 * header carrying `reason` — without any change to sources or the pipeline. */
#ifndef TF_FEED_SINK_H
#define TF_FEED_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "market/tick.h"

typedef struct {
	const char *key;          /* the symbol */
	size_t key_len;
	const char *value;        /* the element's JSON as received */
	size_t value_len;
	int64_t timestamp_ms;     /* the element's E */
	const tf_tick *tick;      /* the decoded event (valid during the call only) */
} tf_feed_record;

typedef struct tf_sink tf_sink;
struct tf_sink {
	/* Each returns TF_OK or an error that stops the pipeline (the output is gone: disk full, a
	 * closed pipe). Data passed in is only valid during the call. */
	tf_err (*write)(tf_sink *s, const tf_feed_record *r);
	tf_err (*write_dead_letter)(tf_sink *s, const char *raw, size_t len, const char *reason, int64_t recv_ms);
	tf_err (*flush)(tf_sink *s);
	/* Flushes and frees; the result of the final flush is returned. NULL-safe via tf_sink_close. */
	tf_err (*close)(tf_sink *s);
};

static inline tf_err tf_sink_close(tf_sink *s)
{
	return s ? s->close(s) : TF_OK;
}

typedef enum {
	TF_JSONL_TICKS,   /* the normalised tick: tf_market_tick_json */
	TF_JSONL_RECORDS, /* the record as Kafka gets it: {"key":..,"timestamp":E,"value":"<raw JSON as a string>"} */
} tf_jsonl_format;

/* JSON-lines sink. out_path: file to create/truncate, or "-" for stdout; one line per record in
 * `format`. dlq_path: dead letters as JSON lines
 * {"reason":..,"recv_ms":..,"raw":"..."} ("raw_b64" when raw is not UTF-8); NULL = a warning log
 * line each (raw cut to 200 bytes). TF_ERR_IO when a file cannot be opened (errbuf says which). */
tf_err tf_sink_jsonl_new(const char *out_path, const char *dlq_path, tf_jsonl_format format, tf_sink **out,
			 char *errbuf, size_t errcap);

#endif
