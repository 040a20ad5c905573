/* pam_mailsec: mailbox password, TOTP on webmail, the non-webmail switch
 * and app passwords (pam_mailsec.8). Each entry point fails closed: options → user →
 * record → policy → decision. */
#include "config.h"

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#include "apppass.h"
#include "appstate.h"
#include "authkind.h"
#include "cache.h"
#include "codecheck.h"
#include "credential.h"
#include "handoff.h"
#include "log.h"
#include "login.h"
#include "passed.h"
#include "password.h"
#include "secure.h"
#include "session.h"

/* What authentication needs beyond the login itself. */
struct attempt {
	struct credential cred;
	bool needs_code;
	bool use_session;
	unsigned char session_tag[MS_SESSION_TAG_BYTES];
	enum ms_auth_kind how; /* told in MS_AUTH_ENV once accepted */
	const char *passed; /* for the log line: how it was accepted */
	char passed_app[MS_APP_NAME_MAX + 16]; /* "app password NAME" */
	const char *app_name; /* the app password that passed, or NULL */
	unsigned hashes; /* password verifications spent (even_out_refusal) */
};

static int state_error(struct login *login)
{
	ms_log(login->pamh, LOG_ERR, "%s", login->err.msg);
	login_refused(login, "state not writable");
	return PAM_AUTHINFO_UNAVAIL;
}

/* The wrong code that started a lockout says until when. */
static void code_refused(const struct login *login,
			 enum ms_code_result result, int64_t locked_until)
{
	char reason[96], until[MS_ISO_TIME_MAX];

	if (!locked_until) {
		login_refused(login, ms_code_result_reason(result));
		return;
	}
	snprintf(reason, sizeof(reason), "%s; locked until %s",
		 ms_code_result_reason(result), ms_iso_time(locked_until, until));
	login_refused(login, reason);
}

static int check_code(struct login *login, struct attempt *attempt)
{
	enum ms_code_result result;
	int64_t locked_until;
	int rc = PAM_SUCCESS;

	if (login->args.code_mode == CODE_PROMPT)
		rc = credential_prompt_code(login, &attempt->cred);
	if (rc != PAM_SUCCESS)
		return rc;
	result = ms_code_check(&login->store, login->name, &login->record,
			       attempt->cred.code, time(NULL),
			       attempt->use_session ? attempt->session_tag : NULL,
			       &locked_until, &login->err);
	switch (result) {
	case MS_CODE_OK:
		attempt->how = MS_AUTH_CODE;
		attempt->passed = login->args.no_password ? "code"
							  : "password and code";
		return PAM_SUCCESS;
	case MS_CODE_RECOVERY_OK:
		attempt->how = MS_AUTH_RECOVERY;
		attempt->passed = login->args.no_password
			? "recovery code" : "password and recovery code";
		return PAM_SUCCESS;
	case MS_CODE_ERROR:
		return state_error(login);
	default:
		code_refused(login, result, locked_until);
		login_note(login, MS_JOURNAL_REFUSED,
			   ms_journal_detail_of_code(result), NULL);
		return PAM_AUTH_ERR;
	}
}

/* The cache only spares the hash: a cache in trouble (state unreadable,
 * disk full) must not refuse a password the hash accepts, but an admin
 * has to know that every login now costs a full hash. */
static bool password_matches(struct login *login, struct attempt *attempt)
{
	const char *password = attempt->cred.password;
	bool cached = false;
	bool match = ms_cache_verify(&login->store, login->name, &login->record,
				     password, time(NULL), &cached, &login->err);

	if (!cached)
		attempt->hashes++;
	if (login->err.status != MS_OK)
		ms_log(login->pamh, LOG_ERR,
		       "credential cache: %s; the password was hashed instead",
		       login->err.msg);
	if (cached)
		login_debug(login, "password matched the credential cache");
	return match;
}

/* In append mode, a password that failed with its last characters taken
 * for a code: was the whole string the password, sent without a code?
 * Only the log line tells it; the login fails the same. */
static bool whole_is_password(struct login *login, struct attempt *attempt)
{
	if (!attempt->cred.whole)
		return false;
	attempt->hashes++;
	return ms_password_verify(attempt->cred.whole, login->record.password);
}

static int check_password(struct login *login, struct attempt *attempt)
{
	const struct credential *cred = &attempt->cred;

	if (login->args.no_password)
		return PAM_SUCCESS;
	if (!login->known) {
		ms_password_dummy_verify(cred->password);
		attempt->hashes += ms_password_usable(cred->password);
		login_refused(login, "unknown mailbox");
		return PAM_USER_UNKNOWN;
	}
	/* Whatever the record holds (a hash of "" written by hand), an empty
	 * password is none. No hash is spent on it, nor on an unknown
	 * mailbox's (ms_password_verify): timing tells nothing either way. */
	if (!ms_password_usable(cred->password)) {
		login_refused(login, "empty password");
		login_note(login, MS_JOURNAL_REFUSED, MS_JOURNAL_BAD_PASSWORD,
			   NULL);
		return PAM_AUTH_ERR;
	}
	if (!password_matches(login, attempt)) {
		bool missing_code = whole_is_password(login, attempt);

		login_refused(login, missing_code ? "missing code"
						  : "bad password");
		login_note(login, MS_JOURNAL_REFUSED,
			   missing_code ? MS_JOURNAL_MISSING_CODE
					: MS_JOURNAL_BAD_PASSWORD,
			   NULL);
		return PAM_AUTH_ERR;
	}
	return PAM_SUCCESS;
}

/* whole_is_password spends a second hash where the password part failed
 * on the append-mode webmail stack. Alone it would be a timing oracle: a
 * wrong password two hashes, a right one with a wrong code one, an
 * unknown mailbox or one without 2FA one. So every refused login there
 * costs two, the missing ones spent on the dummy hash: timing tells
 * neither whether the password was right nor whether the mailbox exists
 * or has 2FA. A success still costs one. An empty token costs none,
 * whoever it names, as before. */
static void even_out_refusal(struct login *login, struct attempt *attempt)
{
	const char *token = attempt->cred.whole ? attempt->cred.whole
						: attempt->cred.password;

	if (login->role != MS_ROLE_WEBMAIL ||
	    login->args.code_mode != CODE_APPEND || login->args.no_password ||
	    !ms_password_usable(token))
		return;
	for (; attempt->hashes < 2; attempt->hashes++)
		ms_password_dummy_verify(token);
}

/* On a webmail stack in prompt mode, a password that failed (wrong, or
 * no such mailbox) still gets the code prompt, whether or not the mailbox
 * has 2FA: the prompts then tell nobody whether the password was right,
 * whether the mailbox exists or whether its 2FA is on. Only a right
 * password of a mailbox without 2FA goes without, and that login succeeds.
 * With no_password, an unknown mailbox is asked too, as one with 2FA is.
 * The code given is neither checked nor used up. */
static void prompt_code_anyway(struct login *login, struct attempt *attempt)
{
	if (login->role == MS_ROLE_WEBMAIL &&
	    login->args.code_mode == CODE_PROMPT)
		(void)credential_prompt_code(login, &attempt->cred);
}

/* Last use is for the owner to see; a state in trouble must not refuse
 * the mail app, but an admin has to know. */
static void note_app_use(struct login *login, int which)
{
	if (ms_app_state_note(&login->store, login->name, &login->record, which,
			      time(NULL), login->service, login->rhost,
			      &login->err) != MS_OK)
		ms_log(login->pamh, LOG_ERR, "app password last use: %s",
		       login->err.msg);
}

/* The hash a wrong password costs, on a refusal that needed none. */
static void spend_a_hash(struct login *login, struct attempt *attempt)
{
	if (!login->args.no_password &&
	    ms_password_usable(attempt->cred.password)) {
		ms_password_dummy_verify(attempt->cred.password);
		attempt->hashes++;
	}
}

/* In app-passwords mode the mailbox password is refused; it still costs
 * one hash, as a wrong one does, so that timing does not tell the mode. */
static int password_refused(struct login *login, struct attempt *attempt)
{
	spend_a_hash(login, attempt);
	login_refused(login, "mailbox password refused: app passwords only");
	login_note(login, MS_JOURNAL_REFUSED, MS_JOURNAL_APP_PASSWORDS_ONLY,
		   NULL);
	return PAM_AUTH_ERR;
}

/* App passwords before the slow hash: a login that matches one never pays
 * it. `*decided`: the result is the login's, the password is not tried. */
static int check_app_password(struct login *login, struct attempt *attempt,
			      bool *decided)
{
	const struct ms_app_password *app;
	enum ms_app_result result = MS_APP_NONE;
	char reason[MS_APP_NAME_MAX + 64];
	int which = -1;

	*decided = false;
	if (!login->known ||
	    !ms_policy_app_passwords_apply(&login->record, login->role))
		return PAM_SUCCESS;
	if (!login->args.no_password)
		result = ms_app_check(&login->record, attempt->cred.password,
				      login->service, login->rhost_item,
				      time(NULL), &which);
	*decided = result != MS_APP_NONE ||
		   !ms_policy_password_allowed(&login->record, login->role);
	if (result == MS_APP_NONE)
		return *decided ? password_refused(login, attempt) : PAM_SUCCESS;
	app = &login->record.apps[which];
	if (result != MS_APP_OK) {
		/* Refused as fast as it matched, it would tell whoever holds
		 * it that it is real, only not here, not now. */
		spend_a_hash(login, attempt);
		snprintf(reason, sizeof(reason), "app password %s refused: %s",
			 app->name, ms_app_result_reason(result));
		login_refused(login, reason);
		login_note(login, MS_JOURNAL_REFUSED,
			   MS_JOURNAL_APP_PASSWORD_REFUSED, app->name);
		return PAM_AUTH_ERR;
	}
	note_app_use(login, which);
	snprintf(attempt->passed_app, sizeof(attempt->passed_app),
		 "app password %s", app->name);
	attempt->passed = attempt->passed_app;
	attempt->app_name = app->name;
	attempt->how = MS_AUTH_APP_PASSWORD;
	return PAM_SUCCESS;
}

/* App passwords, password, access policy, then the code. */
static int check_steps(struct login *login, struct attempt *attempt)
{
	bool decided;
	int rc;

	if (!login->known && login->args.no_password) {
		login_refused(login, "unknown mailbox");
		prompt_code_anyway(login, attempt);
		return PAM_USER_UNKNOWN;
	}
	rc = check_app_password(login, attempt, &decided);
	if (decided)
		return rc;
	rc = check_password(login, attempt);
	if (rc != PAM_SUCCESS) {
		prompt_code_anyway(login, attempt);
		return rc;
	}
	if (!ms_policy_client_allowed(&login->record, login->role)) {
		login_refused(login, "non-webmail access off");
		login_note(login, MS_JOURNAL_REFUSED, MS_JOURNAL_NON_WEBMAIL_OFF,
			   NULL);
		return PAM_PERM_DENIED;
	}
	if (attempt->needs_code)
		return check_code(login, attempt);
	return PAM_SUCCESS;
}

static int check_all(struct login *login, struct attempt *attempt)
{
	int rc = check_steps(login, attempt);

	if (rc != PAM_SUCCESS)
		even_out_refusal(login, attempt);
	return rc;
}

/* A webmail session resumed skips password and code: the same string from
 * the same host passed both moments ago (session.h). */
static int resume_session(struct login *login, struct attempt *attempt,
			  bool *resumed)
{
	struct ms_session_limits limits = { login->args.session_idle,
					    login->args.session_max };

	*resumed = false;
	if (ms_session_tag(&login->store, login->name, &login->record,
			   login->rhost_item, attempt->cred.whole,
			   attempt->session_tag, &login->err) != MS_OK)
		return state_error(login);
	switch (ms_session_check(&login->store, login->name,
				 attempt->session_tag, time(NULL), &limits,
				 &login->err)) {
	case MS_SESSION_HIT:
		*resumed = true;
		attempt->passed = "session resumed";
		return PAM_SUCCESS;
	case MS_SESSION_MISS:
		return PAM_SUCCESS;
	case MS_SESSION_ERROR:
		break;
	}
	return state_error(login);
}

/* Tells the application how the code part was met (pam_getenv,
 * authkind.h: mailsecctl self wants a fresh code, not a session, before
 * anything that loosens the mailbox's protection), hands later modules the
 * password alone (without the code), and logs the success. */
static int accept_login(struct login *login, const struct attempt *attempt,
			bool resumed)
{
	enum ms_auth_kind how = resumed ? MS_AUTH_SESSION : attempt->how;
	int rc = pam_putenv(login->pamh, ms_auth_kind_env(how));

	if (rc != PAM_SUCCESS)
		return rc;
	rc = passed_keep(login, how);
	if (rc != PAM_SUCCESS)
		return rc;
	if (attempt->cred.password && attempt->cred.code) {
		rc = pam_set_item(login->pamh, PAM_AUTHTOK,
				  attempt->cred.password);
		if (rc != PAM_SUCCESS)
			return rc;
	}
	login_accepted(login, attempt->passed);
	login_note(login, MS_JOURNAL_ACCEPTED, ms_journal_detail_of_auth(how),
		   attempt->app_name);
	return PAM_SUCCESS;
}

static int authenticate(struct login *login)
{
	struct attempt attempt = { .how = MS_AUTH_PASSWORD };
	bool split, resumed = false;
	int rc;

	/* With no_password, an earlier module checked the password. */
	attempt.passed = login->args.no_password ? "no code needed" : "password";
	attempt.needs_code = login->known &&
			     ms_policy_needs_code(&login->record, login->role);
	split = attempt.needs_code && login->args.code_mode == CODE_APPEND;
	attempt.use_session = split && login->args.session_idle > 0;
	rc = credential_read(login, split, &attempt.cred);
	if (rc != PAM_SUCCESS)
		goto done;
	if (attempt.use_session) {
		rc = resume_session(login, &attempt, &resumed);
		if (rc != PAM_SUCCESS)
			goto done;
	}
	if (!resumed) {
		rc = check_all(login, &attempt);
		if (rc != PAM_SUCCESS)
			goto done;
	}
	rc = login_still_current(login);
	if (rc != PAM_SUCCESS)
		goto done;
	rc = accept_login(login, &attempt, resumed);
done:
	credential_wipe(&attempt.cred);
	ms_wipe(attempt.session_tag, sizeof(attempt.session_tag));
	return rc;
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	struct login login;
	int rc;

	/* No value left from an earlier call on this handle (libpam logs
	 * an error for deleting an absent one). */
	if (pam_getenv(pamh, MS_AUTH_ENV))
		pam_putenv(pamh, MS_AUTH_ENV);
	passed_forget(pamh);
	rc = login_begin(pamh, argc, argv, &login);
	handoff_save(&login, rc);
	login.disallow_null = (flags & PAM_DISALLOW_NULL_AUTHTOK) != 0;
	if (rc != PAM_SUCCESS)
		goto done;
	rc = authenticate(&login);
done:
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
	int rc = login_begin_account(pamh, argc, argv, &login);

	if (rc != PAM_SUCCESS)
		goto done;
	if (!login.known) {
		login_refused(&login, "unknown mailbox");
		rc = PAM_USER_UNKNOWN;
		goto done;
	}
	if (!ms_policy_client_allowed(&login.record, login.role)) {
		login_refused(&login, "non-webmail access off");
		login_note(&login, MS_JOURNAL_REFUSED,
			   MS_JOURNAL_NON_WEBMAIL_OFF, NULL);
		rc = PAM_PERM_DENIED;
	} else if (!ms_policy_account_allowed(
			   &login.record, login.role,
			   passed_with(&login, MS_AUTH_APP_PASSWORD))) {
		login_refused(&login, "app passwords only, and the auth stage "
				      "took none");
		login_note(&login, MS_JOURNAL_REFUSED,
			   MS_JOURNAL_APP_PASSWORDS_ONLY, NULL);
		rc = PAM_PERM_DENIED;
	}
done:
	login_end(&login);
	return rc;
}
