/* source_yahoo.h — `--source yahoo:AAPL,MSFT`: polls Yahoo's v8 chart API
 * (GET <base>/v8/finance/chart/<SYMBOL>?interval=1m&range=1d) for each symbol every poll
 * interval. Bodies go to the pipeline, which decodes them and, in strict de-duplication mode,
 * emits only bars newer than the last one seen per symbol. */
#ifndef TF_FEED_SOURCE_YAHOO_H
#define TF_FEED_SOURCE_YAHOO_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "feed/source.h"

typedef struct {
	const char *symbols;     /* "AAPL,MSFT,^GSPC" */
	const char *base_url;    /* https://query1.finance.yahoo.com, or the simulator */
	int64_t poll_ms;
	const char *ca_file;
	size_t max_body;
	const volatile sig_atomic_t *stop;
} tf_source_yahoo_opts;

/* TF_ERR_USAGE for an empty or malformed symbol list (errbuf says which symbol). */
tf_err tf_source_yahoo_new(const tf_source_yahoo_opts *o, tf_source **out, char *errbuf, size_t errcap);

#endif
