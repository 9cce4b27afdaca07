/* http.h — HTTP/1.1 message heads: a strict, bounded parser for requests (server side) and
 * responses (the WebSocket client's upgrade answer), query-string lookup, and head writing.
 *
 * The parser works in place on the caller's buffer: it NUL-terminates the pieces it returns, so
 * pointers in tf_http_request / tf_http_response stay valid as long as that buffer is unchanged.
 * It rejects anything ambiguous instead of guessing (RFC 9112 §2.2, §5, §6.3; request smuggling):
 *   - lines must end in CRLF; a bare CR or bare LF is an error;
 *   - obs-fold (a header line starting with space or tab) is an error;
 *   - header names must be tokens, no space before the colon; values have no control characters;
 *   - Content-Length must be digits only, and may appear once;
 *   - Transfer-Encoding in a request is reported (transfer_encoding) for the server to refuse.
 * Limits: request/status line <= 8 KiB, header lines <= 16 KiB in total, <= 64 headers. */
#ifndef TF_NET_HTTP_H
#define TF_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define TF_HTTP_MAX_LINE 8192
#define TF_HTTP_MAX_HEADER_BYTES 16384
#define TF_HTTP_MAX_HEADERS 64
#define TF_HTTP_MAX_PATH 2048      /* longer paths (before '?'): TF_ERR_TOO_BIG, answer 414 */
/* Largest possible head: request line + CRLF + headers + final CRLF. */
#define TF_HTTP_MAX_HEAD (TF_HTTP_MAX_LINE + 2 + TF_HTTP_MAX_HEADER_BYTES + 2)

typedef struct {
	const char *name;    /* as sent; compare case-insensitively */
	const char *value;   /* leading and trailing spaces/tabs removed */
} tf_http_header;

typedef struct {
	const char *method;    /* "GET" */
	const char *target;    /* "/api/v3/klines?symbol=BTCUSDT" as sent (origin-form, or "*") */
	const char *path;      /* "/api/v3/klines" (not percent-decoded; points into path_store) */
	const char *query;     /* "symbol=BTCUSDT" (points into target); "" when there is no '?' */
	int minor;             /* HTTP/1.<minor>: 0 or 1 */
	tf_http_header headers[TF_HTTP_MAX_HEADERS];
	size_t nheaders;
	int64_t content_length;      /* -1 when absent */
	bool transfer_encoding;      /* a Transfer-Encoding header was present */
	bool keep_alive;             /* from the version and Connection header */
	bool upgrade_websocket;      /* Upgrade: websocket and Connection has token "upgrade" */
	size_t head_len;             /* bytes of the head, including the final CRLF CRLF */
	char path_store[TF_HTTP_MAX_PATH];
} tf_http_request;

typedef struct {
	int minor;
	int status;                  /* 100..999 */
	const char *reason;          /* may be "" */
	tf_http_header headers[TF_HTTP_MAX_HEADERS];
	size_t nheaders;
	int64_t content_length;      /* -1 when absent */
	size_t head_len;
} tf_http_response;

/* Parses the request head at the start of buf[0..len). buf is modified (NULs written).
 * TF_OK: complete head, *req filled. TF_ERR_AGAIN: incomplete so far, nothing wrong yet (call again
 * with more bytes; buf untouched). TF_ERR_PARSE: malformed (answer 400). TF_ERR_TOO_BIG: a limit
 * was exceeded; *too_big_line (may be NULL) is set when it was the request line (answer 414, else
 * 431). Stops at the first error, so a bad head is found before all of it has arrived. */
tf_err tf_http_parse_request(char *buf, size_t len, tf_http_request *req, bool *too_big_line);

/* Same for a response head (status line "HTTP/1.x NNN reason"). TF_ERR_TOO_BIG has no detail. */
tf_err tf_http_parse_response(char *buf, size_t len, tf_http_response *res);

/* Value of the first header called name (case-insensitive), NULL when absent. */
const char *tf_http_header_get(const tf_http_header *h, size_t n, const char *name);
/* True when the comma-separated list value contains token (case-insensitive): "keep-alive, Upgrade". */
bool tf_http_has_token(const char *value, const char *token);

/* Looks up name in query "a=1&b=x%20y" and percent-decodes its value ('+' = space) into out
 * (NUL-terminated; *outlen may be NULL). The first occurrence wins.
 * TF_ERR_NOT_FOUND, TF_ERR_PARSE (bad %-escape or a decoded NUL), TF_ERR_TOO_BIG (cap too small). */
tf_err tf_http_query_get(const char *query, const char *name, char *out, size_t cap, size_t *outlen);

/* Standard reason phrase ("Not Found"); "Unknown" for codes we do not know. */
const char *tf_http_reason(int status);

/* Appends "HTTP/1.1 <status> <reason>\r\n" to out. */
tf_err tf_http_write_status(tf_buf *out, int status);
/* Appends "name: value\r\n". TF_ERR_PARSE if name is not a token or value holds CR, LF or NUL. */
tf_err tf_http_write_header(tf_buf *out, const char *name, const char *value);

#endif
