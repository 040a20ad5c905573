/* The one read-check-write of a login's code, under the mailbox lock:
 * lockout, replay (the last step only moves forward), one-time recovery
 * codes, failure counting. */
#ifndef MAILSEC_CODECHECK_H
#define MAILSEC_CODECHECK_H

#include <time.h>

#include "error.h"
#include "record.h"
#include "settings.h"
#include "store.h"

enum ms_code_result {
	MS_CODE_OK,
	MS_CODE_RECOVERY_OK, /* a recovery code, now used up */
	MS_CODE_MISSING,
	MS_CODE_WRONG,
	MS_CODE_REPLAYED,    /* valid, but its step is not newer than the last */
	MS_CODE_LOCKED,
	MS_CODE_ERROR,       /* state unreadable or unwritable: fail closed */
};

/* For log lines: "bad code", "replayed code", "locked", ... */
const char *ms_code_result_reason(enum ms_code_result result);

/* Checks `code` (NULL or "" when none was given) for `name`, whose record
 * has 2FA enabled, and records the outcome in its state; on success also
 * the webmail session `session_tag` when it is not NULL. Only the
 * MS_CODE_OK and MS_CODE_RECOVERY_OK results admit the login. */
enum ms_code_result ms_code_check(const struct ms_store *store,
				  const char *name,
				  const struct ms_record *record,
				  const char *code, time_t now,
				  const unsigned char *session_tag,
				  struct ms_error *err);

#endif
