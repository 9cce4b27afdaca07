/* streams.c — stream names, subscription sets and control messages (see streams.h).
 *
 * Control message replies follow Binance's documented error list:
 *   {"code":0,"msg":"Unknown property"}                    SET/GET_PROPERTY of anything but "combined"
 *   {"code":1,"msg":"Invalid value type: expected Boolean"} SET_PROPERTY value not true/false
 *   {"code":2,"msg":"Invalid request: ..."}                 id, method, params wrong; unknown stream
 *   {"code":3,"msg":"Invalid JSON: ... at line L column C"} not JSON
 * and "id" is added to an error when the request carried a valid one, so clients can match it. */
#include "exchange/streams.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int64_t ms;
} intervals[TF_XINTERVALS] = {
	{"1m", 60000},      {"3m", 180000},     {"5m", 300000},      {"15m", 900000},
	{"30m", 1800000},   {"1h", 3600000},    {"2h", 7200000},     {"4h", 14400000},
	{"6h", 21600000},   {"8h", 28800000},   {"12h", 43200000},   {"1d", 86400000},
};

int tf_xinterval_parse(const char *s, size_t n)
{
	for (int i = 0; i < TF_XINTERVALS; i++)
		if (strlen(intervals[i].name) == n && memcmp(intervals[i].name, s, n) == 0)
			return i;
	return -1;
}

int64_t tf_xinterval_ms(int idx)
{
	return idx >= 0 && idx < TF_XINTERVALS ? intervals[idx].ms : 0;
}

const char *tf_xinterval_name(int idx)
{
	return idx >= 0 && idx < TF_XINTERVALS ? intervals[idx].name : "";
}

/* Looks a lower-case symbol up among the crypto symbols. */
static int find_lower(const tf_sim *sim, const char *s, size_t n)
{
	char up[TF_XSTREAM_NAME_MAX];
	if (n == 0 || n >= sizeof up)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return -1;
		up[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	int idx = tf_sim_find(sim, up, n);
	return idx >= 0 && idx < tf_sim_nsymbols(sim) ? idx : -1;
}

static bool is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

tf_err tf_xstream_parse(const tf_sim *sim, const char *name, size_t len, tf_xstream *out)
{
	out->sym = out->interval = -1;
	if (is(name, len, "!miniTicker@arr")) {
		out->kind = TF_XS_ALL_MINI;
		return TF_OK;
	}
	const char *at = memchr(name, '@', len);
	if (!at)
		return TF_ERR_NOT_FOUND;
	size_t sn = (size_t)(at - name), tn = len - sn - 1;
	const char *type = at + 1;
	if (is(type, tn, "miniTicker"))
		out->kind = TF_XS_MINI;
	else if (is(type, tn, "trade"))
		out->kind = TF_XS_TRADE;
	else if (tn > 6 && memcmp(type, "kline_", 6) == 0) {
		out->kind = TF_XS_KLINE;
		if ((out->interval = tf_xinterval_parse(type + 6, tn - 6)) < 0)
			return TF_ERR_NOT_FOUND;
	} else
		return TF_ERR_NOT_FOUND;
	if ((out->sym = find_lower(sim, name, sn)) < 0)
		return TF_ERR_NOT_FOUND;
	return TF_OK;
}

size_t tf_xstream_name(const tf_sim *sim, const tf_xstream *s, char *out, size_t cap)
{
	if (s->kind == TF_XS_ALL_MINI)
		return (size_t)snprintf(out, cap, "!miniTicker@arr");
	tf_sim_symbol_info info;
	tf_sim_symbol(sim, s->sym, &info);
	char low[TF_XSTREAM_NAME_MAX];
	size_t n = 0;
	for (; info.symbol[n] && n + 1 < sizeof low; n++) {
		char c = info.symbol[n];
		low[n] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	low[n] = '\0';
	int w;
	if (s->kind == TF_XS_MINI)
		w = snprintf(out, cap, "%s@miniTicker", low);
	else if (s->kind == TF_XS_TRADE)
		w = snprintf(out, cap, "%s@trade", low);
	else
		w = snprintf(out, cap, "%s@kline_%s", low, tf_xinterval_name(s->interval));
	return w < 0 ? 0 : (size_t)w >= cap ? cap - 1 : (size_t)w;
}

uint32_t tf_xstream_key(const tf_xstream *s)
{
	return (uint32_t)s->kind << 28 | (uint32_t)(s->interval + 1) << 20 | (uint32_t)(s->sym + 1);
}

void tf_xstream_from_key(uint32_t key, tf_xstream *out)
{
	out->kind = (tf_xstream_kind)(key >> 28);
	out->interval = (int)((key >> 20) & 0xff) - 1;
	out->sym = (int)(key & 0xfffff) - 1;
}

bool tf_xsubs_has(const tf_xsubs *s, uint32_t key)
{
	for (int i = 0; i < s->n; i++)
		if (s->keys[i] == key)
			return true;
	return false;
}

tf_err tf_xsubs_add(tf_xsubs *s, uint32_t key)
{
	if (tf_xsubs_has(s, key))
		return TF_OK;
	if (s->n >= TF_XSTREAM_MAX_PER_CONN)
		return TF_ERR_TOO_BIG;
	s->keys[s->n++] = key;
	return TF_OK;
}

bool tf_xsubs_remove(tf_xsubs *s, uint32_t key)
{
	for (int i = 0; i < s->n; i++)
		if (s->keys[i] == key) {
			memmove(&s->keys[i], &s->keys[i + 1], sizeof s->keys[0] * (size_t)(s->n - i - 1));
			s->n--;
			return true;
		}
	return false;
}

tf_err tf_xstream_parse_list(const tf_sim *sim, const char *list, size_t len, tf_xsubs *subs, char *bad,
			     size_t badcap)
{
	if (badcap)
		bad[0] = '\0';
	if (len == 0)
		return TF_ERR_PARSE;
	size_t i = 0;
	while (i <= len) {
		const char *p = list + i;
		const char *slash = memchr(p, '/', len - i);
		size_t n = slash ? (size_t)(slash - p) : len - i;
		if (n == 0)
			return TF_ERR_PARSE;
		tf_xstream st;
		if (tf_xstream_parse(sim, p, n, &st) != TF_OK) {
			if (badcap)
				snprintf(bad, badcap, "%.*s", (int)(n > 64 ? 64 : n), p);
			return TF_ERR_NOT_FOUND;
		}
		if (tf_xsubs_add(subs, tf_xstream_key(&st)) != TF_OK)
			return TF_ERR_TOO_BIG;
		i += n + 1;
		if (!slash)
			break;
	}
	return TF_OK;
}

/* ---- control messages ---------------------------------------------------------------------- */

/* 1-based line and column of byte offset off, as serde (Binance's parser) counts them. */
static void line_col(const char *src, size_t len, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 0;
	for (size_t i = 0; i < off && i < len; i++) {
		if (src[i] == '\n') {
			(*line)++;
			*col = 0;
		} else {
			(*col)++;
		}
	}
}

/* Appends {"code":c,"msg":"..."} with ,"id":<id> when id_tok is set. msg must not need escaping
 * except for what the caller quotes itself (method names are escaped below). */
static tf_err reply_error(tf_buf *reply, int code, const char *msg, const tf_json_doc *d, uint32_t id_tok)
{
	tf_err err = tf_buf_appendf(reply, "{\"code\":%d,\"msg\":\"%s\"", code, msg);
	if (!err && id_tok)
		err = tf_buf_appendf(reply, ",\"id\":%.*s", (int)(d->tok[id_tok].end - d->tok[id_tok].start),
				     d->src + d->tok[id_tok].start);
	if (!err)
		err = tf_buf_append(reply, "}", 1);
	return err;
}

static tf_err reply_result(tf_buf *reply, const char *result, const tf_json_doc *d, uint32_t id_tok)
{
	return tf_buf_appendf(reply, "{\"result\":%s,\"id\":%.*s}", result,
			      (int)(d->tok[id_tok].end - d->tok[id_tok].start), d->src + d->tok[id_tok].start);
}

/* An id is an unsigned integer literal (Binance: "request ID must be an unsigned integer"). */
static bool valid_id(const tf_json_doc *d, uint32_t v)
{
	const tf_json_tok *t = &d->tok[v];
	if (t->type != TF_JSON_PRIMITIVE || t->end - t->start > 20)
		return false;
	for (uint32_t i = t->start; i < t->end; i++)
		if (d->src[i] < '0' || d->src[i] > '9')
			return false;
	return true;
}

/* Copies at most cap-1 bytes of a string token, replacing anything that would need JSON escaping
 * so it can be echoed inside a message. */
static void safe_copy(const tf_json_doc *d, uint32_t v, char *out, size_t cap)
{
	const tf_json_tok *t = &d->tok[v];
	size_t n = 0;
	for (uint32_t i = t->start; i < t->end && n + 1 < cap; i++) {
		unsigned char c = (unsigned char)d->src[i];
		out[n++] = c < 0x20 || c == '"' || c == '\\' || c >= 0x7f ? '?' : (char)c;
	}
	out[n] = '\0';
}

/* Validates every stream of a SUBSCRIBE/UNSUBSCRIBE params array into keys; 0 when all are known,
 * else the index+1 of the first bad element (or -1 when params is not an array of strings). */
static int collect_streams(const tf_sim *sim, const tf_json_doc *d, uint32_t params, uint32_t *keys, int max,
			   int *nkeys)
{
	*nkeys = 0;
	if (!params || d->tok[params].type != TF_JSON_ARRAY)
		return -1;
	uint32_t e = tf_json_child(params);
	for (uint32_t k = 0; k < d->tok[params].size; k++, e = d->tok[e].next) {
		if (d->tok[e].type != TF_JSON_STRING)
			return -1;
		tf_xstream st;
		if (tf_xstream_parse(sim, d->src + d->tok[e].start, d->tok[e].end - d->tok[e].start, &st) != TF_OK)
			return (int)k + 1;
		if (*nkeys >= max)
			return -2;
		keys[(*nkeys)++] = tf_xstream_key(&st);
	}
	return 0;
}

static tf_err do_subscribe(const tf_sim *sim, tf_xsubs *subs, bool add, const tf_json_doc *d, uint32_t params,
			   uint32_t id, tf_buf *reply, tf_xcontrol_result *res)
{
	uint32_t keys[TF_XSTREAM_MAX_PER_CONN + 1];
	int nkeys;
	int bad = collect_streams(sim, d, params, keys, TF_XSTREAM_MAX_PER_CONN + 1, &nkeys);
	if (bad == -1)
		return reply_error(reply, 2, "Invalid request: params must be an array of stream names", d, id);
	if (bad == -2)
		return reply_error(reply, 2, "Invalid request: too many streams (at most 1024 a connection)", d, id);
	if (bad > 0)
		return reply_error(reply, 2, "Invalid request: unknown stream", d, id);
	if (add) {
		int fresh = 0;
		for (int i = 0; i < nkeys; i++)
			fresh += !tf_xsubs_has(subs, keys[i]);
		if (subs->n + fresh > TF_XSTREAM_MAX_PER_CONN)
			return reply_error(reply, 2, "Invalid request: too many streams (at most 1024 a connection)", d, id);
		for (int i = 0; i < nkeys; i++)
			tf_xsubs_add(subs, keys[i]);
	} else {
		for (int i = 0; i < nkeys; i++)
			tf_xsubs_remove(subs, keys[i]);
	}
	res->changed = nkeys > 0;
	return reply_result(reply, "null", d, id);
}

static tf_err do_list(const tf_sim *sim, const tf_xsubs *subs, const tf_json_doc *d, uint32_t id, tf_buf *reply)
{
	tf_err err = tf_buf_append(reply, "{\"result\":[", 11);
	for (int i = 0; i < subs->n && !err; i++) {
		tf_xstream st;
		char name[TF_XSTREAM_NAME_MAX];
		tf_xstream_from_key(subs->keys[i], &st);
		tf_xstream_name(sim, &st, name, sizeof name);
		err = tf_buf_appendf(reply, "%s\"%s\"", i ? "," : "", name);
	}
	if (!err)
		err = tf_buf_appendf(reply, "],\"id\":%.*s}", (int)(d->tok[id].end - d->tok[id].start),
				     d->src + d->tok[id].start);
	return err;
}

static tf_err do_property(bool set, bool *combined, const tf_json_doc *d, uint32_t params, uint32_t id,
			  tf_buf *reply, tf_xcontrol_result *res)
{
	if (!params || d->tok[params].type != TF_JSON_ARRAY || d->tok[params].size == 0 ||
	    d->tok[tf_json_child(params)].type != TF_JSON_STRING)
		return reply_error(reply, 2, "Invalid request: property name must be a string", d, id);
	uint32_t name = tf_json_child(params);
	if (d->tok[params].size > (set ? 2u : 1u))
		return reply_error(reply, 2, "Invalid request: too many parameters", d, id);
	if (!tf_json_eq(d, name, "combined", 8))
		return reply_error(reply, 0, "Unknown property", d, id);
	if (!set)
		return reply_result(reply, *combined ? "true" : "false", d, id);
	uint32_t v = d->tok[name].next;
	if (d->tok[params].size < 2 || d->tok[v].type != TF_JSON_PRIMITIVE ||
	    (d->src[d->tok[v].start] != 't' && d->src[d->tok[v].start] != 'f'))
		return reply_error(reply, 1, "Invalid value type: expected Boolean", d, id);
	bool want = d->src[d->tok[v].start] == 't';
	res->changed = want != *combined;
	*combined = want;
	return reply_result(reply, "null", d, id);
}

tf_err tf_xcontrol_handle(const tf_sim *sim, tf_xsubs *subs, bool *combined, const char *msg, size_t len,
			  tf_json_doc *doc, tf_buf *reply, tf_xcontrol_result *res)
{
	res->changed = false;
	tf_decode_err derr = {{0}, 0};
	char text[200];
	int line, col;
	if (tf_json_parse(doc, msg, len, &derr) != TF_OK) {
		line_col(msg, len, derr.offset, &line, &col);
		snprintf(text, sizeof text, "Invalid JSON: expected value at line %d column %d", line, col + 1);
		return reply_error(reply, 3, text, doc, 0);
	}
	if (doc->tok[0].type != TF_JSON_OBJECT)
		return reply_error(reply, 2, "Invalid request: expected a JSON object", doc, 0);
	uint32_t id = tf_json_find(doc, 0, "id");
	uint32_t method = tf_json_find(doc, 0, "method");
	uint32_t params = tf_json_find(doc, 0, "params");
	if (!id || !valid_id(doc, id))
		return reply_error(reply, 2, "Invalid request: request ID must be an unsigned integer", doc, 0);
	if (!method) {
		line_col(msg, len, doc->tok[0].end, &line, &col);
		snprintf(text, sizeof text, "Invalid request: missing field `method` at line %d column %d", line, col);
		return reply_error(reply, 2, text, doc, id);
	}
	if (tf_json_eq(doc, method, "SUBSCRIBE", 9))
		return do_subscribe(sim, subs, true, doc, params, id, reply, res);
	if (tf_json_eq(doc, method, "UNSUBSCRIBE", 11))
		return do_subscribe(sim, subs, false, doc, params, id, reply, res);
	if (tf_json_eq(doc, method, "LIST_SUBSCRIPTIONS", 18))
		return do_list(sim, subs, doc, id, reply);
	if (tf_json_eq(doc, method, "SET_PROPERTY", 12))
		return do_property(true, combined, doc, params, id, reply, res);
	if (tf_json_eq(doc, method, "GET_PROPERTY", 12))
		return do_property(false, combined, doc, params, id, reply, res);
	char name[40] = "?";
	if (doc->tok[method].type == TF_JSON_STRING)
		safe_copy(doc, method, name, sizeof name);
	line_col(msg, len, doc->tok[method].end + (doc->tok[method].type == TF_JSON_STRING), &line, &col);
	snprintf(text, sizeof text,
		 "Invalid request: unknown variant `%s`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, "
		 "`LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line %d column %d",
		 name, line, col);
	return reply_error(reply, 2, text, doc, id);
}
