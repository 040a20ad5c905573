#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "files.h"

void ts_path(char *out, size_t size, const char *dir, const char *name,
	     const char *suffix)
{
	int n = snprintf(out, size, "%s/%s%s%s", dir, name, suffix ? "." : "",
			 suffix ? suffix : "");

	ck_assert_msg(n > 0 && (size_t)n < size, "path too long: %s", name);
}

void ts_write(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path,
		      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_msg(write(fd, data, len) == (ssize_t)len, "write %s", path);
	/* fchmod: the umask must not decide what a test sets up. */
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
}

void ts_write_str(const char *path, const char *text, mode_t mode)
{
	ts_write(path, text, strlen(text), mode);
}

char *ts_read(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	got = read(fd, buf, (size_t)st.st_size);
	close(fd);
	ck_assert_msg(got == st.st_size, "short read of %s", path);
	buf[got] = '\0';
	if (len)
		*len = (size_t)got;
	return buf;
}

mode_t ts_mode(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

unsigned ts_count_prefix(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *entry;
	unsigned count = 0;

	ck_assert_msg(d != NULL, "opendir %s: %s", dir, strerror(errno));
	while ((entry = readdir(d)) != NULL)
		if (strncmp(entry->d_name, prefix, strlen(prefix)) == 0)
			count++;
	closedir(d);
	return count;
}
