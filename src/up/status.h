/* status.h — the one-line status `tickflow up` prints every few seconds: records/s, how far the
 * newest stored tick is behind the clock, symbols, alerts. Read from the store through the same
 * read side the dashboard uses (store/query.h), so the line shows what a user would see. */
#ifndef TF_UP_STATUS_H
#define TF_UP_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct tf_up_status tf_up_status;

/* Opens a read connection to store_url. why gets the reason on failure. */
tf_err tf_up_status_open(const char *store_url, int64_t since_ms, tf_up_status **out, char *why, size_t why_cap);
void tf_up_status_close(tf_up_status *s);

/* Writes the line ("1,234 records/s · 0.4 s behind · 200 symbols · 3 alerts") into line. */
tf_err tf_up_status_line(tf_up_status *s, char *line, size_t cap);

#endif
