#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

struct th_fixture th;

/* Made by the runner before any test process forks, so that every test's
 * directory, those of failed tests included, is inside it. */
static char run_dir[PATH_MAX - 128];

/* Generous: a yescrypt hash under valgrind takes seconds. */
#define TCASE_TIMEOUT 120

/* The names of the tests th_skip left out, for th_run_end. */
static char skipped[512];
static unsigned n_skipped;

int th_run_begin(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(run_dir, sizeof(run_dir), "%s/mailsec-unit-XXXXXX",
		 tmp && tmp[0] == '/' ? tmp : "/tmp");
	if (mkdtemp(run_dir))
		return 0;
	perror("mkdtemp");
	run_dir[0] = '\0';
	return -1;
}

void th_skip(const char *test, const char *why)
{
	size_t used = strlen(skipped);

	fprintf(stderr, "SKIP: %s: %s\n", test, why);
	snprintf(skipped + used, sizeof(skipped) - used, "%s%s",
		 n_skipped ? ", " : "", test);
	n_skipped++;
}

void th_run_end(void)
{
	if (n_skipped)
		fprintf(stderr, "SKIP: %u test(s) not run: %s\n", n_skipped,
			skipped);
	if (run_dir[0])
		th_remove_tree(run_dir);
	run_dir[0] = '\0';
}

void th_dir_setup(void)
{
	ck_assert_msg(run_dir[0], "th_run_begin not called");
	memset(&th, 0, sizeof(th));
	th.store.users_fd = th.store.state_fd = -1;
	snprintf(th.dir, sizeof(th.dir), "%s/t-XXXXXX", run_dir);
	ck_assert_msg(mkdtemp(th.dir), "mkdtemp: %s", strerror(errno));
}

void th_dir_teardown(void)
{
	if (th.dir[0])
		th_remove_tree(th.dir);
	th.dir[0] = '\0';
}

void th_store_setup(void)
{
	struct ms_error err = { 0 };

	th_dir_setup();
	ms_settings_defaults(&th.settings);
	th_path(th.users, sizeof(th.users), th.dir, "users");
	th_path(th.state, sizeof(th.state), th.dir, "state");
	strcpy(th.settings.users_dir, th.users);
	strcpy(th.settings.state_dir, th.state);
	/* MS_STORE_CREATE makes both directories, as mailsecctl does. */
	ck_assert_msg(ms_store_open(&th.settings, MS_STORE_CREATE, &th.store,
				    &err) == MS_OK,
		      "ms_store_open: %s", err.msg);
}

void th_store_teardown(void)
{
	ms_store_close(&th.store);
	th_dir_teardown();
}

TCase *th_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, TCASE_TIMEOUT);
	return tc;
}

TCase *th_tcase_dir(const char *name)
{
	TCase *tc = th_tcase(name);

	tcase_add_checked_fixture(tc, th_dir_setup, th_dir_teardown);
	return tc;
}

TCase *th_tcase_store(const char *name)
{
	TCase *tc = th_tcase(name);

	tcase_add_checked_fixture(tc, th_store_setup, th_store_teardown);
	return tc;
}

void th_path(char *out, size_t size, const char *dir, const char *file)
{
	int n = snprintf(out, size, "%s/%s", dir, file);

	ck_assert_msg(n > 0 && (size_t)n < size, "path too long: %s", file);
}

void th_write(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		      0600);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_msg(write(fd, data, len) == (ssize_t)len, "write %s", path);
	/* fchmod: the umask must not decide what a test sets up. */
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(close(fd), 0);
}

void th_write_str(const char *path, const char *text, mode_t mode)
{
	th_write(path, text, strlen(text), mode);
}

char *th_read(const char *path, size_t *len)
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

mode_t th_mode(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

unsigned th_count_prefix(const char *dir, const char *prefix)
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

bool th_has(const char *text, const char *part)
{
	return strstr(text, part) != NULL;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	return remove(path);
}

void th_remove_tree(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

double th_seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}
