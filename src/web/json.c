/* json.c — JSON value writers (see json.h). */
#include <math.h>
#include <string.h>

#include "web/json.h"

/* Length of the valid UTF-8 sequence at s (1..4), 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

tf_err tf_wjson_str(tf_buf *b, const char *s)
{
	tf_err err = tf_buf_append(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; !err && *p;) {
		if (*p == '"' || *p == '\\') {
			char esc[2] = {'\\', (char)*p};
			err = tf_buf_append(b, esc, 2);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			err = tf_buf_appendf(b, "\\u%04x", *p);
			p++;
		} else {
			size_t n = utf8_len(p);
			err = n ? tf_buf_append(b, p, n) : tf_buf_append(b, "\xef\xbf\xbd", 3);
			p += n ? n : 1;
		}
	}
	return err ? err : tf_buf_append(b, "\"", 1);
}

bool tf_wjson_is_decimal(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		s += strspn(s, "0123456789");
	else
		return false;
	if (*s == '.') {
		size_t n = strspn(s + 1, "0123456789");
		if (!n)
			return false;
		s += 1 + n;
	}
	return *s == 0;
}

tf_err tf_wjson_dec(tf_buf *b, const char *s)
{
	return tf_wjson_is_decimal(s) ? tf_buf_append(b, s, strlen(s)) : tf_buf_append(b, "null", 4);
}

tf_err tf_wjson_double(tf_buf *b, double d)
{
	return isfinite(d) ? tf_buf_appendf(b, "%.10g", d) : tf_buf_append(b, "null", 4);
}

tf_err tf_wjson_maybe(tf_buf *b, tf_maybe m)
{
	return m.valid ? tf_wjson_double(b, m.v) : tf_buf_append(b, "null", 4);
}
