/* Webmail sessions (module argument session=SECONDS).
 *
 * IMAP-backed webmail logs in again on every request with the string the
 * user typed, password and code together; the code in it is used up after
 * the first login. After a password+code success the module keeps a keyed
 * tag of that exact string with PAM_RHOST, and takes the same string from
 * the same host again until it has been idle for `idle` seconds or `max`
 * seconds have passed. The tag also covers the record's password hash and
 * TOTP secret, so a new password, enrolment or disable ends every session
 * by construction; mailsecctl logout clears them. */
#ifndef MAILSEC_SESSION_H
#define MAILSEC_SESSION_H

#include <stdbool.h>
#include <time.h>

#include "error.h"
#include "record.h"
#include "state.h"
#include "store.h"

struct ms_session_limits {
	unsigned idle; /* seconds without use that end a session */
	unsigned max;  /* seconds after which it ends anyway */
};

/* The tag of `credential` from `rhost` for mailbox `name`. */
enum ms_status ms_session_tag(const struct ms_store *store, const char *name,
			      const struct ms_record *record, const char *rhost,
			      const char *credential,
			      unsigned char tag[MS_SESSION_TAG_BYTES],
			      struct ms_error *err);

/* In memory, under the caller's lock: */
bool ms_session_resume(struct ms_state *state,
		       const unsigned char tag[MS_SESSION_TAG_BYTES], time_t now,
		       const struct ms_session_limits *limits);
/* Adds a session, taking the least recently used entry when all are in
 * use. */
void ms_session_add(struct ms_state *state,
		    const unsigned char tag[MS_SESSION_TAG_BYTES], time_t now);
void ms_session_clear(struct ms_state *state);

enum ms_session_result { MS_SESSION_HIT, MS_SESSION_MISS, MS_SESSION_ERROR };

/* Under the mailbox lock: resumes the session `tag` and records its use. */
enum ms_session_result ms_session_check(const struct ms_store *store,
					const char *name,
					const unsigned char tag[MS_SESSION_TAG_BYTES],
					time_t now,
					const struct ms_session_limits *limits,
					struct ms_error *err);

#endif
