/* The password and the code of one login, from the conversation: one
 * authtok (with the code appended in code=append mode) and, in prompt
 * mode, a second "Verification code: " prompt. */
#ifndef PAM_MAILSEC_CREDENTIAL_H
#define PAM_MAILSEC_CREDENTIAL_H

#include "login.h"

struct credential {
	char *password; /* heap, wiped; NULL with no_password */
	char *code;     /* heap, wiped; NULL until known */
	char *whole;    /* heap, wiped: the authtok as given, when split */
};

/* Reads the authtok; in append mode, when `split` is set, splits the code
 * off its end: the last 11 characters when they have the recovery-code
 * form, else the last `digits`. An empty authtok is PAM_AUTH_ERR when
 * login->disallow_null. */
int credential_read(struct login *login, bool split, struct credential *cred);

/* Prompt mode: asks for the code (echo off). */
int credential_prompt_code(struct login *login, struct credential *cred);

void credential_wipe(struct credential *cred);

#endif
