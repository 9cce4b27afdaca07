/* influx_line.c — see influx_line.h. Every function builds its output at the end of out and cuts
 * it back to where it started when anything fails, so a caller never sees half a line. */
#include "store/influx_line.h"

#include <math.h>
#include <string.h>

static bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }

tf_err tf_influx_escape(tf_buf *out, const char *s, size_t n, tf_influx_part part)
{
	if (part != TF_INFLUX_STRING && n == 0)
		return TF_ERR_PARSE;
	size_t escapes = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_ctl(c) || (c == '\\' && part != TF_INFLUX_STRING))
			return TF_ERR_PARSE;
		if (part == TF_INFLUX_STRING)
			escapes += c == '"' || c == '\\';
		else
			escapes += c == ',' || c == ' ' || (c == '=' && part == TF_INFLUX_KEY);
	}
	size_t quotes = part == TF_INFLUX_STRING ? 2 : 0;
	if (n + escapes + quotes < n || tf_buf_reserve(out, n + escapes + quotes))
		return TF_ERR_TOO_BIG;
	char *p = out->data + out->len;
	if (quotes)
		*p++ = '"';
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool esc = part == TF_INFLUX_STRING ? (c == '"' || c == '\\')
						    : (c == ',' || c == ' ' || (c == '=' && part == TF_INFLUX_KEY));
		if (esc)
			*p++ = '\\';
		*p++ = c;
	}
	if (quotes)
		*p++ = '"';
	out->len = (size_t)(p - out->data);
	out->data[out->len] = '\0';
	return TF_OK;
}

static tf_err put(tf_buf *out, const char *s) { return tf_buf_append(out, s, strlen(s)); }

static tf_err tag(tf_buf *out, const char *key, const char *value)
{
	tf_err err = put(out, ",");
	if (!err)
		err = tf_influx_escape(out, key, strlen(key), TF_INFLUX_KEY);
	if (!err)
		err = put(out, "=");
	if (!err)
		err = tf_influx_escape(out, value, strlen(value), TF_INFLUX_KEY);
	return err;
}

/* Field keys here are our own constants (plain identifiers), written as they are. first: no
 * leading comma. */
static tf_err field_dec(tf_buf *out, bool first, const char *key, tf_dec v)
{
	char s[TF_DEC_STR_MAX];
	size_t n = tf_dec_format(v, s);
	while (s[n - 1] == '0') /* "42000.10000000" -> "42000.1"; tf_dec_format always writes a point */
		n--;
	if (s[n - 1] == '.')
		n--;
	s[n] = '\0';
	return tf_buf_appendf(out, "%s%s=%s", first ? "" : ",", key, s);
}

static tf_err field_double(tf_buf *out, const char *key, double v)
{
	return tf_buf_appendf(out, ",%s=%.17g", key, v);
}

static tf_err field_maybe(tf_buf *out, const char *key, tf_maybe m)
{
	if (!m.valid || !isfinite(m.v))
		return TF_OK; /* line protocol has no null: an absent field is how NULL is said */
	return field_double(out, key, m.v);
}

static tf_err candle_fields(tf_buf *out, const tf_candle_row *r)
{
	tf_err err = field_dec(out, true, "open", r->open);
	if (!err)
		err = field_dec(out, false, "high", r->high);
	if (!err)
		err = field_dec(out, false, "low", r->low);
	if (!err)
		err = field_dec(out, false, "close", r->close);
	if (!err)
		err = field_dec(out, false, "volume", r->volume);
	if (!err)
		err = field_dec(out, false, "quote_volume", r->quote_volume);
	if (!err)
		err = field_dec(out, false, "spread", r->spread);
	if (!err)
		err = tf_buf_appendf(out, ",updates=%lldi,final=%s,volume_approx=%s", (long long)r->updates,
				     r->final ? "true" : "false", r->volume_approx ? "true" : "false");
	const struct {
		const char *key;
		tf_maybe v;
	} opt[] = {{"mid", r->mid},	  {"ret", r->ret},     {"rel_volatility", r->rel_vol},
		   {"ma7", r->ma7},	  {"ma25", r->ma25},   {"stddev_logret", r->sd_logret},
		   {"vwap", r->vwap},	  {"change_24h_pct", r->change_24h_pct}};
	for (size_t i = 0; !err && i < sizeof opt / sizeof opt[0]; i++)
		err = field_maybe(out, opt[i].key, opt[i].v);
	return err;
}

tf_err tf_influx_line_candle(tf_buf *out, const tf_candle_row *r)
{
	size_t start = out->len;
	tf_err err = put(out, "candles");
	if (!err)
		err = tag(out, "interval", r->interval);
	if (!err)
		err = tag(out, "symbol", r->symbol);
	if (!err)
		err = put(out, " ");
	if (!err)
		err = candle_fields(out, r);
	if (!err)
		err = tf_buf_appendf(out, " %lld\n", (long long)r->open_time);
	if (err && out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	return err;
}

tf_err tf_influx_line_alert(tf_buf *out, const tf_alert_row *a)
{
	size_t start = out->len;
	tf_err err = put(out, "alerts");
	if (!err)
		err = tag(out, "kind", tf_alert_kind_name(a->kind));
	if (!err)
		err = tag(out, "symbol", a->symbol);
	/* value and threshold are doubles; non-finite ones are left out like absent indicators */
	if (!err)
		err = tf_buf_appendf(out, " id=%lldi", (long long)a->id);
	if (!err)
		err = field_maybe(out, "value", (tf_maybe){true, a->value});
	if (!err)
		err = field_maybe(out, "threshold", (tf_maybe){true, a->threshold});
	if (!err)
		err = put(out, ",detail=");
	if (!err)
		err = tf_influx_escape(out, a->detail, strnlen(a->detail, sizeof a->detail), TF_INFLUX_STRING);
	if (!err)
		err = tf_buf_appendf(out, " %lld\n", (long long)a->event_time);
	if (err && out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	return err;
}
