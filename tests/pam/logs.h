/* The module's syslog lines in a test (tests/syslog_capture.c): each test
 * that calls lg_start gets them in fx.dir/syslog, one a line,
 * "FACILITY.LEVEL IDENT: pam_mailsec(SERVICE:auth): MESSAGE". */
#ifndef TESTS_PAM_LOGS_H
#define TESTS_PAM_LOGS_H

/* From now on, this test's syslog lines go to fx.dir/syslog (emptied). */
void lg_start(void);

/* Every line captured so far, NUL-terminated (a static buffer). */
const char *lg_text(void);

/* How many captured lines hold `needle`. */
unsigned lg_count(const char *needle);

/* Fails unless exactly one line holds `needle`; returns that line. */
const char *lg_one(const char *needle);

/* Fails when any line holds `secret`. */
void lg_assert_absent(const char *secret);

/* Forgets the lines captured so far. */
void lg_clear(void);

#endif
