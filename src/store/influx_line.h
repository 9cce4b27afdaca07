/* influx_line.h — InfluxDB line protocol for the stream engine's candles and alerts (the encoding
 * half of the optional InfluxDB sink; influx.h sends what this writes).
 *
 *   candles,interval=1m,symbol=BTCUSDT open=42000.1,high=42010,low=41990.5,close=42005,volume=12.5,
 *           quote_volume=525000,spread=19.5,updates=37i,final=true,volume_approx=true,mid=42000.25,... 1700000040000
 *   alerts,kind=change_24h,symbol=BTCUSDT id=1234i,value=6.2,threshold=5,detail="24h change 6.20 %" 1700000012345
 *
 * (one line each; wrapped here). Timestamps are milliseconds (the sink asks for precision=ms):
 * a candle's window open time, an alert's event time. Tags are sorted by key, as InfluxDB prefers.
 *
 * Numbers: tf_dec values (open/high/low/close/volume/quote_volume/spread) are written as their
 * exact decimal text with trailing zeros trimmed ("42000.1"), never through a double, so what
 * goes on the wire is exactly what the store holds. InfluxDB 1.x has no decimal type: it parses
 * them as float fields into the nearest float64 (the store stays the exact record). Indicators are
 * doubles already and are written with 17 significant digits (round trip); absent ones (SQL NULL)
 * and non-finite ones are left out, as line protocol has no null. (InfluxDB merges the fields of
 * writes to the same point, so an indicator that was present in an earlier write of a candle and is
 * absent in a later one would keep its earlier value there; the store has the NULL.)
 *
 * Escaping (InfluxDB 1.x rules, checked against influxd 1.6): in the measurement ',' and ' ' get a
 * backslash; in tag keys, tag values and field keys ',', ' ' and '=' do; string field values are
 * double-quoted with '"' and '\' escaped. Not representable, so rejected with TF_ERR_PARSE: empty
 * names or tag values (InfluxDB drops empty tags), a backslash in a name or tag value (influxd
 * keeps it literally, and one before a separator or at the end makes the line unparsable) and
 * control characters (bytes < 0x20 and 0x7f) anywhere, which would end the line. */
#ifndef TF_STORE_INFLUX_LINE_H
#define TF_STORE_INFLUX_LINE_H

#include <stddef.h>

#include "base/buf.h"
#include "engine/engine.h"

typedef enum {
	TF_INFLUX_MEASUREMENT, /* escapes , and space */
	TF_INFLUX_KEY,         /* tag key, tag value or field key: escapes , space and = */
	TF_INFLUX_STRING,      /* string field value: quoted, escapes " and \ */
} tf_influx_part;

/* Appends s[0..n) to out escaped as part. TF_ERR_PARSE when the text cannot be represented (see
 * above), TF_ERR_TOO_BIG when out is full; out is unchanged on error. */
tf_err tf_influx_escape(tf_buf *out, const char *s, size_t n, tf_influx_part part);

/* Appends the line of one candle / alert, newline included. TF_ERR_PARSE when a tag or string
 * cannot be represented, TF_ERR_TOO_BIG when out is full; out is unchanged on error. */
tf_err tf_influx_line_candle(tf_buf *out, const tf_candle_row *r);
tf_err tf_influx_line_alert(tf_buf *out, const tf_alert_row *a);

#endif
