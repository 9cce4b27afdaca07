/* tls.c — see tls.h. OpenSSL 3 contexts and a stream (stream.h) over SSL objects.
 *
 * Non-blocking mapping: SSL_ERROR_WANT_READ / WANT_WRITE -> TF_ERR_AGAIN with s->want set to the
 * readiness OpenSSL needs (a write can need a read during renegotiation or key update, and vice
 * versa); SSL_ERROR_ZERO_RETURN -> TF_ERR_CLOSED; everything else -> TF_ERR_TLS/TF_ERR_IO with the
 * reason in s->err. */
#include "net/tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/loop.h"

struct tf_tls_ctx {
	SSL_CTX *ctx;
	int server;
};

typedef struct {
	tf_stream base;   /* first: a tf_stream * is a tls_stream * */
	SSL *ssl;
	int server;
	int done;         /* handshake complete */
} tls_stream;

static void ossl_reason(const char *what, char *errbuf, size_t errcap)
{
	unsigned long e = ERR_get_error();
	char reason[200] = "unknown reason";
	if (e)
		ERR_error_string_n(e, reason, sizeof reason);
	ERR_clear_error();
	snprintf(errbuf, errcap, "%s: %s", what, reason);
}

static tf_err ctx_new(int server, tf_tls_ctx **out)
{
	tf_tls_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return TF_ERR_NOMEM;
	c->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!c->ctx) {
		free(c);
		return TF_ERR_TLS;
	}
	c->server = server;
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	/* Writes may be retried with a moved buffer (our output buffers compact), and partial
	 * writes let large messages stream out. */
	SSL_CTX_set_mode(c->ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
	*out = c;
	return TF_OK;
}

tf_err tf_tls_server_ctx_new(const char *cert_file, const char *key_file, tf_tls_ctx **out,
			     char *errbuf, size_t errcap)
{
	*out = NULL;
	tf_tls_ctx *c = NULL;
	tf_err err = ctx_new(1, &c);
	if (err) {
		ossl_reason("cannot create TLS context", errbuf, errcap);
		return err;
	}
	char what[600];
	if (SSL_CTX_use_certificate_chain_file(c->ctx, cert_file) != 1) {
		snprintf(what, sizeof what, "cannot load TLS certificate '%s'", cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(c->ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		snprintf(what, sizeof what, "cannot load TLS key '%s'", key_file);
		goto fail;
	}
	if (SSL_CTX_check_private_key(c->ctx) != 1) {
		snprintf(what, sizeof what, "TLS key '%s' does not match certificate '%s'", key_file, cert_file);
		goto fail;
	}
	*out = c;
	return TF_OK;
fail:
	ossl_reason(what, errbuf, errcap);
	tf_tls_ctx_free(c);
	return TF_ERR_TLS;
}

tf_err tf_tls_client_ctx_new(const char *ca_file, tf_tls_ctx **out, char *errbuf, size_t errcap)
{
	*out = NULL;
	tf_tls_ctx *c = NULL;
	tf_err err = ctx_new(0, &c);
	if (err) {
		ossl_reason("cannot create TLS context", errbuf, errcap);
		return err;
	}
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	int ok = ca_file ? SSL_CTX_load_verify_locations(c->ctx, ca_file, NULL)
			 : SSL_CTX_set_default_verify_paths(c->ctx);
	if (ok != 1) {
		char what[600];
		snprintf(what, sizeof what, "cannot load CA file '%s'", ca_file ? ca_file : "(system)");
		ossl_reason(what, errbuf, errcap);
		tf_tls_ctx_free(c);
		return TF_ERR_TLS;
	}
	*out = c;
	return TF_OK;
}

void tf_tls_ctx_free(tf_tls_ctx *c)
{
	if (!c)
		return;
	SSL_CTX_free(c->ctx);
	free(c);
}

/* Maps an SSL_* return value r from ssl op into our codes. */
static tf_err map_error(tls_stream *t, int r, const char *op)
{
	int e = SSL_get_error(t->ssl, r);
	switch (e) {
	case SSL_ERROR_WANT_READ:
		t->base.want = TF_LOOP_READ;
		return TF_ERR_AGAIN;
	case SSL_ERROR_WANT_WRITE:
		t->base.want = TF_LOOP_WRITE;
		return TF_ERR_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return TF_ERR_CLOSED;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			ERR_clear_error();
			if (errno == 0 || errno == ECONNRESET || errno == EPIPE) {
				snprintf(t->base.err, sizeof t->base.err, "%s: connection closed by peer", op);
				return TF_ERR_CLOSED;
			}
			snprintf(t->base.err, sizeof t->base.err, "%s: %s", op, strerror(errno));
			return TF_ERR_IO;
		}
		/* fallthrough */
	default: {
		long vr = SSL_get_verify_result(t->ssl);
		if (!t->server && vr != X509_V_OK) {
			ERR_clear_error();
			snprintf(t->base.err, sizeof t->base.err, "TLS certificate verify failed: %s",
				 X509_verify_cert_error_string(vr));
			return TF_ERR_TLS;
		}
		char what[64];
		snprintf(what, sizeof what, "TLS %s", op);
		ossl_reason(what, t->base.err, sizeof t->base.err);
		return TF_ERR_TLS;
	}
	}
}

static tf_err tls_handshake(tf_stream *s)
{
	tls_stream *t = (tls_stream *)s;
	if (t->done)
		return TF_OK;
	ERR_clear_error();
	errno = 0;
	int r = SSL_do_handshake(t->ssl);
	if (r == 1) {
		t->done = 1;
		return TF_OK;
	}
	tf_err err = map_error(t, r, "handshake");
	if (err == TF_ERR_CLOSED) {
		snprintf(s->err, sizeof s->err, "TLS handshake: connection closed by peer");
		err = TF_ERR_TLS;
	}
	return err;
}

static tf_err tls_read(tf_stream *s, void *buf, size_t cap, size_t *n)
{
	tls_stream *t = (tls_stream *)s;
	*n = 0;
	ERR_clear_error();
	errno = 0;
	size_t got = 0;
	int r = SSL_read_ex(t->ssl, buf, cap, &got);
	if (r == 1) {
		*n = got;
		return TF_OK;
	}
	return map_error(t, r, "read");
}

static tf_err tls_write(tf_stream *s, const void *buf, size_t len, size_t *n)
{
	tls_stream *t = (tls_stream *)s;
	*n = 0;
	ERR_clear_error();
	errno = 0;
	size_t put = 0;
	int r = SSL_write_ex(t->ssl, buf, len, &put);
	if (r == 1) {
		*n = put;
		return TF_OK;
	}
	return map_error(t, r, "write");
}

static size_t tls_pending(tf_stream *s)
{
	return (size_t)SSL_pending(((tls_stream *)s)->ssl);
}

static void tls_free(tf_stream *s)
{
	tls_stream *t = (tls_stream *)s;
	if (t->done) {
		ERR_clear_error();
		SSL_shutdown(t->ssl);   /* one non-blocking close_notify attempt */
	}
	ERR_clear_error();
	SSL_free(t->ssl);
	if (s->fd >= 0)
		close(s->fd);
	free(t);
}

static const tf_stream_ops tls_ops = {
	.read = tls_read,
	.write = tls_write,
	.handshake = tls_handshake,
	.pending = tls_pending,
	.free = tls_free,
};

tf_err tf_tls_stream_new(tf_tls_ctx *ctx, int fd, const char *host, tf_stream **out)
{
	*out = NULL;
	tls_stream *t = calloc(1, sizeof *t);
	if (!t) {
		close(fd);
		return TF_ERR_NOMEM;
	}
	t->base.ops = &tls_ops;
	t->base.fd = fd;
	t->server = ctx->server;
	t->ssl = SSL_new(ctx->ctx);
	if (!t->ssl || SSL_set_fd(t->ssl, fd) != 1)
		goto fail;
	if (ctx->server) {
		SSL_set_accept_state(t->ssl);
	} else {
		if (!host || !host[0])
			goto fail;
		X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
		/* IP literals are verified against IP SANs, names against DNS SANs; SNI only for names */
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, host) == 1) {
			ERR_clear_error();
		} else {
			ERR_clear_error();
			if (SSL_set1_host(t->ssl, host) != 1 || SSL_set_tlsext_host_name(t->ssl, host) != 1)
				goto fail;
		}
		SSL_set_connect_state(t->ssl);
	}
	*out = &t->base;
	return TF_OK;
fail:
	ERR_clear_error();
	SSL_free(t->ssl);
	close(fd);
	free(t);
	return TF_ERR_TLS;
}
