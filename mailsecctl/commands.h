/* mailsecctl's command handlers; main.c's verb table lists them. */
#ifndef MAILSECCTL_COMMANDS_H
#define MAILSECCTL_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

#include "context.h"

enum ms_status cmd_add(struct ctl *ctl);
enum ms_status cmd_remove(struct ctl *ctl);
enum ms_status cmd_list(struct ctl *ctl);
enum ms_status cmd_show(struct ctl *ctl);
enum ms_status cmd_activity(struct ctl *ctl);
enum ms_status cmd_passwd(struct ctl *ctl);
enum ms_status cmd_2fa_enroll(struct ctl *ctl);
enum ms_status cmd_2fa_confirm(struct ctl *ctl);
enum ms_status cmd_2fa_disable(struct ctl *ctl);
enum ms_status cmd_2fa_recovery(struct ctl *ctl);
enum ms_status cmd_non_webmail_enable(struct ctl *ctl);
enum ms_status cmd_non_webmail_app_passwords(struct ctl *ctl);
enum ms_status cmd_non_webmail_disable(struct ctl *ctl);
enum ms_status cmd_app_add(struct ctl *ctl);
enum ms_status cmd_app_list(struct ctl *ctl);
enum ms_status cmd_app_revoke(struct ctl *ctl);
enum ms_status cmd_unlock(struct ctl *ctl);
enum ms_status cmd_logout(struct ctl *ctl);
enum ms_status cmd_check_config(struct ctl *ctl);
enum ms_status cmd_db_init(struct ctl *ctl);
enum ms_status cmd_db_upgrade(struct ctl *ctl);
enum ms_status cmd_db_check(struct ctl *ctl);
enum ms_status cmd_db_import(struct ctl *ctl);
enum ms_status cmd_db_export(struct ctl *ctl);
enum ms_status cmd_self(struct ctl *ctl);

/* What a verb is, beyond its name and arity: main.c and self.c both read
 * these, and compare no handlers. */
enum verb_flag {
	VERB_CHANGES = 1u << 0,       /* done, it is logged (ctl_audit) */
	VERB_OWN_CONFIG = 1u << 1,    /* loads mailsec.conf itself */
	VERB_TAKES_QR = 1u << 2,      /* --qr */
	VERB_SELF_DOOR = 1u << 3,     /* self itself: --rhost, no --config */
	VERB_SELF_ALLOWED = 1u << 4,  /* self may run it */
	/* In self: it loosens the mailbox's protection or hands out a
	 * credential, so a resumed webmail session is not enough. */
	VERB_NEEDS_FRESH_CODE = 1u << 5,
	/* In self: it loosens the protection when non-webmail access is
	 * disabled (app passwords start working), and tightens it else. */
	VERB_FRESH_WHEN_DISABLED = 1u << 6,
	VERB_TAKES_APP_OPTIONS = 1u << 7, /* --services --from --expires */
	VERB_TAKES_ALL = 1u << 8,         /* --all */
	VERB_TAKES_KEEP = 1u << 9,        /* --keep-app-passwords */
	VERB_TAKES_SINCE = 1u << 10,      /* --since */
	VERB_TAKES_REPLACE = 1u << 11,    /* --replace (db import, export) */
};


struct verb {
	const char *group; /* "2fa", "non-webmail", "db", or NULL */
	const char *name;
	int min_args, max_args;
	enum ms_status (*run)(struct ctl *ctl);
	const char *args;
	const char *help;
	unsigned flags;
	/* Its one word in self when not its own (show is "status"). */
	const char *self_name;
	/* In self, what the last line of stdin holds for it (with an
	 * argument: when that is "-"); NULL: none. */
	const char *self_secret;
};

/* Whether the options set in `ctl` are ones `verb` takes: MS_OK, or
 * MS_USAGE with the reason in ctl->err. */
enum ms_status verb_check_options(const struct verb *verb, struct ctl *ctl);

/* The verb whose words begin argv (exact names, no abbreviations), with
 * how many words it took; in self, only a SELF_ALLOWED one by its self
 * words. NULL when none. */
const struct verb *verb_find(int argc, char *const *argv, bool in_self,
			     int *words);

/* The command as typed: "2fa enroll", "passwd"; in self, "status" for
 * show. */
const char *verb_words(const struct verb *verb, bool in_self, char *out,
		       size_t size);

/* show's last_login (out_last_logins) of mailbox `name`, from its
 * activity journal (cmd_activity.c). */
void ctl_show_last_logins(struct ctl *ctl, const char *name);

/* What self allows, for its refusal: "status, 2fa enroll|confirm|...". */
void verb_self_list(char *out, size_t size);

#endif
