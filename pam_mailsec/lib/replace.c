/* Atomic replacement of a mailbox file: temp file, fsync, rename, fsync of
 * the directory (store.h, ms_file_replace). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "store.h"

#define TEMP_NAME_MAX 48

struct temp {
	int fd;
	char name[TEMP_NAME_MAX]; /* "" while the file has no name */
};

static enum ms_status write_all(int fd, const char *shown, const char *data,
				size_t len, struct ms_error *err)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ms_fail_errno(err, MS_SYSTEM, errno, "write %s",
					     shown);
		data += n;
		len -= (size_t)n;
	}
	return MS_OK;
}

/* The temp name of `file` for writers serialised by its lock: the next
 * write of the file then finds what a killed one left. A hash keeps it
 * short, as NAME.conf may fill a whole directory entry. */
static void temp_name_of(const char *file, char name[TEMP_NAME_MAX])
{
	unsigned char hash[16];
	char hex[2 * sizeof(hash) + 1];

	crypto_generichash(hash, sizeof(hash), (const unsigned char *)file,
			   strlen(file), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	snprintf(name, TEMP_NAME_MAX, ".tmp-%s", hex);
}

static enum ms_status temp_name_random(char name[TEMP_NAME_MAX],
				       struct ms_error *err)
{
	unsigned char rnd[8];
	char hex[2 * sizeof(rnd) + 1];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return ms_fail_errno(err, MS_SYSTEM, errno, "getrandom");
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	snprintf(name, TEMP_NAME_MAX, ".tmp-%s", hex);
	return MS_OK;
}

/* An unnamed file gets its name through /proc/self/fd (temp_link). */
static bool proc_fd_there(void)
{
	return access("/proc/self/fd", X_OK) == 0;
}

/* An unnamed file in the directory; where the file system has no
 * O_TMPFILE (overlayfs before Linux 6.6, NFS) or there is no /proc (a
 * chroot), a new file of random name. */
static enum ms_status temp_open(int dir_fd, const char *dir, struct temp *t,
				struct ms_error *err)
{
	t->name[0] = '\0';
	if (proc_fd_there()) {
		t->fd = openat(dir_fd, ".", O_TMPFILE | O_WRONLY | MS_OPEN_FLAGS,
			       0600);
	} else {
		t->fd = -1;
		errno = EOPNOTSUPP; /* set after access() set its own */
	}
	if (t->fd < 0 &&
	    (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		enum ms_status status = temp_name_random(t->name, err);

		if (status != MS_OK)
			return status;
		t->fd = openat(dir_fd, t->name,
			       O_WRONLY | O_CREAT | O_EXCL | MS_OPEN_FLAGS,
			       0600);
	}
	if (t->fd < 0) {
		t->name[0] = '\0';
		return ms_fail_errno(err, MS_SYSTEM, errno,
				     "cannot create a temporary file in %s",
				     dir);
	}
	return MS_OK;
}

static enum ms_status temp_fill(const struct temp *t, const char *shown,
				const char *data, size_t len,
				struct ms_error *err)
{
	enum ms_status status;

	/* The umask may have narrowed or the O_CREAT mode been ignored. */
	if (fchmod(t->fd, 0600) != 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "chmod %s", shown);
	status = write_all(t->fd, shown, data, len, err);
	if (status != MS_OK)
		return status;
	if (fsync(t->fd) != 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "fsync %s", shown);
	return MS_OK;
}

/* Names the written, synced unnamed file, so that it can be renamed: the
 * name never shows a partial file. A locked writer first removes what a
 * killed one left under the file's temp name. */
static enum ms_status temp_link(int dir_fd, const char *dir, const char *file,
				bool locked, struct temp *t,
				struct ms_error *err)
{
	char proc[32];
	enum ms_status status;

	if (t->name[0])
		return MS_OK; /* named from the start */
	if (locked) {
		temp_name_of(file, t->name);
		(void)unlinkat(dir_fd, t->name, 0);
	} else {
		status = temp_name_random(t->name, err);
		if (status != MS_OK) {
			t->name[0] = '\0';
			return status;
		}
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t->fd);
	if (linkat(AT_FDCWD, proc, dir_fd, t->name, AT_SYMLINK_FOLLOW) != 0) {
		t->name[0] = '\0';
		return ms_fail_errno(err, MS_SYSTEM, errno,
				     "cannot name a temporary file in %s", dir);
	}
	return MS_OK;
}

/* The data into the temp file, which then gets a name. */
static enum ms_status temp_write(int dir_fd, const char *dir, const char *file,
				 bool locked, struct temp *t, const char *shown,
				 const char *data, size_t len,
				 struct ms_error *err)
{
	enum ms_status status = temp_fill(t, shown, data, len, err);

	if (status != MS_OK)
		return status;
	return temp_link(dir_fd, dir, file, locked, t, err);
}

static enum ms_status put_file(int dir_fd, const char *dir, const char *file,
			       const char *data, size_t len,
			       unsigned rename_flags, struct ms_error *err)
{
	/* Replaces run under the mailbox's lock; creations (the host key)
	 * race by design. */
	bool locked = !(rename_flags & RENAME_NOREPLACE);
	char shown[MS_SHOWN_MAX];
	struct temp t;
	enum ms_status status;

	ms_path_shown(shown, dir, file);
	status = temp_open(dir_fd, dir, &t, err);
	if (status != MS_OK)
		return status;
	status = temp_write(dir_fd, dir, file, locked, &t, shown, data, len,
			    err);
	/* Closed whatever happened; the first failure is the one told. */
	if (close(t.fd) != 0 && status == MS_OK)
		status = ms_fail_errno(err, MS_SYSTEM, errno, "close %s",
				       shown);
	if (status != MS_OK)
		goto discard;
	if (renameat2(dir_fd, t.name, dir_fd, file, rename_flags) != 0) {
		status = errno == EEXIST
			? ms_fail(err, MS_EXISTS, "%s: already exists", shown)
			: ms_fail_errno(err, MS_SYSTEM, errno, "rename into %s",
					shown);
		goto discard;
	}
	if (fsync(dir_fd) != 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "fsync %s", dir);
	return MS_OK;
discard:
	if (t.name[0])
		unlinkat(dir_fd, t.name, 0);
	return status;
}

enum ms_status ms_file_replace(int dir_fd, const char *dir, const char *file,
			       const char *data, size_t len,
			       struct ms_error *err)
{
	return put_file(dir_fd, dir, file, data, len, 0, err);
}

enum ms_status ms_file_create(int dir_fd, const char *dir, const char *file,
			      const char *data, size_t len,
			      struct ms_error *err)
{
	return put_file(dir_fd, dir, file, data, len, RENAME_NOREPLACE, err);
}
