/* json.h — appending JSON values to a tf_buf for the HTTP API and SSE events. Strings are escaped
 * (control characters as \u00XX, invalid UTF-8 bytes replaced by U+FFFD), stored decimal text is
 * emitted as a JSON number only when it is one, and non-finite doubles become null. */
#ifndef TF_WEB_JSON_H
#define TF_WEB_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "engine/engine.h"

tf_err tf_wjson_str(tf_buf *b, const char *s);
/* Decimal text ("123.45000000") as a number; anything else (empty, "1e5", "NaN") as null. */
tf_err tf_wjson_dec(tf_buf *b, const char *s);
tf_err tf_wjson_double(tf_buf *b, double d);
tf_err tf_wjson_maybe(tf_buf *b, tf_maybe m);
/* True when s is a JSON number without exponent: -?(0|[1-9][0-9]*)(\.[0-9]+)? */
bool tf_wjson_is_decimal(const char *s);

#endif
