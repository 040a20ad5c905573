/* check-config: parse mailsec.conf and every record; report each problem
 * with file and line; fail on any (like doas -C, nginx -t). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appstate.h"
#include "commands.h"
#include "db_driver.h"
#include "db_load.h"
#include "journal.h"
#include "kick.h"
#include "mailbox_ops.h"
#include "output.h"
#include "store_copy.h"

struct check {
	struct ctl *ctl;
	enum ms_status worst;
	unsigned records;
};

static void problem(struct check *check, const struct ms_error *err)
{
	if (err->status > check->worst)
		check->worst = err->status;
	out_array_string(err->msg);
}

/* Damaged entries cost no login anything (they are skipped), but they
 * are a file torn, tampered with or of a newer release, as corrupt state
 * is. */
static void check_journal(struct check *check, const struct ms_store *store,
			  const char *name)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	char file[MS_FILE_NAME_MAX], shown[MS_SHOWN_MAX];
	unsigned count, damaged;
	struct ms_error err;

	if (ms_journal_read(store, name, entries, &count, &damaged, &err) !=
	    MS_OK) {
		problem(check, &err);
		return;
	}
	if (!damaged)
		return;
	if (store->settings->store == MS_STORE_FILES) {
		ms_file_name(name, "journal", file, sizeof(file));
		ms_path_shown(shown, store->settings->state_dir, file);
	} else {
		snprintf(shown, sizeof(shown), "%s: activity journal", name);
	}
	ms_fail(&err, MS_INVALID, "%s: %u damaged %s", shown, damaged,
		damaged == 1 ? "entry" : "entries");
	problem(check, &err);
}

static void check_mailbox(struct check *check, const struct ms_store *store,
			  const char *name)
{
	struct ms_mailbox box;
	struct ms_app_state apps;
	struct ms_error err;

	memset(&box, 0, sizeof(box));
	snprintf(box.name, sizeof(box.name), "%s", name);
	check->records++;
	ms_store_renew(store);
	if (ms_mailbox_load(store, &box, &err) != MS_OK ||
	    ms_app_state_load(store, box.name, &apps, &err) != MS_OK)
		problem(check, &err);
	check_journal(check, store, box.name);
	ms_mailbox_wipe(&box);
}

/* A journal for a name without a record: a login decided as its mailbox
 * was removed. It costs nothing, and `add` of that name drops it. */
static void check_orphan(struct check *check, const struct ms_store *store,
			 const char *file)
{
	char name[MS_NAME_MAX + 1], shown[MS_SHOWN_MAX];
	struct ms_error err = { .status = MS_OK };

	if (!ms_file_name_parse(file, "journal", name, sizeof(name)))
		return;
	if (ms_record_exists(store, name, &err) == MS_NOT_FOUND) {
		ms_path_shown(shown, store->settings->state_dir, file);
		ms_fail(&err, MS_INVALID, "%s: orphan journal: no mailbox %s",
			shown, name);
	}
	if (err.status != MS_OK)
		problem(check, &err);
}

static void check_orphans(struct check *check, const struct ms_store *store)
{
	struct dirent **entries = NULL;
	struct ms_error err;
	int count = scandirat(store->state_fd, ".", &entries, NULL, alphasort);

	if (count < 0) {
		ms_fail_errno(&err, MS_SYSTEM, errno, "%s",
			      store->settings->state_dir);
		problem(check, &err);
	}
	for (int i = 0; i < count; i++) {
		check_orphan(check, store, entries[i]->d_name);
		free(entries[i]);
	}
	free(entries);
}

/* Every visible entry: a stray file in users_dir is worth a word too. */
static int visible(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

static void check_stray(struct check *check, const struct ms_store *store)
{
	char name[MS_NAME_MAX + 1], shown[MS_SHOWN_MAX];
	struct dirent **entries = NULL;
	struct ms_error err;
	int count = scandirat(store->users_fd, ".", &entries, visible,
			      alphasort);

	if (count < 0) {
		ms_fail_errno(&err, MS_SYSTEM, errno, "%s",
			      store->settings->users_dir);
		problem(check, &err);
	}
	for (int i = 0; i < count; i++) {
		const char *file = entries[i]->d_name;

		if (!ms_file_name_parse(file, "conf", name, sizeof(name))) {
			ms_path_shown(shown, store->settings->users_dir, file);
			ms_fail(&err, MS_INVALID,
				"%s: not a mailbox record name", shown);
			problem(check, &err);
		}
		free(entries[i]);
	}
	free(entries);
}

/* On the database: the schema first; without the current one no record
 * can be read, and each would only say so again. */
static bool check_schema(struct check *check, const struct ms_store *store)
{
	char report[256];
	struct ms_error err;

	if (ms_store_schema(store, MS_DB_SCHEMA_CHECK, report, sizeof(report),
			    &err) == MS_OK)
		return true;
	problem(check, &err);
	return false;
}

static void check_mailboxes(struct check *check, const struct ms_store *store)
{
	struct ctl_names names;
	struct ms_error err;

	if (ctl_names_get(store, &names, &err) != MS_OK) {
		problem(check, &err);
		return;
	}
	for (size_t i = 0; i < names.count; i++)
		check_mailbox(check, store, names.names[i]);
	ctl_names_free(&names);
}

/* The file store's own checks (stray files, orphan journals) only there. */
static void check_records(struct check *check)
{
	bool files = check->ctl->settings.store == MS_STORE_FILES;
	struct ms_store store;
	struct ms_error err;

	if (ms_store_open(&check->ctl->settings, MS_STORE_READ, &store,
			  &err) != MS_OK) {
		problem(check, &err);
		return;
	}
	if (files)
		check_stray(check, &store);
	if (files || check_schema(check, &store))
		check_mailboxes(check, &store);
	if (files)
		check_orphans(check, &store);
	ms_store_close(&store);
}

enum ms_status cmd_check_config(struct ctl *ctl)
{
	struct check check = { .ctl = ctl, .worst = MS_OK };
	struct ms_error err;
	bool settings_loaded;

	out_object_begin(false);
	out_string("config", "config", ctl->config_path);
	out_array_begin("problems", "problems");
	settings_loaded = ms_settings_load(ctl->config_path, ctl->config_origin,
					   &ctl->settings, &err) == MS_OK;
	if (!settings_loaded)
		problem(&check, &err);
	else if (ms_kick_check_program(&ctl->settings, &err) != MS_OK)
		problem(&check, &err);
	/* A driver the store would refuse to load: no record can be read,
	 * and each would only say so again. */
	if (settings_loaded &&
	    ms_db_check_driver(&ctl->settings, &err) != MS_OK)
		problem(&check, &err);
	else if (settings_loaded)
		check_records(&check);
	out_array_end();
	/* Without users_dir there is no telling how many there are. */
	if (settings_loaded)
		out_uint("records", "records", check.records);
	else
		out_string_or_null("records", "records", NULL,
				   "not checked (mailsec.conf not loaded)");
	out_object_end();
	ctl->err.msg[0] = '\0'; /* each problem is in the report */
	ctl->err.status = check.worst;
	return check.worst;
}
