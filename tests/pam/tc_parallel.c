/* Logins racing in separate processes: the state's read-check-write under
 * the mailbox lock lets one use of a code through, loses no failure, and
 * keeps mailboxes apart. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "mailbox.h"
#include "pamrun.h"
#include "spawn.h"
#include "suites.h"

/* Codes made before the crowd starts must still be current when it ends. */
#define MARGIN 10
/* Children under valgrind may take longer than a step to get there. */
#define SLOW_WINDOW "totp = { window = 2; };\n"

struct attempt {
	const char *name;
	char code[16];
};

/* In a child: the stack is loaded before the gate, so that the children
 * reach the module's state update as nearly together as they can. */
static int webmail_login(void *arg)
{
	struct attempt *a = arg;
	struct ts_talk talk = { .password = MB_PASSWORD, .code = a->code };
	pam_handle_t *pamh = pr_start_quiet("webmail", a->name, &talk);
	int rc;

	if (!pamh)
		return PAM_ABORT;
	crowd_gate();
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

/* Spawns one child per attempt, starts them together, collects results. */
static void race(struct attempt *attempts, int n, int results[])
{
	struct crowd crowd;

	crowd_begin(&crowd);
	for (int i = 0; i < n; i++)
		crowd_spawn(&crowd, webmail_login, &attempts[i]);
	crowd_finish(&crowd, results);
}

START_TEST(same_code_twenty_processes_one_success)
{
	struct attempt attempts[20];
	int results[20];
	struct mailbox mb;

	fx_conf(FX_CONF_DEFAULT SLOW_WINDOW);
	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_wait_step_margin(MARGIN);
	for (int i = 0; i < 20; i++) {
		attempts[i].name = mb.name;
		mb_code(&mb, 0, attempts[i].code);
	}
	race(attempts, 20, results);
	ck_assert_int_eq(crowd_count(results, 20, PAM_SUCCESS), 1);
	ck_assert_int_eq(crowd_count(results, 20, PAM_AUTH_ERR), 19);
}
END_TEST

START_TEST(fifty_mailboxes_at_once)
{
	static struct mailbox mbs[50];
	struct attempt attempts[50];
	int results[50];

	fx_conf(FX_CONF_DEFAULT SLOW_WINDOW);
	for (int i = 0; i < 50; i++) {
		char name[64];

		snprintf(name, sizeof(name), "user%02d@example.com", i);
		mb_create(&mbs[i], name, MB_2FA);
	}
	mb_wait_step_margin(MARGIN);
	for (int i = 0; i < 50; i++) {
		attempts[i].name = mbs[i].name;
		mb_code(&mbs[i], 0, attempts[i].code);
	}
	race(attempts, 50, results);
	ck_assert_int_eq(crowd_count(results, 50, PAM_SUCCESS), 50);
}
END_TEST

START_TEST(twenty_wrong_codes_lock_after_max_failures)
{
	struct attempt attempts[20];
	int results[20];
	struct ms_state st;
	struct mailbox mb;
	char code[16];
	time_t start = time(NULL);

	fx_conf("lockout = { max_failures = 5; within = 300; lock_for = 900; };\n");
	mb_create(&mb, "alice@example.com", MB_2FA);
	for (int i = 0; i < 20; i++) {
		attempts[i].name = mb.name;
		mb_wrong_code(&mb, attempts[i].code);
	}
	race(attempts, 20, results);
	ck_assert_int_eq(crowd_count(results, 20, PAM_AUTH_ERR), 20);
	mb_state(mb.name, &st);
	ck_assert_int_ge(st.locked_until, start + 900);
	ck_assert_int_le(st.locked_until, time(NULL) + 900);
	/* One state write per counted failure; locked refusals write none. */
	ck_assert_msg(st.seq == 5, "%llu failures counted, expected 5",
		      (unsigned long long)st.seq);
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
}
END_TEST

#define GUESSERS 40
#define GUESSES_EACH 25 /* 1,000 guesses in all */

struct guesser {
	const char *name;
	int first;          /* this guesser's first candidate */
	char valid[5][16];  /* codes of steps -2..2: never guessed */
};

static bool is_valid_code(const struct guesser *g, const char *code)
{
	for (int k = 0; k < 5; k++)
		if (!strcmp(code, g->valid[k]))
			return true;
	return false;
}

/* In a child: GUESSES_EACH distinct wrong codes, one login each; exits
 * with how many were not refused (0 expected). */
static int guess_codes(void *arg)
{
	struct guesser *g = arg;
	int admitted = 0;

	crowd_gate();
	for (int i = 0, candidate = g->first; i < GUESSES_EACH; candidate++) {
		char code[16];
		struct ts_talk talk = { .password = MB_PASSWORD, .code = code };

		snprintf(code, sizeof(code), "%06d", candidate * 7919 % 1000000);
		if (is_valid_code(g, code))
			continue;
		if (pr_auth_quiet("webmail", g->name, &talk) != PAM_AUTH_ERR)
			admitted++;
		i++;
	}
	return admitted;
}

/* An attacker who has the password and guesses codes as fast as the host
 * allows: every guess refused, the lock taken after exactly max_failures,
 * and the real code refused while it holds. */
START_TEST(thousand_wrong_codes_in_parallel_all_refused)
{
	static struct guesser guessers[GUESSERS];
	int results[GUESSERS];
	struct crowd crowd;
	struct ms_state st;
	struct mailbox mb;
	char code[16];

	fx_conf("lockout = { max_failures = 5; within = 300; lock_for = 900; };\n");
	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_wait_step_margin(MARGIN);
	crowd_begin(&crowd);
	for (int i = 0; i < GUESSERS; i++) {
		guessers[i].name = mb.name;
		guessers[i].first = i * GUESSES_EACH * 2;
		for (int k = -2; k <= 2; k++)
			mb_code(&mb, k, guessers[i].valid[k + 2]);
		crowd_spawn(&crowd, guess_codes, &guessers[i]);
	}
	crowd_finish(&crowd, results);
	ck_assert_int_eq(crowd_count(results, GUESSERS, 0), GUESSERS);
	mb_state(mb.name, &st);
	ck_assert_msg(st.seq == 5, "%llu failures counted, expected 5",
		      (unsigned long long)st.seq);
	ck_assert_int_gt(st.locked_until, time(NULL) + 800);
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
}
END_TEST

TCase *tcase_parallel(void)
{
	TCase *tc = tcase_with_fixture("parallel");

	tcase_add_test(tc, same_code_twenty_processes_one_success);
	tcase_add_test(tc, fifty_mailboxes_at_once);
	tcase_add_test(tc, twenty_wrong_codes_lock_after_max_failures);
	tcase_add_test(tc, thousand_wrong_codes_in_parallel_all_refused);
	return tc;
}
