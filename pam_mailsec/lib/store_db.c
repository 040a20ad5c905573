#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db_driver.h"
#include "db_load.h"
#include "name.h"
#include "secure.h"
#include "store_db.h"
#include "store_db_blob.h"
#include "store_ops.h"

_Static_assert(MS_HOSTKEY_BYTES == MS_DB_KEY_BYTES,
	       "the database keeps the host key whole");

enum ms_status ms_store_db_open(const struct ms_settings *settings,
				enum ms_store_mode mode, struct ms_store *store,
				struct ms_error *err)
{
	const char *admin = settings->postgresql.admin_conninfo;
	bool module = mode == MS_STORE_LOGIN;
	struct ms_db_config config = {
		.conninfo = module || !admin[0] ? settings->postgresql.conninfo
						: admin,
		.timeout_ms = settings->postgresql.timeout,
		.role = module ? MS_DB_LOGIN : MS_DB_ADMIN,
	};
	enum ms_status status;

	store->settings = settings;
	store->ops = &ms_store_db_ops;
	status = ms_db_driver_load(settings, &store->db_driver, err);
	if (status != MS_OK)
		return status;
	status = store->db_driver->open(&config, &store->db, err);
	if (status != MS_OK)
		store->db = NULL;
	return status;
}

void ms_store_db_close(struct ms_store *store)
{
	if (store->db && store->db_driver)
		store->db_driver->close(store->db);
	store->db = NULL;
	store->db_driver = NULL;
}

void ms_store_db_renew(const struct ms_store *store)
{
	if (store->db)
		store->db_driver->renew(store->db);
}

static enum ms_status no_mailbox(const char *name, struct ms_error *err)
{
	return ms_fail(err, MS_NOT_FOUND, "%s: no such mailbox", name);
}

/* The record text of a row, as a file's would be judged. */
static enum ms_status parse_row(const char *name, const struct ms_db_row *row,
				struct ms_record *record, struct ms_error *err)
{
	char shown[MS_NAME_MAX + 16];

	snprintf(shown, sizeof(shown), "postgresql:%s", name);
	if (!row->record)
		return ms_fail(err, MS_INVALID, "%s: no record", shown);
	if (strlen(row->record) != row->record_len)
		return ms_fail(err, MS_INVALID, "%s: holds a NUL byte", shown);
	return ms_record_parse_loaded(row->record, row->record_len, shown,
				      record, err);
}

static enum ms_status db_record_load(const struct ms_store *store,
				     const char *name,
				     struct ms_record *record,
				     struct ms_error *err)
{
	struct ms_db_row row;
	enum ms_status status;

	memset(&row, 0, sizeof(row));
	status = store->db_driver->load(store->db, name, MS_DB_WANT_RECORD,
					&row, err);
	if (status == MS_NOT_FOUND)
		return no_mailbox(name, err);
	if (status != MS_OK)
		return status;
	status = parse_row(name, &row, record, err);
	if (status == MS_OK)
		record->version = row.version;
	store->db_driver->row_free(&row);
	return status;
}

static enum ms_status db_record_save(const struct ms_store *store,
				     const char *name,
				     const struct ms_record *record,
				     struct ms_error *err)
{
	char *text = NULL;
	int64_t version = 0;
	enum ms_status status = ms_record_format(record, &text, err);

	if (status != MS_OK)
		return status;
	status = store->db_driver->save_record(store->db, name, text,
					       strlen(text), &version, err);
	ms_free_secret(text);
	return status;
}

static enum ms_status db_record_exists(const struct ms_store *store,
				       const char *name, struct ms_error *err)
{
	int64_t version = 0;
	enum ms_status status = store->db_driver->version(store->db, name,
							  &version, err);

	/* As on files: absent is an answer, not a failure to tell. */
	if (status == MS_NOT_FOUND)
		ms_error_clear(err);
	return status;
}

static enum ms_status db_record_remove(const struct ms_store *store,
				       const char *name, struct ms_error *err)
{
	enum ms_status status = store->db_driver->remove(store->db, name, err);

	return status == MS_NOT_FOUND ? no_mailbox(name, err) : status;
}

/* A record removed and made again has another version: versions are
 * never reused. Any doubt (an error, a record not loaded) is "changed". */
static bool db_record_current(const struct ms_store *store, const char *name,
			      const struct ms_record *record)
{
	struct ms_error err = { .msg = "" };
	int64_t version = 0;

	if (record->version == 0)
		return false;
	return store->db_driver->version(store->db, name, &version, &err) ==
		       MS_OK &&
	       version == record->version;
}

/* What db_names hands each row's name on to. */
struct names_caller {
	ms_store_name_fn *each;
	void *arg;
};

/* How much of a refused name a message shows. */
#define NAME_SHOWN_MAX 64

/* Whoever can write the table chooses a row's name, and callers build
 * paths from names (db export): only what the file store would take as a
 * record's name passes, the rest stops the listing. */
static enum ms_status checked_name(const char *name, void *arg,
				   struct ms_error *err)
{
	const struct names_caller *caller = arg;
	char shown[NAME_SHOWN_MAX + 1];

	if (ms_name_is_canonical(name))
		return caller->each(name, caller->arg, err);
	ms_name_shown(name, shown, sizeof(shown));
	return ms_fail(err, MS_INVALID,
		       "postgresql: a row's name is not a mailbox name: %s",
		       shown);
}

static enum ms_status db_names(const struct ms_store *store,
			       ms_store_name_fn *each, void *arg,
			       struct ms_error *err)
{
	struct names_caller caller = { each, arg };

	return store->db_driver->names(store->db, checked_name, &caller, err);
}

/* The lock is the row's, held by the transaction: no descriptor. */
static enum ms_status db_lock(const struct ms_store *store, const char *name,
			      bool existing, int *lock, struct ms_error *err)
{
	enum ms_status status = store->db_driver->lock(store->db, name,
						       existing, err);

	*lock = 0;
	return status == MS_NOT_FOUND ? no_mailbox(name, err) : status;
}

/* Always a commit: what was written under the lock (a refused code's
 * count) stays, as it does in a file. */
static enum ms_status db_unlock(const struct ms_store *store, int lock,
				struct ms_error *err)
{
	(void)lock;
	return store->db_driver->unlock(store->db, true, err);
}

/* Made by mailsecctl db init, once for every host: a host that made its
 * own here would split the key between hosts. */
static enum ms_status db_host_key(const struct ms_store *store,
				  unsigned char key[MS_HOSTKEY_BYTES],
				  struct ms_error *err)
{
	enum ms_status status = store->db_driver->host_key(store->db, key,
							   err);

	if (status == MS_NOT_FOUND)
		return ms_fail(err, MS_SYSTEM,
			       "postgresql: the database has no host key "
			       "(mailsecctl db init makes one)");
	return status;
}

static enum ms_status db_set_host_key(const struct ms_store *store,
				      const unsigned char key[MS_HOSTKEY_BYTES],
				      struct ms_error *err)
{
	return store->db_driver->set_host_key(store->db, key, err);
}

const struct ms_store_ops ms_store_db_ops = {
	.record_load = db_record_load,
	.record_save = db_record_save,
	.record_exists = db_record_exists,
	.record_remove = db_record_remove,
	.record_current = db_record_current,
	.names = db_names,
	.lock = db_lock,
	.unlock = db_unlock,
	.state_load = ms_db_state_load,
	.state_save = ms_db_state_save,
	.state_edit = ms_db_state_edit,
	.state_remove = ms_db_state_remove,
	.app_state_load = ms_db_app_state_load,
	.app_state_edit = ms_db_app_state_edit,
	.app_state_remove = ms_db_app_state_remove,
	.journal_read = ms_db_journal_read,
	.journal_edit = ms_db_journal_edit,
	.journal_remove = ms_db_journal_remove,
	.host_key = db_host_key,
	.set_host_key = db_set_host_key,
};
