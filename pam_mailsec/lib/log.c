#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

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
