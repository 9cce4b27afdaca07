/* dir.h — directories that tickflow owns (the broker's --data-dir, the directory of a SQLite store,
 * report output): create them with their parents, and prove they can be written before a service
 * starts, so a wrong path, a read-only mount or a permission problem is one clear line at start-up
 * instead of a failure on the first write. */
#ifndef TF_BASE_DIR_H
#define TF_BASE_DIR_H

#include <stddef.h>

#include "base/err.h"

/* Creates directory `path` and its missing parents (mode 0755 before umask), then checks it is a
 * directory in which this process can create a file (a probe file is created and removed).
 * `what` names it in messages ("data directory"). Errors (why gets one line saying what to do):
 * TF_ERR_USAGE (empty or too long path), TF_ERR_IO (not a directory, cannot create, read-only file
 * system, permission denied, no space or inodes left; errno is kept). */
tf_err tf_dir_ensure(const char *path, const char *what, char *why, size_t why_cap);

/* The same for the directory that holds file `path` ("." when it has no slash). */
tf_err tf_dir_ensure_parent(const char *path, const char *what, char *why, size_t why_cap);

#endif
