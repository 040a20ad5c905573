/* One temp directory per test, in the run directory test_module makes
 * (ts_run_begin): mailsec.conf, users/, state/ and pam.d/ (the service
 * files handed to pam_start_confdir). Never /etc. */
#ifndef TESTS_PAM_FIXTURE_H
#define TESTS_PAM_FIXTURE_H

#include <limits.h>

#include "../support/files.h"
#include "../support/pgstore.h"
#include "../support/rundir.h"
#include "../support/timeout.h"

struct fixture {
	char dir[PATH_MAX];
	char conf[PATH_MAX];  /* dir/mailsec.conf */
	char users[PATH_MAX]; /* dir/users */
	char state[PATH_MAX]; /* dir/state */
	char pamd[PATH_MAX];  /* dir/pam.d */
	/* Keys inside mailsec.conf's postgresql group, when the tests run
	 * on the database (../support/pgstore.h); "" by default. */
	char pg_group[256];
};

extern struct fixture fx;

/* The settings every test starts from: 3 refused codes lock. */
#define FX_CONF_DEFAULT "lockout = { max_failures = 3; within = 300; lock_for = 900; };\n"

/* Checked fixture: a fresh temp tree, FX_CONF_DEFAULT, the usual stacks;
 * with MAILSEC_TEST_STORE=postgresql, an emptied database too. */
void fx_setup(void);
void fx_teardown(void);

/* Rewrites mailsec.conf: users_dir and state_dir (and the database's keys
 * when the tests run on it), then `extra`. */
void fx_conf(const char *extra);

/* Writes pam.d/SERVICE from `text`, where @MODULE@ is the module under
 * test, @CONF@ the fixture's mailsec.conf and @WRAPPER@ the directory of
 * pam_wrapper's helper modules. */
void fx_stack(const char *service, const char *text);

/* pam.d/SERVICE: "auth required MODULE config=CONF AUTH_ARGS" and
 * "account required MODULE config=CONF". */
void fx_stack_args(const char *service, const char *auth_args);

/* The module under test ($MAILSEC_MODULE). */
const char *fx_module(void);

/* pam_wrapper's helper modules ($PAM_WRAPPER_MODULES), or NULL. */
const char *fx_wrapper_modules(void);

#endif
