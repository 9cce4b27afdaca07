/* report_scan.h — reads one ticker_snapshots batch into a report's numbers (metrics.h) straight
 * from the store, without holding the batch in memory. With two readers, one walks the
 * batch up from the lowest symbol and one down from the highest, each on its own connection and
 * thread, until they meet: every row is read once, by whichever reader gets to it first, so the
 * work splits evenly without knowing the batch's size or its symbols in advance. */
#ifndef TF_BATCH_REPORT_SCAN_H
#define TF_BATCH_REPORT_SCAN_H

#include "batch/metrics.h"
#include "store/store.h"

typedef struct {
	const char *url;     /* the store's URL: the second reader opens its own connection with it */
	int64_t run_ts;
	const char *quote;   /* NULL or "": the default */
	size_t table_rows;   /* rows of the per-symbol table */
	bool keep_all;       /* keep every row (JSON) */
	int readers;         /* 0: two on a multi-core machine, else one; one whatever is asked when the
				symbol order is not strcmp's (PostgreSQL under a language collation) */
} tf_report_scan_opts;

/* Fills d (tf_report_data_free) from batch o->run_ts of s. Errors: as tf_store_scan_snapshots
 * (why says what failed) and tf_report_finish. */
tf_err tf_report_scan(tf_store *s, const tf_report_scan_opts *o, tf_report_data *d, char *why, size_t cap);

#endif
