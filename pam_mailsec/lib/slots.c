#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "slots.h"
#include "store_files.h"

static bool all_zero(const unsigned char *bytes, size_t len)
{
	unsigned char any = 0;

	for (size_t i = 0; i < len; i++)
		any |= bytes[i];
	return any == 0;
}

enum ms_status ms_slots_read(int fd, const char *shown, const char *what,
			     size_t size, unsigned char *both,
			     ms_slot_check_fn *check, int *newest,
			     struct ms_error *err)
{
	uint64_t seq[2] = { 0, 0 };
	uint32_t version[2] = { 0, 0 };
	bool valid[2];
	ssize_t got = pread(fd, both, 2 * size, 0);

	if (got < 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "read %s", shown);
	memset(both + got, 0, 2 * size - (size_t)got);
	for (int i = 0; i < 2; i++) {
		enum ms_slot_kind kind = check(both + i * size, &version[i],
					       &seq[i]);

		/* A newer format (after a downgrade) may hold lockouts and
		 * used recovery codes this code cannot read. */
		if (kind == MS_SLOT_UNKNOWN_VERSION)
			return ms_fail(err, MS_INVALID,
				       "%s: %s format %u is not known to this "
				       "version", shown, what,
				       (unsigned)version[i]);
		valid[i] = kind == MS_SLOT_VALID;
	}
	if (valid[0] || valid[1]) {
		*newest = valid[0] && valid[1] ? seq[1] > seq[0] : valid[1];
		return MS_OK;
	}
	*newest = -1;
	if (all_zero(both, size))
		return MS_OK;
	return ms_fail(err, MS_INVALID, "%s: corrupt %s", shown, what);
}

enum ms_status ms_slots_write(int fd, const char *shown,
			      const unsigned char *slot, size_t size,
			      uint64_t seq, struct ms_error *err)
{
	ssize_t written = pwrite(fd, slot, size, (off_t)(seq % 2) * (off_t)size);

	if (written < 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "write %s", shown);
	if ((size_t)written != size)
		return ms_fail(err, MS_SYSTEM, "write %s: short write", shown);
	return MS_OK;
}

/* The result of an openat into *fd, checked. */
static enum ms_status opened(int *fd, const char *shown, struct ms_error *err)
{
	enum ms_status status;

	if (*fd < 0)
		return errno == ELOOP
			? ms_fail(err, MS_SYSTEM, "%s: is a symbolic link", shown)
			: ms_fail_errno(err, MS_SYSTEM, errno, "%s", shown);
	status = ms_fd_check(*fd, shown, err);
	if (status != MS_OK) {
		close(*fd);
		*fd = -1;
	}
	return status;
}

static int open_rw(const struct ms_store *store, const char *file, int create)
{
	return openat(store->state_fd, file, O_RDWR | create | MS_OPEN_FLAGS,
		      0600);
}

enum ms_status ms_slots_open_rw(const struct ms_store *store,
				const char *file, char shown[MS_SHOWN_MAX],
				int *fd, struct ms_error *err)
{
	ms_path_shown(shown, store->settings->state_dir, file);
	/* Without O_CREAT first: the file is there for all but a mailbox's
	 * first write, and the kernel then need not lock the directory. */
	*fd = open_rw(store, file, 0);
	if (*fd < 0 && errno == ENOENT)
		*fd = open_rw(store, file, O_CREAT);
	return opened(fd, shown, err);
}

/* The record is looked at again once the file is made: a remove takes the
 * record first and this file next, so a file made after the remove took
 * it sees the record gone, and goes. */
static enum ms_status create_of_mailbox(const struct ms_store *store,
					const char *name, const char *file,
					int *fd, struct ms_error *err)
{
	enum ms_status status = ms_files_record_exists(store, name, err);

	if (status == MS_OK) {
		*fd = open_rw(store, file, O_CREAT);
		if (*fd < 0 ||
		    ms_files_record_exists(store, name, err) != MS_NOT_FOUND)
			return MS_OK;
		unlinkat(store->state_fd, file, 0);
		close(*fd);
		*fd = -1;
		status = MS_NOT_FOUND;
	}
	if (status == MS_NOT_FOUND)
		return ms_fail(err, MS_NOT_FOUND, "%s: no such mailbox", name);
	return status;
}

enum ms_status ms_slots_open_rw_of(const struct ms_store *store,
				   const char *name, const char *file,
				   char shown[MS_SHOWN_MAX], int *fd,
				   struct ms_error *err)
{
	enum ms_status status;

	ms_path_shown(shown, store->settings->state_dir, file);
	*fd = open_rw(store, file, 0);
	if (*fd < 0 && errno == ENOENT) {
		status = create_of_mailbox(store, name, file, fd, err);
		if (status != MS_OK)
			return status;
	}
	return opened(fd, shown, err);
}
