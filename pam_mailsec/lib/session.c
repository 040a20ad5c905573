#include "config.h"

#include <string.h>

#include <sodium.h>

#include "hostkey.h"
#include "secure.h"
#include "session.h"

static void tag_part(crypto_auth_hmacsha256_state *mac, const char *text)
{
	/* NUL included: parts cannot run into each other. */
	crypto_auth_hmacsha256_update(mac, (const unsigned char *)text,
				      strlen(text) + 1);
}

enum ms_status ms_session_tag(const struct ms_store *store, const char *name,
			      const struct ms_record *record, const char *rhost,
			      const char *credential,
			      unsigned char tag[MS_SESSION_TAG_BYTES],
			      struct ms_error *err)
{
	unsigned char key[MS_HOSTKEY_BYTES];
	crypto_auth_hmacsha256_state mac;

	if (ms_hostkey_get(store, key, err) != MS_OK)
		return err->status;
	crypto_auth_hmacsha256_init(&mac, key, sizeof(key));
	tag_part(&mac, "mailsec-session-1");
	tag_part(&mac, name);
	tag_part(&mac, rhost);
	tag_part(&mac, record->password);
	tag_part(&mac, record->totp.secret);
	tag_part(&mac, credential);
	crypto_auth_hmacsha256_final(&mac, tag);
	ms_wipe(key, sizeof(key));
	ms_wipe(&mac, sizeof(mac));
	return MS_OK;
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

enum ms_session_result ms_session_check(const struct ms_store *store,
					const char *name,
					const unsigned char tag[MS_SESSION_TAG_BYTES],
					time_t now,
					const struct ms_session_limits *limits,
					struct ms_error *err)
{
	struct ms_state state;
	enum ms_session_result result = MS_SESSION_ERROR;
	int lock_fd = -1;

	if (ms_store_lock(store, name, &lock_fd, err) != MS_OK)
		return MS_SESSION_ERROR;
	if (ms_state_load(store, name, &state, err) == MS_OK) {
		result = ms_session_resume(&state, tag, now, limits)
				 ? MS_SESSION_HIT : MS_SESSION_MISS;
		if (result == MS_SESSION_HIT &&
		    ms_state_save(store, name, &state, err) != MS_OK)
			result = MS_SESSION_ERROR;
	}
	ms_store_unlock(lock_fd);
	return result;
}
