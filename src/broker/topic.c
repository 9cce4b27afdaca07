/* topic.c — the topic registry: names, partition logs, creation (auto or CreateTopics), discovery of
 * existing <topic>-<partition> directories at start-up, and the periodic fsync and retention passes. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"
#include "broker/broker_int.h"

bool tf_topic_name_valid(const char *name, int32_t len)
{
	if (len <= 0 || len > 249 || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return false;
	for (int32_t i = 0; i < len; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

tf_topic *tf_topic_find(tf_broker *b, const char *name, int32_t len)
{
	if (len < 0)
		return NULL;
	for (int i = 0; i < b->ntopics; i++)
		if ((int32_t)strlen(b->topics[i]->name) == len && memcmp(b->topics[i]->name, name, (size_t)len) == 0)
			return b->topics[i];
	return NULL;
}

static void topic_free(tf_topic *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nparts; i++)
		tf_plog_close(t->parts[i]);
	free(t->parts);
	free(t->name);
	free(t);
}

/* Opens (creating) partitions 0..nparts-1 of topic name. */
static int open_topic(tf_broker *b, const char *name, int32_t len, int nparts, tf_topic **out)
{
	*out = NULL;
	if (b->ntopics == b->captopics) {
		int cap = b->captopics ? b->captopics * 2 : 16;
		tf_topic **nt = realloc(b->topics, (size_t)cap * sizeof *nt);
		if (!nt)
			return -1;
		b->topics = nt;
		b->captopics = cap;
	}
	tf_topic *t = calloc(1, sizeof *t);
	if (!t)
		return -1;
	t->name = strndup(name, (size_t)len);
	t->parts = calloc((size_t)nparts, sizeof *t->parts);
	if (!t->name || !t->parts) {
		topic_free(t);
		return -1;
	}
	for (int i = 0; i < nparts; i++) {
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/%s-%d", b->cfg.data_dir, t->name, i);
		if (tf_plog_open(dir, &b->cfg.log, &t->parts[i]) != TF_OK) {
			topic_free(t);
			return -1;
		}
		t->nparts = i + 1;
	}
	b->topics[b->ntopics++] = t;
	*out = t;
	return 0;
}

int tf_topic_create(tf_broker *b, const char *name, int32_t len, int nparts, tf_topic **out)
{
	*out = NULL;
	if (!tf_topic_name_valid(name, len))
		return 17;
	if ((*out = tf_topic_find(b, name, len)))
		return 36;
	if (nparts <= 0 || nparts > TF_BROKER_MAX_PARTITIONS)
		return 37;
	if (b->ntopics >= b->cfg.max_topics)
		return 89; /* THROTTLING_QUOTA_EXCEEDED: closest code for "too many topics" */
	if (open_topic(b, name, len, nparts, out) != 0)
		return -1;
	tf_info("created topic %.*s with %d partitions", (int)len, name, nparts);
	return 0;
}

/* Splits "<topic>-<n>" into its parts; false when dir is not such a name. */
static bool parse_dir(const char *d, int32_t *tlen, int *part)
{
	const char *dash = strrchr(d, '-');
	if (!dash || dash == d || !dash[1])
		return false;
	char *end;
	errno = 0;
	long v = strtol(dash + 1, &end, 10);
	if (errno || *end || v < 0 || v >= TF_BROKER_MAX_PARTITIONS)
		return false;
	*tlen = (int32_t)(dash - d);
	*part = (int)v;
	return tf_topic_name_valid(d, *tlen);
}

tf_err tf_topics_load(tf_broker *b)
{
	DIR *d = opendir(b->cfg.data_dir);
	if (!d) {
		tf_error("cannot read data directory %s: %s", b->cfg.data_dir, strerror(errno));
		return TF_ERR_IO;
	}
	/* First pass: topic names and their partition counts. */
	struct { char name[256]; int nparts; } found[512];
	int nfound = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		int32_t tlen;
		int part;
		if (e->d_type != DT_DIR || !parse_dir(e->d_name, &tlen, &part) || tlen >= 256)
			continue;
		int i;
		for (i = 0; i < nfound; i++)
			if ((int32_t)strlen(found[i].name) == tlen && memcmp(found[i].name, e->d_name, (size_t)tlen) == 0)
				break;
		if (i == nfound) {
			if (nfound == (int)(sizeof found / sizeof found[0]))
				continue;
			memcpy(found[i].name, e->d_name, (size_t)tlen);
			found[i].name[tlen] = '\0';
			found[i].nparts = 0;
			nfound++;
		}
		if (part + 1 > found[i].nparts)
			found[i].nparts = part + 1;
	}
	closedir(d);
	for (int i = 0; i < nfound; i++) {
		tf_topic *t;
		if (open_topic(b, found[i].name, (int32_t)strlen(found[i].name), found[i].nparts, &t) != 0)
			return TF_ERR_IO;
		int64_t records = 0;
		for (int p = 0; p < t->nparts; p++)
			records += t->parts[p]->next_offset - t->parts[p]->start_offset;
		tf_info("loaded topic %s: %d partitions, %" PRId64 " records", t->name, t->nparts, records);
	}
	return TF_OK;
}

void tf_topics_free(tf_broker *b)
{
	for (int i = 0; i < b->ntopics; i++)
		topic_free(b->topics[i]);
	free(b->topics);
	b->topics = NULL;
	b->ntopics = b->captopics = 0;
}

void tf_topics_sync(tf_broker *b)
{
	for (int i = 0; i < b->ntopics; i++)
		for (int p = 0; p < b->topics[i]->nparts; p++)
			(void)tf_plog_sync(b->topics[i]->parts[p]);
}

void tf_topics_retain(tf_broker *b, int64_t now_ms)
{
	for (int i = 0; i < b->ntopics; i++)
		for (int p = 0; p < b->topics[i]->nparts; p++)
			(void)tf_plog_retain(b->topics[i]->parts[p], now_ms);
}
