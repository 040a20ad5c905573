/* What every mailsecctl command works with, and the steps they share:
 * loading, locking and saving a mailbox around a library operation. */
#ifndef MAILSECCTL_CONTEXT_H
#define MAILSECCTL_CONTEXT_H

#include <stdbool.h>

#include "error.h"
#include "mailbox_ops.h"
#include "name.h"
#include "record.h"
#include "settings.h"
#include "state.h"
#include "store.h"

struct ctl;

/* What became of the live sessions of the mailbox a command changed. */
enum ctl_sessions {
	CTL_SESSIONS_UNTOUCHED, /* no kick_command, or a change that ends none */
	CTL_SESSIONS_ENDED,
	CTL_SESSIONS_LEFT,      /* the kick failed: kick_error says why */
};

/* Looks at a mailbox as loaded, before the command does: MS_OK to go on. */
typedef enum ms_status (*ctl_check_fn)(struct ctl *ctl,
				       const struct ms_mailbox *box, void *arg);

struct ctl {
	struct ms_settings settings;
	const char *config_path;
	enum ms_conf_origin config_origin; /* named by --config/MAILSEC_CONFIG */
	const char *qr_spec;      /* 2fa enroll --qr */
	bool qr_inline;           /* 2fa enroll: the SVG in the object (self) */
	const char *rhost;        /* self --rhost */
	bool keep_app_passwords;  /* passwd --keep-app-passwords */
	const char *app_services; /* app-password add --services */
	const char *app_from;     /* app-password add --from */
	const char *app_expires;  /* app-password add --expires */
	bool app_all;             /* app-password revoke --all */
	const char *since;        /* activity --since */
	bool replace;             /* db import, export --replace */
	/* What the audit line adds after the command (app-password NAME):
	 * never a secret; "" for nothing. */
	char audit_detail[96];
	/* passwd's new password, 2fa confirm -'s code: read already (self);
	 * NULL: read from stdin. */
	const char *stdin_secret;
	/* Called on every load (ctl_read, and ctl_edit under the lock); self
	 * sets it. NULL: none. */
	ctl_check_fn check_loaded;
	void *check_arg;
	enum ctl_sessions sessions; /* set by ctl_edit */
	char kicked[MS_NAME_MAX + 1]; /* the mailbox it was about */
	char kick_error[MS_ERROR_MAX];
	char *const *args;        /* the command's own arguments */
	int n_args;
	struct ms_error err;
};

/* Changes `box` in memory through the library's operations (mailbox_ops.h),
 * which set save_record/save_state for what they changed. */
typedef enum ms_status (*ctl_edit_fn)(struct ctl *ctl,
				      const struct ms_store *store,
				      struct ms_mailbox *box, void *arg);

/* Canonical name of args[index] into box->name (MS_INVALID if bad). */
enum ms_status ctl_mailbox_name(struct ctl *ctl, int index,
				struct ms_mailbox *box);

/* Opens the store (creating missing directories), takes the mailbox's lock
 * (making its lock file: for add, whose record follows), calls `locked`,
 * unlocks. */
enum ms_status ctl_with_lock(struct ctl *ctl, struct ms_mailbox *box,
			     ctl_edit_fn locked, void *arg);

/* Loads the mailbox under its lock, calls ctl->check_loaded and `edit`,
 * writes what it changed (state first, then the record atomically),
 * unlocks. A mailbox without a record is MS_NOT_FOUND, with no lock file
 * or directory made for it. On success box holds the result. When
 * kick_command is set and ms_mailbox_ends_sessions (the change marked
 * the box, and it stands: on success, or a remove failing after the
 * record), the live sessions are ended: what came of it in
 * ctl->sessions, never in the status. */
enum ms_status ctl_edit(struct ctl *ctl, struct ms_mailbox *box,
			ctl_edit_fn edit, void *arg);

/* ctl_edit on args[0], then prints the mailbox as show does. */
enum ms_status ctl_edit_and_show(struct ctl *ctl, ctl_edit_fn edit, void *arg);

/* Loads record and state without locking (read-only commands), then
 * calls ctl->check_loaded. */
enum ms_status ctl_read(struct ctl *ctl, struct ms_mailbox *box);

/* ctl_mailbox_name of args[0], then ctl_read. */
enum ms_status ctl_read_named(struct ctl *ctl, struct ms_mailbox *box);

/* No users_dir at all, in a parent that is there (nothing was ever added):
 * reading commands then find no mailbox rather than a system error. A
 * users_dir that exists but cannot be used, or whose parent is missing,
 * is still refused by ms_store_open. Never on the database store, whose
 * mailboxes are not in users_dir. */
bool ctl_no_users_dir(const struct ctl *ctl);

/* The names of every mailbox of `store` (ms_store_names), collected
 * first so that what is done with each (a load, a copy) never runs inside
 * the store's enumeration. Free with ctl_names_free. */
struct ctl_names {
	char **names;
	size_t count;
};
enum ms_status ctl_names_get(const struct ms_store *store,
			     struct ctl_names *names, struct ms_error *err);
void ctl_names_free(struct ctl_names *names);

/* Who runs the tool, for log lines: "user=NAME sudo_user=NAME" (the real
 * uid's name, or its number; SUDO_USER as sudo set it, or "-"), made safe
 * for a log line. */
#define CTL_INVOKER_MAX 160
void ctl_invoker(char out[CTL_INVOKER_MAX]);

/* The one syslog line (authpriv, LOG_NOTICE) of a change done to the
 * mailbox args[0]: "changed: mailbox=M command=C user=U sudo_user=S",
 * with ctl->audit_detail after the command when set. */
void ctl_audit(const struct ctl *ctl, const char *command);

/* After a command (`saved`: it succeeded; else it failed after its
 * change stood, as a remove whose record is gone): when ctl_edit ended
 * the live sessions, the syslog line (authpriv, LOG_INFO) "ended live
 * sessions: mailbox=M" and MS_OK; when that failed, "M: saved, but its
 * open connections were not closed: REASON" (without "saved, but " for a
 * command that failed) on stderr and at LOG_WARNING, and
 * MS_SESSIONS_LEFT. MS_OK when no kick ran, or it was reported already. */
enum ms_status ctl_sessions_report(struct ctl *ctl, bool saved);

#endif
