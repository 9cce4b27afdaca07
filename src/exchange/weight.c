/* weight.c — per-IP request weight in fixed minute windows (see weight.h). */
#include "exchange/weight.h"

#include <stdio.h>
#include <string.h>

void tf_xweight_init(tf_xweight *w, int64_t limit)
{
	memset(w, 0, sizeof *w);
	w->limit = limit;
}

/* The address part of "1.2.3.4:5678" or "[::1]:5678" into out. */
static void ip_only(const char *peer, char *out, size_t cap)
{
	const char *end = strrchr(peer, ':');
	size_t n = strlen(peer);
	if (peer[0] == '[') {
		const char *close = strchr(peer, ']');
		peer++;
		n = close ? (size_t)(close - peer) : strlen(peer);
	} else if (end && strchr(peer, ':') == end) {
		n = (size_t)(end - peer);
	}
	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), peer);
}

static tf_xweight_client *client(tf_xweight *w, const char *ip, int64_t now_ms)
{
	tf_xweight_client *oldest = &w->clients[0];
	for (int i = 0; i < TF_XWEIGHT_CLIENTS; i++) {
		tf_xweight_client *c = &w->clients[i];
		if (c->ip[0] && strcmp(c->ip, ip) == 0)
			return c;
		if (!c->ip[0] || (oldest->ip[0] && c->seen_ms < oldest->seen_ms))
			oldest = c;
	}
	memset(oldest, 0, sizeof *oldest);
	snprintf(oldest->ip, sizeof oldest->ip, "%s", ip);
	oldest->minute = now_ms / 60000;
	return oldest;
}

bool tf_xweight_charge(tf_xweight *w, const char *peer, int64_t now_ms, int64_t weight, int64_t *used,
		       int *retry_after_s)
{
	char ip[48];
	ip_only(peer ? peer : "", ip, sizeof ip);
	tf_xweight_client *c = client(w, ip, now_ms);
	int64_t minute = now_ms / 60000;
	if (c->minute != minute) {
		c->minute = minute;
		c->used = 0;
	}
	c->seen_ms = now_ms;
	if (c->used + weight > w->limit) {
		*used = c->used;
		int64_t left = (minute + 1) * 60000 - now_ms;
		*retry_after_s = (int)((left + 999) / 1000);
		if (*retry_after_s < 1)
			*retry_after_s = 1;
		return false;
	}
	c->used += weight;
	*used = c->used;
	return true;
}
