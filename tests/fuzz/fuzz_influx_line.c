/* fuzz_influx_line.c — libFuzzer target for the InfluxDB line-protocol writer (store/influx_line.h).
 * Input: symbol NUL detail NUL 16 bytes of decimal. Whatever is accepted must be exactly one line,
 * the symbol tag and the detail string must unescape back to the input, and the exact-decimal field
 * must parse back to the same tf_dec; whatever is refused must hold a byte line protocol cannot carry. */
#include <stdlib.h>
#include <string.h>

#include "base/dec.h"
#include "store/influx_line.h"

static bool representable(const char *s, size_t n, bool tag)
{
	if (tag && !n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || (tag && c == '\\'))
			return false;
	}
	return true;
}

/* Unescapes from p (a backslash drops itself) until an unescaped byte in stop; returns the end. */
static const char *unescape(const char *p, const char *stop, char *out, size_t *n)
{
	*n = 0;
	while (*p && !strchr(stop, *p)) {
		if (*p == '\\')
			p++;
		out[(*n)++] = *p++;
	}
	return p;
}

static void check_line(const tf_buf *b)
{
	if (!b->len || b->data[b->len - 1] != '\n')
		abort();
	for (size_t i = 0; i + 1 < b->len; i++)
		if ((unsigned char)b->data[i] < 0x20 || b->data[i] == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *end = in + size;
	const char *z1 = memchr(in, 0, size);
	const char *z2 = z1 ? memchr(z1 + 1, 0, (size_t)(end - z1 - 1)) : NULL;
	if (!z2 || end - z2 - 1 < 16)
		return 0;
	size_t ns = (size_t)(z1 - in), nd = (size_t)(z2 - z1 - 1);
	tf_alert_row a;
	tf_candle_row r;
	memset(&a, 0, sizeof a);
	memset(&r, 0, sizeof r);
	if (ns >= sizeof a.symbol || nd >= sizeof a.detail)
		return 0;
	memcpy(a.symbol, in, ns);
	memcpy(r.symbol, in, ns);
	memcpy(a.detail, z1 + 1, nd);
	memcpy(r.interval, "1m", 3);
	tf_dec v;
	memcpy(&v, z2 + 1, sizeof v);
	v %= (tf_dec)1000000000000000000LL * 10000000000LL; /* |v| < 1e20: at most 20 integer digits */
	r.open = v;
	a.kind = TF_ALERT_STALE;
	tf_buf b;
	tf_buf_init(&b, 4096);
	char got[256];
	size_t n;
	/* the candle: symbol tag and open */
	tf_err err = tf_influx_line_candle(&b, &r);
	if ((err == TF_OK) != representable(r.symbol, ns, true) || (err && err != TF_ERR_PARSE) || (err && b.len))
		abort();
	if (!err) {
		check_line(&b);
		const char *p = strstr(b.data, ",symbol=");
		p = unescape(p + 8, " ,", got, &n);
		if (*p != ' ' || n != ns || memcmp(got, r.symbol, ns))
			abort();
		const char *o = strstr(p, " open=");
		size_t len = o ? strcspn(o + 6, ",") : 0;
		tf_dec back;
		if (!o || tf_dec_parse_number(o + 6, len, &back) || back != v)
			abort();
	}
	/* the alert: symbol tag and detail string */
	tf_buf_reset(&b);
	err = tf_influx_line_alert(&b, &a);
	bool ok = representable(a.symbol, ns, true) && representable(a.detail, nd, false);
	if ((err == TF_OK) != ok || (err && err != TF_ERR_PARSE))
		abort();
	if (!err) {
		check_line(&b);
		const char *p = strstr(b.data, ",detail=\"");
		p = unescape(p + 9, "\"", got, &n);
		if (*p != '"' || strcmp(p, "\" 0\n") || n != nd || memcmp(got, a.detail, nd))
			abort();
	}
	tf_buf_free(&b);
	return 0;
}
