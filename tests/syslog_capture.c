/* syslog for tests: with SYSLOG_CAPTURE=FILE set, every syslog line of
 * the process (pam_syslog's through libpam included) is appended to FILE
 * as "FACILITY.LEVEL IDENT: MESSAGE", one write a line, instead of going
 * to /dev/log; without it, each call goes on to libc. Linked into
 * tests/pam/test_module, whose definitions libpam's calls then reach, and
 * built as an LD_PRELOAD library for the mailsecctl tests. */
#include "config.h"

/* The fortified syslog.h makes syslog an inline wrapper: these are the
 * functions themselves. */
#undef _FORTIFY_SOURCE

#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

typedef void openlog_fn(const char *, int, int);
typedef void closelog_fn(void);
typedef void vsyslog_fn(int, const char *, va_list);

static const char *log_ident;
static int log_facility = LOG_USER;

static void *next(const char *name)
{
	void *fn = dlsym(RTLD_NEXT, name);

	if (!fn)
		abort(); /* nothing to stand in for */
	return fn;
}

static const char *facility_name(int facility)
{
	switch (facility) {
	case LOG_AUTH: return "auth";
	case LOG_AUTHPRIV: return "authpriv";
	case LOG_DAEMON: return "daemon";
	case LOG_MAIL: return "mail";
	case LOG_USER: return "user";
	}
	return "other";
}

static const char *level_name(int level)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err",
					     "warning", "notice", "info",
					     "debug" };
	return names[level & LOG_PRIMASK];
}

static void capture(const char *file, int priority, const char *fmt,
		    va_list ap)
{
	char message[2048], line[2300];
	int facility = priority & LOG_FACMASK ? priority & LOG_FACMASK
					      : log_facility;
	int fd, len;

	vsnprintf(message, sizeof(message), fmt, ap);
	len = snprintf(line, sizeof(line), "%s.%s %s: %s\n",
		       facility_name(facility), level_name(priority),
		       log_ident ? log_ident : "-", message);
	if (len < 0 || (size_t)len >= sizeof(line))
		len = (int)strlen(line);
	fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)len) != len)
		abort(); /* a test must not miss a line silently */
	close(fd);
}

static void log_or_capture(int priority, const char *fmt, va_list ap)
{
	static vsyslog_fn *real;
	const char *file = getenv("SYSLOG_CAPTURE");

	if (file && file[0]) {
		capture(file, priority, fmt, ap);
		return;
	}
	if (!real)
		real = (vsyslog_fn *)next("vsyslog");
	real(priority, fmt, ap);
}

void openlog(const char *ident, int option, int facility)
{
	static openlog_fn *real;

	log_ident = ident;
	log_facility = facility;
	if (!real)
		real = (openlog_fn *)next("openlog");
	real(ident, option, facility);
}

void closelog(void)
{
	static closelog_fn *real;

	log_ident = NULL;
	log_facility = LOG_USER;
	if (!real)
		real = (closelog_fn *)next("closelog");
	real();
}

void vsyslog(int priority, const char *fmt, va_list ap)
{
	log_or_capture(priority, fmt, ap);
}

void syslog(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_or_capture(priority, fmt, ap);
	va_end(ap);
}

/* The _FORTIFY_SOURCE entry points. */
void __vsyslog_chk(int priority, int flag, const char *fmt, va_list ap);
void __vsyslog_chk(int priority, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	log_or_capture(priority, fmt, ap);
}

void __syslog_chk(int priority, int flag, const char *fmt, ...);
void __syslog_chk(int priority, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	log_or_capture(priority, fmt, ap);
	va_end(ap);
}
