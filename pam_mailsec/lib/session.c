#include "config.h"

#include <string.h>

#include <sodium.h>

#include "hostkey.h"
#include "session.h"

enum ms_status ms_session_tag(const struct ms_store *store, const char *name,
			      const struct ms_record *record, const char *rhost,
			      const char *credential,
			      unsigned char tag[MS_SESSION_TAG_BYTES],
			      struct ms_error *err)
{
	const char *const parts[] = { "mailsec-session-1", name, rhost,
				      record->password, record->totp.secret,
				      credential };

	return ms_hostkey_mac(store, parts, sizeof(parts) / sizeof(parts[0]),
			      tag, err);
}

static bool in_use(const struct ms_session *session)
{
	return session->created != 0;
}

static bool alive(const struct ms_session *session, time_t now,
		  const struct ms_session_limits *limits)
{
	return in_use(session) && now - session->last_used <= (int64_t)limits->idle &&
	       now - session->created <= (int64_t)limits->max;
}

bool ms_session_resume(struct ms_state *state,
		       const unsigned char tag[MS_SESSION_TAG_BYTES], time_t now,
		       const struct ms_session_limits *limits)
{
	bool found = false;

	/* Every entry is compared, in constant time, and dead ones freed. */
	for (unsigned i = 0; i < MS_STATE_SESSIONS; i++) {
		struct ms_session *session = &state->sessions[i];
		bool same = sodium_memcmp(session->tag, tag,
					  MS_SESSION_TAG_BYTES) == 0;

		if (!alive(session, now, limits)) {
			memset(session, 0, sizeof(*session));
		} else if (same && !found) {
			session->last_used = now;
			found = true;
		}
	}
	return found;
}

void ms_session_add(struct ms_state *state,
		    const unsigned char tag[MS_SESSION_TAG_BYTES], time_t now)
{
	struct ms_session *oldest = &state->sessions[0];

	for (unsigned i = 0; i < MS_STATE_SESSIONS; i++) {
		struct ms_session *session = &state->sessions[i];

		if (!in_use(session)) {
			oldest = session;
			break;
		}
		if (session->last_used < oldest->last_used)
			oldest = session;
	}
	memcpy(oldest->tag, tag, MS_SESSION_TAG_BYTES);
	oldest->created = now;
	oldest->last_used = now;
}

void ms_session_clear(struct ms_state *state)
{
	memset(state->sessions, 0, sizeof(state->sessions));
}

struct resume {
	const unsigned char *tag;
	time_t now;
	const struct ms_session_limits *limits;
	bool hit;
};

/* Saves only a hit: the use it records is what keeps the session alive. */
static bool resume_saved(struct ms_state *state, void *arg)
{
	struct resume *resume = arg;

	resume->hit = ms_session_resume(state, resume->tag, resume->now,
					resume->limits);
	return resume->hit;
}

enum ms_session_result ms_session_check(const struct ms_store *store,
					const char *name,
					const unsigned char tag[MS_SESSION_TAG_BYTES],
					time_t now,
					const struct ms_session_limits *limits,
					struct ms_error *err)
{
	struct resume resume = { tag, now, limits, false };

	if (ms_state_edit(store, name, resume_saved, &resume, err) != MS_OK)
		return MS_SESSION_ERROR;
	return resume.hit ? MS_SESSION_HIT : MS_SESSION_MISS;
}
