/* pipeline.h — the ingest pipeline: source → (record) → decode → split → de-duplicate → sink.
 *
 * Every raw message from the source is optionally appended to a --record file, decoded with the
 * market decoders (by its format), and split into one record per market event: key = symbol,
 * value = the event's JSON exactly as received, timestamp = its E. Records already emitted (a
 * rotation overlap, a reconnect) are dropped by dedup.h and counted. Undecodable input — a whole
 * message, or one bad element of an array — goes to the sink's dead-letter path with the reason,
 * is counted, and never stops the pipeline. Only a failing sink or a fatal source error stops it. */
#ifndef TF_FEED_PIPELINE_H
#define TF_FEED_PIPELINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "feed/sink.h"
#include "feed/source.h"

typedef struct {
	tf_source *source;          /* borrowed */
	tf_sink *sink;              /* borrowed */
	const char *record_path;    /* --record FILE: raw messages with receive time; NULL = none */
	size_t max_message;         /* largest message recorded (bounds the record line buffer) */
	bool decode;                /* false: only count messages and bytes (to measure the transport) */
	uint64_t limit;             /* stop after this many records; 0 = no limit */
	int64_t duration_ms;        /* stop after this long; 0 = no limit */
	const volatile sig_atomic_t *stop; /* set by a signal handler: stop cleanly */
	int flush_interval_ms;      /* flush the sink at least this often while data flows; 0 = 100 */
} tf_pipeline_opts;

typedef struct {
	uint64_t messages, bytes;   /* raw messages from the source */
	uint64_t records;           /* handed to the sink */
	uint64_t dead_letters;      /* whole messages and single elements that could not be decoded */
	uint64_t duplicates;        /* dropped by de-duplication */
	uint64_t replies, server_errors, server_shutdowns; /* non-market WebSocket messages */
} tf_pipeline_stats;

typedef struct tf_pipeline tf_pipeline;

/* TF_ERR_IO when the record file cannot be created (errbuf says why), TF_ERR_NOMEM. */
tf_err tf_pipeline_new(const tf_pipeline_opts *o, tf_pipeline **out, char *errbuf, size_t errcap);

/* Records, decodes and delivers one message. TF_ERR_STOPPED once the record limit is reached
 * (records after it are not delivered); a sink or record-file error otherwise. Undecodable input
 * is not an error here: it becomes a dead letter. */
tf_err tf_pipeline_handle(tf_pipeline *p, const tf_feed_msg *msg);

/* Runs until stop, the limit, the duration, or the end of the source: TF_OK. A fatal source
 * error or a sink error is returned (after flushing what can be flushed). */
tf_err tf_pipeline_run(tf_pipeline *p);

const tf_pipeline_stats *tf_pipeline_stats_get(const tf_pipeline *p);

/* Flushes the sink and the record file. */
tf_err tf_pipeline_flush(tf_pipeline *p);

/* Closes the record file (flushing it) and frees; the sink and source are not touched. */
void tf_pipeline_free(tf_pipeline *p);

#endif
