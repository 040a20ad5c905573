/* Paths and small files in a test's temp tree. Each fails the test
 * (Check) when it cannot do what it says. */
#ifndef TESTS_SUPPORT_FILES_H
#define TESTS_SUPPORT_FILES_H

#include <stddef.h>
#include <sys/types.h>

/* DIR/NAME, or DIR/NAME.SUFFIX unless `suffix` is NULL, into `out`. */
void ts_path(char *out, size_t size, const char *dir, const char *name,
	     const char *suffix);

/* Creates or truncates `path` (never through a symlink) with exactly
 * `mode`, whatever the umask. */
void ts_write(const char *path, const void *data, size_t len, mode_t mode);
void ts_write_str(const char *path, const char *text, mode_t mode);

/* The whole file in a NUL-terminated heap buffer the caller frees. */
char *ts_read(const char *path, size_t *len);

/* Permission bits of `path` (lstat), or (mode_t)-1 when it is absent. */
mode_t ts_mode(const char *path);

/* Entries of `dir` whose names start with `prefix`. */
unsigned ts_count_prefix(const char *dir, const char *prefix);

#endif
