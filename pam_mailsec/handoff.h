/* What the auth stage read, handed to the account stage of the same PAM
 * transaction (pam_set_data).
 *
 * Dovecot and saslauthd call pam_acct_mgmt right after pam_authenticate
 * on one handle. Reading mailsec.conf and the record again there costs as
 * much as the rest of a cached login. The account stage takes what the
 * auth stage read only for the same mailbox, service, config= and role=,
 * and only for a second after the read: a record changed in between counts
 * from the next login, as if it had changed just after this one. */
#ifndef PAM_MAILSEC_HANDOFF_H
#define PAM_MAILSEC_HANDOFF_H

#include <stdbool.h>

#include "login.h"

/* In the auth stage, with login_begin's result: after a success, keeps
 * what the account stage needs; otherwise drops what an earlier call
 * kept. */
void handoff_save(const struct login *login, int begun);

/* In the account stage, after the arguments are parsed: fills mailbox,
 * role, known and the access flag as login_begin would have, when the
 * auth stage's read applies. False: login_begin must read them. */
bool handoff_take(struct login *login);

#endif
