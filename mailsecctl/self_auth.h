/* mailsecctl self: the caller's credential through the PAM service
 * "webmail", presented as a webmail login presents it, so that self lets
 * in exactly whom the webmail's own stack lets in. */
#ifndef MAILSECCTL_SELF_AUTH_H
#define MAILSECCTL_SELF_AUTH_H

#include "error.h"
#include "self_input.h"

#define SELF_SERVICE "webmail"

/* How pam_mailsec met the code part (its MAILSEC_AUTH, pam_mailsec.8). */
enum self_how {
	SELF_HOW_UNKNOWN,  /* pam_mailsec did not say: never trusted */
	SELF_HOW_PASSWORD, /* no code was needed (2FA not enabled) */
	SELF_HOW_SESSION,  /* a webmail session resumed: no code this time */
	SELF_HOW_CODE,
	SELF_HOW_RECOVERY,
};

/* Answers the stack's echo-off prompts with the stack's lines of `input`
 * in order (the first: the credential; a second, if asked: the code), then
 * runs pam_authenticate and pam_acct_mgmt for `mailbox` (canonical) from
 * `rhost`. MS_OK only when both succeed, PAM_USER is still `mailbox` and
 * pam_mailsec said how (*how). MS_REFUSED when refused, MS_SYSTEM when
 * PAM or the module could not work; err says which, never with a secret. */
enum ms_status self_authenticate(const char *mailbox, const char *rhost,
				 struct self_input *input, enum self_how *how,
				 struct ms_error *err);

#endif
