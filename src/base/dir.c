/* dir.c — see dir.h. */
#include "base/dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PATH 4096

/* What an operator can do about errno e on path p. */
static const char *advice(int e)
{
	switch (e) {
	case EROFS: return "the file system is mounted read-only; remount it read-write or choose another directory";
	case EACCES:
	case EPERM: return "permission denied; give this user write access (chown/chmod) or choose another directory";
	case ENOSPC: return "no space or inodes left on the device; free some space";
	case EDQUOT: return "disk quota exceeded; free some space or raise the quota";
	case ENOTDIR: return "it or a part of its path is a file; remove that or choose another directory";
	case ENAMETOOLONG: return "the path is too long";
	default: return "choose another directory";
	}
}

static tf_err failed(const char *what, const char *path, const char *doing, int e, char *why, size_t cap)
{
	snprintf(why, cap, "cannot %s %s %s: %s (%s)", doing, what, path, strerror(e), advice(e));
	errno = e;
	return TF_ERR_IO;
}

/* mkdir -p on a private copy of the path. */
static int mkdir_parents(const char *path)
{
	char p[MAX_PATH];
	size_t n = strlen(path);
	memcpy(p, path, n + 1);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

tf_err tf_dir_ensure(const char *path, const char *what, char *why, size_t why_cap)
{
	if (!path || !*path || strlen(path) >= MAX_PATH - 32) {
		snprintf(why, why_cap, "%s path is empty or longer than %d bytes", what, MAX_PATH - 32);
		return TF_ERR_USAGE;
	}
	struct stat st;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return failed(what, path, "use", errno, why, why_cap);
		if (mkdir_parents(path) != 0)
			return failed(what, path, "create", errno, why, why_cap);
		if (stat(path, &st) != 0)
			return failed(what, path, "use", errno, why, why_cap);
	}
	if (!S_ISDIR(st.st_mode))
		return failed(what, path, "use", ENOTDIR, why, why_cap);
	/* access(2) would pass for root on a directory it may not write in practice (read-only mount
	 * is caught, but not a full inode table): create and remove a real file instead. */
	char probe[MAX_PATH];
	snprintf(probe, sizeof probe, "%s/.tickflow-probe-XXXXXX", path);
	int fd = mkostemp(probe, O_CLOEXEC);
	if (fd < 0)
		return failed(what, path, "write in", errno, why, why_cap);
	close(fd);
	unlink(probe);
	return TF_OK;
}

tf_err tf_dir_ensure_parent(const char *path, const char *what, char *why, size_t why_cap)
{
	if (!path || strlen(path) >= MAX_PATH) {
		snprintf(why, why_cap, "path of %s is empty or longer than %d bytes", what, MAX_PATH - 1);
		return TF_ERR_USAGE;
	}
	const char *slash = strrchr(path, '/');
	if (!slash)
		return tf_dir_ensure(".", what, why, why_cap);
	if (slash == path)
		return tf_dir_ensure("/", what, why, why_cap);
	char dir[MAX_PATH];
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return tf_dir_ensure(dir, what, why, why_cap);
}
