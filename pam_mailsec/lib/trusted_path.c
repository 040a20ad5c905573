#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trusted_path.h"

/* MS_OK unless `st` (the file, or a directory above it) could have been
 * written by someone other than root or this process's user: then
 * "SHOWN: why". */
static enum ms_status writable_by_others(const char *shown,
					 const struct stat *st,
					 struct ms_error *err)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return ms_fail(err, MS_SYSTEM, "%s: owned by uid %lu, not root",
			       shown, (unsigned long)st->st_uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return ms_fail(err, MS_SYSTEM,
			       "%s: writable by group or others (mode %04o)",
			       shown, (unsigned)(st->st_mode & 07777));
	return MS_OK;
}

/* Every directory from `path`'s up to "/", as writable_by_others judges
 * them: a directory anywhere above that someone else may write lets them
 * swap a directory below it (rename) between the check and the use. Above
 * the file's own directory, a sticky one of root's (/tmp) is safe: in it
 * only the owner of an entry, checked below, may rename it. */
static enum ms_status dirs_safe(const char *path, struct ms_error *err)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;
	bool own_dir = true;
	enum ms_status status;

	strcpy(dir, path);
	while ((slash = strrchr(dir, '/')) != NULL) {
		const char *shown;

		*slash = '\0';
		shown = dir[0] ? dir : "/";
		if (stat(shown, &st) != 0)
			return ms_fail_errno(err, MS_SYSTEM, errno, "%s", shown);
		if (own_dir || !(st.st_mode & S_ISVTX) || st.st_uid != 0) {
			status = writable_by_others(shown, &st, err);
			if (status != MS_OK)
				return status;
		}
		own_dir = false;
		if (!dir[0])
			break;
	}
	return MS_OK;
}

enum ms_status ms_path_trusted(const char *path, enum ms_trusted_kind kind,
			       char resolved[PATH_MAX], struct ms_error *err)
{
	struct stat st;
	enum ms_status status;

	if (!realpath(path, resolved) || stat(resolved, &st) != 0) {
		int errnum = errno;

		ms_fail_errno(err, MS_SYSTEM, errnum, "%s", path);
		errno = errnum;
		return MS_SYSTEM;
	}
	if (kind == MS_TRUSTED_PROGRAM &&
	    (!S_ISREG(st.st_mode) || access(resolved, X_OK) != 0))
		return ms_fail(err, MS_SYSTEM, "%s: not an executable file",
			       path);
	if (!S_ISREG(st.st_mode))
		return ms_fail(err, MS_SYSTEM, "%s: not a regular file", path);
	status = writable_by_others(resolved, &st, err);
	if (status != MS_OK)
		return status;
	return dirs_safe(resolved, err);
}
