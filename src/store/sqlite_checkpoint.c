/* sqlite_checkpoint.c — see sqlite_checkpoint.h. */
#include "store/sqlite_checkpoint.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/run.h"

#define CKPT_PAGES 1000       /* SQLite's own automatic threshold */
#define CKPT_HARD_PAGES 65536 /* 256 MiB of 4 KiB pages: the committer checkpoints itself */

struct tf_sqlite_ckpt {
	char *path;
	int refs;            /* under registry */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool due, quit;      /* under mu */
	tf_sqlite_ckpt *next; /* under registry */
};

static pthread_mutex_t registry = PTHREAD_MUTEX_INITIALIZER;
static tf_sqlite_ckpt *all;

static void *run(void *arg)
{
	tf_thread_name("tf-sqlite-ckpt");
	tf_sqlite_ckpt *c = arg;
	sqlite3 *db = NULL;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->due && !c->quit)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->quit)
			break;
		c->due = false;
		pthread_mutex_unlock(&c->mu);
		if (!db && sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
			tf_warn("sqlite: checkpoint connection to %s: %s", c->path, db ? sqlite3_errmsg(db) : "out of memory");
			sqlite3_close(db);
			db = NULL;
		}
		/* SQLITE_BUSY: another checkpoint runs; the next commit wakes us again */
		if (db)
			sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	sqlite3_close(db);
	return NULL;
}

/* After every commit of an attached connection (SQLite calls it with the WAL's size in pages). */
static int on_wal(void *arg, sqlite3 *db, const char *name, int pages)
{
	tf_sqlite_ckpt *c = arg;
	if (pages >= CKPT_HARD_PAGES)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	else if (pages >= CKPT_PAGES) {
		pthread_mutex_lock(&c->mu);
		c->due = true;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
	return SQLITE_OK;
}

/* A new entry for path with its thread running; NULL on failure. */
static tf_sqlite_ckpt *start(const char *path)
{
	tf_sqlite_ckpt *c = calloc(1, sizeof *c);
	if (!c || !(c->path = strdup(path))) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->thread, NULL, run, c)) {
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		free(c->path);
		free(c);
		return NULL;
	}
	return c;
}

tf_err tf_sqlite_ckpt_attach(sqlite3 *db, const char *path, tf_sqlite_ckpt **out)
{
	pthread_mutex_lock(&registry);
	tf_sqlite_ckpt *c = all;
	while (c && strcmp(c->path, path))
		c = c->next;
	if (!c && (c = start(path))) {
		c->next = all;
		all = c;
	}
	if (c)
		c->refs++;
	pthread_mutex_unlock(&registry);
	if (!c)
		return TF_ERR_IO;
	sqlite3_wal_hook(db, on_wal, c); /* replaces the automatic checkpoint */
	*out = c;
	return TF_OK;
}

void tf_sqlite_ckpt_detach(tf_sqlite_ckpt *c, sqlite3 *db)
{
	if (!c)
		return;
	sqlite3_wal_hook(db, NULL, NULL);
	pthread_mutex_lock(&registry);
	bool last = --c->refs == 0;
	if (last) {
		tf_sqlite_ckpt **p = &all;
		while (*p != c)
			p = &(*p)->next;
		*p = c->next;
	}
	pthread_mutex_unlock(&registry);
	if (!last)
		return;
	pthread_mutex_lock(&c->mu);
	c->quit = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c->path);
	free(c);
}
