/* Per-mailbox switches: non-webmail access, the code lockout, webmail
 * sessions and the credential cache. */
#include "config.h"

#include <stdbool.h>
#include <time.h>

#include "cache.h"
#include "codecheck.h"
#include "commands.h"
#include "session.h"

static enum ms_status set_access(struct ctl *ctl, const struct ms_store *store,
				 struct ctl_mailbox *box, void *allow)
{
	box->record.non_webmail_access = *(const bool *)allow;
	box->save_record = true;
	return MS_OK;
}

static enum ms_status clear_lockout(struct ctl *ctl,
				    const struct ms_store *store,
				    struct ctl_mailbox *box, void *arg)
{
	ms_code_unlock(&ctl->settings, &box->record, &box->state, time(NULL));
	box->save_state = true;
	return MS_OK;
}

/* The next login of every client then pays the full hash once more. */
static enum ms_status end_sessions(struct ctl *ctl,
				   const struct ms_store *store,
				   struct ctl_mailbox *box, void *arg)
{
	ms_session_clear(&box->state);
	ms_cache_clear(&box->state);
	box->save_state = true;
	return MS_OK;
}

enum ms_status cmd_non_webmail_enable(struct ctl *ctl)
{
	bool allow = true;

	return ctl_edit_and_show(ctl, set_access, &allow);
}

enum ms_status cmd_non_webmail_disable(struct ctl *ctl)
{
	bool allow = false;

	return ctl_edit_and_show(ctl, set_access, &allow);
}

enum ms_status cmd_unlock(struct ctl *ctl)
{
	return ctl_edit_and_show(ctl, clear_lockout, NULL);
}

enum ms_status cmd_logout(struct ctl *ctl)
{
	return ctl_edit_and_show(ctl, end_sessions, NULL);
}
