/* addr.c — see addr.h. */
#include "net/addr.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static tf_err parse_port(const char *s, size_t n, uint16_t *out)
{
	if (n == 0 || n > 5)
		return TF_ERR_PARSE;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return TF_ERR_PARSE;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return TF_ERR_PARSE;
	*out = (uint16_t)v;
	return TF_OK;
}

static bool host_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

/* host is s[0..n): "[v6]" or a name / IPv4 literal. Copies it without brackets. */
static tf_err copy_host(const char *s, size_t n, char *out, bool allow_empty)
{
	if (n >= 2 && s[0] == '[') {
		if (s[n - 1] != ']')
			return TF_ERR_PARSE;
		s++;
		n -= 2;
		if (n == 0)
			return TF_ERR_PARSE;
		for (size_t i = 0; i < n; i++)
			if (!isxdigit((unsigned char)s[i]) && s[i] != ':' && s[i] != '.')
				return TF_ERR_PARSE;
	} else {
		if (n == 0 && !allow_empty)
			return TF_ERR_PARSE;
		for (size_t i = 0; i < n; i++)
			if (!host_char_ok(s[i]))
				return TF_ERR_PARSE;
	}
	if (n >= TF_ADDR_HOST_MAX)
		return TF_ERR_TOO_BIG;
	memcpy(out, s, n);
	out[n] = '\0';
	return TF_OK;
}

/* Splits "host:port" at the last ':' outside brackets. */
static tf_err split_hostport(const char *s, size_t n, tf_hostport *out, bool allow_empty, bool need_port)
{
	const char *colon = NULL;
	if (n > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', n);
		if (!rb)
			return TF_ERR_PARSE;
		if ((size_t)(rb - s) + 1 < n) {
			if (rb[1] != ':')
				return TF_ERR_PARSE;
			colon = rb + 1;
		}
	} else {
		colon = memchr(s, ':', n);
		if (colon && memchr(colon + 1, ':', n - (size_t)(colon + 1 - s)))
			return TF_ERR_PARSE;   /* bare IPv6 without brackets is ambiguous */
	}
	if (!colon)
		return need_port ? TF_ERR_PARSE : copy_host(s, n, out->host, allow_empty);
	tf_err err = copy_host(s, (size_t)(colon - s), out->host, allow_empty);
	if (err)
		return err;
	return parse_port(colon + 1, n - (size_t)(colon + 1 - s), &out->port);
}

tf_err tf_addr_parse(const char *s, tf_hostport *out)
{
	memset(out, 0, sizeof *out);
	return split_hostport(s, strlen(s), out, true, true);
}

void tf_addr_format(const char *host, uint16_t port, char *out, size_t cap)
{
	if (strchr(host, ':'))
		snprintf(out, cap, "[%s]:%u", host, (unsigned)port);
	else
		snprintf(out, cap, "%s:%u", host, (unsigned)port);
}

tf_err tf_url_parse(const char *url, tf_url *out)
{
	memset(out, 0, sizeof *out);
	const char *sep = strstr(url, "://");
	if (!sep || sep == url || (size_t)(sep - url) >= sizeof out->scheme)
		return TF_ERR_PARSE;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '#')
			return TF_ERR_PARSE;
	size_t sl = (size_t)(sep - url);
	for (size_t i = 0; i < sl; i++)
		out->scheme[i] = (char)tolower((unsigned char)url[i]);
	uint16_t defport;
	if (!strcmp(out->scheme, "ws") || !strcmp(out->scheme, "http"))
		defport = 80;
	else if (!strcmp(out->scheme, "wss") || !strcmp(out->scheme, "https"))
		defport = 443, out->tls = true;
	else
		return TF_ERR_PARSE;
	const char *auth = sep + 3;
	size_t alen = strcspn(auth, "/?");
	if (memchr(auth, '@', alen))
		return TF_ERR_PARSE;
	tf_hostport hp = { .port = 0 };
	bool has_port = false;
	/* a port is present when the authority ends in ":digits" outside brackets */
	const char *rb = memchr(auth, ']', alen);
	const char *lastc = NULL;
	for (size_t i = 0; i < alen; i++)
		if (auth[i] == ':')
			lastc = auth + i;
	if (lastc && (!rb || lastc > rb))
		has_port = true;
	tf_err err = split_hostport(auth, alen, &hp, false, has_port);
	if (err)
		return err;
	memcpy(out->host, hp.host, sizeof out->host);
	out->port = has_port ? hp.port : defport;
	out->default_port = !has_port;
	if (has_port && out->port == 0)
		return TF_ERR_PARSE;
	const char *path = auth + alen;
	size_t plen = strlen(path);
	if (plen + 2 > sizeof out->path)
		return TF_ERR_TOO_BIG;
	if (plen == 0 || path[0] == '?') {
		out->path[0] = '/';
		memcpy(out->path + 1, path, plen + 1);
	} else {
		memcpy(out->path, path, plen + 1);
	}
	return TF_OK;
}
