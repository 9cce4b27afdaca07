/* log.c — see log.h. Level and format are written at start-up; under `tickflow up` every command's
 * thread re-writes them with the same values, as up passes its own on. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"

static tf_log_level g_level = TF_LOG_INFO;
static tf_log_format g_format = TF_LOG_TEXT;
static const char *g_component = "tickflow";
/* Set on the threads `tickflow up` runs its commands on: their lines name the command. */
static _Thread_local const char *t_component;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};

tf_err tf_log_parse_level(const char *s, tf_log_level *out)
{
	for (int i = 0; i <= TF_LOG_TRACE; i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (tf_log_level)i;
			return TF_OK;
		}
	}
	return TF_ERR_USAGE;
}

tf_err tf_log_parse_format(const char *s, tf_log_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = TF_LOG_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = TF_LOG_JSON;
	else
		return TF_ERR_USAGE;
	return TF_OK;
}

void tf_log_setup(tf_log_level level, tf_log_format format, const char *component)
{
	g_level = level;
	g_format = format;
	if (component && !t_component) /* under up, the process keeps the name "up" */
		g_component = component;
}

void tf_log_set_thread_component(const char *component) { t_component = component; }

int tf_log_enabled(tf_log_level level)
{
	return level <= g_level;
}

/* Appends s to out as the inside of a JSON string. */
static size_t json_escape(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	return n;
}

void tf_log(tf_log_level level, const char *fmt, ...)
{
	if (level > g_level)
		return;
	char msg[2048], line[4608], ts[32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tf_time_iso(tf_now_ms(), ts, sizeof ts);
	size_t n;
	if (g_format == TF_LOG_JSON) {
		n = (size_t)snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":\"%s\",\"msg\":\"",
				     ts, level_names[level], t_component ? t_component : g_component);
		n += json_escape(line + n, sizeof line - n - 4, msg);
		n += (size_t)snprintf(line + n, sizeof line - n, "\"}\n");
	} else {
		n = (size_t)snprintf(line, sizeof line, "%s %-5s %s: %s\n", ts, level_names[level],
				     t_component ? t_component : g_component, msg);
	}
	if (n >= sizeof line)
		n = sizeof line - 1;
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
}
