#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"

static enum ms_status vfail(struct ms_error *err, enum ms_status status,
			    int errnum, const char *fmt, va_list ap)
{
	int len = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);

	if (len < 0)
		len = 0;
	if (errnum && (size_t)len < sizeof(err->msg))
		snprintf(err->msg + len, sizeof(err->msg) - (size_t)len, ": %s",
			 strerror(errnum));
	err->status = status;
	return status;
}

enum ms_status ms_fail(struct ms_error *err, enum ms_status status,
		       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(err, status, 0, fmt, ap);
	va_end(ap);
	return status;
}

enum ms_status ms_fail_errno(struct ms_error *err, enum ms_status status,
			     int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(err, status, errnum, fmt, ap);
	va_end(ap);
	return status;
}

void ms_error_clear(struct ms_error *err)
{
	err->status = MS_OK;
	err->msg[0] = '\0';
}
