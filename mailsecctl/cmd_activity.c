/* activity: what the module decided on a mailbox lately (journal.h); and
 * the journal read that show's last logins share. */
#include "config.h"

#include <stdint.h>
#include <syslog.h>
#include <time.h>

#include "commands.h"
#include "journal.h"
#include "log.h"
#include "output.h"
#include "when.h"

#define JOURNAL_OFF "the activity journal is off (activity_journal in mailsec.conf)"

static enum ms_status read_journal(struct ctl *ctl, const char *name,
				   struct ms_journal_entry entries[MS_JOURNAL_ENTRIES],
				   unsigned *count, unsigned *damaged)
{
	struct ms_store store;
	enum ms_status status;

	*count = *damaged = 0;
	status = ms_store_open(&ctl->settings, MS_STORE_READ, &store, &ctl->err);
	if (status != MS_OK)
		return status;
	status = ms_journal_read(&store, name, entries, count, damaged,
				 &ctl->err);
	ms_store_close(&store);
	return status;
}

static enum ms_status show_activity(struct ctl *ctl, const char *name,
				    int64_t since)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	unsigned count, damaged;
	enum ms_status status = read_journal(ctl, name, entries, &count,
						     &damaged);

	if (status != MS_OK)
		return status;
	if (damaged)
		ms_log(NULL, LOG_WARNING, "%s: %u damaged journal entries skipped",
		       name, damaged);
	out_activity(entries, count, since);
	return MS_OK;
}

enum ms_status cmd_activity(struct ctl *ctl)
{
	struct ms_mailbox box;
	int64_t since = INT64_MIN;
	enum ms_status status = MS_OK;

	if (ctl->since)
		status = ms_parse_since(ctl->since, time(NULL), &since,
					&ctl->err);
	if (status != MS_OK)
		return status;
	/* The record, so that an unknown mailbox is one, and self checks
	 * the login against it. */
	status = ctl_read_named(ctl, &box);
	ms_mailbox_wipe(&box);
	if (status != MS_OK)
		return status;
	if (ctl->settings.activity_journal)
		return show_activity(ctl, box.name, since);
	ms_log(NULL, LOG_WARNING, JOURNAL_OFF);
	if (out_is_json())
		out_activity(NULL, 0, since);
	return MS_OK;
}

/* show's last logins; a journal that cannot be read is said on stderr and
 * shows none: show is about the settings. */
void ctl_show_last_logins(struct ctl *ctl, const char *name)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	unsigned count = 0, damaged;

	if (!ctl->settings.activity_journal) {
		out_last_logins(NULL, 0, "unknown (activity journal off)");
		return;
	}
	if (read_journal(ctl, name, entries, &count, &damaged) != MS_OK) {
		ms_log(NULL, LOG_WARNING, "%s", ctl->err.msg);
		ms_error_clear(&ctl->err);
		count = 0;
	}
	out_last_logins(entries, count, "never");
}
