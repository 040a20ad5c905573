/* mailsecctl self: the caller's credential through the PAM service
 * "webmail", presented as a webmail login presents it, so that self lets
 * in exactly whom the webmail's own stack lets in. */
#ifndef MAILSECCTL_SELF_AUTH_H
#define MAILSECCTL_SELF_AUTH_H

#include "authkind.h"
#include "error.h"
#include "self_input.h"

#define SELF_SERVICE "webmail"

/* Answers the stack's echo-off prompts with the stack's lines of `input`
 * in order (the first: the credential; a second, if asked: the code), then
 * runs pam_authenticate and pam_acct_mgmt for `mailbox` (canonical) from
 * `rhost`. MS_OK only when both succeed, PAM_USER is still `mailbox` and
 * pam_mailsec said how (*how). MS_REFUSED when refused, MS_SYSTEM when
 * PAM or the module could not work; err says which, never with a secret. */
enum ms_status self_authenticate(const char *mailbox, const char *rhost,
				 struct self_input *input, enum ms_auth_kind *how,
				 struct ms_error *err);

#endif
