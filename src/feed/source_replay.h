/* source_replay.h — `--source replay:FILE`: plays back a --record file (record.h), at the
 * recorded pace times `speed` (0 = as fast as possible). A line that cannot be parsed becomes a
 * CORRUPT message (a dead letter naming the line), never the end of the replay. */
#ifndef TF_FEED_SOURCE_REPLAY_H
#define TF_FEED_SOURCE_REPLAY_H

#include <stddef.h>

#include "feed/source.h"

typedef struct {
	const char *path;
	double speed;        /* 1 = recorded pace, 2 = twice as fast, 0 = no waiting */
	size_t max_message;  /* longest payload accepted */
} tf_source_replay_opts;

/* TF_ERR_IO when the file cannot be opened (errbuf names it), TF_ERR_USAGE for a bad speed. */
tf_err tf_source_replay_new(const tf_source_replay_opts *o, tf_source **out, char *errbuf, size_t errcap);

#endif
