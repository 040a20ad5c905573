/* The suites of test_lib, one file per concern of libmailsec. */
#ifndef TESTS_UNIT_SUITES_H
#define TESTS_UNIT_SUITES_H

#include <check.h>

Suite *name_suite(void);     /* test_name.c: mailbox names */
Suite *settings_suite(void); /* test_settings.c: mailsec.conf */
Suite *record_suite(void);   /* test_record.c: users/NAME.conf */
Suite *store_suite(void);    /* test_store.c: safe open, atomic write, lock */
Suite *totp_suite(void);     /* test_totp.c: RFC 6238, secrets, URIs */
Suite *password_suite(void); /* test_password.c: crypt, constant time */
Suite *recovery_suite(void); /* test_recovery.c: one-time codes */
Suite *state_suite(void);    /* test_state.c: two-slot runtime state */
Suite *policy_suite(void);   /* test_policy.c: roles and decisions */
Suite *session_suite(void);  /* test_session.c: webmail sessions */
Suite *cache_suite(void);    /* test_cache.c: verified-credential cache */
Suite *codecheck_suite(void); /* test_codecheck.c: replay marks, lockout */
Suite *apppass_suite(void); /* test_apppass.c: app passwords */
Suite *journal_suite(void);  /* test_journal.c: the activity journal */
Suite *kick_suite(void);     /* test_kick.c: kick_command */
Suite *store_db_suite(void); /* test_store_db.c: the database store */
Suite *mailbox_suite(void);  /* test_mailbox.c: mailsecctl's edits, MAILSEC_AUTH */

/* test_lock.c: the store's directories and per-mailbox lock, added to the
 * store suite. */
TCase *tcase_store_dirs(void);
TCase *tcase_store_lock(void);
/* test_store_files.c: the file store behind the store interface. */
TCase *tcase_store_files(void);
/* test_when.c: the command line's dates and times, added to the apppass
 * suite (whose --expires takes the same dates). */
TCase *tcase_when(void);

#endif
