/* Where mailbox files live, and how they are opened, locked and replaced.
 *
 * Every file is reached through a descriptor on its directory (openat with
 * O_NOFOLLOW), checked with fstat on the descriptor, and refused unless it is
 * a regular file owned by root or the running euid, not group/world
 * writable, and under a size cap. */
#ifndef MAILSEC_STORE_H
#define MAILSEC_STORE_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "settings.h"

#define MS_FILE_MAX (64 * 1024)

/* How every mailbox file is opened, besides its access mode. */
#define MS_OPEN_FLAGS (O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK)

struct ms_store_ops;
struct ms_db_driver;
struct ms_db;

struct ms_store {
	const struct ms_settings *settings;
	/* store_ops.h: the file store's or the database's */
	const struct ms_store_ops *ops;
	int users_fd; /* users_dir: records; -1 on the database */
	int state_fd; /* state_dir: runtime state and lock files; -1 likewise */
	/* store = "postgresql": the loaded driver and this use of the
	 * process's connection (db_driver.h); NULL on files. */
	const struct ms_db_driver *db_driver;
	struct ms_db *db;
};

enum ms_store_mode {
	MS_STORE_READ,   /* directories must exist */
	MS_STORE_CREATE, /* a missing last path component is made, 0700 */
	MS_STORE_LOGIN,  /* as READ, for the module: on the database, its
			  * role (postgresql.conninfo, no synchronous
			  * commit); mailsecctl's modes use admin_conninfo */
};

/* Called for each mailbox name by ms_store_names; an error stops it. */
typedef enum ms_status ms_store_name_fn(const char *name, void *arg,
					struct ms_error *err);

/* Every mailbox that has a record, in byte order of its name. */
enum ms_status ms_store_names(const struct ms_store *store,
			      ms_store_name_fn *each, void *arg,
			      struct ms_error *err);

/* A new deadline for the database's calls from now (db_driver.h): for a
 * command that works through many mailboxes. Nothing on files. */
void ms_store_renew(const struct ms_store *store);

/* The store mailsec.conf's `store` names (store_ops.h). On failure
 * nothing is left open. */
enum ms_status ms_store_open(const struct ms_settings *settings,
			     enum ms_store_mode mode, struct ms_store *store,
			     struct ms_error *err);
/* Also on a store whose open failed, or one closed already. */
void ms_store_close(struct ms_store *store);

/* How long ms_store_lock waits for another holder. A stalled holder (a
 * stopped mailsecctl, a hung file server) then costs each login this long
 * and a refusal, rather than a mail server's auth worker forever. */
#define MS_LOCK_WAIT_MS 3000

/* The per-mailbox lock: an flock on state_dir/NAME.lock, a file that is
 * never deleted (so two holders can never lock different inodes). Waits
 * at most MS_LOCK_WAIT_MS, then fails with MS_SYSTEM. On the database,
 * the lock of the mailbox's row in a transaction (db_driver.h), waited
 * for until postgresql.timeout runs out. */
enum ms_status ms_store_lock(const struct ms_store *store, const char *name,
			     int *lock_fd, struct ms_error *err);
/* Releases the lock; on the database, commits what was written under it
 * (always: a refused code's count must stay, as it does in a file). A
 * failed commit is MS_SYSTEM, and nothing written under the lock was
 * kept. */
enum ms_status ms_store_unlock(const struct ms_store *store, int lock_fd,
			       struct ms_error *err);

/* flock(2) `operation` (LOCK_EX, LOCK_SH) on an open file, waiting as
 * ms_store_lock does; `shown` names the file in the error. For a file
 * that is its own lock: written in place, never replaced. */
enum ms_status ms_fd_lock(int fd, int operation, const char *shown,
			  struct ms_error *err);

/* Checks an open descriptor as described above; `shown` names the file in
 * the error. */
enum ms_status ms_fd_check(int fd, const char *shown, struct ms_error *err);

/* Opens dir_fd/file read-only and safely. MS_NOT_FOUND when absent. */
enum ms_status ms_file_open(int dir_fd, const char *dir, const char *file,
			    int *fd, struct ms_error *err);

/* Reads the whole of dir_fd/file into a NUL-terminated heap buffer that the
 * caller wipes and frees. MS_NOT_FOUND when absent; MS_INVALID when it holds
 * a NUL byte. */
enum ms_status ms_file_read(int dir_fd, const char *dir, const char *file,
			    char **data, size_t *len, struct ms_error *err);

/* Which file a read read: files are only ever replaced by a rename, so
 * any change makes another inode, and an edit in place another mtime. */
struct ms_file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_sec;
	long mtime_nsec;
	/* A rename sets it too: a new file that reuses a freed inode, of the
	 * same size, within one mtime tick, still differs here. */
	int64_t ctime_sec;
	long ctime_nsec;
};

/* ms_file_read, and the file's identity into *id. */
enum ms_status ms_file_read_id(int dir_fd, const char *dir, const char *file,
			       char **data, size_t *len, struct ms_file_id *id,
			       struct ms_error *err);

/* Whether dir_fd/file (AT_FDCWD and a path too) is still the file `id`
 * names: one fstatat, never through a symbolic link. False when it is gone,
 * replaced or changed, and for an all-zero `id`. */
bool ms_file_unchanged(int dir_fd, const char *file,
		       const struct ms_file_id *id);

/* ms_file_read of a path: its last component must not be a symlink, its
 * parents are the admin's. */
enum ms_status ms_file_read_path(const char *path, char **data, size_t *len,
				 struct ms_error *err);

/* Atomically replaces dir_fd/file by `data` (replace.c): an unnamed temp
 * file in the same directory (O_TMPFILE), 0600, written and synced, then
 * named .tmp-HASH (HASH: of the file's name) and renamed over the file, and
 * the directory synced. On failure the old file is untouched and no temp
 * file is left, but for the last step: when fsync of the directory fails,
 * the new file is in place and MS_SYSTEM says that it may not survive a
 * crash. Call under the lock. A name only ever shows a complete file; a
 * process killed between naming and renaming leaves that one .tmp-* file,
 * which no reader looks at and the next replace of the file removes. Where
 * the file system has no O_TMPFILE, or there is no /proc to name it
 * through, the temp file is named .tmp-RANDOM from the start, and a killed
 * process may leave it, partial. */
enum ms_status ms_file_replace(int dir_fd, const char *dir, const char *file,
			       const char *data, size_t len,
			       struct ms_error *err);

/* Like ms_file_replace, but never replaces: MS_EXISTS when the file is
 * already there (the first of racing creators wins). Needs no lock: its
 * temp file is named .tmp-RANDOM. */
enum ms_status ms_file_create(int dir_fd, const char *dir, const char *file,
			      const char *data, size_t len,
			      struct ms_error *err);

/* Unlinks dir_fd/file and fsyncs the directory. MS_NOT_FOUND when absent. */
enum ms_status ms_file_remove(int dir_fd, const char *dir, const char *file,
			      struct ms_error *err);

/* "DIR/FILE" for messages; cut short, never overflowing, when too long. */
#define MS_SHOWN_MAX (PATH_MAX + 300)
void ms_path_shown(char out[MS_SHOWN_MAX], const char *dir, const char *file);

/* NAME + "." + suffix ("conf", "state", "lock") into `out`, of
 * MS_FILE_NAME_MAX bytes for any valid NAME. */
void ms_file_name(const char *name, const char *suffix, char *out,
		  size_t size);

/* Whether `file` (a directory entry) is "NAME.suffix" for a valid NAME;
 * when so, copies NAME to `name`. */
bool ms_file_name_parse(const char *file, const char *suffix, char *name,
			size_t size);

#endif
