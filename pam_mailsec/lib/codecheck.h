/* The one read-check-write of a login's code, under the mailbox lock:
 * lockout, replay (the replay mark only moves forward, and belongs to one
 * secret), one-time recovery codes, failure counting. */
#ifndef MAILSEC_CODECHECK_H
#define MAILSEC_CODECHECK_H

#include <stdint.h>
#include <time.h>

#include "error.h"
#include "record.h"
#include "settings.h"
#include "state.h"
#include "store.h"

enum ms_code_result {
	MS_CODE_OK,
	MS_CODE_RECOVERY_OK, /* a recovery code, now used up */
	MS_CODE_MISSING,     /* not counted: nothing was guessed */
	MS_CODE_WRONG,       /* a guess: counted toward the lockout */
	MS_CODE_REPLAYED,    /* valid, but its step is not newer than the last
			      * used with this secret: not counted */
	MS_CODE_LOCKED,
	MS_CODE_ERROR,       /* state unreadable or unwritable: fail closed */
};

/* For log lines: "bad code", "replayed code", "locked", ... */
const char *ms_code_result_reason(enum ms_code_result result);

/* Checks `code` (NULL or "" when none was given) for `name`, whose record
 * has 2FA enabled, and records the outcome in its state; on success also
 * the webmail session `session_tag` when it is not NULL. Only the
 * MS_CODE_OK and MS_CODE_RECOVERY_OK results admit the login.
 * `*locked_until` is set to when the lockout ends that this check started
 * (an MS_CODE_WRONG that reached lockout.max_failures), else to 0. */
enum ms_code_result ms_code_check(const struct ms_store *store,
				  const char *name,
				  const struct ms_record *record,
				  const char *code, time_t now,
				  const unsigned char *session_tag,
				  int64_t *locked_until,
				  struct ms_error *err);

/* The first code of a pending secret (2fa confirm), on a state already
 * loaded under the lock: judged and counted as a login's code is, but
 * for recovery codes, which a pending enrolment has none of. MS_CODE_OK
 * marks the step used; the caller saves the state whatever the result
 * (a wrong code counts toward the lockout). */
enum ms_code_result ms_code_confirm(const struct ms_settings *settings,
				    const struct ms_record *record,
				    struct ms_state *state, const char *code,
				    time_t now);

/* What mailsecctl unlock does to a state: the lock and the failure count
 * cleared, and a replay mark whose step begins beyond the window of `now`
 * (a code taken while the clock ran ahead, since corrected) dropped. */
void ms_code_unlock(const struct ms_settings *settings,
		    const struct ms_record *record, struct ms_state *state,
		    time_t now);

#endif
