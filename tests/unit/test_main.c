/* libmailsec's unit tests. CK_FORK=no runs every test in one process (for
 * valgrind); CK_RUN_SUITE / CK_RUN_CASE pick some. */
#include "config.h"

#include <stdlib.h>

#include "helpers.h"
#include "suites.h"

int main(void)
{
	SRunner *runner = srunner_create(name_suite());
	int failed;

	srunner_add_suite(runner, settings_suite());
	srunner_add_suite(runner, record_suite());
	srunner_add_suite(runner, store_suite());
	srunner_add_suite(runner, totp_suite());
	srunner_add_suite(runner, password_suite());
	srunner_add_suite(runner, recovery_suite());
	srunner_add_suite(runner, state_suite());
	srunner_add_suite(runner, policy_suite());
	srunner_add_suite(runner, session_suite());
	srunner_add_suite(runner, cache_suite());
	srunner_add_suite(runner, codecheck_suite());
	srunner_add_suite(runner, mailbox_suite());
	srunner_add_suite(runner, apppass_suite());
	srunner_add_suite(runner, journal_suite());
	srunner_add_suite(runner, kick_suite());
	srunner_add_suite(runner, store_db_suite());
	if (ts_run_begin("mailsec-unit") != 0) {
		srunner_free(runner);
		return EXIT_FAILURE;
	}
	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	ts_run_end();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
