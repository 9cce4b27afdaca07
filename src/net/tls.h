/* tls.h — OpenSSL contexts and TLS streams (see stream.h).
 *
 * Server: certificate chain + private key from PEM files (--tls-cert / --tls-key), TLS >= 1.2.
 * Client: always verifies the peer against the system CAs or a given CA file, sends SNI and checks
 * the host name (SSL_set1_host; IP literals are checked as IP addresses). */
#ifndef TF_NET_TLS_H
#define TF_NET_TLS_H

#include <stddef.h>

#include "base/err.h"
#include "net/stream.h"

typedef struct tf_tls_ctx tf_tls_ctx;

/* TF_ERR_TLS with errbuf naming the file and OpenSSL's reason (unreadable, key does not match). */
tf_err tf_tls_server_ctx_new(const char *cert_file, const char *key_file, tf_tls_ctx **out,
			     char *errbuf, size_t errcap);
/* ca_file NULL = the system CA store. TF_ERR_TLS when the CA file cannot be loaded. */
tf_err tf_tls_client_ctx_new(const char *ca_file, tf_tls_ctx **out, char *errbuf, size_t errcap);
void tf_tls_ctx_free(tf_tls_ctx *c);   /* NULL ok; streams keep their own reference */

/* Wraps fd (ownership taken, closed on failure too) in a TLS stream. host: for a client context the
 * name to send as SNI and to verify (required); ignored for a server context. The handshake runs
 * through tf_stream_handshake (TF_ERR_AGAIN until done; TF_ERR_TLS with s->err naming the reason,
 * e.g. "certificate verify failed: self-signed certificate"). */
tf_err tf_tls_stream_new(tf_tls_ctx *ctx, int fd, const char *host, tf_stream **out);

#endif
