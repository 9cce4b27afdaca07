/* sqlite_checkpoint.h — WAL checkpoints of a SQLite store on a thread of their own.
 *
 * Why: SQLite's automatic checkpoint runs inside the COMMIT that pushed the WAL past 1,000 pages,
 * i.e. while the committing connection holds the one write lock (store_sqlite.c's writer mutex and
 * SQLite's own). A stream commit of 100,000 ticks writes thousands of pages, so nearly every commit
 * also copied them all into the database file: a fifth of the time the lock was held (2,000
 * symbols). A PASSIVE checkpoint needs no write lock, so one thread per database file of the
 * process does it with its own connection while the next commit runs.
 *
 * Attached connections get a WAL hook instead of the automatic checkpoint: after a commit that
 * leaves the WAL at CKPT_PAGES or more, the thread is woken. Should it fall far behind (the WAL at
 * CKPT_HARD_PAGES), the committing connection checkpoints itself, as SQLite would have. */
#ifndef TF_STORE_SQLITE_CHECKPOINT_H
#define TF_STORE_SQLITE_CHECKPOINT_H

#include <sqlite3.h>

#include "base/err.h"

typedef struct tf_sqlite_ckpt tf_sqlite_ckpt;

/* Attaches db (opened on path, a file) to path's checkpoint thread, starting it if it is the first.
 * TF_ERR_NOMEM or TF_ERR_IO (no thread); db then keeps SQLite's automatic checkpoint. */
tf_err tf_sqlite_ckpt_attach(sqlite3 *db, const char *path, tf_sqlite_ckpt **out);

/* Detaches (before db is closed); the last one stops the thread. NULL is fine. */
void tf_sqlite_ckpt_detach(tf_sqlite_ckpt *c, sqlite3 *db);

#endif
