/* Per-mailbox switches: non-webmail access, the code lockout, webmail
 * sessions and the credential cache. */
#include "config.h"

#include <stdbool.h>
#include <time.h>

#include "commands.h"
#include "mailbox_ops.h"

static enum ms_status set_access(struct ctl *ctl, const struct ms_store *store,
				 struct ms_mailbox *box, void *allow)
{
	ms_mailbox_set_access(box, *(const bool *)allow);
	return MS_OK;
}

static enum ms_status clear_lockout(struct ctl *ctl,
				    const struct ms_store *store,
				    struct ms_mailbox *box, void *arg)
{
	ms_mailbox_unlock(box, &ctl->settings, time(NULL));
	return MS_OK;
}

static enum ms_status end_sessions(struct ctl *ctl,
				   const struct ms_store *store,
				   struct ms_mailbox *box, void *arg)
{
	ms_mailbox_logout(box);
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
