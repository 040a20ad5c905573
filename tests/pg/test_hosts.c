/* Two mail hosts on one database: host A is the fixture's mailsec.conf
 * and pam.d, host B a second pair beside them (users_dir and state_dir of
 * its own) on the same database. Logins racing from both hosts take one
 * code once and count each failure once; a lock or a webmail session made
 * on one host holds on the other. Run by tests/pg/test_hosts.sh, which
 * starts the cluster (MAILSEC_TEST_STORE=postgresql); test_outage.c adds
 * the database failing under the module. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../pam/fixture.h"
#include "../pam/mailbox.h"
#include "../pam/pamrun.h"
#include "../pam/spawn.h"
#include "hosts.h"

/* Codes made before a crowd starts must still be current when it ends. */
#define MARGIN 10
#define PER_HOST 16
#define CROWD (2 * PER_HOST)
#define ROUNDS 5
#define HOST_RHOST "192.0.2.10"
#define LOCKOUT_5 "lockout = { max_failures = 5; within = 300; lock_for = 900; };\n"

struct host_b host_b;

/* Host B: dir/b/{users,state,pam.d,mailsec.conf} on the same database,
 * with `extra` in its mailsec.conf and the stacks of host A. */
void host_b_setup(const char *extra, const char *webmail_args)
{
	struct fixture a = fx;

	ts_path(host_b.dir, sizeof(host_b.dir), a.dir, "b", NULL);
	ck_assert_int_eq(mkdir(host_b.dir, 0700), 0);
	ts_path(fx.users, sizeof(fx.users), host_b.dir, "users", NULL);
	ts_path(fx.state, sizeof(fx.state), host_b.dir, "state", NULL);
	ts_path(fx.pamd, sizeof(fx.pamd), host_b.dir, "pam.d", NULL);
	ts_path(fx.conf, sizeof(fx.conf), host_b.dir, "mailsec.conf", NULL);
	ck_assert_int_eq(mkdir(fx.users, 0700), 0);
	ck_assert_int_eq(mkdir(fx.state, 0700), 0);
	ck_assert_int_eq(mkdir(fx.pamd, 0700), 0);
	fx_conf(extra);
	fx_stack_args("webmail", webmail_args);
	strcpy(host_b.pamd, fx.pamd);
	strcpy(host_b.conf, fx.conf);
	fx = a;
}

int host_auth(char host, const char *name, const char *rhost,
	      struct ts_talk *talk)
{
	char pamd_a[PATH_MAX];
	int rc;

	strcpy(pamd_a, fx.pamd);
	if (host == 'B')
		strcpy(fx.pamd, host_b.pamd);
	rc = pr_auth_from("webmail", name, rhost, talk);
	strcpy(fx.pamd, pamd_a);
	return rc;
}

/* One webmail login on host 'A' or 'B'. */
static int login_at(char host, const char *name, const char *rhost,
		    const char *password, const char *code)
{
	struct ts_talk talk = { .password = password, .code = code };

	return host_auth(host, name, rhost, &talk);
}

struct attempt {
	const char *name;
	const char *code;
	char host;
};

/* In a child: its host's stack loaded before the gate, so that the
 * children reach the code check as nearly together as they can. */
static int login_at_gate(void *arg)
{
	struct attempt *a = arg;
	struct ts_talk talk = { .password = MB_PASSWORD, .code = a->code };
	pam_handle_t *pamh;
	int rc;

	if (a->host == 'B')
		strcpy(fx.pamd, host_b.pamd);
	pamh = pr_start_quiet("webmail", a->name, &talk);
	if (!pamh)
		return PAM_ABORT;
	crowd_gate();
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

/* `n` children (at most CROWD), every other one on host B, all with
 * `code`. */
static void race_n(int n, const char *name, const char *code, int results[])
{
	static struct attempt attempts[CROWD];
	struct crowd crowd;

	ck_assert_int_le(n, CROWD);
	crowd_begin(&crowd);
	for (int i = 0; i < n; i++) {
		attempts[i] = (struct attempt){ name, code, i % 2 ? 'B' : 'A' };
		crowd_spawn(&crowd, login_at_gate, &attempts[i]);
	}
	crowd_finish(&crowd, results);
}

static void race_both_hosts(const char *name, const char *code,
			    int results[CROWD])
{
	race_n(CROWD, name, code, results);
}

START_TEST(one_code_raced_from_two_hosts_is_taken_once)
{
	int results[CROWD];

	host_b_setup(FX_CONF_DEFAULT, "");
	for (int round = 0; round < ROUNDS; round++) {
		struct mailbox mb;
		char name[64], code[16];

		snprintf(name, sizeof(name), "racer%d@example.com", round);
		mb_create(&mb, name, MB_2FA);
		mb_wait_step_margin(MARGIN);
		mb_code(&mb, 0, code);
		race_both_hosts(mb.name, code, results);
		ck_assert_msg(crowd_count(results, CROWD, PAM_SUCCESS) == 1,
			      "round %d: %d of %d logins took one code", round,
			      crowd_count(results, CROWD, PAM_SUCCESS), CROWD);
		ck_assert_int_eq(crowd_count(results, CROWD, PAM_AUTH_ERR),
				 CROWD - 1);
	}
}
END_TEST

START_TEST(one_recovery_code_raced_from_two_hosts_is_taken_once)
{
	int results[CROWD];
	struct ms_state st;
	struct mailbox mb;

	host_b_setup(FX_CONF_DEFAULT, "");
	mb_create(&mb, "alice@example.com", MB_2FA | MB_RECOVERY);
	race_both_hosts(mb.name, mb.recovery[0], results);
	ck_assert_int_eq(crowd_count(results, CROWD, PAM_SUCCESS), 1);
	ck_assert_int_eq(crowd_count(results, CROWD, PAM_AUTH_ERR), CROWD - 1);
	mb_state(mb.name, &st);
	ck_assert_uint_eq(st.recovery_used, 1u);
}
END_TEST

START_TEST(wrong_codes_from_two_hosts_lock_at_max_failures)
{
	int results[CROWD];
	struct ms_state st;
	struct mailbox mb;
	char wrong[16], code[16];
	time_t start = time(NULL);

	fx_conf(LOCKOUT_5);
	host_b_setup(LOCKOUT_5, "");
	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_wait_step_margin(MARGIN);
	mb_wrong_code(&mb, wrong);
	race_both_hosts(mb.name, wrong, results);
	ck_assert_int_eq(crowd_count(results, CROWD, PAM_AUTH_ERR), CROWD);
	mb_state(mb.name, &st);
	/* One state write per counted failure; locked refusals write none. */
	ck_assert_msg(st.seq == 5, "%llu failures counted, expected 5",
		      (unsigned long long)st.seq);
	ck_assert_int_ge(st.locked_until, start + 900);
	mb_code(&mb, 0, code);
	ck_pam(login_at('A', mb.name, NULL, MB_PASSWORD, code), PAM_AUTH_ERR);
	ck_pam(login_at('B', mb.name, NULL, MB_PASSWORD, code), PAM_AUTH_ERR);
}
END_TEST

/* Exactly max_failures wrong codes at once, from both hosts: each one
 * counted (none lost to another host's write), so the last makes the
 * lock. Rounds on fresh mailboxes, for the writes to collide. */
START_TEST(max_failures_raced_from_two_hosts_lock_exactly)
{
	int results[5];

	fx_conf(LOCKOUT_5);
	host_b_setup(LOCKOUT_5, "");
	for (int round = 0; round < ROUNDS; round++) {
		struct ms_state st;
		struct mailbox mb;
		char name[64], wrong[16];

		snprintf(name, sizeof(name), "guessed%d@example.com", round);
		mb_create(&mb, name, MB_2FA);
		mb_wrong_code(&mb, wrong);
		race_n(5, mb.name, wrong, results);
		ck_assert_int_eq(crowd_count(results, 5, PAM_AUTH_ERR), 5);
		mb_state(mb.name, &st);
		ck_assert_msg(st.locked_until > time(NULL),
			      "round %d: 5 wrong codes at once did not lock "
			      "(%u counted)", round, (unsigned)st.fail_count);
	}
}
END_TEST

/* Four wrong codes on A lock nothing; the fifth, on B, makes the lock:
 * the count is one across hosts, and B then refuses the valid code. */
START_TEST(lock_made_on_a_refuses_on_b)
{
	struct ms_state st;
	struct mailbox mb;
	char wrong[16], code[16];

	fx_conf(LOCKOUT_5);
	host_b_setup(LOCKOUT_5, "");
	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_wait_step_margin(MARGIN);
	mb_wrong_code(&mb, wrong);
	mb_code(&mb, 0, code);
	for (int i = 0; i < 4; i++)
		ck_pam(login_at('A', mb.name, NULL, MB_PASSWORD, wrong),
		       PAM_AUTH_ERR);
	mb_state(mb.name, &st);
	ck_assert_int_eq(st.locked_until, 0);
	ck_pam(login_at('B', mb.name, NULL, MB_PASSWORD, wrong), PAM_AUTH_ERR);
	mb_state(mb.name, &st);
	ck_assert_int_gt(st.locked_until, time(NULL));
	ck_pam(login_at('B', mb.name, NULL, MB_PASSWORD, code), PAM_AUTH_ERR);
	ck_pam(login_at('A', mb.name, NULL, MB_PASSWORD, code), PAM_AUTH_ERR);
}
END_TEST

/* The session's tag is made with the host key: one key for every host of
 * a database, so the webmail's next request may land on either. */
START_TEST(webmail_session_begun_on_a_resumes_on_b)
{
	struct mailbox mb;
	char code[16], credential[64];

	fx_stack_args("webmail", "code=append session=60");
	host_b_setup(FX_CONF_DEFAULT, "code=append session=60");
	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_code(&mb, 0, code);
	snprintf(credential, sizeof(credential), "%s%s", MB_PASSWORD, code);
	ck_pam(login_at('A', mb.name, HOST_RHOST, credential, NULL),
	       PAM_SUCCESS);
	ck_pam(login_at('B', mb.name, HOST_RHOST, credential, NULL),
	       PAM_SUCCESS);
	/* From another address it is the replay it would be anywhere. */
	ck_pam(login_at('B', mb.name, "192.0.2.11", credential, NULL),
	       PAM_AUTH_ERR);
}
END_TEST

static TCase *tcase_hosts(void)
{
	TCase *tc = ts_tcase_fixture("two hosts", fx_setup, fx_teardown);

	tcase_add_test(tc, one_code_raced_from_two_hosts_is_taken_once);
	tcase_add_test(tc, one_recovery_code_raced_from_two_hosts_is_taken_once);
	tcase_add_test(tc, wrong_codes_from_two_hosts_lock_at_max_failures);
	tcase_add_test(tc, max_failures_raced_from_two_hosts_lock_exactly);
	tcase_add_test(tc, lock_made_on_a_refuses_on_b);
	tcase_add_test(tc, webmail_session_begun_on_a_resumes_on_b);
	return tc;
}

int main(void)
{
	Suite *s = suite_create("two hosts, one database");
	SRunner *sr;
	int failed;

	if (!ts_pg()) {
		fprintf(stderr, "SKIP: needs MAILSEC_TEST_STORE=postgresql "
				"(tests/pg/test_hosts.sh)\n");
		return 77;
	}
	if (ts_run_begin("mailsec-hosts") != 0)
		return 99;
	suite_add_tcase(s, tcase_hosts());
	suite_add_tcase(s, tcase_outage());
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	ts_run_end();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
