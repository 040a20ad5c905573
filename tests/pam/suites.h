/* The test cases of test_module, one file per concern. */
#ifndef TESTS_PAM_SUITES_H
#define TESTS_PAM_SUITES_H

#include <check.h>

TCase *tcase_roles(void);    /* tc_roles.c: role × code mode, access */
TCase *tcase_codes(void);    /* tc_codes.c: window, replay, recovery */
TCase *tcase_lockout(void);  /* tc_lockout.c */
TCase *tcase_inputs(void);   /* tc_inputs.c: names, records, arguments */
TCase *tcase_state(void);    /* tc_state.c: state failures fail closed */
TCase *tcase_session(void);  /* tc_session.c: session=SECONDS */
TCase *tcase_items(void);    /* tc_items.c: PAM_AUTHTOK, no_password, ... */
TCase *tcase_parallel(void); /* tc_parallel.c: fork */
TCase *tcase_cache(void);    /* tc_cache.c: cache_ttl */
TCase *tcase_handoff(void);  /* tc_handoff.c: auth's read in account */
TCase *tcase_conf(void);     /* tc_conf.c: parsed once; config= missing */
TCase *tcase_audit(void);    /* tc_audit.c: the log lines */
TCase *tcase_apppass(void);  /* tc_apppass.c: app passwords */
TCase *tcase_journal(void);  /* tc_journal.c: the activity journal */
TCase *tcase_deadline(void); /* tc_deadline.c: the database's deadline */

/* A test case with the temp-tree fixture and ts_tcase's timeout. */
TCase *tcase_with_fixture(const char *name);

#endif
