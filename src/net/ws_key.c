/* ws_key.c — see ws_key.h. SHA-1 and base64 from OpenSSL. */
#include "net/ws_key.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

tf_err tf_ws_key_generate(char out[TF_WS_KEY_LEN + 1])
{
	unsigned char raw[16];
	if (RAND_bytes(raw, sizeof raw) != 1)
		return TF_ERR_INTERNAL;
	EVP_EncodeBlock((unsigned char *)out, raw, sizeof raw);
	return TF_OK;
}

static bool is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

bool tf_ws_key_valid(const char *key)
{
	/* 16 bytes = 22 significant characters, the last of which carries only 2 bits (so it is one
	 * of A, Q, g, w), then "==". */
	if (strlen(key) != TF_WS_KEY_LEN || key[22] != '=' || key[23] != '=')
		return false;
	for (int i = 0; i < 21; i++)
		if (!is_b64(key[i]))
			return false;
	return strchr("AQgw", key[21]) != NULL && key[21] != '\0';
}

void tf_ws_key_accept(const char *key, char out[TF_WS_ACCEPT_LEN + 1])
{
	unsigned char md[SHA_DIGEST_LENGTH];
	/* one-shot EVP digest (the SHA1_* calls are deprecated in OpenSSL 3) */
	unsigned char in[64 + sizeof WS_GUID];
	size_t kl = strlen(key);
	if (kl > 64)
		kl = 64;
	memcpy(in, key, kl);
	memcpy(in + kl, WS_GUID, sizeof WS_GUID - 1);
	unsigned int mdlen = 0;
	EVP_Digest(in, kl + sizeof WS_GUID - 1, md, &mdlen, EVP_sha1(), NULL);
	EVP_EncodeBlock((unsigned char *)out, md, SHA_DIGEST_LENGTH);
}
