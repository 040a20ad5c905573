/* The unit suites' fixture, on tests/support: every test works in its own
 * directory inside the run directory test_main makes (ts_run_begin). */
#ifndef TESTS_UNIT_HELPERS_H
#define TESTS_UNIT_HELPERS_H

#include <limits.h>
#include <stdbool.h>

#include <check.h>

#include "../support/files.h"
#include "../support/pgstore.h"
#include "../support/rundir.h"
#include "../support/timeout.h"
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

/* Checked fixtures: a fresh th.dir; or th.dir plus settings (defaults with
 * users_dir and state_dir inside th.dir) and a store opened on them: on
 * the database instead with MAILSEC_TEST_STORE=postgresql (pgstore.h). */
void th_dir_setup(void);
void th_dir_teardown(void);
void th_store_setup(void);
void th_store_teardown(void);
/* th_store_setup on the file store whatever the switch: for tests of the
 * file store itself, or that need one beside the database. */
void th_files_store_setup(void);

/* On the database, saves `record` as NAME's: there a mailbox's state lives
 * in its row, which only a record makes, while a state file needs no
 * record. Nothing on files. For tests of state rules that make no record. */
struct ms_record;
void th_row(const char *name, const struct ms_record *record);

/* Test cases (ts_tcase) with one of the fixtures above. */
TCase *th_tcase_dir(const char *name);
TCase *th_tcase_store(const char *name);
TCase *th_tcase_files_store(const char *name);

/* Seconds of CLOCK_MONOTONIC since `start`. */
struct timespec;
double th_seconds_since(const struct timespec *start);

/* Whether `text` contains `part` (for error messages). */
bool th_has(const char *text, const char *part);

#endif
