/* sink_jsonl.c — the JSON-lines sink of `tickflow ingest --out FILE|- [--dlq FILE]` (see sink.h).
 * Records are written through stdio with a large buffer; the pipeline calls flush when the
 * source goes quiet, so a reader of --out - sees records promptly without a write per record. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "feed/sink.h"
#include "market/market.h"

#define LINE_MAX_BYTES (64u << 20)

typedef struct {
	tf_sink base;
	FILE *out, *dlq;      /* dlq NULL: dead letters are logged */
	bool out_is_stdout;
	tf_jsonl_format format;
	tf_buf line;
	char *outbuf;
} jsonl_sink;

/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF). */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		unsigned cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			k = 1, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3, cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return false;
		i += k + 1;
	}
	return true;
}

/* Appends s as a JSON string literal (quotes included); s must be valid UTF-8. */
static tf_err json_string(tf_buf *b, const char *s, size_t n)
{
	tf_err err = tf_buf_append(b, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; !err && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if ((err = tf_buf_append(b, s + run, i - run)))
			break;
		run = i + 1;
		if (c == '"' || c == '\\')
			err = tf_buf_appendf(b, "\\%c", c);
		else if (c == '\n')
			err = tf_buf_append(b, "\\n", 2);
		else
			err = tf_buf_appendf(b, "\\u%04x", c);
	}
	if (!err)
		err = tf_buf_append(b, s + run, n - run);
	return err ? err : tf_buf_append(b, "\"", 1);
}

static tf_err write_line(FILE *f, const tf_buf *line)
{
	if (fwrite(line->data, 1, line->len, f) != line->len)
		return TF_ERR_IO;
	return TF_OK;
}

static tf_err jsonl_write(tf_sink *s, const tf_feed_record *r)
{
	jsonl_sink *j = (jsonl_sink *)s;
	tf_buf_reset(&j->line);
	tf_err err;
	if (j->format == TF_JSONL_TICKS) {
		err = tf_market_tick_json(r->tick, &j->line);
	} else {
		err = tf_buf_append(&j->line, "{\"key\":", 7);
		if (!err)
			err = json_string(&j->line, r->key, r->key_len);
		if (!err)
			err = tf_buf_appendf(&j->line, ",\"timestamp\":%lld,\"value\":", (long long)r->timestamp_ms);
		if (!err) /* decoded JSON is valid UTF-8, so the string holds the exact bytes */
			err = json_string(&j->line, r->value, r->value_len);
		if (!err)
			err = tf_buf_append(&j->line, "}", 1);
	}
	if (!err)
		err = tf_buf_append(&j->line, "\n", 1);
	if (!err)
		err = write_line(j->out, &j->line);
	if (err == TF_ERR_IO)
		tf_error("cannot write records to --out: %s", strerror(errno));
	return err;
}

static tf_err jsonl_dead_letter(tf_sink *s, const char *raw, size_t len, const char *reason, int64_t recv_ms)
{
	jsonl_sink *j = (jsonl_sink *)s;
	if (!j->dlq) {
		tf_warn("dead letter (%s): %.*s%s", reason, (int)(len > 200 ? 200 : len), raw, len > 200 ? "..." : "");
		return TF_OK;
	}
	tf_buf *b = &j->line;
	tf_buf_reset(b);
	tf_err err = tf_buf_append(b, "{\"reason\":", 10);
	if (!err)
		err = json_string(b, reason, strlen(reason)); /* reasons are ASCII text we wrote */
	if (!err)
		err = tf_buf_appendf(b, ",\"recv_ms\":%lld,", (long long)recv_ms);
	if (!err && utf8_ok((const unsigned char *)raw, len)) {
		err = tf_buf_append(b, "\"raw\":", 6);
		if (!err)
			err = json_string(b, raw, len);
	} else if (!err) {
		err = tf_buf_append(b, "\"raw_b64\":\"", 11);
		if (!err && len > (size_t)1 << 28)
			err = TF_ERR_TOO_BIG;
		if (!err)
			err = tf_buf_reserve(b, 4 * ((len + 2) / 3) + 1);
		if (!err) {
			b->len += (size_t)EVP_EncodeBlock((unsigned char *)b->data + b->len, (const unsigned char *)raw, (int)len);
			err = tf_buf_append(b, "\"", 1);
		}
	}
	if (!err)
		err = tf_buf_append(b, "}\n", 2);
	if (!err)
		err = write_line(j->dlq, b);
	if (err == TF_ERR_IO)
		tf_error("cannot write dead letters to --dlq: %s", strerror(errno));
	return err;
}

static tf_err jsonl_flush(tf_sink *s)
{
	jsonl_sink *j = (jsonl_sink *)s;
	tf_err err = TF_OK;
	if (fflush(j->out) != 0) {
		tf_error("cannot write records to --out: %s", strerror(errno));
		err = TF_ERR_IO;
	}
	if (j->dlq && fflush(j->dlq) != 0) {
		tf_error("cannot write dead letters to --dlq: %s", strerror(errno));
		err = TF_ERR_IO;
	}
	return err;
}

static tf_err jsonl_close(tf_sink *s)
{
	jsonl_sink *j = (jsonl_sink *)s;
	tf_err err = jsonl_flush(s);
	if (!j->out_is_stdout && j->out && fclose(j->out) != 0 && !err)
		err = TF_ERR_IO;
	if (j->dlq && fclose(j->dlq) != 0 && !err)
		err = TF_ERR_IO;
	tf_buf_free(&j->line);
	free(j->outbuf);
	free(j);
	return err;
}

tf_err tf_sink_jsonl_new(const char *out_path, const char *dlq_path, tf_jsonl_format format, tf_sink **out,
			 char *errbuf, size_t errcap)
{
	*out = NULL;
	jsonl_sink *j = calloc(1, sizeof *j);
	if (!j)
		return TF_ERR_NOMEM;
	j->base = (tf_sink){jsonl_write, jsonl_dead_letter, jsonl_flush, jsonl_close};
	j->format = format;
	tf_buf_init(&j->line, LINE_MAX_BYTES);
	j->outbuf = malloc(1u << 16);
	if (!j->outbuf) {
		free(j);
		return TF_ERR_NOMEM;
	}
	if (!out_path || strcmp(out_path, "-") == 0) {
		j->out = stdout;
		j->out_is_stdout = true;
	} else if (!(j->out = fopen(out_path, "w"))) {
		snprintf(errbuf, errcap, "cannot create --out file '%s' (%s)", out_path, strerror(errno));
		goto fail;
	}
	if (!j->out_is_stdout) /* stdout keeps its own buffer: it may have been used already */
		setvbuf(j->out, j->outbuf, _IOFBF, 1u << 16);
	if (dlq_path && !(j->dlq = fopen(dlq_path, "w"))) {
		snprintf(errbuf, errcap, "cannot create --dlq file '%s' (%s)", dlq_path, strerror(errno));
		goto fail;
	}
	*out = &j->base;
	return TF_OK;
fail:
	if (j->out && !j->out_is_stdout)
		fclose(j->out);
	free(j->outbuf);
	free(j);
	return TF_ERR_IO;
}
