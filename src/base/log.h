/* log.h — levelled, timestamped log lines on stderr, as text or JSON.
 *
 * Services log one line per notable event (a connection, a reconnect, a rejected frame), never one
 * per message. Each line is written with a single write(2), so lines from threads never interleave. */
#ifndef TF_BASE_LOG_H
#define TF_BASE_LOG_H

#include "base/err.h"

typedef enum { TF_LOG_ERROR, TF_LOG_WARN, TF_LOG_INFO, TF_LOG_DEBUG, TF_LOG_TRACE } tf_log_level;
typedef enum { TF_LOG_TEXT, TF_LOG_JSON } tf_log_format;

/* Parses "error|warn|info|debug|trace" / "text|json"; TF_ERR_USAGE when unknown. */
tf_err tf_log_parse_level(const char *s, tf_log_level *out);
tf_err tf_log_parse_format(const char *s, tf_log_format *out);
void tf_log_setup(tf_log_level level, tf_log_format format, const char *component);
/* Names the calling thread's lines (NULL: the process-wide name); used by `tickflow up`. */
void tf_log_set_thread_component(const char *component);
int tf_log_enabled(tf_log_level level);

void tf_log(tf_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define tf_error(...) tf_log(TF_LOG_ERROR, __VA_ARGS__)
#define tf_warn(...) tf_log(TF_LOG_WARN, __VA_ARGS__)
#define tf_info(...) tf_log(TF_LOG_INFO, __VA_ARGS__)
#define tf_debug(...) do { if (tf_log_enabled(TF_LOG_DEBUG)) tf_log(TF_LOG_DEBUG, __VA_ARGS__); } while (0)
#define tf_trace(...) do { if (tf_log_enabled(TF_LOG_TRACE)) tf_log(TF_LOG_TRACE, __VA_ARGS__); } while (0)

#endif
