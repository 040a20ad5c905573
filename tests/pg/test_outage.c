/* The database failing under the module (store = "postgresql"): a login
 * fails closed, fast and logged, when the server is down; one process's
 * kept connection survives a server restart through its one reconnect;
 * a backend that stops answering costs a login postgresql.timeout, not
 * a hung auth worker. MAILSEC_TEST_PGCLUSTER is tests/support/pg-cluster,
 * MAILSEC_TEST_PGDIR the cluster's directory. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../pam/fixture.h"
#include "../pam/logs.h"
#include "../pam/mailbox.h"
#include "../pam/pamrun.h"
#include "hosts.h"

#define ALICE "alice@example.com"

/* pg-cluster VERB on the test's cluster; asserts that it worked. */
static void cluster(const char *verb)
{
	const char *tool = getenv("MAILSEC_TEST_PGCLUSTER");
	const char *dir = getenv("MAILSEC_TEST_PGDIR");
	int status;
	pid_t pid;

	ck_assert_msg(tool && dir, "MAILSEC_TEST_PGCLUSTER and _PGDIR needed");
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		execl(tool, tool, verb, dir, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "pg-cluster %s failed", verb);
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* A webmail login of ALICE (no 2FA) and how long it took. */
static int timed_login(double *seconds)
{
	struct timespec start;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &start);
	rc = pr_auth("webmail", ALICE, MB_PASSWORD, NULL);
	*seconds = seconds_since(&start);
	return rc;
}

/* The pid of the one backend the module's role is connected through. */
static pid_t module_backend(void)
{
	char command[PATH_MAX + 256];
	long pid = 0;
	FILE *out;

	snprintf(command, sizeof(command),
		 "psql -qXAt -h '%s' -U postgres -d mailsec -c \"SELECT pid "
		 "FROM pg_stat_activity WHERE usename = 'mailsec_module'\"",
		 getenv("MAILSEC_TEST_PGSOCK"));
	out = popen(command, "r");
	ck_assert_msg(out, "popen psql: %s", strerror(errno));
	ck_assert_msg(fscanf(out, "%ld", &pid) == 1, "no module backend");
	ck_assert_msg(fgetc(out) == '\n' && fgetc(out) == EOF,
		      "more than one module backend");
	pclose(out);
	return (pid_t)pid;
}

/* The first login after the server went away finds its kept connection
 * dead and fails to make another; the next one cannot connect at all.
 * Both fail closed at once, each with its log line. */
START_TEST(server_down_refuses_at_once_and_logs)
{
	struct mailbox mb;
	double took[2];
	int rc[2];

	mb_create(&mb, ALICE, 0);
	ck_pam(timed_login(&took[0]), PAM_SUCCESS);
	lg_start();
	cluster("down");
	rc[0] = timed_login(&took[0]);
	rc[1] = timed_login(&took[1]);
	cluster("up");
	for (int i = 0; i < 2; i++) {
		ck_pam(rc[i], PAM_AUTHINFO_UNAVAIL);
		ck_assert_msg(took[i] < 0.1, "login %d refused after %.3f s", i,
			      took[i]);
	}
	ck_assert_msg(lg_count("postgresql") >= 2, "no log lines: %s",
		      lg_text());
}
END_TEST

START_TEST(login_after_a_restart_reconnects_once)
{
	struct mailbox mb;
	pid_t before;
	double took;

	mb_create(&mb, ALICE, 0);
	ck_pam(timed_login(&took), PAM_SUCCESS);
	before = module_backend();
	cluster("restart");
	ck_pam(timed_login(&took), PAM_SUCCESS);
	/* The kept connection was found dead and made again. */
	ck_assert_int_ne(module_backend(), before);
}
END_TEST

START_TEST(frozen_backend_costs_the_timeout_not_a_hang)
{
	struct mailbox mb;
	pid_t backend;
	double took;
	int rc;

	snprintf(fx.pg_group, sizeof(fx.pg_group), "timeout = 500;");
	fx_conf(FX_CONF_DEFAULT);
	mb_create(&mb, ALICE, 0);
	ck_pam(timed_login(&took), PAM_SUCCESS);
	backend = module_backend();
	ck_assert_int_eq(kill(backend, SIGSTOP), 0);
	rc = timed_login(&took);
	kill(backend, SIGCONT);
	ck_pam(rc, PAM_AUTHINFO_UNAVAIL);
	ck_assert_msg(took >= 0.45 && took < 0.65,
		      "refused after %.3f s (timeout 500 ms)", took);
}
END_TEST

static void outage_teardown(void)
{
	/* A failed test leaves no stopped backend or downed server behind. */
	cluster("resume");
	fx_teardown();
}

TCase *tcase_outage(void)
{
	TCase *tc = ts_tcase_fixture("outage", fx_setup, outage_teardown);

	tcase_add_test(tc, server_down_refuses_at_once_and_logs);
	tcase_add_test(tc, login_after_a_restart_reconnects_once);
	tcase_add_test(tc, frozen_backend_costs_the_timeout_not_a_hang);
	return tc;
}
