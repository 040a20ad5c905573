#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "name.h"
#include "secure.h"
#include "store.h"
#include "store_db.h"
#include "store_files.h"


static bool trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static enum ms_status check_dir(int fd, const char *path, struct ms_error *err)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "%s", path);
	if (!trusted_owner(st.st_uid))
		return ms_fail(err, MS_SYSTEM,
			       "%s: directory owned by uid %u, not root",
			       path, (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return ms_fail(err, MS_SYSTEM,
			       "%s: directory is group- or world-writable",
			       path);
	return MS_OK;
}

/* Only to name the refusal: O_DIRECTORY|O_NOFOLLOW fails on a symlink
 * with ENOTDIR or ELOOP, which says nothing to an administrator. */
static bool is_symlink(const char *path)
{
	int saved = errno;
	struct stat st;
	bool link = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);

	errno = saved;
	return link;
}

static enum ms_status open_dir(const char *path, enum ms_store_mode mode,
			       int *fd_out, struct ms_error *err)
{
	bool created = false;
	enum ms_status status;
	int fd = -1;

	if (mode == MS_STORE_CREATE) {
		if (mkdir(path, 0700) == 0)
			created = true;
		else if (errno != EEXIST)
			return ms_fail_errno(err, MS_SYSTEM, errno,
					     "cannot create %s", path);
	}
	/* The directory itself must not be a symlink: it could be swapped to
	 * point anywhere between two runs. Its parents are the admin's. */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && is_symlink(path))
		return ms_fail(err, MS_SYSTEM, "%s: is a symbolic link", path);
	if (fd < 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "%s", path);
	/* mkdir's mode is filtered by the umask: set it exactly. */
	if (created && fchmod(fd, 0700) != 0) {
		status = ms_fail_errno(err, MS_SYSTEM, errno, "chmod %s", path);
		close(fd);
		return status;
	}
	status = check_dir(fd, path, err);
	if (status != MS_OK) {
		close(fd);
		return status;
	}
	*fd_out = fd;
	return MS_OK;
}

static enum ms_status files_open(const struct ms_settings *settings,
				 enum ms_store_mode mode,
				 struct ms_store *store, struct ms_error *err)
{
	enum ms_status status;

	store->ops = &ms_store_files_ops;
	status = open_dir(settings->users_dir, mode, &store->users_fd, err);
	if (status != MS_OK)
		return status;
	status = open_dir(settings->state_dir, mode, &store->state_fd, err);
	if (status != MS_OK)
		ms_store_close(store);
	return status;
}

enum ms_status ms_store_open(const struct ms_settings *settings,
			     enum ms_store_mode mode, struct ms_store *store,
			     struct ms_error *err)
{
	enum ms_status status;

	store->settings = settings;
	store->ops = NULL;
	store->users_fd = store->state_fd = -1;
	store->db_driver = NULL;
	store->db = NULL;
	if (settings->store != MS_STORE_POSTGRESQL)
		return files_open(settings, mode, store, err);
	status = ms_store_db_open(settings, mode, store, err);
	/* Nothing half open: a caller may try again, or close once more. */
	if (status != MS_OK)
		ms_store_close(store);
	return status;
}

static bool on_database(const struct ms_store *store)
{
	return store->settings &&
	       store->settings->store == MS_STORE_POSTGRESQL;
}

void ms_store_close(struct ms_store *store)
{
	if (on_database(store))
		ms_store_db_close(store);
	if (store->users_fd >= 0)
		close(store->users_fd);
	if (store->state_fd >= 0)
		close(store->state_fd);
	store->users_fd = store->state_fd = -1;
	store->ops = NULL;
	store->db = NULL;
	store->db_driver = NULL;
}

void ms_store_renew(const struct ms_store *store)
{
	if (on_database(store))
		ms_store_db_renew(store);
}

enum ms_status ms_store_names(const struct ms_store *store,
			      ms_store_name_fn *each, void *arg,
			      struct ms_error *err)
{
	return store->ops->names(store, each, arg, err);
}

/* ms_fd_check, leaving in `st` the stat it checked. */
static enum ms_status fd_check_stat(int fd, const char *shown, struct stat *st,
				    struct ms_error *err)
{
	if (fstat(fd, st) != 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "%s", shown);
	if (!S_ISREG(st->st_mode))
		return ms_fail(err, MS_SYSTEM, "%s: not a regular file", shown);
	if (!trusted_owner(st->st_uid))
		return ms_fail(err, MS_SYSTEM, "%s: owned by uid %u, not root",
			       shown, (unsigned)st->st_uid);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return ms_fail(err, MS_SYSTEM,
			       "%s: file is group- or world-writable", shown);
	if (st->st_size > MS_FILE_MAX)
		return ms_fail(err, MS_SYSTEM, "%s: larger than %d bytes",
			       shown, MS_FILE_MAX);
	return MS_OK;
}

enum ms_status ms_fd_check(int fd, const char *shown, struct ms_error *err)
{
	struct stat st;

	return fd_check_stat(fd, shown, &st, err);
}

static enum ms_status open_error(int errnum, const char *shown,
				 struct ms_error *err)
{
	if (errnum == ENOENT)
		return ms_fail(err, MS_NOT_FOUND, "%s: no such file", shown);
	if (errnum == ELOOP)
		return ms_fail(err, MS_SYSTEM, "%s: is a symbolic link", shown);
	return ms_fail_errno(err, MS_SYSTEM, errnum, "%s", shown);
}

/* Opens dir_fd/file read-only and checks it; `st` is what was checked. */
static enum ms_status open_checked(int dir_fd, const char *file,
				   const char *shown, int *fd_out,
				   struct stat *st, struct ms_error *err)
{
	int fd = openat(dir_fd, file, O_RDONLY | MS_OPEN_FLAGS);
	enum ms_status status;

	if (fd < 0)
		return open_error(errno, shown, err);
	status = fd_check_stat(fd, shown, st, err);
	if (status != MS_OK) {
		close(fd);
		return status;
	}
	*fd_out = fd;
	return MS_OK;
}

enum ms_status ms_file_open(int dir_fd, const char *dir, const char *file,
			    int *fd_out, struct ms_error *err)
{
	char shown[MS_SHOWN_MAX];
	struct stat st;

	ms_path_shown(shown, dir, file);
	return open_checked(dir_fd, file, shown, fd_out, &st, err);
}

/* Reads a regular file fstat said was `size` bytes until its end or `cap`
 * bytes. Once `size` bytes are in, a short read is the end: no extra read()
 * returning 0, a syscall fewer for each file a login reads. Before that,
 * only a read returning 0 is (a short read may come early on NFS or FUSE). */
static enum ms_status read_all(int fd, const char *shown, char *buf,
			       size_t size, size_t cap, size_t *len,
			       struct ms_error *err)
{
	size_t got = 0;

	while (got < cap) {
		size_t want = cap - got;
		ssize_t n = read(fd, buf + got, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ms_fail_errno(err, MS_SYSTEM, errno, "read %s",
					     shown);
		if (n == 0)
			break;
		got += (size_t)n;
		if ((size_t)n < want && got >= size)
			break;
	}
	*len = got;
	return MS_OK;
}

/* What read_all got is the whole file, as it was when checked. */
static enum ms_status read_complete(const char *buf, size_t len, size_t size,
				    size_t cap, const char *shown,
				    struct ms_error *err)
{
	if (len == cap)
		return ms_fail(err, MS_SYSTEM, "%s: grew while being read",
			       shown);
	/* Cut short by a writer in place: never taken for the whole file. */
	if (len < size)
		return ms_fail(err, MS_SYSTEM, "%s: shrank while being read",
			       shown);
	if (memchr(buf, '\0', len))
		return ms_fail(err, MS_INVALID, "%s: holds a NUL byte", shown);
	return MS_OK;
}

/* Reads an open, checked file of `size` bytes into a heap buffer of its
 * own size: a login reads two or three small files, and a buffer of the
 * cap, zeroed and wiped each time, was most of the module's own cost. */
static enum ms_status read_sized(int fd, off_t size, const char *shown,
				 char **data, size_t *len, struct ms_error *err)
{
	/* One byte more than fstat said tells a file that grew meanwhile. */
	size_t cap = (size_t)size + 1;
	char *buf = malloc(cap + 1);
	enum ms_status status;

	if (!buf)
		return ms_fail(err, MS_SYSTEM, "%s: out of memory", shown);
	status = read_all(fd, shown, buf, (size_t)size, cap, len, err);
	if (status != MS_OK)
		goto fail;
	status = read_complete(buf, *len, (size_t)size, cap, shown, err);
	if (status != MS_OK)
		goto fail;
	buf[*len] = '\0';
	*data = buf;
	return MS_OK;
fail:
	ms_wipe(buf, cap + 1);
	free(buf);
	return status;
}

static void file_id_of(const struct stat *st, struct ms_file_id *id)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime_sec = st->st_mtim.tv_sec;
	id->mtime_nsec = st->st_mtim.tv_nsec;
	id->ctime_sec = st->st_ctim.tv_sec;
	id->ctime_nsec = st->st_ctim.tv_nsec;
}

static enum ms_status read_checked(int dir_fd, const char *file,
				   const char *shown, char **data, size_t *len,
				   struct ms_file_id *id, struct ms_error *err)
{
	struct stat st;
	enum ms_status status;
	int fd = -1;

	status = open_checked(dir_fd, file, shown, &fd, &st, err);
	if (status != MS_OK)
		return status;
	status = read_sized(fd, st.st_size, shown, data, len, err);
	close(fd);
	if (status == MS_OK && id)
		file_id_of(&st, id);
	return status;
}

enum ms_status ms_file_read(int dir_fd, const char *dir, const char *file,
			    char **data, size_t *len, struct ms_error *err)
{
	return ms_file_read_id(dir_fd, dir, file, data, len, NULL, err);
}

enum ms_status ms_file_read_id(int dir_fd, const char *dir, const char *file,
			       char **data, size_t *len, struct ms_file_id *id,
			       struct ms_error *err)
{
	char shown[MS_SHOWN_MAX];

	ms_path_shown(shown, dir, file);
	return read_checked(dir_fd, file, shown, data, len, id, err);
}

bool ms_file_unchanged(int dir_fd, const char *file,
		       const struct ms_file_id *id)
{
	struct ms_file_id now;
	struct stat st;

	if (id->ino == 0 ||
	    fstatat(dir_fd, file, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(st.st_mode))
		return false;
	file_id_of(&st, &now);
	return now.dev == id->dev && now.ino == id->ino &&
	       now.size == id->size && now.mtime_sec == id->mtime_sec &&
	       now.mtime_nsec == id->mtime_nsec &&
	       now.ctime_sec == id->ctime_sec &&
	       now.ctime_nsec == id->ctime_nsec;
}

enum ms_status ms_file_read_path(const char *path, char **data, size_t *len,
				 struct ms_error *err)
{
	return read_checked(AT_FDCWD, path, path, data, len, NULL, err);
}

enum ms_status ms_file_remove(int dir_fd, const char *dir, const char *file,
			      struct ms_error *err)
{
	char shown[MS_SHOWN_MAX];

	ms_path_shown(shown, dir, file);
	if (unlinkat(dir_fd, file, 0) != 0)
		return open_error(errno, shown, err);
	if (fsync(dir_fd) != 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "fsync %s", dir);
	return MS_OK;
}

static int64_t monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* flock has no timeout, and a signal to interrupt it is not a module's to
 * set: try without blocking, sleeping between tries from 50 µs up to
 * 10 ms (holders keep the lock for microseconds; a waiter is rarely
 * late by more than one sleep). */
static bool flock_within(int fd, int operation, unsigned wait_ms)
{
	int64_t deadline = monotonic_ns() + (int64_t)wait_ms * 1000000;
	struct timespec pause = { 0, 50 * 1000 };

	for (;;) {
		if (flock(fd, operation | LOCK_NB) == 0)
			return true;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return false;
		if (monotonic_ns() >= deadline)
			break;
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 10 * 1000 * 1000)
			pause.tv_nsec *= 2;
	}
	errno = EWOULDBLOCK;
	return false;
}

static enum ms_status lock_file(const struct ms_store *store,
				const char *name, int *lock_fd,
				struct ms_error *err)
{
	const char *dir = store->settings->state_dir;
	char file[MS_FILE_NAME_MAX];
	char shown[MS_SHOWN_MAX];
	enum ms_status status;
	int fd = -1;

	ms_file_name(name, "lock", file, sizeof(file));
	ms_path_shown(shown, dir, file);
	fd = openat(store->state_fd, file, O_RDWR | O_CREAT | MS_OPEN_FLAGS,
		    0600);
	if (fd < 0)
		return open_error(errno, shown, err);
	status = ms_fd_check(fd, shown, err);
	if (status != MS_OK) {
		close(fd);
		return status;
	}
	status = ms_fd_lock(fd, LOCK_EX, shown, err);
	if (status != MS_OK) {
		close(fd);
		return status;
	}
	*lock_fd = fd;
	return MS_OK;
}

enum ms_status ms_fd_lock(int fd, int operation, const char *shown,
			  struct ms_error *err)
{
	if (flock_within(fd, operation, MS_LOCK_WAIT_MS))
		return MS_OK;
	return errno == EWOULDBLOCK
		? ms_fail(err, MS_SYSTEM,
			  "lock %s: still held by another process after %u s",
			  shown, MS_LOCK_WAIT_MS / 1000)
		: ms_fail_errno(err, MS_SYSTEM, errno, "lock %s", shown);
}

enum ms_status ms_files_lock(const struct ms_store *store, const char *name,
			     bool existing, int *lock_fd, struct ms_error *err)
{
	enum ms_status status =
		existing ? ms_files_record_exists(store, name, err) : MS_OK;

	if (status == MS_NOT_FOUND)
		return ms_fail(err, MS_NOT_FOUND, "%s: no such mailbox", name);
	if (status != MS_OK)
		return status;
	return lock_file(store, name, lock_fd, err);
}

enum ms_status ms_files_unlock(const struct ms_store *store, int lock_fd,
			       struct ms_error *err)
{
	(void)store;
	(void)err;
	if (lock_fd >= 0)
		close(lock_fd); /* releases the flock */
	return MS_OK;
}

enum ms_status ms_store_lock(const struct ms_store *store, const char *name,
			     int *lock_fd, struct ms_error *err)
{
	return store->ops->lock(store, name, false, lock_fd, err);
}

enum ms_status ms_store_unlock(const struct ms_store *store, int lock_fd,
			       struct ms_error *err)
{
	return store->ops->unlock(store, lock_fd, err);
}

void ms_path_shown(char out[MS_SHOWN_MAX], const char *dir, const char *file)
{
	int len = snprintf(out, MS_SHOWN_MAX, "%s/%s", dir, file);

	if (len < 0)
		out[0] = '\0';
}

_Static_assert(MS_FILE_NAME_MAX - 1 <= 255,
	       "a mailbox's file name fits in one directory entry");

void ms_file_name(const char *name, const char *suffix, char *out,
		  size_t size)
{
	snprintf(out, size, "%s.%s", name, suffix);
}

bool ms_file_name_parse(const char *file, const char *suffix, char *name,
			size_t size)
{
	size_t len = strlen(file), suffix_len = strlen(suffix);
	char given[MS_NAME_MAX + 1];

	if (len < suffix_len + 2 || len - suffix_len - 1 > MS_NAME_MAX ||
	    file[len - suffix_len - 1] != '.' ||
	    strcmp(file + len - suffix_len, suffix) != 0)
		return false;
	memcpy(given, file, len - suffix_len - 1);
	given[len - suffix_len - 1] = '\0';
	/* Only canonical names: "Alice.conf" is not a record. */
	if (!ms_name_is_canonical(given) || strlen(given) >= size)
		return false;
	strcpy(name, given);
	return true;
}
