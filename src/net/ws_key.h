/* ws_key.h — the WebSocket opening-handshake keys (RFC 6455 §4): client key generation and
 * validation, and Sec-WebSocket-Accept = base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")). */
#ifndef TF_NET_WS_KEY_H
#define TF_NET_WS_KEY_H

#include <stdbool.h>

#include "base/err.h"

#define TF_WS_KEY_LEN 24      /* base64 of 16 bytes */
#define TF_WS_ACCEPT_LEN 28   /* base64 of 20 bytes */

/* Random 16 bytes, base64; out gets 24 chars + NUL. TF_ERR_INTERNAL if the RNG fails. */
tf_err tf_ws_key_generate(char out[TF_WS_KEY_LEN + 1]);
/* True when key is the base64 encoding of exactly 16 bytes (what a server must check). */
bool tf_ws_key_valid(const char *key);
/* out gets the 28-char accept value + NUL. */
void tf_ws_key_accept(const char *key, char out[TF_WS_ACCEPT_LEN + 1]);

#endif
