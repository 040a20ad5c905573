#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "journal.h"
#include "journal_entry.h"
#include "name.h"
#include "store_files.h"

static const char *const detail_names[MS_JOURNAL_DETAIL_COUNT] = {
	[MS_JOURNAL_PASSWORD] = "password",
	[MS_JOURNAL_CODE] = "code",
	[MS_JOURNAL_RECOVERY] = "recovery",
	[MS_JOURNAL_SESSION] = "session",
	[MS_JOURNAL_APP_PASSWORD] = "app-password",
	[MS_JOURNAL_BAD_PASSWORD] = "bad-password",
	[MS_JOURNAL_MISSING_CODE] = "missing-code",
	[MS_JOURNAL_BAD_CODE] = "bad-code",
	[MS_JOURNAL_REPLAY] = "replay",
	[MS_JOURNAL_LOCKED] = "locked",
	[MS_JOURNAL_NON_WEBMAIL_OFF] = "non-webmail-off",
	[MS_JOURNAL_APP_PASSWORDS_ONLY] = "app-passwords-only",
	[MS_JOURNAL_APP_PASSWORD_REFUSED] = "app-password-refused",
};

const char *ms_journal_detail_name(enum ms_journal_detail detail)
{
	if ((unsigned)detail >= MS_JOURNAL_DETAIL_COUNT)
		return NULL;
	return detail_names[detail];
}

const char *ms_journal_result_name(enum ms_journal_result result)
{
	return result == MS_JOURNAL_ACCEPTED ? "accepted" : "refused";
}

enum ms_journal_detail ms_journal_detail_of_code(enum ms_code_result result)
{
	switch (result) {
	case MS_CODE_OK:
		return MS_JOURNAL_CODE;
	case MS_CODE_RECOVERY_OK:
		return MS_JOURNAL_RECOVERY;
	case MS_CODE_MISSING:
		return MS_JOURNAL_MISSING_CODE;
	case MS_CODE_WRONG:
		return MS_JOURNAL_BAD_CODE;
	case MS_CODE_REPLAYED:
		return MS_JOURNAL_REPLAY;
	case MS_CODE_LOCKED:
		return MS_JOURNAL_LOCKED;
	case MS_CODE_ERROR:
		break;
	}
	return MS_JOURNAL_DETAIL_COUNT;
}

enum ms_journal_detail ms_journal_detail_of_auth(enum ms_auth_kind kind)
{
	switch (kind) {
	case MS_AUTH_PASSWORD:
		return MS_JOURNAL_PASSWORD;
	case MS_AUTH_SESSION:
		return MS_JOURNAL_SESSION;
	case MS_AUTH_CODE:
		return MS_JOURNAL_CODE;
	case MS_AUTH_RECOVERY:
		return MS_JOURNAL_RECOVERY;
	case MS_AUTH_APP_PASSWORD:
		return MS_JOURNAL_APP_PASSWORD;
	case MS_AUTH_UNKNOWN:
		break;
	}
	return MS_JOURNAL_DETAIL_COUNT;
}

static int newest_first(const void *a, const void *b)
{
	const struct ms_journal_entry *x = a, *y = b;

	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

void ms_journal_decode(const unsigned char *data, size_t len,
		       struct ms_journal_entry entries[MS_JOURNAL_ENTRIES],
		       unsigned *count, unsigned *damaged)
{
	unsigned char entry[MS_JENTRY_SIZE];

	*count = *damaged = 0;
	for (size_t i = 0; i < MS_JOURNAL_ENTRIES; i++) {
		size_t at = i * MS_JENTRY_SIZE;
		size_t have = at < len ? len - at : 0;

		if (have > MS_JENTRY_SIZE)
			have = MS_JENTRY_SIZE;
		memset(entry, 0, sizeof(entry));
		memcpy(entry, data + at, have);
		switch (ms_jentry_kind(entry)) {
		case MS_JENTRY_FREE:
			break;
		case MS_JENTRY_VALID:
			ms_jentry_decode(entry, &entries[(*count)++]);
			break;
		case MS_JENTRY_TORN:
		case MS_JENTRY_UNKNOWN:
			(*damaged)++;
			break;
		}
	}
	qsort(entries, *count, sizeof(entries[0]), newest_first);
}

enum ms_status ms_files_journal_read(const struct ms_store *store,
				     const char *name,
				     unsigned char image[MS_JOURNAL_BYTES],
				     size_t *len, struct ms_error *err)
{
	const char *dir = store->settings->state_dir;
	char file[MS_FILE_NAME_MAX], shown[MS_SHOWN_MAX];
	enum ms_status status;
	unsigned present = 0;
	int fd = -1;

	*len = 0;
	ms_journal_file_name(name, file, sizeof(file));
	ms_path_shown(shown, dir, file);
	status = ms_file_open(store->state_fd, dir, file, &fd, err);
	if (status == MS_NOT_FOUND) {
		ms_error_clear(err);
		return MS_OK;
	}
	if (status != MS_OK)
		return status;
	/* Shared: a writer's pwrite is never seen half done. */
	status = ms_fd_lock(fd, LOCK_SH, shown, err);
	if (status == MS_OK)
		status = ms_journal_read_fd(fd, shown, image, &present, err);
	close(fd);
	*len = (size_t)present * MS_JENTRY_SIZE;
	return status;
}

enum ms_status ms_journal_read(const struct ms_store *store, const char *name,
			       struct ms_journal_entry entries[MS_JOURNAL_ENTRIES],
			       unsigned *count, unsigned *damaged,
			       struct ms_error *err)
{
	unsigned char image[MS_JOURNAL_BYTES];
	size_t len = 0;
	enum ms_status status;

	*count = *damaged = 0;
	status = store->ops->journal_read(store, name, image, &len, err);
	if (status == MS_OK)
		ms_journal_decode(image, len, entries, count, damaged);
	return status;
}

const struct ms_journal_entry *
ms_journal_last_accepted(const struct ms_journal_entry *entries,
			 unsigned count, enum ms_role role)
{
	for (unsigned i = 0; i < count; i++)
		if (entries[i].result == MS_JOURNAL_ACCEPTED &&
		    entries[i].role == role)
			return &entries[i];
	return NULL;
}

enum ms_status ms_files_journal_remove(const struct ms_store *store,
				       const char *name, struct ms_error *err)
{
	char file[MS_FILE_NAME_MAX];
	enum ms_status status;

	ms_journal_file_name(name, file, sizeof(file));
	status = ms_file_remove(store->state_fd, store->settings->state_dir,
				file, err);
	if (status == MS_NOT_FOUND) {
		ms_error_clear(err);
		return MS_OK;
	}
	return status;
}

enum ms_status ms_journal_remove(const struct ms_store *store, const char *name,
				 struct ms_error *err)
{
	return store->ops->journal_remove(store, name, err);
}
