/* Times typed on the command line: days, moments, durations ago. */
#include "config.h"

#include <string.h>

#include "helpers.h"
#include "suites.h"
#include "when.h"

#define T0 1700000000 /* 2023-11-14T22:13:20Z */

START_TEST(days_start_at_midnight_utc)
{
	int64_t at = -1;

	ck_assert(ms_parse_day("1970-01-01", &at));
	ck_assert_int_eq(at, 0);
	ck_assert(ms_parse_day("2023-11-14", &at));
	ck_assert_int_eq(at, 1699920000);
	ck_assert(ms_parse_day("2024-02-29", &at));
	ck_assert_int_eq(at, 1709164800);
	ck_assert(!ms_parse_day("2023-02-29", &at));
	ck_assert(!ms_parse_day("1969-12-31", &at));
	ck_assert(!ms_parse_day("2023-13-01", &at));
	ck_assert(!ms_parse_day("2023-1-01", &at));
	ck_assert(!ms_parse_day("2023-01-01x", &at));
	ck_assert(!ms_parse_day("+023-01-01", &at));
}
END_TEST

START_TEST(since_takes_three_forms)
{
	struct ms_error err;
	int64_t at = -1;

	ck_assert_int_eq(ms_parse_since("2023-11-14", T0, &at, &err), MS_OK);
	ck_assert_int_eq(at, 1699920000);
	ck_assert_int_eq(ms_parse_since("2023-11-14T22:13:20Z", T0, &at, &err),
			 MS_OK);
	ck_assert_int_eq(at, T0);
	ck_assert_int_eq(ms_parse_since("2023-11-14T00:00:59Z", T0, &at, &err),
			 MS_OK);
	ck_assert_int_eq(at, 1699920059);
	ck_assert_int_eq(ms_parse_since("7d", T0, &at, &err), MS_OK);
	ck_assert_int_eq(at, T0 - 7 * 86400);
	ck_assert_int_eq(ms_parse_since("36h", T0, &at, &err), MS_OK);
	ck_assert_int_eq(at, T0 - 36 * 3600);
	ck_assert_int_eq(ms_parse_since("90m", T0, &at, &err), MS_OK);
	ck_assert_int_eq(at, T0 - 90 * 60);
	ck_assert_int_eq(ms_parse_since("36500d", T0, &at, &err), MS_OK);
}
END_TEST

static const char *const bad_since[] = {
	"", "d", "7", "0d", "-7d", "7 d", "7dd", "7s", "7D", "36501d",
	"99999999999999999999m", "2023-11-14T24:00:00Z",
	"2023-11-14T22:60:00Z", "2023-11-14T22:13:20", "2023-11-14 22:13:20Z",
	"2023-02-30T00:00:00Z", "yesterday",
};

START_TEST(since_refuses_other_text)
{
	struct ms_error err;
	int64_t at = -1;

	ck_assert_int_eq(ms_parse_since(bad_since[_i], T0, &at, &err),
			 MS_INVALID);
	ck_assert_int_eq(at, -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "YYYY-MM-DD"));
}
END_TEST

TCase *tcase_when(void)
{
	TCase *tc = ts_tcase("when");

	tcase_add_test(tc, days_start_at_midnight_utc);
	tcase_add_test(tc, since_takes_three_forms);
	tcase_add_loop_test(tc, since_refuses_other_text, 0,
			    sizeof(bad_since) / sizeof(*bad_since));
	return tc;
}
