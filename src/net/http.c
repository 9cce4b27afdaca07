/* http.c — see http.h. A strict HTTP/1.1 head parser (RFC 9112) and head writers.
 *
 * Parsing is done in one forward pass that only records offsets; buf is written (NULs at the ends
 * of the pieces) only once the whole head has arrived and is valid. A caller that gets TF_ERR_AGAIN
 * simply calls again with more bytes; the head is at most TF_HTTP_MAX_HEAD bytes, so rescanning is
 * bounded. */
#include "net/http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* tchar per RFC 9110 §5.6.2 */
static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-value characters: VCHAR, obs-text, SP, HTAB */
static bool is_vchar_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || (c > 0x20 && c != 0x7f);
}

typedef struct {
	size_t off, len;
} span;

typedef struct {
	span name, value;
} hspan;

typedef struct {
	span line;                /* start line without CRLF */
	hspan h[TF_HTTP_MAX_HEADERS];
	size_t nh;
	size_t head_len;
} head_spans;

/* Finds the end of the line starting at off. TF_OK: *eol is the index of its CR (the LF follows).
 * TF_ERR_AGAIN: no LF yet within max bytes. TF_ERR_TOO_BIG: longer than max. TF_ERR_PARSE: a CR
 * not followed by LF, or an LF not preceded by CR. */
static tf_err find_eol(const char *buf, size_t len, size_t off, size_t max, size_t *eol)
{
	size_t end = len - off > max + 2 ? off + max + 2 : len;
	for (size_t i = off; i < end; i++) {
		if (buf[i] == '\n')
			return TF_ERR_PARSE;   /* bare LF (a CRLF is consumed below) */
		if (buf[i] == '\r') {
			if (i + 1 == len)
				return TF_ERR_AGAIN;
			if (buf[i + 1] != '\n')
				return TF_ERR_PARSE;
			if (i - off > max)
				return TF_ERR_TOO_BIG;
			*eol = i;
			return TF_OK;
		}
	}
	return end - off > max + 1 ? TF_ERR_TOO_BIG : TF_ERR_AGAIN;
}

/* Splits "Name: value" at [off, eol) into h. */
static tf_err parse_header_line(const char *buf, size_t off, size_t eol, hspan *h)
{
	size_t i = off;
	while (i < eol && is_tchar((unsigned char)buf[i]))
		i++;
	if (i == off || i == eol || buf[i] != ':')
		return TF_ERR_PARSE;   /* empty name, space before colon, or a non-token byte */
	h->name.off = off;
	h->name.len = i - off;
	i++;
	while (i < eol && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	size_t vend = eol;
	while (vend > i && (buf[vend - 1] == ' ' || buf[vend - 1] == '\t'))
		vend--;
	for (size_t j = i; j < vend; j++)
		if (!is_vchar_ws((unsigned char)buf[j]))
			return TF_ERR_PARSE;
	h->value.off = i;
	h->value.len = vend - i;
	return TF_OK;
}

/* Scans a whole head: start line, headers, empty line. */
static tf_err scan_head(const char *buf, size_t len, head_spans *hs, bool *too_big_line)
{
	size_t eol;
	tf_err err = find_eol(buf, len, 0, TF_HTTP_MAX_LINE, &eol);
	if (err == TF_ERR_TOO_BIG && too_big_line)
		*too_big_line = true;
	if (err)
		return err;
	if (eol == 0)
		return TF_ERR_PARSE;   /* no empty lines before the start line */
	hs->line.off = 0;
	hs->line.len = eol;
	hs->nh = 0;
	size_t off = eol + 2, hstart = off;
	for (;;) {
		size_t used = off - hstart;
		err = find_eol(buf, len, off, TF_HTTP_MAX_HEADER_BYTES - used, &eol);
		if (err)
			return err;
		if (eol == off) {
			hs->head_len = off + 2;
			return TF_OK;
		}
		if (buf[off] == ' ' || buf[off] == '\t')
			return TF_ERR_PARSE;   /* obs-fold */
		if (hs->nh == TF_HTTP_MAX_HEADERS)
			return TF_ERR_TOO_BIG;
		err = parse_header_line(buf, off, eol, &hs->h[hs->nh]);
		if (err)
			return err;
		hs->nh++;
		off = eol + 2;
	}
}

/* Writes the NULs and turns spans into pointers. */
static size_t materialise(char *buf, const head_spans *hs, tf_http_header *out)
{
	for (size_t i = 0; i < hs->nh; i++) {
		buf[hs->h[i].name.off + hs->h[i].name.len] = '\0';   /* the ':' */
		buf[hs->h[i].value.off + hs->h[i].value.len] = '\0'; /* OWS or CR */
		out[i].name = buf + hs->h[i].name.off;
		out[i].value = buf + hs->h[i].value.off;
	}
	buf[hs->line.len] = '\0';
	return hs->nh;
}

static tf_err parse_version(const char *p, size_t n, int *minor)
{
	if (n != 8 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1'))
		return TF_ERR_PARSE;
	*minor = p[7] - '0';
	return TF_OK;
}

static tf_err parse_content_length(const char *v, int64_t *out)
{
	size_t n = strlen(v);
	if (n == 0 || n > 18)
		return TF_ERR_PARSE;
	int64_t x = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return TF_ERR_PARSE;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return TF_OK;
}

/* Content-Length: at most once, digits only. */
static tf_err find_content_length(const tf_http_header *h, size_t n, int64_t *out)
{
	*out = -1;
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(h[i].name, "Content-Length") != 0)
			continue;
		if (*out >= 0)
			return TF_ERR_PARSE;
		if (parse_content_length(h[i].value, out))
			return TF_ERR_PARSE;
	}
	return TF_OK;
}

static size_t count_header(const tf_http_header *h, size_t n, const char *name)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += strcasecmp(h[i].name, name) == 0;
	return c;
}

/* "GET /path?q HTTP/1.1": validates and records the three parts. */
static tf_err split_request_line(const char *l, size_t n, span *m, span *t, span *v)
{
	const char *sp1 = memchr(l, ' ', n);
	if (!sp1)
		return TF_ERR_PARSE;
	const char *sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - l));
	if (!sp2 || memchr(sp2 + 1, ' ', n - (size_t)(sp2 + 1 - l)))
		return TF_ERR_PARSE;
	*m = (span){ 0, (size_t)(sp1 - l) };
	*t = (span){ (size_t)(sp1 + 1 - l), (size_t)(sp2 - sp1 - 1) };
	*v = (span){ (size_t)(sp2 + 1 - l), n - (size_t)(sp2 + 1 - l) };
	if (m->len == 0 || t->len == 0)
		return TF_ERR_PARSE;
	for (size_t i = 0; i < m->len; i++)
		if (!is_tchar((unsigned char)l[i]))
			return TF_ERR_PARSE;
	for (size_t i = t->off; i < t->off + t->len; i++)
		if ((unsigned char)l[i] <= 0x20 || (unsigned char)l[i] >= 0x7f)
			return TF_ERR_PARSE;
	if (l[t->off] != '/' && !(t->len == 1 && l[t->off] == '*'))
		return TF_ERR_PARSE;   /* only origin-form and asterisk-form: we are no proxy */
	return TF_OK;
}

tf_err tf_http_parse_request(char *buf, size_t len, tf_http_request *req, bool *too_big_line)
{
	if (too_big_line)
		*too_big_line = false;
	head_spans hs;
	tf_err err = scan_head(buf, len, &hs, too_big_line);
	if (err)
		return err;
	span m, t, v;
	if (split_request_line(buf, hs.line.len, &m, &t, &v) != TF_OK)
		return TF_ERR_PARSE;
	int minor;
	if (parse_version(buf + v.off, v.len, &minor))
		return TF_ERR_PARSE;
	memset(req, 0, sizeof *req);
	req->nheaders = materialise(buf, &hs, req->headers);
	buf[m.off + m.len] = '\0';
	buf[t.off + t.len] = '\0';
	req->method = buf + m.off;
	req->target = buf + t.off;
	req->minor = minor;
	req->head_len = hs.head_len;
	/* The query stays inside target (NUL-terminated by it); the path is copied out so that target
	 * remains the request-target exactly as sent. */
	const char *q = memchr(req->target, '?', t.len);
	size_t plen = q ? (size_t)(q - req->target) : t.len;
	if (plen >= sizeof req->path_store) {
		if (too_big_line)
			*too_big_line = true;
		return TF_ERR_TOO_BIG;
	}
	memcpy(req->path_store, req->target, plen);
	req->path_store[plen] = '\0';
	req->path = req->path_store;
	req->query = q ? q + 1 : req->target + t.len;
	if (find_content_length(req->headers, req->nheaders, &req->content_length))
		return TF_ERR_PARSE;
	req->transfer_encoding = count_header(req->headers, req->nheaders, "Transfer-Encoding") > 0;
	if (req->transfer_encoding && req->content_length >= 0)
		return TF_ERR_PARSE;
	size_t hosts = count_header(req->headers, req->nheaders, "Host");
	if (hosts > 1 || (minor == 1 && hosts == 0))
		return TF_ERR_PARSE;
	const char *conn = tf_http_header_get(req->headers, req->nheaders, "Connection");
	if (minor == 1)
		req->keep_alive = !(conn && tf_http_has_token(conn, "close"));
	else
		req->keep_alive = conn && tf_http_has_token(conn, "keep-alive");
	const char *up = tf_http_header_get(req->headers, req->nheaders, "Upgrade");
	req->upgrade_websocket = up && tf_http_has_token(up, "websocket") && conn &&
				 tf_http_has_token(conn, "upgrade");
	return TF_OK;
}

tf_err tf_http_parse_response(char *buf, size_t len, tf_http_response *res)
{
	head_spans hs;
	tf_err err = scan_head(buf, len, &hs, NULL);
	if (err)
		return err;
	const char *l = buf;
	size_t n = hs.line.len;
	int minor;
	if (n < 12 || parse_version(l, 8, &minor) || l[8] != ' ')
		return TF_ERR_PARSE;
	int status = 0;
	for (int i = 9; i < 12; i++) {
		if (l[i] < '0' || l[i] > '9')
			return TF_ERR_PARSE;
		status = status * 10 + (l[i] - '0');
	}
	if (status < 100 || (n > 12 && l[12] != ' '))
		return TF_ERR_PARSE;
	for (size_t i = 13; i < n; i++)
		if (!is_vchar_ws((unsigned char)l[i]))
			return TF_ERR_PARSE;
	memset(res, 0, sizeof *res);
	res->nheaders = materialise(buf, &hs, res->headers);
	res->minor = minor;
	res->status = status;
	res->reason = n > 12 ? buf + 13 : buf + n;
	res->head_len = hs.head_len;
	if (find_content_length(res->headers, res->nheaders, &res->content_length))
		return TF_ERR_PARSE;
	return TF_OK;
}

const char *tf_http_header_get(const tf_http_header *h, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}

bool tf_http_has_token(const char *value, const char *token)
{
	size_t tl = strlen(token);
	const char *p = value;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		const char *s = p;
		while (*p && *p != ',')
			p++;
		const char *e = p;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - s) == tl && strncasecmp(s, token, tl) == 0)
			return true;
	}
	return false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) into out (cap bytes incl. NUL). */
static tf_err pct_decode(const char *s, size_t n, char *out, size_t cap, size_t *outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= n)
				return TF_ERR_PARSE;
			int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return TF_ERR_PARSE;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (o + 1 >= cap)
			return TF_ERR_TOO_BIG;
		out[o++] = c;
	}
	if (cap == 0)
		return TF_ERR_TOO_BIG;
	out[o] = '\0';
	if (outlen)
		*outlen = o;
	return TF_OK;
}

tf_err tf_http_query_get(const char *query, const char *name, char *out, size_t cap, size_t *outlen)
{
	const char *p = query;
	while (*p) {
		size_t n = strcspn(p, "&");
		const char *eq = memchr(p, '=', n);
		size_t kl = eq ? (size_t)(eq - p) : n;
		char key[256];
		size_t klen;
		if (pct_decode(p, kl, key, sizeof key, &klen) == TF_OK && strcmp(key, name) == 0) {
			if (!eq)
				return pct_decode("", 0, out, cap, outlen);
			return pct_decode(eq + 1, n - kl - 1, out, cap, outlen);
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return TF_ERR_NOT_FOUND;
}

const char *tf_http_reason(int status)
{
	switch (status) {
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 418: return "I'm a teapot";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

tf_err tf_http_write_status(tf_buf *out, int status)
{
	return tf_buf_appendf(out, "HTTP/1.1 %03d %s\r\n", status, tf_http_reason(status));
}

tf_err tf_http_write_header(tf_buf *out, const char *name, const char *value)
{
	if (!name[0])
		return TF_ERR_PARSE;
	for (const char *p = name; *p; p++)
		if (!is_tchar((unsigned char)*p))
			return TF_ERR_PARSE;
	for (const char *p = value; *p; p++)
		if (*p == '\r' || *p == '\n')
			return TF_ERR_PARSE;
	return tf_buf_appendf(out, "%s: %s\r\n", name, value);
}
