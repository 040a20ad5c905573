#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "context.h"
#include "kick.h"
#include "log.h"
#include "output.h"
#include "secure.h"

enum ms_status ctl_mailbox_name(struct ctl *ctl, int index,
				struct ms_mailbox *box)
{
	memset(box, 0, sizeof(*box));
	return ms_name_canonical(ctl->args[index], box->name, &ctl->err);
}

static enum ms_status load(struct ctl *ctl, const struct ms_store *store,
			   struct ms_mailbox *box)
{
	enum ms_status status = ms_mailbox_load(store, box, &ctl->err);

	if (status != MS_OK)
		return status;
	if (ctl->check_loaded)
		return ctl->check_loaded(ctl, box, ctl->check_arg);
	return MS_OK;
}

/* `existing`: only a mailbox that has a record is locked (ms_record_lock):
 * an edit of a name that is none makes no directory and no lock file. */
static enum ms_status with_lock(struct ctl *ctl, struct ms_mailbox *box,
				ctl_edit_fn locked, void *arg, bool existing)
{
	struct ms_store store;
	enum ms_status status;
	int lock_fd = -1;

	if (existing && ctl_no_users_dir(ctl))
		return ms_fail(&ctl->err, MS_NOT_FOUND, "%s: no such mailbox",
			       box->name);
	status = ms_store_open(&ctl->settings, MS_STORE_CREATE, &store, &ctl->err);
	if (status != MS_OK)
		return status;
	status = existing
		? ms_record_lock(&store, box->name, &lock_fd, &ctl->err)
		: ms_store_lock(&store, box->name, &lock_fd, &ctl->err);
	if (status == MS_OK) {
		status = locked(ctl, &store, box, arg);
		if (ms_store_unlock(&store, lock_fd, &ctl->err) != MS_OK &&
		    status == MS_OK)
			status = ctl->err.status;
	}
	ms_store_close(&store);
	return status;
}

enum ms_status ctl_with_lock(struct ctl *ctl, struct ms_mailbox *box,
			     ctl_edit_fn locked, void *arg)
{
	return with_lock(ctl, box, locked, arg, false);
}

struct edit_step {
	ctl_edit_fn edit;
	void *arg;
};

static enum ms_status load_edit_save(struct ctl *ctl,
				     const struct ms_store *store,
				     struct ms_mailbox *box, void *arg)
{
	const struct edit_step *step = arg;
	enum ms_status status = load(ctl, store, box);

	if (status != MS_OK)
		return status;
	status = step->edit(ctl, store, box, step->arg);
	if (status != MS_OK)
		return status;
	return ms_mailbox_save(store, box, &ctl->err);
}

/* Outside the lock: logins of the mailbox must not wait for the
 * command, and a kicked client that logs in again at once meets the
 * change saved. */
static void end_live_sessions(struct ctl *ctl, const struct ms_mailbox *box)
{
	struct ms_error err;

	if (!ms_kick_configured(&ctl->settings))
		return;
	strcpy(ctl->kicked, box->name);
	if (ms_kick_run(&ctl->settings, box->name, &err) == MS_OK) {
		ctl->sessions = CTL_SESSIONS_ENDED;
		out_set_sessions(OUT_SESSIONS_ENDED, NULL);
		return;
	}
	ctl->sessions = CTL_SESSIONS_LEFT;
	strcpy(ctl->kick_error, err.msg);
	out_set_sessions(OUT_SESSIONS_LEFT, ctl->kick_error);
}

enum ms_status ctl_edit(struct ctl *ctl, struct ms_mailbox *box,
			ctl_edit_fn edit, void *arg)
{
	struct edit_step step = { edit, arg };
	enum ms_status status = with_lock(ctl, box, load_edit_save, &step,
					  true);

	if (ms_mailbox_ends_sessions(box, status))
		end_live_sessions(ctl, box);
	return status;
}

enum ms_status ctl_edit_and_show(struct ctl *ctl, ctl_edit_fn edit, void *arg)
{
	struct ms_mailbox box;
	enum ms_status status = ctl_mailbox_name(ctl, 0, &box);

	if (status != MS_OK)
		return status;
	status = ctl_edit(ctl, &box, edit, arg);
	if (status == MS_OK)
		out_mailbox(&box, false);
	ms_mailbox_wipe(&box);
	return status;
}

bool ctl_no_users_dir(const struct ctl *ctl)
{
	char parent[PATH_MAX];
	struct stat st;

	/* The database has no users_dir: the store itself says. */
	if (ctl->settings.store != MS_STORE_FILES)
		return false;
	if (lstat(ctl->settings.users_dir, &st) == 0 || errno != ENOENT)
		return false;
	/* Its parent must be there: a missing /etc/mailsec or an unmounted
	 * file system is an error, not an empty list. */
	strcpy(parent, ctl->settings.users_dir);
	return stat(dirname(parent), &st) == 0 && S_ISDIR(st.st_mode);
}

enum ms_status ctl_read(struct ctl *ctl, struct ms_mailbox *box)
{
	struct ms_store store;
	enum ms_status status;

	if (ctl_no_users_dir(ctl))
		return ms_fail(&ctl->err, MS_NOT_FOUND, "%s: no such mailbox",
			       box->name);
	status = ms_store_open(&ctl->settings, MS_STORE_READ, &store, &ctl->err);
	if (status != MS_OK)
		return status;
	status = load(ctl, &store, box);
	ms_store_close(&store);
	return status;
}

struct names_growing {
	struct ctl_names *names;
	size_t capacity;
};

static enum ms_status add_name(const char *name, void *arg,
			       struct ms_error *err)
{
	struct names_growing *growing = arg;
	struct ctl_names *names = growing->names;

	if (names->count == growing->capacity) {
		size_t capacity = growing->capacity ? 2 * growing->capacity : 64;
		char **grown = realloc(names->names, capacity * sizeof(*grown));

		if (!grown)
			return ms_fail_errno(err, MS_SYSTEM, errno,
					     "the list of mailboxes");
		names->names = grown;
		growing->capacity = capacity;
	}
	names->names[names->count] = strdup(name);
	if (!names->names[names->count])
		return ms_fail_errno(err, MS_SYSTEM, errno,
				     "the list of mailboxes");
	names->count++;
	return MS_OK;
}

enum ms_status ctl_names_get(const struct ms_store *store,
			     struct ctl_names *names, struct ms_error *err)
{
	struct names_growing growing = { names, 0 };
	enum ms_status status;

	names->names = NULL;
	names->count = 0;
	status = ms_store_names(store, add_name, &growing, err);
	if (status != MS_OK)
		ctl_names_free(names);
	return status;
}

void ctl_names_free(struct ctl_names *names)
{
	for (size_t i = 0; i < names->count; i++)
		free(names->names[i]);
	free(names->names);
	names->names = NULL;
	names->count = 0;
}

/* SUDO_USER is whatever the environment says when sudo did not set it:
 * printable ASCII only, cut short. */
static void safe_name(const char *text, char *out, size_t size)
{
	size_t i = 0;

	for (; text[i] && i + 1 < size; i++)
		out[i] = (text[i] > 0x20 && text[i] < 0x7f) ? text[i] : '?';
	out[i] = '\0';
}

void ctl_invoker(char out[CTL_INVOKER_MAX])
{
	char user[64], sudo_user[64];
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw = getpwuid(getuid());

	if (pw && pw->pw_name)
		safe_name(pw->pw_name, user, sizeof(user));
	else
		snprintf(user, sizeof(user), "%lu", (unsigned long)getuid());
	safe_name(sudo && sudo[0] ? sudo : "-", sudo_user, sizeof(sudo_user));
	snprintf(out, CTL_INVOKER_MAX, "user=%s sudo_user=%s", user, sudo_user);
}

void ctl_audit(const struct ctl *ctl, const char *command)
{
	char invoker[CTL_INVOKER_MAX], name[MS_NAME_MAX + 1];
	struct ms_error err;

	if (ctl->n_args < 1 ||
	    ms_name_canonical(ctl->args[0], name, &err) != MS_OK)
		return;
	ctl_invoker(invoker);
	openlog("mailsecctl", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "changed: mailbox=%s command=%s%s%s %s", name,
	       command, ctl->audit_detail[0] ? " " : "", ctl->audit_detail,
	       invoker);
	closelog();
}

enum ms_status ctl_read_named(struct ctl *ctl, struct ms_mailbox *box)
{
	enum ms_status status = ctl_mailbox_name(ctl, 0, box);

	if (status != MS_OK)
		return status;
	return ctl_read(ctl, box);
}

enum ms_status ctl_sessions_report(struct ctl *ctl, bool saved)
{
	const char *but = saved ? "saved, but " : "";
	enum ctl_sessions sessions = ctl->sessions;

	if (sessions == CTL_SESSIONS_UNTOUCHED)
		return MS_OK;
	ctl->sessions = CTL_SESSIONS_UNTOUCHED; /* said once */
	openlog("mailsecctl", LOG_PID, LOG_AUTHPRIV);
	if (sessions == CTL_SESSIONS_ENDED)
		syslog(LOG_INFO, "ended live sessions: mailbox=%s", ctl->kicked);
	else
		syslog(LOG_WARNING,
		       "%s: %sits open connections were not closed: %s",
		       ctl->kicked, but, ctl->kick_error);
	closelog();
	if (sessions == CTL_SESSIONS_ENDED)
		return MS_OK;
	fprintf(stderr, "mailsecctl: %s: %sits open connections were not "
		"closed: %s\n", ctl->kicked, but, ctl->kick_error);
	return MS_SESSIONS_LEFT;
}
