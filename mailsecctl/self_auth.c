#include "config.h"

#include <security/pam_appl.h>
#include <stdlib.h>
#include <string.h>

#include "secure.h"
#include "self_auth.h"

/* Line 1 the credential, line 2 the code of a prompt-mode stack. */
#define MAX_ANSWERS 2

struct answers {
	struct self_input *input;
	int given;
	struct ms_error input_err; /* why stdin gave no answer */
};

static void responses_free(struct pam_response *resp, int n)
{
	for (int i = 0; i < n; i++)
		ms_free_secret(resp[i].resp);
	free(resp);
}

/* Messages are not shown (the output is JSON); an echo-on prompt would
 * ask for a user name, which is set: refused. */
static int answer(const struct pam_message *msg, struct pam_response *resp,
		  struct answers *answers)
{
	const char *what = answers->given == 0 ? "credential" : "code";
	const char *line;

	if (msg->msg_style == PAM_ERROR_MSG || msg->msg_style == PAM_TEXT_INFO)
		return PAM_SUCCESS;
	if (msg->msg_style != PAM_PROMPT_ECHO_OFF ||
	    answers->given == MAX_ANSWERS)
		return PAM_CONV_ERR;
	line = self_input_answer(answers->input);
	if (!line || !line[0]) {
		ms_fail(&answers->input_err, MS_INVALID, "%s %s",
			line ? "empty" : "no", what);
		return PAM_CONV_ERR;
	}
	answers->given++;
	resp->resp = strdup(line);
	return resp->resp ? PAM_SUCCESS : PAM_BUF_ERR;
}

static int converse(int n, const struct pam_message **msgs,
		    struct pam_response **resps, void *data)
{
	struct pam_response *out;
	int rc = PAM_SUCCESS;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	out = calloc((size_t)n, sizeof(*out));
	if (!out)
		return PAM_BUF_ERR;
	for (int i = 0; i < n && rc == PAM_SUCCESS; i++)
		rc = answer(msgs[i], &out[i], data);
	if (rc != PAM_SUCCESS) {
		responses_free(out, n);
		return rc;
	}
	*resps = out;
	return PAM_SUCCESS;
}

/* After both stages passed: the mailbox is still the one asked for (a
 * module may rewrite PAM_USER), and pam_mailsec took part. */
static enum ms_status check_outcome(pam_handle_t *pamh, const char *mailbox,
				    enum ms_auth_kind *how, struct ms_error *err)
{
	const void *user = NULL;

	if (pam_get_item(pamh, PAM_USER, &user) != PAM_SUCCESS || !user ||
	    strcmp(user, mailbox) != 0)
		return ms_fail(err, MS_REFUSED,
			       "%s: the %s stack changed the user name",
			       mailbox, SELF_SERVICE);
	*how = ms_auth_kind_parse(pam_getenv(pamh, MS_AUTH_ENV));
	if (*how == MS_AUTH_UNKNOWN)
		return ms_fail(err, MS_REFUSED,
			       "%s: pam_mailsec did not authenticate in the %s stack",
			       mailbox, SELF_SERVICE);
	return MS_OK;
}

/* PAM results that say the stack could not work, rather than no. */
static enum ms_status pam_failure_status(int rc)
{
	switch (rc) {
	case PAM_AUTHINFO_UNAVAIL:
	case PAM_SERVICE_ERR:
	case PAM_SYSTEM_ERR:
	case PAM_BUF_ERR:
	case PAM_OPEN_ERR:
	case PAM_SYMBOL_ERR:
	case PAM_ABORT:
		return MS_SYSTEM;
	default:
		return MS_REFUSED;
	}
}

static enum ms_status run_stack(pam_handle_t *pamh, const char *mailbox,
				const char *rhost, const struct answers *answers,
				enum ms_auth_kind *how, struct ms_error *err)
{
	int flags = PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK;
	int rc = pam_set_item(pamh, PAM_RHOST, rhost);

	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, flags);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, flags);
	if (rc == PAM_SUCCESS)
		return check_outcome(pamh, mailbox, how, err);
	if (answers->input_err.msg[0])
		return ms_fail(err, MS_REFUSED, "%s: not authenticated: %s",
			       mailbox, answers->input_err.msg);
	/* One message for every refusal: PAM's own words would tell a wrong
	 * password ("Authentication failure") from an unknown mailbox ("User
	 * not known ..."), and the caller may show or log them. The module's
	 * log line says which it was. */
	if (pam_failure_status(rc) == MS_REFUSED)
		return ms_fail(err, MS_REFUSED, "%s: not authenticated",
			       mailbox);
	return ms_fail(err, MS_SYSTEM, "%s: not authenticated: %s", mailbox,
		       pam_strerror(pamh, rc));
}

enum ms_status self_authenticate(const char *mailbox, const char *rhost,
				 struct self_input *input, enum ms_auth_kind *how,
				 struct ms_error *err)
{
	struct answers answers = { .input = input };
	struct pam_conv conv = { converse, &answers };
	pam_handle_t *pamh = NULL;
	enum ms_status status;
	int rc = pam_start(SELF_SERVICE, mailbox, &conv, &pamh);

	*how = MS_AUTH_UNKNOWN;
	if (rc != PAM_SUCCESS)
		return ms_fail(err, MS_SYSTEM, "cannot start PAM service %s: %s",
			       SELF_SERVICE, pam_strerror(pamh, rc));
	status = run_stack(pamh, mailbox, rhost, &answers, how, err);
	pam_end(pamh, status == MS_OK ? PAM_SUCCESS : PAM_AUTH_ERR);
	return status;
}
