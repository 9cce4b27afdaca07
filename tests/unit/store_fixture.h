/* store_fixture.h — temporary SQLite databases for the store's unit tests (test_store_sqlite.c,
 * test_batch_store.c). */
#ifndef TF_TEST_STORE_FIXTURE_H
#define TF_TEST_STORE_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh database path under /tmp (the file does not exist yet; mkstemp picks the name) and its
 * store URL. */
static inline bool tf_test_temp_db(char path[21], char url[64])
{
	memcpy(path, "/tmp/tf-store-XXXXXX", 21);
	int fd = mkstemp(path);
	if (fd < 0)
		return false;
	close(fd);
	unlink(path);
	snprintf(url, 64, "sqlite:%s", path);
	return true;
}

/* Removes the database and its WAL and shared-memory files. */
static inline void tf_test_remove_db(const char *path)
{
	char side[80];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

#endif
