/* One login, as a mail server's auth worker does it: pam_start (libpam
 * reads the service file and loads every module of the stack),
 * pam_authenticate, pam_acct_mgmt, pam_end (modules unloaded). The
 * conversation (tests/support/conv.c) answers the password prompt with the
 * password and any code prompt (pam_mailsec's and GA's "Verification
 * code: ", pam_oath's with OATH_PROMPT_START) with the code. */
#include "config.h"

#include <security/pam_appl.h>

#include "bench.h"

int bench_login(const char *confdir, const char *service, const char *user,
		struct ts_talk *talk)
{
	struct pam_conv conv = { ts_converse, talk };
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
