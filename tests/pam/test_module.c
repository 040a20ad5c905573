/* pam_mailsec.so, built, driven through libpam with service files in a
 * temp dir (pam_start_confdir). MAILSEC_SKIP_PARALLEL=1 leaves out the
 * fork-heavy cases (for slow valgrind runs). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "suites.h"

TCase *tcase_with_fixture(const char *name)
{
	return ts_tcase_fixture(name, fx_setup, fx_teardown);
}

static Suite *module_suite(void)
{
	const char *skip = getenv("MAILSEC_SKIP_PARALLEL");
	Suite *s = suite_create("pam_mailsec.so");

	suite_add_tcase(s, tcase_roles());
	suite_add_tcase(s, tcase_codes());
	suite_add_tcase(s, tcase_lockout());
	suite_add_tcase(s, tcase_inputs());
	suite_add_tcase(s, tcase_state());
	suite_add_tcase(s, tcase_session());
	suite_add_tcase(s, tcase_items());
	suite_add_tcase(s, tcase_cache());
	suite_add_tcase(s, tcase_handoff());
	suite_add_tcase(s, tcase_conf());
	suite_add_tcase(s, tcase_audit());
	suite_add_tcase(s, tcase_apppass());
	suite_add_tcase(s, tcase_journal());
	suite_add_tcase(s, tcase_deadline());
	if (!skip || strcmp(skip, "1") != 0)
		suite_add_tcase(s, tcase_parallel());
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (ts_run_begin("pam-mailsec") != 0)
		return 99; /* a hard error for the automake harness */
	sr = srunner_create(module_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	ts_run_end();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
