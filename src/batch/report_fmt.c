/* report_fmt.c — see report_fmt.h. */
#include "batch/report_fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

tf_err tf_fmt_num(tf_buf *b, double v, int decimals)
{
	if (!isfinite(v))
		return tf_buf_append(b, "-", 1);
	char raw[64], out[96];
	snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v));
	size_t intlen = strcspn(raw, "."), o = 0;
	if (v < 0 && strspn(raw, "0.") != strlen(raw))
		out[o++] = '-';
	for (size_t i = 0; i < intlen; i++) {
		if (i && (intlen - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = raw[i];
	}
	size_t rest = strlen(raw + intlen);
	memcpy(out + o, raw + intlen, rest);
	o += rest;
	return tf_buf_append(b, out, o);
}

tf_err tf_fmt_pct(tf_buf *b, double v, int decimals)
{
	double r = round(v * pow(10, decimals));
	tf_err err = r > 0 ? tf_buf_append(b, "+", 1) : TF_OK;
	return err ? err : (err = tf_fmt_num(b, r == 0 ? 0 : v, decimals)) ? err : tf_buf_append(b, "%", 1);
}

tf_err tf_fmt_time(tf_buf *b, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[40];
	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return tf_buf_append(b, s, strlen(s));
}

tf_err tf_fmt_html(tf_buf *b, const char *s)
{
	tf_err err = TF_OK;
	for (; *s && !err; s++) {
		switch (*s) {
		case '&': err = tf_buf_append(b, "&amp;", 5); break;
		case '<': err = tf_buf_append(b, "&lt;", 4); break;
		case '>': err = tf_buf_append(b, "&gt;", 4); break;
		case '"': err = tf_buf_append(b, "&quot;", 6); break;
		case '\'': err = tf_buf_append(b, "&#39;", 5); break;
		default: err = tf_buf_append(b, s, 1);
		}
	}
	return err;
}
