/* Webmail sessions (session=SECONDS, code=append): the exact string of a
 * password+code success, from the same PAM_RHOST, is taken again until
 * idle; anything else is a replay. */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "fixture.h"
#include "mailbox.h"
#include "pamrun.h"
#include "suites.h"

#define ALICE "alice@example.com"
#define HOST "192.0.2.10"

static int login_from(const char *rhost, const char *credential)
{
	struct ts_talk talk = { .password = credential };

	return pr_auth_from("webmail", ALICE, rhost, &talk);
}

/* A mailbox with 2FA, the session stack, and one password+code success
 * from HOST; its credential string into `credential`. */
static void session_begun(struct mailbox *mb, const char *args,
			  char credential[64])
{
	char code[16];

	mb_create(mb, ALICE, MB_2FA);
	fx_stack_args("webmail", args);
	mb_code(mb, 0, code);
	snprintf(credential, 64, "%s%s", MB_PASSWORD, code);
	ck_pam(login_from(HOST, credential), PAM_SUCCESS);
}

START_TEST(same_string_same_host_resumes)
{
	char credential[64];
	struct mailbox mb;

	session_begun(&mb, "code=append session=60", credential);
	for (int i = 0; i < 3; i++)
		ck_pam(login_from(HOST, credential), PAM_SUCCESS);
}
END_TEST

START_TEST(other_host_is_a_replay)
{
	char credential[64];
	struct mailbox mb;

	session_begun(&mb, "code=append session=60", credential);
	ck_pam(login_from("192.0.2.11", credential), PAM_AUTH_ERR);
	ck_pam(login_from(NULL, credential), PAM_AUTH_ERR);
}
END_TEST

START_TEST(without_session_is_a_replay)
{
	char credential[64];
	struct mailbox mb;

	session_begun(&mb, "code=append", credential);
	ck_pam(login_from(HOST, credential), PAM_AUTH_ERR);
}
END_TEST

START_TEST(session_ends_when_idle)
{
	char credential[64];
	struct mailbox mb;

	session_begun(&mb, "code=append session=1", credential);
	sleep(3);
	ck_pam(login_from(HOST, credential), PAM_AUTH_ERR);
}
END_TEST

START_TEST(new_record_ends_session)
{
	char credential[64];
	struct mailbox mb;

	session_begun(&mb, "code=append session=60", credential);
	/* Same password, new hash and secret: what passwd or enroll do. */
	mb_create(&mb, ALICE, MB_2FA);
	ck_pam(login_from(HOST, credential), PAM_AUTH_ERR);
}
END_TEST

TCase *tcase_session(void)
{
	TCase *tc = tcase_with_fixture("session");

	tcase_add_test(tc, same_string_same_host_resumes);
	tcase_add_test(tc, other_host_is_a_replay);
	tcase_add_test(tc, without_session_is_a_replay);
	tcase_add_test(tc, session_ends_when_idle);
	tcase_add_test(tc, new_record_ends_session);
	return tc;
}
