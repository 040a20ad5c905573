/* A private store for the targets that read and write a mailbox's state:
 * made once per process in $TMPDIR (0700 directories of the running user,
 * as the store's checks want), removed at exit. */
#ifndef MAILSEC_FUZZ_STORE_H
#define MAILSEC_FUZZ_STORE_H

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "fuzz.h"
#include "settings.h"
#include "store.h"

static char fuzz_dir[PATH_MAX];
static char fuzz_state_path[PATH_MAX + 300];
static char fuzz_lock_path[PATH_MAX + 300];
static char fuzz_journal_path[PATH_MAX + 300];
static struct ms_settings fuzz_settings;
static struct ms_store fuzz_store = { .users_fd = -1, .state_fd = -1 };

static inline void fuzz_store_cleanup(void)
{
	ms_store_close(&fuzz_store);
	unlink(fuzz_state_path);
	unlink(fuzz_lock_path);
	unlink(fuzz_journal_path);
	rmdir(fuzz_settings.state_dir);
	rmdir(fuzz_settings.users_dir);
	rmdir(fuzz_dir);
}

/* Opens the store on first use; `name`'s state file is fuzz_state_path,
 * its activity journal fuzz_journal_path. */
static inline void fuzz_store_open(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	struct ms_error err = { 0 };
	struct ms_settings *s = &fuzz_settings;

	if (fuzz_store.state_fd >= 0)
		return;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/mailsec-fuzz.XXXXXX",
		 tmp && tmp[0] == '/' ? tmp : "/tmp");
	if (!mkdtemp(fuzz_dir))
		abort();
	ms_settings_defaults(s);
	snprintf(s->users_dir, sizeof(s->users_dir), "%s/users", fuzz_dir);
	snprintf(s->state_dir, sizeof(s->state_dir), "%s/state", fuzz_dir);
	snprintf(fuzz_state_path, sizeof(fuzz_state_path), "%s/%s.state",
		 s->state_dir, name);
	snprintf(fuzz_lock_path, sizeof(fuzz_lock_path), "%s/%s.lock",
		 s->state_dir, name);
	snprintf(fuzz_journal_path, sizeof(fuzz_journal_path), "%s/%s.journal",
		 s->state_dir, name);
	if (ms_store_open(s, MS_STORE_CREATE, &fuzz_store, &err) != MS_OK) {
		fprintf(stderr, "ms_store_open: %s\n", err.msg);
		abort();
	}
	atexit(fuzz_store_cleanup);
}

/* The file at `path` holds exactly `data`, mode 0600. */
static inline void fuzz_file_put(const char *path, const uint8_t *data,
				 size_t size)
{
	int fd = open(path,
		      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) ||
	    close(fd) != 0)
		abort();
}

/* The state file holds exactly `data`, mode 0600. */
static inline void fuzz_state_put(const uint8_t *data, size_t size)
{
	fuzz_file_put(fuzz_state_path, data, size);
}

/* Whether the state file still holds exactly `data`. */
static inline bool fuzz_state_is(const uint8_t *data, size_t size)
{
	uint8_t *now = malloc(size + 1);
	int fd = open(fuzz_state_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t got;
	bool same;

	if (!now || fd < 0)
		abort();
	got = pread(fd, now, size + 1, 0);
	close(fd);
	same = got == (ssize_t)size && memcmp(now, data, size) == 0;
	free(now);
	return same;
}

#endif
