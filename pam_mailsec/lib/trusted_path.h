/* Whether a file this process is about to run or load could only have been
 * put there by root or this process's user: kick_command's program, the
 * database driver. */
#ifndef MAILSEC_TRUSTED_PATH_H
#define MAILSEC_TRUSTED_PATH_H

#include <limits.h>

#include "error.h"

enum ms_trusted_kind {
	MS_TRUSTED_PROGRAM, /* a regular file this process may execute */
	MS_TRUSTED_FILE,    /* a regular file (a shared object to load) */
};

/* The file as it is used: symbolic links resolved into `resolved` (what
 * is checked is what is used, whatever a link is changed to later), a
 * regular file owned by root or the effective user and not writable by
 * group or others, in directories up to "/" of which the same holds; above
 * the file's own directory a sticky directory of root's (/tmp) is safe.
 * Else MS_SYSTEM, "PATH: why" ("PATH: No such file or directory" when it
 * is missing: errno ENOENT then). */
enum ms_status ms_path_trusted(const char *path, enum ms_trusted_kind kind,
			       char resolved[PATH_MAX], struct ms_error *err);

#endif
