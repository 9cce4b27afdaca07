/* rdk.h — building librdkafka clients the way serve and the stream need them, in one place.
 *
 * Why: serve's live-bus reader, the stream's watched-symbols reader and serve's watched-symbols
 * writer each set up a client from a list of settings; the two readers are consumers that assign
 * themselves partitions and must never join a group (every serve process, every stream process
 * sees every message), which librdkafka only allows with a group id all the same. */
#ifndef TF_KAFKA_RDK_H
#define TF_KAFKA_RDK_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

/* A client of type for brokers with the n settings kv (name, value). conf may carry the caller's
 * callbacks and opaque (NULL: a fresh one); it is used up either way. NULL on failure, with why. */
rd_kafka_t *tf_rdk_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, const char *brokers, const char *const kv[][2],
		       size_t n, char *why, size_t why_cap);

/* A consumer that assigns itself partitions (rd_kafka_assign) and reads them through
 * rd_kafka_consumer_poll: a unique group id "tickflow-<name>-<pid>-<ms>" that never joins or
 * commits, no offset commits or stores, no topic creation; then the n settings kv. */
rd_kafka_t *tf_rdk_assign_consumer(rd_kafka_conf_t *conf, const char *brokers, const char *name,
				   const char *const kv[][2], size_t n, char *why, size_t why_cap);

#endif
