/* report_json.h — the report for machines (`report --format json`): the same numbers as the HTML,
 * doubles with 17 significant digits (round-trip exact), absent metrics as null. */
#ifndef TF_BATCH_REPORT_JSON_H
#define TF_BATCH_REPORT_JSON_H

#include "base/buf.h"
#include "batch/metrics.h"

tf_err tf_report_json(tf_buf *b, const tf_report_data *d, int64_t generated_ms);

#endif
