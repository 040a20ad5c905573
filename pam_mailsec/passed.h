/* How this handle's auth stage (ours) accepted a mailbox, kept for the
 * account stage as module data (pam_set_data).
 *
 * The account stage must know whether an app password got in. MAILSEC_AUTH
 * in the PAM environment tells the application, but it is no proof: a
 * module earlier in the stack can set it from what the user controls
 * (pam_env with user_readenv=1). Module data is only ever set by modules. */
#ifndef PAM_MAILSEC_PASSED_H
#define PAM_MAILSEC_PASSED_H

#include <stdbool.h>

#include "authkind.h"
#include "login.h"

/* At the start of every auth stage: nothing from an earlier call counts. */
void passed_forget(pam_handle_t *pamh);

/* After a success: `kind` for login->name. PAM_SUCCESS or libpam's error. */
int passed_keep(const struct login *login, enum ms_auth_kind kind);

/* Whether this handle's last auth stage accepted login->name with `kind`. */
bool passed_with(const struct login *login, enum ms_auth_kind kind);

#endif
