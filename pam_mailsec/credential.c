#include "config.h"

#include <security/pam_ext.h>
#include <stdlib.h>
#include <string.h>

#include "credential.h"
#include "recovery.h"
#include "secure.h"

#define CODE_PROMPT_TEXT "Verification code: "

/* Where the code starts in `token` (strlen when there is none). */
static size_t code_start(const char *token, unsigned digits)
{
	size_t len = strlen(token);

	if (len > MS_RECOVERY_LEN &&
	    ms_recovery_is_form(token + len - MS_RECOVERY_LEN))
		return len - MS_RECOVERY_LEN;
	return len > digits ? len - digits : len;
}

static int split_token(const char *token, unsigned digits,
		       struct credential *cred)
{
	size_t at = code_start(token, digits);

	cred->password = strndup(token, at);
	cred->code = strdup(token + at);
	cred->whole = strdup(token);
	return cred->password && cred->code && cred->whole ? PAM_SUCCESS
							   : PAM_BUF_ERR;
}

/* The store's deadline (postgresql.timeout) bounds its own work, not the
 * time a user takes to type: it starts again once the answer is in. On
 * files this costs nothing. */
static void user_answered(const struct login *login)
{
	ms_store_renew(&login->store);
}

/* A token an earlier module of the stack read is returned without a
 * prompt: no time was the user's then. */
static bool authtok_set(pam_handle_t *pamh)
{
	const void *item = NULL;

	return pam_get_item(pamh, PAM_AUTHTOK, &item) == PAM_SUCCESS && item;
}

/* pam_prompt asks nobody when the application gave no conversation. */
static bool can_prompt(pam_handle_t *pamh)
{
	const void *item = NULL;

	return pam_get_item(pamh, PAM_CONV, &item) == PAM_SUCCESS && item &&
	       ((const struct pam_conv *)item)->conv;
}

int credential_read(struct login *login, bool split, struct credential *cred)
{
	const char *token = NULL;
	bool asked;
	int rc;

	memset(cred, 0, sizeof(*cred));
	if (login->args.no_password && !split)
		return PAM_SUCCESS;
	asked = !authtok_set(login->pamh) && can_prompt(login->pamh);
	rc = pam_get_authtok(login->pamh, PAM_AUTHTOK, &token, NULL);
	if (asked)
		user_answered(login);
	if (rc != PAM_SUCCESS || !token)
		return rc == PAM_SUCCESS ? PAM_AUTH_ERR : rc;
	/* The application asked for no login on an empty token; with
	 * no_password this is the only look the module takes at it. */
	if (!token[0] && login->disallow_null) {
		login_refused(login, "empty password");
		login_note(login, MS_JOURNAL_REFUSED, MS_JOURNAL_BAD_PASSWORD,
			   NULL);
		return PAM_AUTH_ERR;
	}
	if (split)
		rc = split_token(token, login->record.totp.digits, cred);
	else
		rc = (cred->password = strdup(token)) ? PAM_SUCCESS : PAM_BUF_ERR;
	if (login->args.no_password) {
		/* Another module checked the password: only the code counts. */
		ms_free_secret(cred->password);
		cred->password = NULL;
	}
	return rc;
}

int credential_prompt_code(struct login *login, struct credential *cred)
{
	char *response = NULL;
	bool asked = can_prompt(login->pamh);
	int rc = pam_prompt(login->pamh, PAM_PROMPT_ECHO_OFF, &response, "%s",
			    CODE_PROMPT_TEXT);

	if (asked)
		user_answered(login);
	if (rc != PAM_SUCCESS) {
		ms_free_secret(response);
		return rc;
	}
	cred->code = response;
	return PAM_SUCCESS;
}

void credential_wipe(struct credential *cred)
{
	ms_free_secret(cred->password);
	ms_free_secret(cred->code);
	ms_free_secret(cred->whole);
	cred->password = cred->code = cred->whole = NULL;
}
