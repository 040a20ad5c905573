/* TOTP codes on webmail: the window, replay, wrong and missing codes,
 * recovery codes, pending enrolment. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "mailbox.h"
#include "pamrun.h"
#include "suites.h"

/* Edge tests need their offsets to hold until the module looks. */
#define MARGIN 6

START_TEST(every_step_of_window_accepted)
{
	char name[64], code[16];
	struct ms_state st;
	struct mailbox mb;

	fx_conf(FX_CONF_DEFAULT "totp = { window = 2; };\n");
	mb_wait_step_margin(MARGIN);
	for (int k = -2; k <= 2; k++) {
		snprintf(name, sizeof(name), "step%d@example.com", k + 2);
		mb_create(&mb, name, MB_2FA);
		mb_code(&mb, k, code);
		pr_expect("webmail", name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
		mb_state(name, &st);
		ck_assert_int_eq(st.totp_used_until, mb_step_end(k));
	}
}
END_TEST

START_TEST(increasing_steps_accepted)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_wait_step_margin(MARGIN);
	for (int k = -1; k <= 1; k++) {
		mb_code(&mb, k, code);
		pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_SUCCESS,
			  "PC");
	}
}
END_TEST

START_TEST(outside_window_refused)
{
	struct ms_state st;
	struct mailbox mb;
	char code[16];

	fx_conf("lockout = { max_failures = 10; };\n");
	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_wait_step_margin(MARGIN);
	mb_code(&mb, -2, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
	mb_code(&mb, 2, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
	mb_code(&mb, 10, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
	mb_state(mb.name, &st);
	ck_assert_uint_eq(st.fail_count, 3);
	ck_assert_int_eq(st.totp_used_until, 0);
}
END_TEST

START_TEST(window_from_config)
{
	struct mailbox mb;
	char code[16];

	fx_conf(FX_CONF_DEFAULT "totp = { window = 0; };\n");
	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_wait_step_margin(MARGIN);
	mb_code(&mb, -1, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
}
END_TEST

START_TEST(replay_refused)
{
	struct ms_state st;
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
	/* Known already, not guessed: not counted toward the lockout. */
	mb_state(mb.name, &st);
	ck_assert_uint_eq(st.fail_count, 0);
	fx_stack_args("webmail", "code=append");
	pr_expect("webmail", mb.name, mb_join(MB_PASSWORD, code), NULL,
		  PAM_AUTH_ERR, "P");
}
END_TEST

START_TEST(step_older_than_last_refused)
{
	struct ms_state st;
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_wait_step_margin(MARGIN);
	mb_code(&mb, 1, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
	mb_code(&mb, -1, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
	mb_state(mb.name, &st);
	ck_assert_int_eq(st.totp_used_until, mb_step_end(1));
}
END_TEST

START_TEST(wrong_codes_refused)
{
	static const char *const odd[] = { "12345", "1234567", "abcdef",
					   " 12345", "12345\n" };
	struct mailbox mb;
	char code[16];

	fx_conf("lockout = { max_failures = 100; };\n");
	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_wrong_code(&mb, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
	for (size_t i = 0; i < sizeof(odd) / sizeof(*odd); i++)
		pr_expect("webmail", mb.name, MB_PASSWORD, odd[i],
			  PAM_AUTH_ERR, "PC");
	fx_stack_args("webmail", "code=append");
	pr_expect("webmail", mb.name, mb_join(MB_PASSWORD, code), NULL,
		  PAM_AUTH_ERR, "P");
}
END_TEST

START_TEST(missing_code_refused)
{
	struct ms_state st;
	struct mailbox mb;

	mb_create(&mb, "alice@example.com", MB_2FA);
	pr_expect("webmail", mb.name, MB_PASSWORD, "", PAM_AUTH_ERR, "PC");
	/* Nothing was guessed: not counted toward the lockout. */
	mb_state(mb.name, &st);
	ck_assert_uint_eq(st.fail_count, 0);
}
END_TEST

/* The step is used up only after the password matched. */
START_TEST(wrong_password_leaves_code_unused)
{
	struct ms_state st;
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, "wrong", code, PAM_AUTH_ERR, NULL);
	fx_stack_args("webmail", "code=append");
	pr_expect("webmail", mb.name, mb_join("wrong", code), NULL,
		  PAM_AUTH_ERR, "P");
	mb_state(mb.name, &st);
	ck_assert_int_eq(st.totp_used_until, 0);
	pr_expect("webmail", mb.name, mb_join(MB_PASSWORD, code), NULL,
		  PAM_SUCCESS, "P");
}
END_TEST

START_TEST(recovery_code_once_prompt)
{
	struct ms_state st;
	struct mailbox mb;

	mb_create(&mb, "alice@example.com", MB_RECOVERY);
	pr_expect("webmail", mb.name, MB_PASSWORD, mb.recovery[3], PAM_SUCCESS,
		  "PC");
	pr_expect("webmail", mb.name, MB_PASSWORD, mb.recovery[3],
		  PAM_AUTH_ERR, "PC");
	pr_expect("webmail", mb.name, MB_PASSWORD, mb.recovery[0], PAM_SUCCESS,
		  "PC");
	mb_state(mb.name, &st);
	ck_assert_uint_eq(st.recovery_used, (1u << 3) | 1u);
}
END_TEST

START_TEST(recovery_code_once_append)
{
	struct mailbox mb;

	mb_create(&mb, "alice@example.com", MB_RECOVERY);
	fx_stack_args("webmail", "code=append");
	pr_expect("webmail", mb.name, mb_join(MB_PASSWORD, mb.recovery[5]),
		  NULL, PAM_SUCCESS, "P");
	pr_expect("webmail", mb.name, mb_join(MB_PASSWORD, mb.recovery[5]),
		  NULL, PAM_AUTH_ERR, "P");
	pr_expect("webmail", mb.name, mb_join("wrong", mb.recovery[6]), NULL,
		  PAM_AUTH_ERR, "P");
	pr_expect("webmail", mb.name, mb_join(MB_PASSWORD, mb.recovery[6]),
		  NULL, PAM_SUCCESS, "P");
}
END_TEST

START_TEST(unknown_recovery_code_refused)
{
	struct mailbox mb;

	mb_create(&mb, "alice@example.com", MB_RECOVERY);
	pr_expect("webmail", mb.name, MB_PASSWORD, "aaaaa-aaaaa", PAM_AUTH_ERR,
		  "PC");
}
END_TEST

START_TEST(pending_needs_password_only)
{
	struct mailbox mb;

	mb_create(&mb, "alice@example.com", MB_PENDING);
	pr_expect("webmail", mb.name, MB_PASSWORD, NULL, PAM_SUCCESS, "P");
	/* A wrong password meets the code prompt on every webmail stack. */
	pr_expect("webmail", mb.name, "wrong", "", PAM_AUTH_ERR, "PC");
	fx_stack_args("webmail", "code=append");
	pr_expect("webmail", mb.name, MB_PASSWORD, NULL, PAM_SUCCESS, "P");
}
END_TEST

TCase *tcase_codes(void)
{
	TCase *tc = tcase_with_fixture("codes");

	tcase_add_test(tc, every_step_of_window_accepted);
	tcase_add_test(tc, increasing_steps_accepted);
	tcase_add_test(tc, outside_window_refused);
	tcase_add_test(tc, window_from_config);
	tcase_add_test(tc, replay_refused);
	tcase_add_test(tc, step_older_than_last_refused);
	tcase_add_test(tc, wrong_codes_refused);
	tcase_add_test(tc, missing_code_refused);
	tcase_add_test(tc, wrong_password_leaves_code_unused);
	tcase_add_test(tc, recovery_code_once_prompt);
	tcase_add_test(tc, recovery_code_once_append);
	tcase_add_test(tc, unknown_recovery_code_refused);
	tcase_add_test(tc, pending_needs_password_only);
	return tc;
}
