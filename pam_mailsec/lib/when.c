#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "when.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Whether `text` is `pattern` with a digit at each 'n'. */
static bool matches_pattern(const char *text, const char *pattern)
{
	size_t len = strlen(pattern);

	if (strlen(text) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (pattern[i] == 'n' ? text[i] < '0' || text[i] > '9'
				      : text[i] != pattern[i])
			return false;
	}
	return true;
}

bool ms_parse_day(const char *text, int64_t *day_start)
{
	static const unsigned month_days[] = { 31, 29, 31, 30, 31, 30,
					       31, 31, 30, 31, 30, 31 };
	unsigned y, m, d;
	bool leap;

	if (!matches_pattern(text, "nnnn-nn-nn") ||
	    sscanf(text, "%4u-%2u-%2u", &y, &m, &d) != 3)
		return false;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > month_days[m - 1] ||
	    (m == 2 && d == 29 && !leap))
		return false;
	*day_start = days_from_civil(y, m, d) * MS_DAY;
	return true;
}

/* "YYYY-MM-DDTHH:MM:SSZ", as ms_iso_time prints it. */
static bool parse_moment(const char *text, int64_t *moment)
{
	char day[11];
	unsigned h, min, s;
	int64_t day_start;

	if (!matches_pattern(text, "nnnn-nn-nnTnn:nn:nnZ"))
		return false;
	memcpy(day, text, 10);
	day[10] = '\0';
	if (!ms_parse_day(day, &day_start) ||
	    sscanf(text + 11, "%2u:%2u:%2u", &h, &min, &s) != 3 || h > 23 ||
	    min > 59 || s > 59)
		return false;
	*moment = day_start + (int64_t)h * 3600 + min * 60 + s;
	return true;
}

/* "N" + "m", "h" or "d" before `now`. */
static bool parse_ago(const char *text, time_t now, int64_t *moment)
{
	static const struct { char unit; int64_t seconds; } units[] = {
		{ 'm', 60 }, { 'h', 3600 }, { 'd', MS_DAY },
	};
	char *end = NULL;
	unsigned long n;

	if (text[0] < '0' || text[0] > '9')
		return false;
	n = strtoul(text, &end, 10);
	if (n < 1 || !end[0] || end[1])
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++) {
		if (end[0] != units[i].unit)
			continue;
		if (n > (unsigned long)MS_SINCE_DAYS_MAX * MS_DAY /
				(unsigned long)units[i].seconds)
			return false;
		*moment = (int64_t)now - (int64_t)n * units[i].seconds;
		return true;
	}
	return false;
}

enum ms_status ms_parse_since(const char *text, time_t now, int64_t *since,
			      struct ms_error *err)
{
	if (ms_parse_day(text, since) || parse_moment(text, since) ||
	    parse_ago(text, now, since))
		return MS_OK;
	return ms_fail(err, MS_INVALID,
		       "--since: expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
		       "a time ago as N then m, h or d (7d; up to %d days)",
		       MS_SINCE_DAYS_MAX);
}
