/* One logger for module and tool: pam_syslog with a PAM handle, stderr
 * ("mailsecctl: ...") without. Never pass it a secret. */
#ifndef MAILSEC_LOG_H
#define MAILSEC_LOG_H

#include <stdint.h>

#include <security/pam_modules.h>

void ms_log_set_program(const char *name);

void ms_log(pam_handle_t *pamh, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* `when` as "YYYY-MM-DDTHH:MM:SSZ" (UTC) in `out`, or "?" when it cannot
 * be shown; returns `out`. */
#define MS_ISO_TIME_MAX 32
const char *ms_iso_time(int64_t when, char out[MS_ISO_TIME_MAX]);

#endif
