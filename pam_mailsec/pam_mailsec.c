/* pam_mailsec: mailbox password, TOTP on webmail, and the non-webmail
 * switch (pam_mailsec.8). Each entry point fails closed: options → user →
 * record → policy → decision. */
#include "config.h"

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#include "codecheck.h"
#include "credential.h"
#include "log.h"
#include "login.h"
#include "password.h"

static int check_code(struct login *login, struct credential *cred)
{
	enum ms_code_result result;
	int rc = PAM_SUCCESS;

	if (login->args.code_mode == CODE_PROMPT)
		rc = credential_prompt_code(login, cred);
	if (rc != PAM_SUCCESS)
		return rc;
	result = ms_code_check(&login->store, login->name, &login->record,
			       cred->code, time(NULL), &login->err);
	switch (result) {
	case MS_CODE_OK:
	case MS_CODE_RECOVERY_OK:
		login_debug(login, ms_code_result_reason(result));
		return PAM_SUCCESS;
	case MS_CODE_ERROR:
		ms_log(login->pamh, LOG_ERR, "%s", login->err.msg);
		login_refused(login, "state not writable");
		return PAM_AUTHINFO_UNAVAIL;
	default:
		login_refused(login, ms_code_result_reason(result));
		return PAM_AUTH_ERR;
	}
}

static int check_password(struct login *login, const struct credential *cred)
{
	if (login->args.no_password)
		return PAM_SUCCESS;
	if (!login->known) {
		ms_password_dummy_verify(cred->password);
		login_refused(login, "unknown mailbox");
		return PAM_USER_UNKNOWN;
	}
	if (!ms_password_verify(cred->password, login->record.password)) {
		login_refused(login, "bad password");
		return PAM_AUTH_ERR;
	}
	return PAM_SUCCESS;
}

static int authenticate(struct login *login)
{
	struct credential cred;
	bool needs_code = login->known &&
			  ms_policy_needs_code(&login->record, login->role);
	int rc = credential_read(login, needs_code &&
					login->args.code_mode == CODE_APPEND,
				 &cred);

	if (rc == PAM_SUCCESS && !login->known && login->args.no_password) {
		login_refused(login, "unknown mailbox");
		rc = PAM_USER_UNKNOWN;
	}
	if (rc == PAM_SUCCESS)
		rc = check_password(login, &cred);
	if (rc == PAM_SUCCESS &&
	    !ms_policy_client_allowed(&login->record, login->role)) {
		login_refused(login, "non-webmail access off");
		rc = PAM_PERM_DENIED;
	}
	if (rc == PAM_SUCCESS && needs_code)
		rc = check_code(login, &cred);
	/* Later modules see the password alone, without the code. */
	if (rc == PAM_SUCCESS && cred.password && cred.code)
		rc = pam_set_item(login->pamh, PAM_AUTHTOK, cred.password);
	if (rc == PAM_SUCCESS)
		login_debug(login, "accepted");
	credential_wipe(&cred);
	return rc;
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	struct login login;
	int rc = login_begin(pamh, argc, argv, &login);

	if (rc == PAM_SUCCESS)
		rc = authenticate(&login);
	login_end(&login);
	return rc;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
			      const char **argv)
{
	return PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
				const char **argv)
{
	struct login login;
	int rc = login_begin(pamh, argc, argv, &login);

	if (rc == PAM_SUCCESS && !login.known) {
		login_refused(&login, "unknown mailbox");
		rc = PAM_USER_UNKNOWN;
	}
	if (rc == PAM_SUCCESS &&
	    !ms_policy_client_allowed(&login.record, login.role)) {
		login_refused(&login, "non-webmail access off");
		rc = PAM_PERM_DENIED;
	}
	login_end(&login);
	return rc;
}
