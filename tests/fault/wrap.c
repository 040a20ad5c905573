/* The wrapped libc functions of the fault-injection library (shim.c):
 * each fails when fault_hit says so, else calls the real one. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "shim.h"

/* The real function, looked up once. */
#define REAL(type, name)                                                     \
	static type real_##name;                                             \
	if (!real_##name)                                                    \
		real_##name = (type)fault_next(#name)

typedef ssize_t write_fn(int, const void *, size_t);
typedef ssize_t pwrite_fn(int, const void *, size_t, off_t);
typedef int fsync_fn(int);
typedef int rename_fn(const char *, const char *);
typedef int renameat_fn(int, const char *, int, const char *);
typedef int renameat2_fn(int, const char *, int, const char *, unsigned);
typedef int open_fn(const char *, int, ...);
typedef int openat_fn(int, const char *, int, ...);
typedef int flock_fn(int, int);
typedef int linkat_fn(int, const char *, int, const char *, int);
typedef int access_fn(const char *, int);

ssize_t write(int fd, const void *buf, size_t len)
{
	REAL(write_fn *, write);
	return fault_hit(F_WRITE) ? -1 : real_write(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t at)
{
	REAL(pwrite_fn *, pwrite);
	return fault_hit(F_PWRITE) ? -1 : real_pwrite(fd, buf, len, at);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t at)
{
	return pwrite(fd, buf, len, at);
}

int fsync(int fd)
{
	REAL(fsync_fn *, fsync);
	return fault_hit(F_FSYNC) ? -1 : real_fsync(fd);
}

int rename(const char *from, const char *to)
{
	REAL(rename_fn *, rename);
	return fault_hit(F_RENAME) ? -1 : real_rename(from, to);
}

int renameat(int from_dir, const char *from, int to_dir, const char *to)
{
	REAL(renameat_fn *, renameat);
	return fault_hit(F_RENAMEAT) ? -1
				     : real_renameat(from_dir, from, to_dir, to);
}

int renameat2(int from_dir, const char *from, int to_dir, const char *to,
	      unsigned flags)
{
	REAL(renameat2_fn *, renameat2);
	return fault_hit(F_RENAMEAT2)
		? -1 : real_renameat2(from_dir, from, to_dir, to, flags);
}

int linkat(int from_dir, const char *from, int to_dir, const char *to,
	   int flags)
{
	REAL(linkat_fn *, linkat);
	return fault_hit(F_LINKAT)
		? -1 : real_linkat(from_dir, from, to_dir, to, flags);
}

/* Not a fault site: only FAULT_NO_PROC's missing /proc. */
int access(const char *path, int mode)
{
	REAL(access_fn *, access);
	if (fault_no_proc() && strncmp(path, "/proc/", 6) == 0) {
		errno = ENOENT;
		return -1;
	}
	return real_access(path, mode);
}

/* The mode argument exists only with O_CREAT or O_TMPFILE. */
static mode_t open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE
		? (mode_t)va_arg(ap, int) : 0;
}

/* A counted open that FAULT_NO_TMPFILE refuses: the file system has none. */
static bool tmpfile_refused(int flags)
{
	if ((flags & O_TMPFILE) != O_TMPFILE || !fault_no_tmpfile())
		return false;
	errno = EOPNOTSUPP;
	return true;
}

static int open_counted(const char *path, int flags, mode_t mode)
{
	REAL(open_fn *, open);

	return fault_hit(F_OPEN) || tmpfile_refused(flags)
		? -1 : real_open(path, flags, mode);
}

static int openat_counted(int dir, const char *path, int flags, mode_t mode)
{
	REAL(openat_fn *, openat);

	return fault_hit(F_OPENAT) || tmpfile_refused(flags)
		? -1 : real_openat(dir, path, flags, mode);
}

/* The 64-bit and _FORTIFY_SOURCE entry points are the same call sites. */
#define OPEN_ENTRY(name)                                                     \
	int name(const char *path, int flags, ...)                           \
	{                                                                    \
		va_list ap;                                                  \
		mode_t mode;                                                 \
									     \
		va_start(ap, flags);                                         \
		mode = open_mode(flags, ap);                                 \
		va_end(ap);                                                  \
		return open_counted(path, flags, mode);                      \
	}
#define OPENAT_ENTRY(name)                                                   \
	int name(int dir, const char *path, int flags, ...)                  \
	{                                                                    \
		va_list ap;                                                  \
		mode_t mode;                                                 \
									     \
		va_start(ap, flags);                                         \
		mode = open_mode(flags, ap);                                 \
		va_end(ap);                                                  \
		return openat_counted(dir, path, flags, mode);               \
	}
OPEN_ENTRY(open)
OPEN_ENTRY(open64)
OPENAT_ENTRY(openat)
OPENAT_ENTRY(openat64)

int __open_2(const char *path, int flags);
int __open_2(const char *path, int flags)
{
	return open_counted(path, flags, 0);
}

int __openat_2(int dir, const char *path, int flags);
int __openat_2(int dir, const char *path, int flags)
{
	return openat_counted(dir, path, flags, 0);
}

int flock(int fd, int op)
{
	REAL(flock_fn *, flock);
	return fault_hit(F_FLOCK) ? -1 : real_flock(fd, op);
}

/* glibc's allocator under its own names: dlsym may allocate. */
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *ptr, size_t size);

void *malloc(size_t size)
{
	return fault_hit(F_MALLOC) ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	return fault_hit(F_MALLOC) ? NULL : __libc_calloc(n, size);
}

void *realloc(void *ptr, size_t size)
{
	return fault_hit(F_MALLOC) ? NULL : __libc_realloc(ptr, size);
}
