/* What one PAM call knows about the login: arguments, settings, the
 * mailbox and its record. Both stages (auth, account) start here. */
#ifndef PAM_MAILSEC_LOGIN_H
#define PAM_MAILSEC_LOGIN_H

#include <stdbool.h>

#include <security/pam_modules.h>

#include "args.h"
#include "error.h"
#include "journal.h"
#include "name.h"
#include "policy.h"
#include "record.h"
#include "settings.h"
#include "store.h"

struct login {
	pam_handle_t *pamh;
	struct module_args args;
	struct ms_settings settings;
	struct ms_store store;
	char name[MS_NAME_MAX + 1];
	const char *service;
	const char *rhost_item; /* PAM_RHOST as given, "-" when unset */
	char rhost[64]; /* PAM_RHOST made safe for a log line */
	enum ms_role role;
	struct ms_record record;
	bool known; /* false: no record for this mailbox */
	bool disallow_null; /* auth called with PAM_DISALLOW_NULL_AUTHTOK */
	struct ms_error err;
};

/* Options → settings → user → record. PAM_SUCCESS with known == false for
 * a mailbox without a record; any other failure is logged and returned
 * (PAM_SERVICE_ERR, PAM_USER_UNKNOWN, PAM_AUTHINFO_UNAVAIL). */
int login_begin(pam_handle_t *pamh, int argc, const char **argv,
		struct login *login);

/* The same for the account stage, which takes what the auth stage of this
 * transaction read when it applies (handoff.h) and reads nothing then:
 * only name, role, known and record.non_webmail_access are set. */
int login_begin_account(pam_handle_t *pamh, int argc, const char **argv,
			struct login *login);

void login_end(struct login *login);

/* Before a login is admitted: PAM_SUCCESS when the record it was judged
 * on is still the mailbox's file (or there is none); otherwise the login
 * is refused and logged, PAM_AUTHINFO_UNAVAIL (a client tries again and
 * meets the change). The account stage checks this in login_begin_account
 * when it takes the auth stage's read. */
int login_still_current(const struct login *login);

/* One LOG_NOTICE line: mailbox, service, role, rhost and why. */
void login_refused(const struct login *login, const char *reason);

/* One LOG_INFO line: mailbox, service, role, rhost and how it passed
 * ("password and code", "session resumed", ...). */
void login_accepted(const struct login *login, const char *how);

/* The store of a login whose account stage took what the auth stage read
 * (handoff.h) is not open: this opens it, reading mailsec.conf. */
enum ms_status login_store_ready(struct login *login, struct ms_error *err);

/* Counts a decision on a known mailbox in its activity journal (nothing
 * for an unknown one, or with activity_journal off), and logs an accepted
 * login from an address the journal has not seen: LOG_NOTICE "new
 * address: mailbox=... service=... role=... rhost=...". A journal that
 * fails is logged (LOG_ERR), and the login goes on as decided. `app`: the
 * app password's name, or NULL. (activity.c) */
void login_note(struct login *login, enum ms_journal_result result,
		enum ms_journal_detail detail, const char *app);

/* One LOG_DEBUG line with the `debug` argument. */
void login_debug(const struct login *login, const char *what);

#endif
