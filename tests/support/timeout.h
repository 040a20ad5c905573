/* Check test cases with a timeout fit for slow valgrind runs. */
#ifndef TESTS_SUPPORT_TIMEOUT_H
#define TESTS_SUPPORT_TIMEOUT_H

#include <check.h>

/* Seconds a test may take: a yescrypt hash under valgrind takes seconds,
 * and a module test makes several. */
#define TS_TCASE_TIMEOUT 120

/* A test case with TS_TCASE_TIMEOUT. */
TCase *ts_tcase(const char *name);

/* The same with a checked fixture: setup and teardown run in each test's
 * process. */
TCase *ts_tcase_fixture(const char *name, SFun setup, SFun teardown);

#endif
