/* assets.h — the page (web/) and lightweight-charts' standalone bundle, embedded into the binary
 * at build time by scripts/embed_web.sh (generating build/gen/web_assets.c), so serve needs no
 * files at run time and no request can reach the filesystem (no path traversal possible). */
#ifndef TF_WEB_ASSETS_H
#define TF_WEB_ASSETS_H

#include <stddef.h>

typedef struct {
	const char *path;  /* URL path: "/", "/assets/app.js" */
	const char *type;  /* Content-Type */
	const unsigned char *data;
	size_t len;
} tf_web_asset;

extern const tf_web_asset tf_web_assets[];
extern const size_t tf_web_nassets;

#endif
