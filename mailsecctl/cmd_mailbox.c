/* Mailbox lifecycle: add, remove, show, list, passwd. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cache.h"
#include "commands.h"
#include "log.h"
#include "output.h"
#include "password.h"
#include "secret_input.h"
#include "secure.h"
#include "session.h"

/* Reads and hashes a new password before any lock is taken: the hash is
 * the slow part. `self passwd` has read and checked it already. */
static enum ms_status new_password_hash(struct ctl *ctl, char hash[MS_HASH_MAX])
{
	char password[SECRET_INPUT_MAX + 1];
	enum ms_status status;

	if (ctl->stdin_secret)
		return ms_password_hash(ctl->stdin_secret, NULL, 0, hash,
					&ctl->err);
	status = secret_read_new_password(password, &ctl->err);
	if (status == MS_OK)
		status = ms_password_hash(password, NULL, 0, hash, &ctl->err);
	ms_wipe(password, sizeof(password));
	return status;
}

static enum ms_status create_record(struct ctl *ctl,
				    const struct ms_store *store,
				    struct ctl_mailbox *box, void *arg)
{
	enum ms_status status = ms_record_exists(store, box->name, &ctl->err);

	if (status == MS_OK)
		return ms_fail(&ctl->err, MS_EXISTS, "%s: already exists",
			       box->name);
	if (status != MS_NOT_FOUND)
		return status;
	/* A state left by an earlier mailbox of that name must not carry
	 * over (its lockout or used codes): gone before the record exists. */
	if (ms_state_remove(store, box->name, &ctl->err) == MS_SYSTEM)
		return MS_SYSTEM;
	if (ms_record_save(store, box->name, &box->record, &ctl->err) != MS_OK)
		return ctl->err.status;
	return MS_OK;
}

enum ms_status cmd_add(struct ctl *ctl)
{
	struct ctl_mailbox box;
	enum ms_status status = ctl_mailbox_name(ctl, 0, &box);

	if (status == MS_OK)
		status = new_password_hash(ctl, box.record.password);
	if (status == MS_OK) {
		box.record.non_webmail_access = true;
		box.record.totp.status = MS_TOTP_OFF;
		status = ctl_with_lock(ctl, &box, create_record, NULL);
	}
	if (status == MS_OK)
		ctl_print_mailbox(&box, false);
	ctl_mailbox_wipe(&box);
	return status;
}

static enum ms_status remove_files(struct ctl *ctl,
				   const struct ms_store *store,
				   struct ctl_mailbox *box, void *arg)
{
	if (ms_record_remove(store, box->name, &ctl->err) != MS_OK)
		return ctl->err.status;
	if (ms_state_remove(store, box->name, &ctl->err) == MS_SYSTEM)
		return MS_SYSTEM;
	return MS_OK;
}

enum ms_status cmd_remove(struct ctl *ctl)
{
	struct ctl_mailbox box;
	enum ms_status status = ctl_mailbox_name(ctl, 0, &box);

	/* The lock file stays: see ms_store_lock. */
	if (status == MS_OK)
		status = ctl_edit(ctl, &box, remove_files, NULL);
	ctl_mailbox_wipe(&box);
	if (status != MS_OK)
		return status;
	out_object_begin(false);
	out_string("mailbox", "mailbox", box.name);
	out_bool("removed", "removed", true, "yes", "no");
	out_object_end();
	return MS_OK;
}

enum ms_status cmd_show(struct ctl *ctl)
{
	struct ctl_mailbox box;
	enum ms_status status = ctl_mailbox_name(ctl, 0, &box);

	if (status == MS_OK)
		status = ctl_read(ctl, &box);
	if (status == MS_OK)
		ctl_print_mailbox(&box, false);
	ctl_mailbox_wipe(&box);
	return status;
}

static int record_entry(const struct dirent *entry)
{
	char name[MS_NAME_MAX + 1];

	return ms_file_name_parse(entry->d_name, "conf", name, sizeof(name));
}

/* Prints one row; a record that cannot be read is reported on stderr and
 * makes the whole listing fail after the others are printed. */
static enum ms_status list_one(struct ctl *ctl, const struct ms_store *store,
			       const char *file)
{
	struct ctl_mailbox box;
	enum ms_status status;

	memset(&box, 0, sizeof(box));
	ms_file_name_parse(file, "conf", box.name, sizeof(box.name));
	status = ms_record_load(store, box.name, &box.record, &ctl->err);
	if (status == MS_OK)
		status = ms_state_load(store, box.name, &box.state, &ctl->err);
	if (status == MS_OK)
		ctl_print_mailbox(&box, true);
	else if (status != MS_NOT_FOUND) /* removed while listing */
		ms_log(NULL, LOG_WARNING, "%s", ctl->err.msg);
	ctl_mailbox_wipe(&box);
	return status == MS_NOT_FOUND ? MS_OK : status;
}

#define NO_MAILBOXES "no mailboxes"

enum ms_status cmd_list(struct ctl *ctl)
{
	struct ms_store store;
	struct dirent **entries = NULL;
	enum ms_status worst = MS_OK;
	int count;

	if (ctl_no_users_dir(ctl)) {
		out_list_begin();
		out_list_end(NO_MAILBOXES);
		return MS_OK;
	}
	if (ms_store_open(&ctl->settings, MS_STORE_READ, &store, &ctl->err))
		return ctl->err.status;
	count = scandirat(store.users_fd, ".", &entries, record_entry, alphasort);
	if (count < 0) {
		ms_store_close(&store);
		return ms_fail_errno(&ctl->err, MS_SYSTEM, errno, "%s",
				     ctl->settings.users_dir);
	}
	out_list_begin();
	for (int i = 0; i < count; i++) {
		enum ms_status status = list_one(ctl, &store, entries[i]->d_name);

		if (status > worst)
			worst = status;
		free(entries[i]);
	}
	/* Records that could not be read are not "no mailboxes". */
	out_list_end(worst == MS_OK ? NO_MAILBOXES : NULL);
	free(entries);
	ms_store_close(&store);
	/* Each problem was reported as it was met. */
	ctl->err.msg[0] = '\0';
	ctl->err.status = worst;
	return worst;
}

static enum ms_status set_password(struct ctl *ctl, const struct ms_store *store,
				   struct ctl_mailbox *box, void *hash)
{
	strcpy(box->record.password, hash);
	/* Sessions and the cached password already end by construction
	 * (session.h, cache.h); say so plainly. */
	ms_session_clear(&box->state);
	ms_cache_clear(&box->state);
	box->save_record = box->save_state = true;
	return MS_OK;
}

enum ms_status cmd_passwd(struct ctl *ctl)
{
	struct ctl_mailbox box;
	char hash[MS_HASH_MAX];
	enum ms_status status = ctl_mailbox_name(ctl, 0, &box);

	/* Fail fast on a missing mailbox before asking for a password. */
	if (status == MS_OK)
		status = ctl_read(ctl, &box);
	if (status == MS_OK)
		status = new_password_hash(ctl, hash);
	if (status == MS_OK)
		status = ctl_edit(ctl, &box, set_password, hash);
	if (status == MS_OK)
		ctl_print_mailbox(&box, false);
	ms_wipe(hash, sizeof(hash));
	ctl_mailbox_wipe(&box);
	return status;
}
