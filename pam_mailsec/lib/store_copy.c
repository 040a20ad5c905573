#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "secure.h"
#include "store_copy.h"
#include "store_ops.h"

/* What a mailbox holds besides its record, as read from one store. */
struct mailbox_copy {
	struct ms_record record;
	struct ms_state state;
	struct ms_app_state apps;
	unsigned char journal[MS_JOURNAL_BYTES];
	size_t journal_len;
};

static void copy_wipe(struct mailbox_copy *copy)
{
	ms_wipe(copy, sizeof(*copy));
}

static enum ms_status copy_read(const struct ms_store *from, const char *name,
				struct mailbox_copy *copy, struct ms_error *err)
{
	const struct ms_store_ops *ops = from->ops;
	enum ms_status status = ops->record_load(from, name, &copy->record,
						 err);

	if (status == MS_OK)
		status = ops->state_load(from, name, &copy->state, err);
	if (status == MS_OK)
		status = ops->app_state_load(from, name, &copy->apps, err);
	if (status == MS_OK)
		status = ops->journal_read(from, name, copy->journal,
					   &copy->journal_len, err);
	return status;
}

static bool put_apps(struct ms_app_state *state, void *arg)
{
	const struct ms_app_state *copied = arg;

	memcpy(state->uses, copied->uses, sizeof(state->uses));
	return true;
}

static bool put_journal(unsigned char image[MS_JOURNAL_BYTES], size_t *len,
			void *arg)
{
	const struct mailbox_copy *copy = arg;

	memset(image, 0, MS_JOURNAL_BYTES);
	memcpy(image, copy->journal, copy->journal_len);
	*len = copy->journal_len;
	return true;
}

static enum ms_status put_apps_of(const struct ms_store *to, const char *name,
				  struct mailbox_copy *copy,
				  struct ms_error *err)
{
	return to->ops->app_state_edit(to, name, put_apps, &copy->apps, err);
}

/* On files an app-state edit takes the mailbox lock itself: there it is
 * written after the lock. On the database everything is written in the
 * lock's one transaction, and another host sees the mailbox whole or not
 * at all. */
static bool apps_in_lock(const struct ms_store *to)
{
	return to->db_driver != NULL;
}

/* The target's mailbox as a remove leaves it: no record, state,
 * app-password uses or journal (the last three may be missing). The
 * journal must go too: a journal edit writes only the entries it changed,
 * and a shorter copy would leave the target's older ones behind. */
static enum ms_status remove_target(const struct ms_store *to,
				    const char *name, struct ms_error *err)
{
	const struct ms_store_ops *ops = to->ops;
	enum ms_status status = ops->record_remove(to, name, err);

	if (status == MS_OK || status == MS_NOT_FOUND)
		status = ops->state_remove(to, name, err);
	if (status == MS_OK || status == MS_NOT_FOUND)
		status = ops->app_state_remove(to, name, err);
	if (status == MS_OK || status == MS_NOT_FOUND)
		status = ops->journal_remove(to, name, err);
	if (status == MS_NOT_FOUND)
		ms_error_clear(err);
	return status == MS_NOT_FOUND ? MS_OK : status;
}

/* Under `to`'s lock: what decides whether the mailbox is there, and,
 * with `replace`, its removal, so that no other writer meets the target
 * half replaced. */
static enum ms_status write_locked(const struct ms_store *to, const char *name,
				   struct mailbox_copy *copy, bool replace,
				   struct ms_error *err)
{
	enum ms_status status = to->ops->record_exists(to, name, err);

	if (status == MS_OK && !replace)
		return ms_fail(err, MS_EXISTS,
			       "%s: already exists in the target store", name);
	if (status == MS_OK)
		status = remove_target(to, name, err);
	else if (status == MS_NOT_FOUND)
		status = MS_OK;
	if (status != MS_OK)
		return status;
	status = to->ops->record_save(to, name, &copy->record, err);
	if (status == MS_OK)
		status = to->ops->state_save(to, name, &copy->state, err);
	if (status == MS_OK && copy->journal_len)
		status = to->ops->journal_edit(to, name, put_journal, copy,
					       err);
	if (status == MS_OK && apps_in_lock(to))
		status = put_apps_of(to, name, copy, err);
	return status;
}

static enum ms_status copy_write(const struct ms_store *to, const char *name,
				 struct mailbox_copy *copy, bool replace,
				 struct ms_error *err)
{
	int lock = -1;
	enum ms_status status = to->ops->lock(to, name, false, &lock, err);

	if (status != MS_OK)
		return status;
	status = write_locked(to, name, copy, replace, err);
	if (to->ops->unlock(to, lock, err) != MS_OK && status == MS_OK)
		status = err->status;
	if (status == MS_OK && !apps_in_lock(to))
		status = put_apps_of(to, name, copy, err);
	return status;
}

static enum ms_status copy_mailbox(const struct ms_store *from,
				   const struct ms_store *to, const char *name,
				   bool replace, struct ms_error *err)
{
	struct mailbox_copy *copy = calloc(1, sizeof(*copy));
	enum ms_status status;

	if (!copy)
		return ms_fail(err, MS_SYSTEM, "out of memory");
	status = copy_read(from, name, copy, err);
	if (status == MS_OK)
		status = copy_write(to, name, copy, replace, err);
	copy_wipe(copy);
	free(copy);
	return status;
}

enum ms_status ms_store_copy_mailbox(const struct ms_store *from,
				     const struct ms_store *to,
				     const char *name, struct ms_error *err)
{
	return copy_mailbox(from, to, name, false, err);
}

enum ms_status ms_store_replace_mailbox(const struct ms_store *from,
					const struct ms_store *to,
					const char *name, struct ms_error *err)
{
	return copy_mailbox(from, to, name, true, err);
}

enum ms_status ms_store_copy_host_key(const struct ms_store *from,
				      const struct ms_store *to,
				      struct ms_error *err)
{
	unsigned char key[MS_HOSTKEY_BYTES];
	enum ms_status status = from->ops->host_key(from, key, err);

	if (status == MS_OK)
		status = to->ops->set_host_key(to, key, err);
	ms_wipe(key, sizeof(key));
	return status;
}

enum ms_status ms_store_schema(const struct ms_store *store,
			       enum ms_db_schema_op op, char *report,
			       size_t size, struct ms_error *err)
{
	if (size)
		report[0] = '\0';
	if (!store->db_driver || !store->db)
		return ms_fail(err, MS_USAGE,
			       "the file store has no schema (store = \"files\")");
	return store->db_driver->schema(store->db, op,
					store->settings->postgresql.module_role,
					report, size, err);
}
