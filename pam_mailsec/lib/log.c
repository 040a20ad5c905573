#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static const char *program = "mailsec";

static void stderr_sink(void *ctx, int priority, const char *fmt, va_list ap)
{
	(void)ctx;
	(void)priority;
	fprintf(stderr, "%s: ", program);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static ms_log_sink *sink = stderr_sink;

void ms_log_set_sink(ms_log_sink *new_sink)
{
	sink = new_sink ? new_sink : stderr_sink;
}

void ms_log_set_program(const char *name)
{
	program = name;
}

void ms_log(void *ctx, int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sink(ctx, priority, fmt, ap);
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
