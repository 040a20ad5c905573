/* Lockout: max_failures wrong codes lock codes and recovery codes; wrong
 * passwords, replayed and missing codes do not count; unlock, success and
 * time clear it. */
#include "config.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "mailbox.h"
#include "pamrun.h"
#include "suites.h"

static void refuse_codes(const struct mailbox *mb, int n)
{
	char code[16];

	for (int i = 0; i < n; i++) {
		mb_wrong_code(mb, code);
		pr_expect("webmail", mb->name, MB_PASSWORD, code, PAM_AUTH_ERR,
			  "PC");
	}
}

static void assert_locked(const char *name, long lock_for)
{
	struct ms_state st;
	time_t now = time(NULL);

	mb_state(name, &st);
	ck_assert_msg(st.locked_until > now, "not locked: locked_until %lld",
		      (long long)st.locked_until);
	ck_assert_int_le(st.locked_until, now + lock_for);
}

static void assert_unlocked(const char *name, unsigned fail_count)
{
	struct ms_state st;

	mb_state(name, &st);
	ck_assert_int_eq(st.locked_until, 0);
	ck_assert_uint_eq(st.fail_count, fail_count);
}

START_TEST(locks_after_exactly_max_failures)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA | MB_RECOVERY);
	refuse_codes(&mb, 2);
	assert_unlocked(mb.name, 2);
	refuse_codes(&mb, 1);
	assert_locked(mb.name, 900);
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
	pr_expect("webmail", mb.name, MB_PASSWORD, mb.recovery[0],
		  PAM_AUTH_ERR, "PC");
	fx_stack_args("webmail", "code=append");
	pr_expect("webmail", mb.name, mb_join(MB_PASSWORD, code), NULL,
		  PAM_AUTH_ERR, "P");
	assert_locked(mb.name, 900);
}
END_TEST

START_TEST(lock_spares_nothing_used)
{
	struct ms_state st;
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_RECOVERY);
	refuse_codes(&mb, 3);
	pr_expect("webmail", mb.name, MB_PASSWORD, mb.recovery[0],
		  PAM_AUTH_ERR, "PC");
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
	mb_state(mb.name, &st);
	ck_assert_uint_eq(st.recovery_used, 0);
	ck_assert_int_eq(st.totp_used_until, 0);
}
END_TEST

/* A webmail whose session ended repeats the string its owner logged in
 * with, code or recovery code, on every request: that must not lock the
 * owner out. */
START_TEST(replays_and_missing_codes_do_not_count)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_RECOVERY);
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
	pr_expect("webmail", mb.name, MB_PASSWORD, mb.recovery[0], PAM_SUCCESS,
		  "PC");
	fx_stack_args("webmail", "code=append session=600");
	for (int i = 0; i < 4; i++) {
		pr_expect("webmail", mb.name, mb_join(MB_PASSWORD, code), NULL,
			  PAM_AUTH_ERR, "P");
		pr_expect("webmail", mb.name,
			  mb_join(MB_PASSWORD, mb.recovery[0]), NULL,
			  PAM_AUTH_ERR, "P");
	}
	assert_unlocked(mb.name, 0);
	mb_code(&mb, 1, code);
	pr_expect("webmail", mb.name, mb_join(MB_PASSWORD, code), NULL,
		  PAM_SUCCESS, "P");
}
END_TEST

START_TEST(wrong_passwords_do_not_count)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_wrong_code(&mb, code);
	for (int i = 0; i < 6; i++)
		pr_expect("webmail", mb.name, "wrong", code, PAM_AUTH_ERR,
			  NULL);
	fx_stack_args("webmail", "code=append");
	for (int i = 0; i < 6; i++)
		pr_expect("webmail", mb.name, mb_join("wrong", code), NULL,
			  PAM_AUTH_ERR, "P");
	assert_unlocked(mb.name, 0);
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, mb_join(MB_PASSWORD, code), NULL,
		  PAM_SUCCESS, "P");
}
END_TEST

START_TEST(unlock_lets_a_fresh_code_in)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA);
	refuse_codes(&mb, 3);
	assert_locked(mb.name, 900);
	mb_unlock(mb.name);
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
}
END_TEST

START_TEST(success_resets_counter)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_wait_step_margin(4);
	refuse_codes(&mb, 2);
	mb_code(&mb, -1, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
	assert_unlocked(mb.name, 0);
	refuse_codes(&mb, 2);
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
	assert_unlocked(mb.name, 0);
}
END_TEST

START_TEST(recovery_success_resets_counter)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_RECOVERY);
	refuse_codes(&mb, 2);
	pr_expect("webmail", mb.name, MB_PASSWORD, mb.recovery[1], PAM_SUCCESS,
		  "PC");
	refuse_codes(&mb, 2);
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
}
END_TEST

START_TEST(lock_ends_after_lock_for)
{
	struct mailbox mb;
	char code[16];

	fx_conf("lockout = { max_failures = 2; lock_for = 1; };\n");
	mb_create(&mb, "alice@example.com", MB_2FA);
	refuse_codes(&mb, 2);
	assert_locked(mb.name, 1);
	sleep(2);
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
}
END_TEST

/* The count loses one failure every `within` seconds: guesses spaced just
 * wider than a window still add up (a fixed window would start afresh). */
START_TEST(failures_decay_one_per_within)
{
	struct mailbox mb;

	fx_conf("lockout = { max_failures = 3; within = 4; };\n");
	mb_create(&mb, "alice@example.com", MB_2FA);
	refuse_codes(&mb, 2);
	sleep(5);
	refuse_codes(&mb, 1);
	assert_unlocked(mb.name, 2);
	refuse_codes(&mb, 1);
	assert_locked(mb.name, 900);
}
END_TEST

TCase *tcase_lockout(void)
{
	TCase *tc = tcase_with_fixture("lockout");

	tcase_add_test(tc, locks_after_exactly_max_failures);
	tcase_add_test(tc, lock_spares_nothing_used);
	tcase_add_test(tc, replays_and_missing_codes_do_not_count);
	tcase_add_test(tc, wrong_passwords_do_not_count);
	tcase_add_test(tc, unlock_lets_a_fresh_code_in);
	tcase_add_test(tc, success_resets_counter);
	tcase_add_test(tc, recovery_success_resets_counter);
	tcase_add_test(tc, lock_ends_after_lock_for);
	tcase_add_test(tc, failures_decay_one_per_within);
	return tc;
}
