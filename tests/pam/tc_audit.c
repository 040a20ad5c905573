/* The audit trail: each accepted login is one LOG_INFO line saying how it
 * passed, the wrong code that starts a lockout says until when, and the
 * append-mode password sent without its code is told from a wrong one.
 * No line holds a password or a code. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "hashes.h"
#include "logs.h"
#include "mailbox.h"
#include "pamrun.h"
#include "suites.h"

#define ALICE "alice@example.com"
#define HOST "192.0.2.10"

static int append_login(const char *credential)
{
	struct ts_talk talk = { .password = credential };

	return pr_auth_from("webmail", ALICE, HOST, &talk);
}

START_TEST(each_success_says_how_it_passed)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, ALICE, MB_2FA | MB_RECOVERY);
	fx_stack_args("webmail", "code=prompt");
	fx_stack_args("imap", "");
	lg_start();
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
	ck_assert(strstr(lg_one("accepted:"),
			 "authpriv.info -: pam_mailsec(webmail:auth): accepted: "
			 "mailbox=alice@example.com service=webmail role=webmail "
			 "rhost=-: password and code"));
	lg_clear();
	pr_expect("webmail", mb.name, MB_PASSWORD, mb.recovery[2], PAM_SUCCESS,
		  "PC");
	ck_assert(strstr(lg_one("accepted:"), ": password and recovery code"));
	lg_clear();
	pr_expect("imap", mb.name, MB_PASSWORD, NULL, PAM_SUCCESS, "P");
	ck_assert(strstr(lg_one("accepted:"), "role=client rhost=-: password"));
	lg_assert_absent(MB_PASSWORD);
	lg_assert_absent(mb.recovery[2]);
}
END_TEST

START_TEST(resumed_session_is_logged)
{
	struct mailbox mb;
	char code[16], credential[64];

	mb_create(&mb, ALICE, MB_2FA);
	fx_stack_args("webmail", "code=append session=60");
	mb_code(&mb, 0, code);
	snprintf(credential, sizeof(credential), "%s%s", MB_PASSWORD, code);
	lg_start();
	ck_pam(append_login(credential), PAM_SUCCESS);
	ck_assert(strstr(lg_one("accepted:"), ": password and code"));
	lg_clear();
	ck_pam(append_login(credential), PAM_SUCCESS);
	ck_assert(strstr(lg_one("accepted:"), "rhost=" HOST ": session resumed"));
	lg_assert_absent(MB_PASSWORD);
	lg_assert_absent(code);
}
END_TEST

/* FX_CONF_DEFAULT: the third wrong code locks for 900 s. */
START_TEST(lockout_start_says_until_when)
{
	struct mailbox mb;
	char code[16];
	const char *line;

	mb_create(&mb, ALICE, MB_2FA);
	fx_stack_args("webmail", "code=prompt");
	mb_wrong_code(&mb, code);
	lg_start();
	for (int i = 0; i < 4; i++)
		pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_AUTH_ERR,
			  "PC");
	ck_assert_uint_eq(lg_count(": bad code"), 3);
	line = lg_one("locked until");
	ck_assert_msg(strstr(line, "authpriv.notice ") == line, "%s", line);
	ck_assert_msg(strstr(line, "mailbox=alice@example.com service=webmail"),
		      "%s", line);
	ck_assert_msg(strstr(line, ": bad code; locked until 20"), "%s", line);
	ck_assert_msg(line[strlen(line) - 1] == 'Z', "%s", line);
	ck_assert_uint_eq(lg_count(": locked"), 1);
	ck_assert_uint_eq(lg_count("accepted:"), 0);
	lg_assert_absent(code);
	lg_assert_absent(MB_PASSWORD);
}
END_TEST

START_TEST(append_password_without_code)
{
	struct mailbox mb;
	char code[16], credential[64];

	mb_create(&mb, ALICE, MB_2FA);
	fx_stack_args("webmail", "code=append");
	lg_start();
	ck_pam(append_login(MB_PASSWORD), PAM_AUTH_ERR);
	ck_assert(strstr(lg_one("refused:"), "rhost=" HOST ": missing code"));
	lg_clear();
	mb_code(&mb, 0, code);
	snprintf(credential, sizeof(credential), "%sX%s", MB_PASSWORD, code);
	ck_pam(append_login(credential), PAM_AUTH_ERR);
	ck_assert(strstr(lg_one("refused:"), ": bad password"));
	lg_clear();
	/* Neither was counted as a guess: the right code still passes. */
	snprintf(credential, sizeof(credential), "%s%s", MB_PASSWORD, code);
	ck_pam(append_login(credential), PAM_SUCCESS);
	ck_assert_uint_eq(lg_count("accepted:"), 1);
	lg_assert_absent(MB_PASSWORD);
}
END_TEST

/* The hashes `credential` costs on the append-mode webmail stack. */
static unsigned hashes_of(const char *user, const char *credential, int rc)
{
	struct ts_talk talk = { .password = credential };

	hs_reset();
	ck_pam(pr_auth_from("webmail", user, HOST, &talk), rc);
	return hs_count();
}

/* Telling "missing code" costs a second hash where the password part
 * failed: every refusal there costs two, so that timing tells neither the
 * password nor whether the mailbox exists or has 2FA. */
START_TEST(append_refusals_cost_the_same)
{
	struct mailbox alice, bob;
	char code[16], wrong[16], credential[64];

	mb_create(&alice, ALICE, MB_2FA);
	mb_create(&bob, "bob@example.com", 0);
	fx_stack_args("webmail", "code=append");
	mb_code(&alice, 0, code);
	mb_wrong_code(&alice, wrong);
	ck_assert_uint_eq(hashes_of(ALICE, MB_PASSWORD, PAM_AUTH_ERR), 2);
	snprintf(credential, sizeof(credential), "%sX%s", MB_PASSWORD, code);
	ck_assert_uint_eq(hashes_of(ALICE, credential, PAM_AUTH_ERR), 2);
	snprintf(credential, sizeof(credential), "%s%s", MB_PASSWORD, wrong);
	ck_assert_uint_eq(hashes_of(ALICE, credential, PAM_AUTH_ERR), 2);
	ck_assert_uint_eq(hashes_of(ALICE, code, PAM_AUTH_ERR), 2);
	ck_assert_uint_eq(hashes_of("bob@example.com", "wrong password",
				    PAM_AUTH_ERR), 2);
	ck_assert_uint_eq(hashes_of("nobody@example.com", credential,
				    PAM_USER_UNKNOWN), 2);
	ck_assert_uint_eq(hashes_of("nobody@example.com", code,
				    PAM_USER_UNKNOWN), 2);
	/* An empty token costs nothing, whoever it names. */
	ck_assert_uint_eq(hashes_of(ALICE, "", PAM_AUTH_ERR), 0);
	ck_assert_uint_eq(hashes_of("nobody@example.com", "", PAM_USER_UNKNOWN),
			  0);
	/* A success costs one. */
	ck_assert_uint_eq(hashes_of("bob@example.com", MB_PASSWORD,
				    PAM_SUCCESS), 1);
	snprintf(credential, sizeof(credential), "%s%s", MB_PASSWORD, code);
	ck_assert_uint_eq(hashes_of(ALICE, credential, PAM_SUCCESS), 1);
}
END_TEST

TCase *tcase_audit(void)
{
	TCase *tc = tcase_with_fixture("audit");

	tcase_add_test(tc, each_success_says_how_it_passed);
	tcase_add_test(tc, resumed_session_is_logged);
	tcase_add_test(tc, lockout_start_says_until_when);
	tcase_add_test(tc, append_password_without_code);
	tcase_add_test(tc, append_refusals_cost_the_same);
	return tc;
}
