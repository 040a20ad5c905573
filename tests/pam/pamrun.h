/* Driving a service of the fixture's pam.d through libpam
 * (pam_start_confdir), with the conversation of tests/support/conv.h. */
#ifndef TESTS_PAM_PAMRUN_H
#define TESTS_PAM_PAMRUN_H

#include <check.h>
#include <security/pam_appl.h>

#include "../support/conv.h"

/* pam_start_confdir on fx.pamd; asserts that it worked. */
pam_handle_t *pr_start(const char *service, const char *user,
		       struct ts_talk *talk);

/* pr_start asserting nothing (for child processes): NULL on failure. */
pam_handle_t *pr_start_quiet(const char *service, const char *user,
			     struct ts_talk *talk);

/* pam_authenticate, with its own handle, asserting nothing (for child
 * processes): any failure is its return code. */
int pr_auth_quiet(const char *service, const char *user,
		  struct ts_talk *talk);

/* pam_authenticate, with its own handle. */
int pr_auth_from(const char *service, const char *user, const char *rhost,
		 struct ts_talk *talk);
int pr_auth_talk(const char *service, const char *user, struct ts_talk *talk);
int pr_auth(const char *service, const char *user, const char *password,
	    const char *code);

/* pr_auth, then asserts its result and, unless NULL, the prompts asked
 * in order (struct ts_talk's `asked`, e.g. "PC"). */
void pr_expect(const char *service, const char *user, const char *password,
	       const char *code, int expected, const char *asked);

/* pam_acct_mgmt alone, with its own handle. */
int pr_acct(const char *service, const char *user);

/* Fails the test with both return codes named. */
#define ck_pam(rc, expected)                                                  \
	do {                                                                  \
		int ck_pam_rc_ = (rc), ck_pam_ex_ = (expected);               \
		ck_assert_msg(ck_pam_rc_ == ck_pam_ex_,                       \
			      "%s: got %d (%s), expected %d (%s)", #rc,      \
			      ck_pam_rc_, pam_strerror(NULL, ck_pam_rc_),     \
			      ck_pam_ex_, pam_strerror(NULL, ck_pam_ex_));    \
	} while (0)

#endif
