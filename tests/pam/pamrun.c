#include "config.h"

#include "fixture.h"
#include "pamrun.h"

pam_handle_t *pr_start(const char *service, const char *user,
		       struct ts_talk *talk)
{
	pam_handle_t *pamh = pr_start_quiet(service, user, talk);

	ck_assert_msg(pamh, "pam_start_confdir(%s, %s) failed", service, user);
	return pamh;
}

pam_handle_t *pr_start_quiet(const char *service, const char *user,
			     struct ts_talk *talk)
{
	struct pam_conv conv = { ts_converse, talk };
	pam_handle_t *pamh = NULL;

	if (pam_start_confdir(service, user, &conv, fx.pamd, &pamh) !=
	    PAM_SUCCESS)
		return NULL;
	return pamh;
}

int pr_auth_quiet(const char *service, const char *user, struct ts_talk *talk)
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
		 struct ts_talk *talk)
{
	pam_handle_t *pamh = pr_start(service, user, talk);
	int rc;

	if (rhost)
		ck_pam(pam_set_item(pamh, PAM_RHOST, rhost), PAM_SUCCESS);
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

int pr_auth_talk(const char *service, const char *user, struct ts_talk *talk)
{
	return pr_auth_from(service, user, NULL, talk);
}

int pr_auth(const char *service, const char *user, const char *password,
	    const char *code)
{
	struct ts_talk talk = { .password = password, .code = code };

	return pr_auth_talk(service, user, &talk);
}

void pr_expect(const char *service, const char *user, const char *password,
	       const char *code, int expected, const char *asked)
{
	struct ts_talk talk = { .password = password, .code = code };

	ck_pam(pr_auth_talk(service, user, &talk), expected);
	if (asked)
		ck_assert_str_eq(talk.asked, asked);
}

int pr_acct(const char *service, const char *user)
{
	struct ts_talk talk = { 0 };
	pam_handle_t *pamh = pr_start(service, user, &talk);
	int rc = pam_acct_mgmt(pamh, 0);

	pam_end(pamh, rc);
	ck_assert_int_eq(talk.password_asked + talk.code_asked, 0);
	return rc;
}
