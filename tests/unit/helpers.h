/* Temp trees and small file helpers shared by the unit suites.
 *
 * Every test works in its own directory under one per-run directory that
 * test_main removes at the end: in fork mode Check skips the teardown of a
 * failed test, and its tree must not be left behind. */
#ifndef TESTS_UNIT_HELPERS_H
#define TESTS_UNIT_HELPERS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

#include <check.h>

#include "settings.h"
#include "store.h"

struct th_fixture {
	char dir[PATH_MAX - 64]; /* this test's own directory */
	char users[PATH_MAX];    /* dir/users, with th_store_setup */
	char state[PATH_MAX];    /* dir/state, with th_store_setup */
	struct ms_settings settings;
	struct ms_store store;
};

extern struct th_fixture th;

/* Around srunner_run_all. th_run_end also lists the tests skipped. */
int th_run_begin(void);
void th_run_end(void);

/* Adds `test` to `tc` only when running as root (a test that gives a
 * file away with chown); otherwise prints "SKIP: TEST: needs root" and
 * th_run_end counts it. Check has no skip status, and a test that
 * returned early would pass unseen. */
#define th_add_root_test(tc, test)                                         \
	(geteuid() == 0 ? tcase_add_test(tc, test)                         \
			: th_skip(#test, "needs root"))
void th_skip(const char *test, const char *why);

/* Checked fixtures: a fresh th.dir; or th.dir plus settings (defaults with
 * users_dir and state_dir inside th.dir) and a store opened on them. */
void th_dir_setup(void);
void th_dir_teardown(void);
void th_store_setup(void);
void th_store_teardown(void);

/* Test cases with one of the fixtures above (or none) and a timeout fit
 * for slow valgrind runs. */
TCase *th_tcase(const char *name);
TCase *th_tcase_dir(const char *name);
TCase *th_tcase_store(const char *name);

/* DIR/FILE into `out`; fails the test when it does not fit. */
void th_path(char *out, size_t size, const char *dir, const char *file);

/* Creates or truncates `path` with exactly `mode` (whatever the umask). */
void th_write(const char *path, const void *data, size_t len, mode_t mode);
void th_write_str(const char *path, const char *text, mode_t mode);

/* The whole file in a NUL-terminated heap buffer the caller frees. */
char *th_read(const char *path, size_t *len);

/* Permission bits of `path` (lstat), or (mode_t)-1 when it is absent. */
mode_t th_mode(const char *path);

/* Entries of `dir` whose names start with `prefix`. */
unsigned th_count_prefix(const char *dir, const char *prefix);

/* Seconds of CLOCK_MONOTONIC since `start`. */
struct timespec;
double th_seconds_since(const struct timespec *start);

/* Whether `text` contains `part` (for error messages). */
bool th_has(const char *text, const char *part);

/* Removes a tree without following symlinks; missing is fine. */
void th_remove_tree(const char *dir);

#endif
