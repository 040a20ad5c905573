/* The counting and arming core of the fault-injection library (shim.c),
 * used by its wrappers (wrap.c). */
#ifndef FAULT_SHIM_H
#define FAULT_SHIM_H

#include <stdbool.h>

enum fault_fn {
	F_WRITE, F_PWRITE, F_FSYNC, F_RENAME, F_RENAMEAT, F_RENAMEAT2,
	F_OPEN, F_OPENAT, F_FLOCK, F_LINKAT, F_MALLOC, F_COUNT
};

#define FAULT_HIDDEN __attribute__((visibility("hidden")))

/* The next definition of `name` after this library; aborts if none. */
FAULT_HIDDEN void *fault_next(const char *name);

/* Counts a call of `f`; true when it is the armed call, with errno set:
 * the wrapper then fails instead of calling libc. */
FAULT_HIDDEN bool fault_hit(enum fault_fn f);

/* FAULT_NO_TMPFILE set: open and openat with O_TMPFILE fail with
 * EOPNOTSUPP, as on a file system without it (overlayfs before 6.6). */
FAULT_HIDDEN bool fault_no_tmpfile(void);

/* FAULT_NO_PROC set: access() of a /proc path fails (ENOENT), as in a
 * chroot without /proc. */
FAULT_HIDDEN bool fault_no_proc(void);

#endif
