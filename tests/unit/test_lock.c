/* The store's directories and its per-mailbox lock (flock on
 * state_dir/NAME.lock). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "record.h"
#include "store.h"
#include "suites.h"

#define NAME "alice@example.com"

/* th.dir/users and th.dir/state in th.settings, not yet made. */
static void dirs_settings(void)
{
	ms_settings_defaults(&th.settings);
	ts_path(th.users, sizeof(th.users), th.dir, "users", NULL);
	ts_path(th.state, sizeof(th.state), th.dir, "state", NULL);
	strcpy(th.settings.users_dir, th.users);
	strcpy(th.settings.state_dir, th.state);
}

START_TEST(create_makes_0700_dirs_whatever_the_umask)
{
	struct ms_error err = { 0 };
	mode_t old;
	enum ms_status status;

	dirs_settings();
	old = umask(0);
	status = ms_store_open(&th.settings, MS_STORE_CREATE, &th.store, &err);
	umask(old);
	ck_assert_msg(status == MS_OK, "%s", err.msg);
	ck_assert_uint_eq(ts_mode(th.users), 0700);
	ck_assert_uint_eq(ts_mode(th.state), 0700);
	ms_store_close(&th.store);
	ck_assert_int_eq(th.store.users_fd, -1);
	ck_assert_int_eq(th.store.state_fd, -1);
}
END_TEST

START_TEST(read_mode_needs_existing_dirs)
{
	struct ms_error err = { 0 };

	dirs_settings();
	ck_assert_int_eq(ms_store_open(&th.settings, MS_STORE_READ, &th.store,
				       &err),
			 MS_SYSTEM);
	ck_assert(th_has(err.msg, th.users));
	/* Reading never makes anything. */
	ck_assert_uint_eq(ts_mode(th.users), (mode_t)-1);
	ck_assert_int_eq(th.store.users_fd, -1);
}
END_TEST

START_TEST(writable_dir_is_refused)
{
	struct ms_error err = { 0 };

	dirs_settings();
	ck_assert_int_eq(mkdir(th.users, 0700), 0);
	ck_assert_int_eq(mkdir(th.state, 0700), 0);
	ck_assert_int_eq(chmod(th.state, 0770), 0);
	ck_assert_int_eq(ms_store_open(&th.settings, MS_STORE_READ, &th.store,
				       &err),
			 MS_SYSTEM);
	ck_assert_msg(th_has(err.msg, "writable"), "%s", err.msg);
	ck_assert_int_eq(th.store.users_fd, -1);
}
END_TEST

START_TEST(foreign_dir_is_refused)
{
	struct ms_error err = { 0 };

	/* Only root can give a directory away. */
	dirs_settings();
	ck_assert_int_eq(mkdir(th.users, 0700), 0);
	ck_assert_int_eq(mkdir(th.state, 0700), 0);
	ck_assert_int_eq(chown(th.users, 65534, 65534), 0);
	ck_assert_int_eq(ms_store_open(&th.settings, MS_STORE_READ, &th.store,
				       &err),
			 MS_SYSTEM);
	ck_assert_msg(th_has(err.msg, "owned by uid 65534"), "%s", err.msg);
}
END_TEST

TCase *tcase_store_dirs(void)
{
	TCase *tc = th_tcase_dir("dirs");

	tcase_add_test(tc, create_makes_0700_dirs_whatever_the_umask);
	tcase_add_test(tc, read_mode_needs_existing_dirs);
	tcase_add_test(tc, writable_dir_is_refused);
	ts_add_root_test(tc, foreign_dir_is_refused);
	return tc;
}

/* flock LOCK_NB on a separate open of state_dir/NAME.lock: whether another
 * holder could take the lock now. */
static bool lock_free(void)
{
	char path[PATH_MAX];
	int fd, rc;

	ts_path(path, sizeof(path), th.state, NAME ".lock", NULL);
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	rc = flock(fd, LOCK_EX | LOCK_NB);
	ck_assert_msg(rc == 0 || errno == EWOULDBLOCK, "flock: %s",
		      strerror(errno));
	close(fd);
	return rc == 0;
}

START_TEST(lock_excludes_others)
{
	struct ms_error err = { 0 };
	int fd = -1;

	ck_assert_msg(ms_store_lock(&th.store, NAME, &fd, &err) == MS_OK, "%s",
		      err.msg);
	ck_assert(!lock_free());
	ms_store_unlock(&th.store, fd, &err);
	ck_assert(lock_free());
}
END_TEST

START_TEST(lock_file_stays_in_state_dir)
{
	char path[PATH_MAX];
	struct ms_error err = { 0 };
	int fd = -1;

	ck_assert_int_eq(ms_store_lock(&th.store, NAME, &fd, &err), MS_OK);
	ms_store_unlock(&th.store, fd, &err);
	/* Never deleted: two holders must never lock different inodes. */
	ts_path(path, sizeof(path), th.state, NAME ".lock", NULL);
	ck_assert_uint_eq(ts_mode(path), 0600);
	ts_path(path, sizeof(path), th.users, NAME ".lock", NULL);
	ck_assert_uint_eq(ts_mode(path), (mode_t)-1);
	/* Taking it again reuses the file. */
	ck_assert_int_eq(ms_store_lock(&th.store, NAME, &fd, &err), MS_OK);
	ms_store_unlock(&th.store, fd, &err);
	ck_assert_uint_eq(ts_count_prefix(th.state, NAME), 1);
}
END_TEST

/* A name without a record leaves no lock file behind. */
START_TEST(record_lock_needs_a_record)
{
	char path[PATH_MAX];
	struct ms_error err = { 0 };
	int fd = -1;

	ck_assert_int_eq(ms_record_lock(&th.store, NAME, &fd, &err),
			 MS_NOT_FOUND);
	ck_assert(th_has(err.msg, "no such mailbox"));
	ck_assert_int_eq(fd, -1);
	ck_assert_uint_eq(ts_count_prefix(th.state, NAME), 0);
	ts_path(path, sizeof(path), th.users, NAME ".conf", NULL);
	ts_write_str(path, "version = 1;\n", 0600);
	ck_assert_int_eq(ms_record_lock(&th.store, NAME, &fd, &err), MS_OK);
	ms_store_unlock(&th.store, fd, &err);
	ck_assert_uint_eq(ts_count_prefix(th.state, NAME), 1);
}
END_TEST

START_TEST(lock_refuses_symlink)
{
	char link[PATH_MAX], target[PATH_MAX];
	struct ms_error err = { 0 };
	int fd = -1;

	ts_path(link, sizeof(link), th.state, NAME ".lock", NULL);
	ts_path(target, sizeof(target), th.dir, "elsewhere", NULL);
	ck_assert_int_eq(symlink(target, link), 0);
	ck_assert_int_eq(ms_store_lock(&th.store, NAME, &fd, &err), MS_SYSTEM);
	ck_assert_int_eq(fd, -1);
	/* O_CREAT did not follow the link either. */
	ck_assert_uint_eq(ts_mode(target), (mode_t)-1);
}
END_TEST

/* Whether `fd` becomes readable within `ms` milliseconds. */
static bool readable_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int rc;

	do
		rc = poll(&p, 1, ms);
	while (rc < 0 && errno == EINTR);
	return rc > 0;
}

/* In a child: waits for "go", takes the lock, reports, lets go. */
static void lock_child(int go_fd, int done_fd)
{
	struct ms_error err = { 0 };
	char c;
	int fd = -1;

	if (read(go_fd, &c, 1) != 1)
		_exit(2);
	if (ms_store_lock(&th.store, NAME, &fd, &err) != MS_OK)
		_exit(3);
	if (write(done_fd, "L", 1) != 1)
		_exit(4);
	ms_store_unlock(&th.store, fd, &err);
	_exit(0);
}

START_TEST(lock_blocks_another_process)
{
	struct ms_error err = { 0 };
	int go[2], done[2], fd = -1, wstatus = 0;
	bool blocked, acquired;
	pid_t pid;

	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(done), 0);
	/* Forked before the lock is taken, so the child holds no copy of
	 * our lock descriptor (that would keep the flock after our unlock). */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(go[1]);
		close(done[0]);
		lock_child(go[0], done[1]);
	}
	close(go[0]);
	close(done[1]);
	ck_assert_int_eq(ms_store_lock(&th.store, NAME, &fd, &err), MS_OK);
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	blocked = !readable_within(done[0], 300);
	ms_store_unlock(&th.store, fd, &err);
	acquired = readable_within(done[0], 20000);
	if (!acquired)
		kill(pid, SIGKILL);
	waitpid(pid, &wstatus, 0);
	close(go[1]);
	close(done[0]);
	ck_assert_msg(blocked, "the child took a lock we held");
	ck_assert_msg(acquired, "the child never got the lock we let go");
	ck_assert(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
}
END_TEST

/* A holder that never lets go (a stopped mailsecctl, a hung file server):
 * the wait ends after MS_LOCK_WAIT_MS with an error, never hangs. */
START_TEST(lock_wait_is_bounded)
{
	struct ms_error err = { 0 };
	char path[PATH_MAX];
	struct timespec start;
	double waited;
	int holder, fd = -1;

	ts_path(path, sizeof(path), th.state, NAME ".lock", NULL);
	holder = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	ck_assert_int_ge(holder, 0);
	ck_assert_int_eq(flock(holder, LOCK_EX), 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	ck_assert_int_eq(ms_store_lock(&th.store, NAME, &fd, &err), MS_SYSTEM);
	waited = th_seconds_since(&start);
	ck_assert_int_eq(fd, -1);
	ck_assert_msg(th_has(err.msg, "still held by another process"), "%s",
		      err.msg);
	ck_assert_msg(waited >= MS_LOCK_WAIT_MS / 1000.0 - 0.01 &&
			      waited < MS_LOCK_WAIT_MS / 1000.0 + 2,
		      "waited %.2f s", waited);
	close(holder);
	ck_assert_int_eq(ms_store_lock(&th.store, NAME, &fd, &err), MS_OK);
	ms_store_unlock(&th.store, fd, &err);
}
END_TEST

TCase *tcase_store_lock(void)
{
	TCase *tc = th_tcase_store("lock");

	ts_add_files_test(tc, lock_excludes_others);
	ts_add_files_test(tc, lock_file_stays_in_state_dir);
	ts_add_files_test(tc, record_lock_needs_a_record);
	ts_add_files_test(tc, lock_refuses_symlink);
	tcase_add_test(tc, lock_blocks_another_process);
	ts_add_files_test(tc, lock_wait_is_bounded);
	return tc;
}
