/* Mailbox lifecycle: add, remove, show, list, passwd. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "commands.h"
#include "log.h"
#include "mailbox_ops.h"
#include "output.h"
#include "password.h"
#include "secret_input.h"
#include "secure.h"

/* Reads and hashes a new password before any lock is taken: the hash is
 * the slow part. `self passwd` has read and checked it already. */
static enum ms_status read_password_hash(struct ctl *ctl,
					 char password[SECRET_INPUT_MAX + 1],
					 char hash[MS_HASH_MAX])
{
	enum ms_status status = secret_read_new_password(password, &ctl->err);

	if (status != MS_OK)
		return status;
	return ms_password_hash(password, NULL, 0, hash, &ctl->err);
}

static enum ms_status new_password_hash(struct ctl *ctl, char hash[MS_HASH_MAX])
{
	char password[SECRET_INPUT_MAX + 1];
	enum ms_status status;

	if (ctl->stdin_secret)
		return ms_password_hash(ctl->stdin_secret, NULL, 0, hash,
					&ctl->err);
	status = read_password_hash(ctl, password, hash);
	ms_wipe(password, sizeof(password));
	return status;
}

static enum ms_status create_record(struct ctl *ctl,
				    const struct ms_store *store,
				    struct ms_mailbox *box, void *hash)
{
	return ms_mailbox_create(store, box, hash, &ctl->err);
}

static enum ms_status add(struct ctl *ctl, struct ms_mailbox *box,
			  char hash[MS_HASH_MAX])
{
	enum ms_status status = ctl_mailbox_name(ctl, 0, box);

	if (status != MS_OK)
		return status;
	status = new_password_hash(ctl, hash);
	if (status != MS_OK)
		return status;
	status = ctl_with_lock(ctl, box, create_record, hash);
	if (status != MS_OK)
		return status;
	out_mailbox(box, false);
	return MS_OK;
}

enum ms_status cmd_add(struct ctl *ctl)
{
	struct ms_mailbox box;
	char hash[MS_HASH_MAX];
	enum ms_status status = add(ctl, &box, hash);

	ms_wipe(hash, sizeof(hash));
	ms_mailbox_wipe(&box);
	return status;
}

static enum ms_status remove_files(struct ctl *ctl,
				   const struct ms_store *store,
				   struct ms_mailbox *box, void *arg)
{
	return ms_mailbox_remove(store, box, &ctl->err);
}

enum ms_status cmd_remove(struct ctl *ctl)
{
	struct ms_mailbox box;
	enum ms_status status = ctl_mailbox_name(ctl, 0, &box);

	if (status != MS_OK)
		return status;
	status = ctl_edit(ctl, &box, remove_files, NULL);
	ms_mailbox_wipe(&box);
	if (status != MS_OK)
		return status;
	out_removed(&box);
	return MS_OK;
}

enum ms_status cmd_show(struct ctl *ctl)
{
	struct ms_mailbox box;
	enum ms_status status = ctl_read_named(ctl, &box);

	if (status == MS_OK) {
		out_mailbox_shown_begin(&box);
		ctl_show_last_logins(ctl, box.name);
		out_object_end();
	}
	ms_mailbox_wipe(&box);
	return status;
}

/* Prints one row; a record that cannot be read is reported on stderr and
 * makes the whole listing fail after the others are printed. */
static enum ms_status list_one(struct ctl *ctl, const struct ms_store *store,
			       const char *name)
{
	struct ms_mailbox box;
	enum ms_status status;

	memset(&box, 0, sizeof(box));
	snprintf(box.name, sizeof(box.name), "%s", name);
	ms_store_renew(store);
	status = ms_mailbox_load(store, &box, &ctl->err);
	if (status == MS_OK)
		out_mailbox(&box, true);
	else if (status != MS_NOT_FOUND) /* removed while listing */
		ms_log(NULL, LOG_WARNING, "%s", ctl->err.msg);
	ms_mailbox_wipe(&box);
	return status == MS_NOT_FOUND ? MS_OK : status;
}

#define NO_MAILBOXES "no mailboxes"

enum ms_status cmd_list(struct ctl *ctl)
{
	struct ms_store store;
	struct ctl_names names;
	enum ms_status worst = MS_OK, status;

	if (ctl_no_users_dir(ctl)) {
		out_list_begin();
		out_list_end(NO_MAILBOXES);
		return MS_OK;
	}
	status = ms_store_open(&ctl->settings, MS_STORE_READ, &store, &ctl->err);
	if (status != MS_OK)
		return status;
	status = ctl_names_get(&store, &names, &ctl->err);
	if (status != MS_OK) {
		ms_store_close(&store);
		return status;
	}
	out_list_begin();
	for (size_t i = 0; i < names.count; i++) {
		status = list_one(ctl, &store, names.names[i]);
		if (status > worst)
			worst = status;
	}
	/* Records that could not be read are not "no mailboxes". */
	out_list_end(worst == MS_OK ? NO_MAILBOXES : NULL);
	ctl_names_free(&names);
	ms_store_close(&store);
	/* Each problem was reported as it was met. */
	ctl->err.msg[0] = '\0';
	ctl->err.status = worst;
	return worst;
}

static enum ms_status set_password(struct ctl *ctl, const struct ms_store *store,
				   struct ms_mailbox *box, void *hash)
{
	ms_mailbox_set_password(box, hash, ctl->keep_app_passwords);
	return MS_OK;
}

static enum ms_status passwd(struct ctl *ctl, struct ms_mailbox *box,
			     char hash[MS_HASH_MAX])
{
	/* Fail fast on a missing mailbox before asking for a password. */
	enum ms_status status = ctl_read_named(ctl, box);

	if (status != MS_OK)
		return status;
	status = new_password_hash(ctl, hash);
	if (status != MS_OK)
		return status;
	status = ctl_edit(ctl, box, set_password, hash);
	if (status != MS_OK)
		return status;
	out_mailbox(box, false);
	return MS_OK;
}

enum ms_status cmd_passwd(struct ctl *ctl)
{
	struct ms_mailbox box;
	char hash[MS_HASH_MAX];
	enum ms_status status = passwd(ctl, &box, hash);

	ms_wipe(hash, sizeof(hash));
	ms_mailbox_wipe(&box);
	return status;
}
