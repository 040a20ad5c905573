/* One login, as a mail server's auth worker does it: pam_start (libpam
 * reads the service file and loads every module of the stack),
 * pam_authenticate, pam_acct_mgmt, pam_end (modules unloaded). The
 * conversation answers the password prompt with the password and any code
 * prompt (pam_mailsec's and GA's "Verification code: ", pam_oath's
 * "One-time password (OATH) for `USER': ") with the code. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

#include "bench.h"

static const char *answer(const struct pam_message *msg, struct talk *talk)
{
	if (msg->msg_style != PAM_PROMPT_ECHO_OFF &&
	    msg->msg_style != PAM_PROMPT_ECHO_ON)
		return "";
	if (strcmp(msg->msg, "Password: ") == 0)
		return talk->password;
	if (strncmp(msg->msg, "Verification code", 17) == 0 ||
	    strncmp(msg->msg, "One-time password (OATH)", 24) == 0)
		return talk->code;
	talk->other++;
	return NULL;
}

static int converse(int n, const struct pam_message **msg,
		    struct pam_response **resp, void *data)
{
	struct pam_response *replies = calloc((size_t)n, sizeof(*replies));

	if (!replies)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		const char *text = answer(msg[i], data);

		if (!text || !(replies[i].resp = strdup(text))) {
			for (int j = 0; j < i; j++)
				free(replies[j].resp);
			free(replies);
			return PAM_CONV_ERR;
		}
	}
	*resp = replies;
	return PAM_SUCCESS;
}

int bench_login(const char *confdir, const char *service, const char *user,
		struct talk *talk)
{
	struct pam_conv conv = { converse, talk };
	pam_handle_t *pamh = NULL;
	int rc = pam_start_confdir(service, user, &conv, confdir, &pamh);

	if (rc != PAM_SUCCESS)
		return rc;
	rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}
