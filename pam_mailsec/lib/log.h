/* One logger for module and tool, without libpam: each line goes to the
 * sink the caller installed (the module's calls pam_vsyslog), or to stderr
 * as "PROGRAM: ..." when none is. Never pass it a secret. */
#ifndef MAILSEC_LOG_H
#define MAILSEC_LOG_H

#include <stdarg.h>
#include <stdint.h>

/* `ctx` is what the caller gave ms_log, handed on untouched. */
typedef void ms_log_sink(void *ctx, int priority, const char *fmt,
			 va_list ap);

/* NULL puts back the stderr sink. */
void ms_log_set_sink(ms_log_sink *sink);
/* The stderr sink's "PROGRAM: " prefix ("mailsec" until set). */
void ms_log_set_program(const char *name);

/* One line at a syslog(3) priority. `ctx` goes to the sink as is: the
 * module passes its PAM handle, the tool NULL; the stderr sink ignores
 * it. */
void ms_log(void *ctx, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* `when` as "YYYY-MM-DDTHH:MM:SSZ" (UTC) in `out`, or "?" when it cannot
 * be shown; returns `out`. */
#define MS_ISO_TIME_MAX 32
const char *ms_iso_time(int64_t when, char out[MS_ISO_TIME_MAX]);

#endif
