/* What the auth stage read, handed to the account stage of the same PAM
 * transaction (pam_set_data).
 *
 * Dovecot and saslauthd call pam_acct_mgmt right after pam_authenticate
 * on one handle. Reading mailsec.conf and the record again there costs as
 * much as the rest of a cached login. The account stage takes what the
 * auth stage read only for the same mailbox, service, config= and role=,
 * and only for a second after the read. A record replaced or removed in
 * between refuses the login: the change's kick_command may have run
 * already, and would not end the session this login would open. On the
 * file store that is one fstatat of the record's path, no store opened;
 * on the database the account stage opens its store (MS_STORE_LOGIN) and
 * compares the record's version. */
#ifndef PAM_MAILSEC_HANDOFF_H
#define PAM_MAILSEC_HANDOFF_H

#include <stdbool.h>

#include "login.h"

/* In the auth stage, with login_begin's result: after a success, keeps
 * what the account stage needs; otherwise drops what an earlier call
 * kept. */
void handoff_save(const struct login *login, int begun);

enum handoff_kept {
	HANDOFF_NONE,  /* login_begin must read the record */
	HANDOFF_TAKEN, /* mailbox, role, known and the access flag are set */
	HANDOFF_STALE, /* as TAKEN, but the record changed since: refuse */
};

/* In the account stage, after the arguments are parsed: fills mailbox,
 * role, known and the access flag as login_begin would have, when the
 * auth stage's read applies. */
enum handoff_kept handoff_take(struct login *login);

#endif
