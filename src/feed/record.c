/* record.c — see record.h. Base64 is OpenSSL's (EVP_EncodeBlock / EVP_DecodeBlock). */
#include "feed/record.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

/* A symbol or interval that can stand inside a tag: printable ASCII, no space, '/' or '+'. */
static bool tag_word_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '/' || s[i] == '+')
			return false;
	return true;
}

static bool needs_b64(const tf_feed_msg *m)
{
	return m->binary || memchr(m->data, '\n', m->len) || memchr(m->data, '\r', m->len) ||
	       memchr(m->data, '\0', m->len);
}

tf_err tf_record_format(const tf_feed_msg *m, tf_buf *line)
{
	size_t start = line->len;
	tf_err err;
	switch (m->format) {
	case TF_FEED_WS:
		err = tf_buf_appendf(line, "%lld ws", (long long)m->recv_ms);
		break;
	case TF_FEED_REST_KLINES:
		if (!tag_word_ok(m->symbol, strlen(m->symbol)) || !tag_word_ok(m->interval, strlen(m->interval)))
			return TF_ERR_USAGE;
		err = tf_buf_appendf(line, "%lld klines/%s/%s", (long long)m->recv_ms, m->symbol, m->interval);
		break;
	case TF_FEED_YAHOO_CHART:
		if (!tag_word_ok(m->symbol, strlen(m->symbol)))
			return TF_ERR_USAGE;
		err = tf_buf_appendf(line, "%lld yahoo/%s", (long long)m->recv_ms, m->symbol);
		break;
	default:
		return TF_ERR_USAGE;
	}
	if (err)
		goto out;
	if (!needs_b64(m)) {
		if ((err = tf_buf_append(line, " ", 1)) || (err = tf_buf_append(line, m->data, m->len)) ||
		    (err = tf_buf_append(line, "\n", 1)))
			goto out;
		return TF_OK;
	}
	if (m->len > (size_t)1 << 30) {
		err = TF_ERR_TOO_BIG;
		goto out;
	}
	size_t enc = 4 * ((m->len + 2) / 3);
	if ((err = tf_buf_append(line, m->binary ? "+bin " : "+b64 ", 5)) || (err = tf_buf_reserve(line, enc + 1)))
		goto out;
	int n = EVP_EncodeBlock((unsigned char *)line->data + line->len, (const unsigned char *)m->data, (int)m->len);
	line->len += (size_t)n;
	line->data[line->len] = '\0';
	err = tf_buf_append(line, "\n", 1);
out:
	if (err) {
		line->len = start; /* all or nothing */
		if (line->data)
			line->data[start] = '\0';
	}
	return err;
}

static tf_err decode_b64(const char *p, size_t n, tf_buf *scratch, const char **why)
{
	if (n % 4 != 0 || n > (size_t)1 << 30) {
		*why = "base64 payload length is not a multiple of 4";
		return TF_ERR_PARSE;
	}
	if (tf_buf_reserve(scratch, n / 4 * 3 + 1) != TF_OK) {
		*why = "base64 payload larger than the maximum message";
		return TF_ERR_PARSE;
	}
	int out = EVP_DecodeBlock((unsigned char *)scratch->data, (const unsigned char *)p, (int)n);
	if (out < 0) {
		*why = "bad base64 payload";
		return TF_ERR_PARSE;
	}
	size_t pad = 0;
	if (n >= 1 && p[n - 1] == '=')
		pad++;
	if (n >= 2 && p[n - 2] == '=')
		pad++;
	scratch->len = (size_t)out - pad; /* EVP_DecodeBlock counts padding as zero bytes */
	scratch->data[scratch->len] = '\0';
	return TF_OK;
}

/* Copies tag word [p, p+n) into dst (cap bytes) after checking it. */
static bool take_word(const char *p, size_t n, char *dst, size_t cap)
{
	if (!tag_word_ok(p, n) || n >= cap)
		return false;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return true;
}

tf_err tf_record_parse(const char *line, size_t len, tf_feed_msg *msg, tf_buf *scratch, const char **why)
{
	memset(msg, 0, sizeof *msg);
	tf_buf_reset(scratch);
	const char *end = line + len, *p = line;
	long long ms = 0;
	if (p == end || *p < '0' || *p > '9') {
		*why = "line does not start with a receive time";
		return TF_ERR_PARSE;
	}
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (ms > (INT64_MAX - 9) / 10) {
			*why = "receive time out of range";
			return TF_ERR_PARSE;
		}
		ms = ms * 10 + (*p - '0');
	}
	if (p == end || *p != ' ') {
		*why = "expected a space after the receive time";
		return TF_ERR_PARSE;
	}
	const char *tag = ++p;
	while (p < end && *p != ' ')
		p++;
	if (p == end) {
		*why = "expected '<recv_ms> <tag> <payload>'";
		return TF_ERR_PARSE;
	}
	size_t tag_len = (size_t)(p - tag);
	const char *payload = p + 1;
	bool bin = tag_len > 4 && memcmp(tag + tag_len - 4, "+bin", 4) == 0;
	bool b64 = bin || (tag_len > 4 && memcmp(tag + tag_len - 4, "+b64", 4) == 0);
	if (b64)
		tag_len -= 4;
	msg->recv_ms = ms;
	const char *slash = memchr(tag, '/', tag_len);
	if (tag_len == 2 && memcmp(tag, "ws", 2) == 0) {
		msg->format = TF_FEED_WS;
	} else if (tag_len > 7 && memcmp(tag, "klines/", 7) == 0) {
		const char *sym = tag + 7, *slash2 = memchr(sym, '/', (size_t)(tag + tag_len - sym));
		msg->format = TF_FEED_REST_KLINES;
		if (!slash2 || !take_word(sym, (size_t)(slash2 - sym), msg->symbol, sizeof msg->symbol) ||
		    !take_word(slash2 + 1, (size_t)(tag + tag_len - slash2 - 1), msg->interval, sizeof msg->interval)) {
			*why = "bad klines tag; expected klines/<SYMBOL>/<INTERVAL>";
			return TF_ERR_PARSE;
		}
	} else if (tag_len > 6 && memcmp(tag, "yahoo/", 6) == 0 && slash == tag + 5) {
		msg->format = TF_FEED_YAHOO_CHART;
		if (!take_word(tag + 6, tag_len - 6, msg->symbol, sizeof msg->symbol)) {
			*why = "bad yahoo tag; expected yahoo/<SYMBOL>";
			return TF_ERR_PARSE;
		}
	} else {
		*why = "unknown tag; expected ws, klines/<SYMBOL>/<INTERVAL> or yahoo/<SYMBOL>";
		return TF_ERR_PARSE;
	}
	if (b64) {
		tf_err err = decode_b64(payload, (size_t)(end - payload), scratch, why);
		if (err)
			return err;
		msg->data = scratch->data;
		msg->len = scratch->len;
		msg->binary = bin;
		return TF_OK;
	}
	if (memchr(payload, '\r', (size_t)(end - payload)) || memchr(payload, '\0', (size_t)(end - payload))) {
		*why = "a plain payload contains CR or NUL";
		return TF_ERR_PARSE;
	}
	msg->data = payload;
	msg->len = (size_t)(end - payload);
	return TF_OK;
}
