#include "config.h"

#include "timeout.h"

TCase *ts_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_set_timeout(tc, TS_TCASE_TIMEOUT);
	return tc;
}

TCase *ts_tcase_fixture(const char *name, SFun setup, SFun teardown)
{
	TCase *tc = ts_tcase(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	return tc;
}
