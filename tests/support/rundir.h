/* One directory per run of a Check runner, and one per test inside it.
 *
 * The runner makes the run directory before any test process forks and
 * removes it at the end: in fork mode Check skips the teardown of a failed
 * test, and its tree must not be left behind. The runner also lists the
 * tests it left out (Check has no skip status, and a test that returned
 * early would pass unseen). */
#ifndef TESTS_SUPPORT_RUNDIR_H
#define TESTS_SUPPORT_RUNDIR_H

#include <stddef.h>
#include <unistd.h>

#include <check.h>

/* Around srunner_run_all: makes $TMPDIR/PREFIX-XXXXXX (/tmp without a
 * usable TMPDIR); 0, or -1 with the reason on stderr. */
int ts_run_begin(const char *prefix);
/* Lists the tests ts_skip left out, then removes the run directory. */
void ts_run_end(void);

/* A fresh RUN/PREFIX-XXXXXX into `out`, for one test; fails the test
 * when the run has no directory or mkdtemp fails. */
void ts_test_dir(char *out, size_t size, const char *prefix);

/* Adds `test` to `tc` only when running as root (a test that gives a
 * file away with chown); otherwise prints "SKIP: TEST: needs root" and
 * ts_run_end counts it. */
#define ts_add_root_test(tc, test)                                         \
	(geteuid() == 0 ? tcase_add_test(tc, test)                         \
			: ts_skip(#test, "needs root"))
void ts_skip(const char *test, const char *why);

#endif
