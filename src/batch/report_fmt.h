/* report_fmt.h — how numbers look in reports: thousands separators ("1,234,567.89"), signed
 * percentages ("+1.23%", "-0.40%"), UTC times, and HTML escaping. All write into a tf_buf. */
#ifndef TF_BATCH_REPORT_FMT_H
#define TF_BATCH_REPORT_FMT_H

#include <stdint.h>

#include "base/buf.h"

/* "1,234,567.89" with the given decimals (0..8); "-" for a non-finite value. */
tf_err tf_fmt_num(tf_buf *b, double v, int decimals);
/* "+1.23%" / "-0.40%" / "0.00%". */
tf_err tf_fmt_pct(tf_buf *b, double v, int decimals);
/* "2024-03-10 02:47:00 UTC" */
tf_err tf_fmt_time(tf_buf *b, int64_t ms);
/* Appends s with &, <, >, " and ' escaped. */
tf_err tf_fmt_html(tf_buf *b, const char *s);

#endif
