/* The code=append splitter, through credential_read as the module calls
 * it. PAM is stubbed: the authtok is the fuzz input.
 *
 * Input: byte 0 picks the record's digits (6..8), in its top bit
 * no_password and in the next PAM_DISALLOW_NULL_AUTHTOK; the rest, up to
 * a NUL, is the authtok. */
#include "config.h"

#include <security/pam_ext.h>

#include "credential.h"
#include "fuzz.h"
#include "recovery.h"

static const char *authtok;
/* credential_read hands its handle to PAM, whose prototypes say non-NULL;
 * the stubs below never look inside. */
static char handle;

int pam_get_authtok(pam_handle_t *pamh, int item, const char **tok,
		    const char *prompt)
{
	FUZZ_CHECK(pamh == (pam_handle_t *)&handle && item == PAM_AUTHTOK);
	*tok = authtok;
	return PAM_SUCCESS;
}

/* No token set by an earlier module and no conversation: credential_read
 * then renews no store deadline (there is no store here). */
int pam_get_item(const pam_handle_t *pamh, int item_type, const void **item)
{
	FUZZ_CHECK(pamh == (const pam_handle_t *)&handle);
	(void)item_type;
	*item = NULL;
	return PAM_SUCCESS;
}

/* The module's log line of a refusal (login.c). */
void login_refused(const struct login *login, const char *reason)
{
	FUZZ_CHECK(login->disallow_null && !authtok[0]);
}

/* The journal's note of that refusal (activity.c): nothing to keep. */
void login_note(struct login *login, enum ms_journal_result result,
		enum ms_journal_detail detail, const char *app)
{
	(void)login;
	(void)result;
	(void)detail;
	(void)app;
}

/* credential_read never prompts; a call would be a new code path here. */
int pam_prompt(pam_handle_t *pamh, int style, char **response,
	       const char *fmt, ...)
{
	abort();
}

/* credential.h: the last 11 characters when they have the recovery-code
 * form, else the last `digits`; a token too short to leave a password in
 * front is all password, with no code. */
static size_t expected_code_len(const char *token, unsigned digits)
{
	size_t len = strlen(token);

	if (len > MS_RECOVERY_LEN &&
	    ms_recovery_is_form(token + len - MS_RECOVERY_LEN))
		return MS_RECOVERY_LEN;
	return len > digits ? digits : 0;
}

static void check_split(const struct credential *cred, const char *token,
			unsigned digits, bool no_password)
{
	size_t len = strlen(token), code_len = strlen(cred->code);

	FUZZ_CHECK(cred->whole && strcmp(cred->whole, token) == 0);
	FUZZ_CHECK(code_len == expected_code_len(token, digits));
	FUZZ_CHECK(strcmp(cred->code, token + len - code_len) == 0);
	if (code_len == MS_RECOVERY_LEN)
		FUZZ_CHECK(ms_recovery_is_form(cred->code));
	if (no_password) {
		FUZZ_CHECK(cred->password == NULL);
		return;
	}
	/* password + code == the token, and a code always has a password
	 * in front of it. */
	FUZZ_CHECK(strlen(cred->password) == len - code_len);
	FUZZ_CHECK(strncmp(cred->password, token, len - code_len) == 0);
	FUZZ_CHECK(code_len == 0 || cred->password[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct login login; /* settings and record: tens of KB */
	struct credential cred;
	char *token;
	int rc;

	if (size < 1)
		return 0;
	token = fuzz_cstring(data + 1, size - 1);
	memset(&login, 0, sizeof(login));
	login.pamh = (pam_handle_t *)&handle;
	login.record.totp.digits = MS_DIGITS_MIN + data[0] % 3;
	login.args.no_password = (data[0] & 0x80) != 0;
	login.disallow_null = (data[0] & 0x40) != 0;
	authtok = token;
	rc = credential_read(&login, true, &cred);
	if (login.disallow_null && !token[0]) {
		FUZZ_CHECK(rc == PAM_AUTH_ERR && !cred.code && !cred.password);
		free(token);
		return 0;
	}
	FUZZ_CHECK(rc == PAM_SUCCESS && cred.code);
	check_split(&cred, token, login.record.totp.digits,
		    login.args.no_password);
	credential_wipe(&cred);
	FUZZ_CHECK(!cred.password && !cred.code && !cred.whole);
	free(token);
	return 0;
}
