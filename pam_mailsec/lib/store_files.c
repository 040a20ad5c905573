/* The file store: records in users_dir, runtime state, journals, lock
 * files and the host key in state_dir (store.h says how each file is
 * reached). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "store_files.h"

#define RECORD_SUFFIX "conf"
#define RECORD_SUFFIX_LEN (sizeof(RECORD_SUFFIX)) /* with its dot */

static int record_entry(const struct dirent *entry)
{
	char name[MS_NAME_MAX + 1];

	return ms_file_name_parse(entry->d_name, RECORD_SUFFIX, name,
				  sizeof(name));
}

/* Byte order of the names, not of the file names: "a-b.conf" sorts
 * before "a.conf", but "a" before "a-b". Not alphasort: the locale's
 * collation is no order a caller can rely on. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
	size_t len_a = strlen((*a)->d_name) - RECORD_SUFFIX_LEN;
	size_t len_b = strlen((*b)->d_name) - RECORD_SUFFIX_LEN;
	int order = memcmp((*a)->d_name, (*b)->d_name,
			   len_a < len_b ? len_a : len_b);

	if (order != 0)
		return order;
	return len_a < len_b ? -1 : len_a > len_b;
}

static enum ms_status files_names(const struct ms_store *store,
				  ms_store_name_fn *each, void *arg,
				  struct ms_error *err)
{
	struct dirent **entries = NULL;
	char name[MS_NAME_MAX + 1];
	enum ms_status status = MS_OK;
	int count = scandirat(store->users_fd, ".", &entries, record_entry,
			      by_name);

	if (count < 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "%s",
				     store->settings->users_dir);
	for (int i = 0; i < count; i++) {
		if (status == MS_OK &&
		    ms_file_name_parse(entries[i]->d_name, RECORD_SUFFIX, name,
				       sizeof(name)))
			status = each(name, arg, err);
		free(entries[i]);
	}
	free(entries);
	return status;
}

const struct ms_store_ops ms_store_files_ops = {
	.record_load = ms_files_record_load,
	.record_save = ms_files_record_save,
	.record_exists = ms_files_record_exists,
	.record_remove = ms_files_record_remove,
	.record_current = ms_files_record_current,
	.names = files_names,
	.lock = ms_files_lock,
	.unlock = ms_files_unlock,
	.state_load = ms_files_state_load,
	.state_save = ms_files_state_save,
	.state_edit = ms_files_state_edit,
	.state_remove = ms_files_state_remove,
	.app_state_load = ms_files_app_state_load,
	.app_state_edit = ms_files_app_state_edit,
	.app_state_remove = ms_files_app_state_remove,
	.journal_read = ms_files_journal_read,
	.journal_edit = ms_files_journal_edit,
	.journal_remove = ms_files_journal_remove,
	.host_key = ms_files_host_key,
	.set_host_key = ms_files_set_host_key,
};
