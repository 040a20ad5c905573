/* Counts the pwrite(2) calls the library makes to one file: which bytes a
 * writer rewrites cannot be told from the file afterwards when they hold
 * what they held before. */
#ifndef TESTS_PWRITE_COUNT_H
#define TESTS_PWRITE_COUNT_H

#include <stddef.h>

struct pwrite_count {
	unsigned calls;
	size_t bytes;
};

/* Counts, from now, the pwrites to the file at `path` (by inode). */
void pwrite_count_start(const char *path);
struct pwrite_count pwrite_count_stop(void);

#endif
