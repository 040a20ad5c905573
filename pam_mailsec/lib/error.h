/* Status codes shared by the library, the tool (as exit codes) and the module. */
#ifndef MAILSEC_ERROR_H
#define MAILSEC_ERROR_H

#include <stdarg.h>

/* Values are mailsecctl's exit codes (mailsecctl.8, EXIT STATUS). */
enum ms_status {
	MS_OK = 0,
	MS_REFUSED = 1,  /* bad code, wrong state for the command */
	MS_USAGE = 2,
	MS_NOT_FOUND = 3, /* no such mailbox */
	MS_EXISTS = 4,
	MS_INVALID = 5,  /* invalid input or record */
	MS_SYSTEM = 6,   /* I/O, permission, resources */
	/* The change was saved; ending the mailbox's live sessions failed
	 * (kick.h). */
	MS_SESSIONS_LEFT = 7,
};

#define MS_ERROR_MAX 512

/* One-line description of the first failure, ready for stderr or syslog:
 * "what failed, on what, why". Never holds a secret. */
struct ms_error {
	enum ms_status status;
	char msg[MS_ERROR_MAX];
};

enum ms_status ms_fail(struct ms_error *err, enum ms_status status,
		       const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like ms_fail, with ": strerror(errnum)" appended. */
enum ms_status ms_fail_errno(struct ms_error *err, enum ms_status status,
			     int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void ms_error_clear(struct ms_error *err);

#endif
