/* record.h — the --record file format, read back by `--source replay:FILE`.
 *
 * One received message a line:  <recv_ms> <tag> <payload>\n
 *   tag = ws | klines/<SYMBOL>/<INTERVAL> | yahoo/<SYMBOL>, followed by "+b64" when the payload is
 *   base64 because it contains a CR, LF or NUL, or "+bin" (base64 too) for a binary WebSocket
 *   frame — so one line always holds exactly one message and every byte comes back unchanged.
 * e.g. 1592594715802 ws [{"e":"24hrMiniTicker","E":1592594715775,"s":"BTCUSDT",...}]
 * Corrupt CORRUPT-format messages are not recorded (they were never framed). */
#ifndef TF_FEED_RECORD_H
#define TF_FEED_RECORD_H

#include <stddef.h>

#include "base/buf.h"
#include "feed/source.h"

/* Appends msg's line, newline included, to line. TF_ERR_TOO_BIG (line's max), TF_ERR_USAGE (a
 * CORRUPT message or a symbol that cannot be written in a tag). */
tf_err tf_record_format(const tf_feed_msg *msg, tf_buf *line);

/* Parses one line (without its newline). msg->data points into line, or into scratch when the
 * payload was base64 (scratch is reset first). TF_ERR_PARSE with *why naming the problem. */
tf_err tf_record_parse(const char *line, size_t len, tf_feed_msg *msg, tf_buf *scratch, const char **why);

#endif
