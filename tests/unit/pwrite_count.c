/* The test binary's own pwrite, which the library, linked statically into
 * it, calls instead of libc's: it counts, then makes the system call. */
#include "config.h"

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <check.h>

#include "pwrite_count.h"

static bool counting;
static dev_t counted_dev;
static ino_t counted_ino;
static struct pwrite_count counted;

void pwrite_count_start(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	counted_dev = st.st_dev;
	counted_ino = st.st_ino;
	counted.calls = 0;
	counted.bytes = 0;
	counting = true;
}

struct pwrite_count pwrite_count_stop(void)
{
	counting = false;
	return counted;
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset)
{
	ssize_t written = syscall(SYS_pwrite64, fd, buf, count, offset);
	struct stat st;

	if (counting && written > 0 && fstat(fd, &st) == 0 &&
	    st.st_dev == counted_dev && st.st_ino == counted_ino) {
		counted.calls++;
		counted.bytes += (size_t)written;
	}
	return written;
}
