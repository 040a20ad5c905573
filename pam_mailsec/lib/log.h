/* One logger for module and tool: pam_syslog with a PAM handle, stderr
 * ("mailsecctl: ...") without. Never pass it a secret. */
#ifndef MAILSEC_LOG_H
#define MAILSEC_LOG_H

#include <security/pam_modules.h>

void ms_log_set_program(const char *name);

void ms_log(pam_handle_t *pamh, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
