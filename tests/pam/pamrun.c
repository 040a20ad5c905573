#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "pamrun.h"

static void note(struct talk *talk, char what)
{
	size_t len = strlen(talk->asked);

	if (len + 1 < sizeof(talk->asked))
		talk->asked[len] = what;
}

/* The answer to one prompt, counted; NULL when it must be refused. */
static const char *answer(const struct pam_message *msg, struct talk *talk)
{
	if (msg->msg_style != PAM_PROMPT_ECHO_OFF &&
	    msg->msg_style != PAM_PROMPT_ECHO_ON)
		return "";
	if (msg->msg_style == PAM_PROMPT_ECHO_OFF &&
	    strcmp(msg->msg, PROMPT_PASSWORD) == 0) {
		talk->password_asked++;
		note(talk, 'P');
		return talk->password;
	}
	if (msg->msg_style == PAM_PROMPT_ECHO_OFF &&
	    strcmp(msg->msg, PROMPT_CODE) == 0) {
		talk->code_asked++;
		note(talk, 'C');
		return talk->code;
	}
	talk->other_asked++;
	note(talk, '?');
	return NULL;
}

static void free_replies(struct pam_response *replies, int n)
{
	for (int i = 0; i < n; i++)
		free(replies[i].resp);
	free(replies);
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
			free_replies(replies, n);
			return PAM_CONV_ERR;
		}
	}
	*resp = replies;
	return PAM_SUCCESS;
}

pam_handle_t *pr_start(const char *service, const char *user,
		       struct talk *talk)
{
	pam_handle_t *pamh = pr_start_quiet(service, user, talk);

	ck_assert_msg(pamh, "pam_start_confdir(%s, %s) failed", service, user);
	return pamh;
}

pam_handle_t *pr_start_quiet(const char *service, const char *user,
			     struct talk *talk)
{
	struct pam_conv conv = { converse, talk };
	pam_handle_t *pamh = NULL;

	if (pam_start_confdir(service, user, &conv, fx.pamd, &pamh) !=
	    PAM_SUCCESS)
		return NULL;
	return pamh;
}

int pr_auth_quiet(const char *service, const char *user, struct talk *talk)
{
	pam_handle_t *pamh = pr_start_quiet(service, user, talk);
	int rc;

	if (!pamh)
		return PAM_ABORT;
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

int pr_auth_from(const char *service, const char *user, const char *rhost,
		 struct talk *talk)
{
	pam_handle_t *pamh = pr_start(service, user, talk);
	int rc;

	if (rhost)
		ck_pam(pam_set_item(pamh, PAM_RHOST, rhost), PAM_SUCCESS);
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

int pr_auth_talk(const char *service, const char *user, struct talk *talk)
{
	return pr_auth_from(service, user, NULL, talk);
}

int pr_auth(const char *service, const char *user, const char *password,
	    const char *code)
{
	struct talk talk = { .password = password, .code = code };

	return pr_auth_talk(service, user, &talk);
}

void pr_expect(const char *service, const char *user, const char *password,
	       const char *code, int expected, const char *asked)
{
	struct talk talk = { .password = password, .code = code };

	ck_pam(pr_auth_talk(service, user, &talk), expected);
	if (asked)
		ck_assert_str_eq(talk.asked, asked);
}

int pr_acct(const char *service, const char *user)
{
	struct talk talk = { 0 };
	pam_handle_t *pamh = pr_start(service, user, &talk);
	int rc = pam_acct_mgmt(pamh, 0);

	pam_end(pamh, rc);
	ck_assert_int_eq(talk.password_asked + talk.code_asked, 0);
	return rc;
}
