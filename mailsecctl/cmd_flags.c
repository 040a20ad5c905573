/* Per-mailbox switches: non-webmail access, the code lockout, webmail
 * sessions and the credential cache. */
#include "config.h"

#include <stdbool.h>
#include <time.h>

#include "commands.h"
#include "mailbox_ops.h"

static enum ms_status set_access(struct ctl *ctl, const struct ms_store *store,
				 struct ms_mailbox *box, void *mode)
{
	ms_mailbox_set_non_webmail(box, *(const enum ms_non_webmail *)mode);
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
	enum ms_non_webmail mode = MS_NON_WEBMAIL_ENABLED;

	return ctl_edit_and_show(ctl, set_access, &mode);
}

enum ms_status cmd_non_webmail_app_passwords(struct ctl *ctl)
{
	enum ms_non_webmail mode = MS_NON_WEBMAIL_APP_PASSWORDS;

	return ctl_edit_and_show(ctl, set_access, &mode);
}

enum ms_status cmd_non_webmail_disable(struct ctl *ctl)
{
	enum ms_non_webmail mode = MS_NON_WEBMAIL_DISABLED;

	return ctl_edit_and_show(ctl, set_access, &mode);
}

enum ms_status cmd_unlock(struct ctl *ctl)
{
	return ctl_edit_and_show(ctl, clear_lockout, NULL);
}

enum ms_status cmd_logout(struct ctl *ctl)
{
	return ctl_edit_and_show(ctl, end_sessions, NULL);
}
