/* report_html.h — the report as one self-contained HTML5 document: inline styles only (mail
 * clients drop <style> blocks and external sheets), inline SVG charts, no scripts, no external
 * requests. The markup is also well-formed XML (every element closed, attributes quoted), so
 * strict XML parsers accept it too. Sections have stable ids: summary, totals, top-best, top-worst,
 * top-volume, top-volatility, distribution, decision-support, symbols; charts: chart-best,
 * chart-worst, chart-volume, chart-volatility, chart-returns. */
#ifndef TF_BATCH_REPORT_HTML_H
#define TF_BATCH_REPORT_HTML_H

#include "base/buf.h"
#include "batch/metrics.h"

/* Appends the document. table_rows caps the per-symbol table (ranked rows by volume). */
tf_err tf_report_html(tf_buf *b, const tf_report_data *d, size_t table_rows, int64_t generated_ms);

#endif
