/* report_text.h — the words of a report, generated from the numbers: the plain-language market
 * summary (breadth, leaders, laggards, volatility regime, concentration), the decision-support
 * notes, and the whole report as plain text (the text/plain part of the e-mail). */
#ifndef TF_BATCH_REPORT_TEXT_H
#define TF_BATCH_REPORT_TEXT_H

#include "base/buf.h"
#include "batch/metrics.h"

#define TF_REPORT_DISCLAIMER \
	"This section is informational only and is not investment advice: it restates the numbers above and " \
	"does not recommend buying or selling anything."

/* Volatility regime from the median relative volatility: "calm" (< 3%), "normal" (< 8%), "high". */
const char *tf_report_regime(const tf_report_data *d);

/* Appends the summary as sentences (plain text, no markup). */
tf_err tf_report_summary(tf_buf *b, const tf_report_data *d);

/* Appends the decision-support notes, one per line starting with "- " (plain text). */
tf_err tf_report_decision_notes(tf_buf *b, const tf_report_data *d);

/* Appends the whole report as plain text. */
tf_err tf_report_text(tf_buf *b, const tf_report_data *d);

#endif
