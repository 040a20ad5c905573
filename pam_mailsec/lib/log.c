#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>

#include "log.h"

static const char *program = "mailsec";

void ms_log_set_program(const char *name)
{
	program = name;
}

void ms_log(pam_handle_t *pamh, int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (pamh) {
		pam_vsyslog(pamh, priority, fmt, ap);
	} else {
		fprintf(stderr, "%s: ", program);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

const char *ms_iso_time(int64_t when, char out[MS_ISO_TIME_MAX])
{
	time_t t = (time_t)when;
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(out, MS_ISO_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm))
		strcpy(out, "?");
	return out;
}
