/* Times as people type them on mailsecctl's command line: one rule for
 * dates (app-password add --expires, activity --since). UTC throughout,
 * no TZ, no timegm. */
#ifndef MAILSEC_WHEN_H
#define MAILSEC_WHEN_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

#define MS_DAY 86400

/* "YYYY-MM-DD", a real day from 1970 on: its first second (00:00:00 UTC)
 * into *day_start. False for anything else. */
bool ms_parse_day(const char *text, int64_t *day_start);

/* A moment in the past for --since: "YYYY-MM-DD" (that day's start),
 * "YYYY-MM-DDTHH:MM:SSZ", or N followed by m, h or d: N minutes, hours or
 * days before `now` (N from 1, at most MS_SINCE_DAYS_MAX days). MS_INVALID
 * for anything else, saying which forms are taken. */
#define MS_SINCE_DAYS_MAX 36500
enum ms_status ms_parse_since(const char *text, time_t now, int64_t *since,
			      struct ms_error *err);

#endif
