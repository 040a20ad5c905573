#include "config.h"

#include <string.h>

#include <sodium.h>

#include "cache.h"
#include "hostkey.h"
#include "password.h"
#include "secure.h"

enum ms_status ms_cache_tag(const struct ms_store *store, const char *name,
			    const struct ms_record *record, const char *password,
			    unsigned char tag[MS_CACHE_TAG_BYTES],
			    struct ms_error *err)
{
	const char *const parts[] = { "mailsec-cache-1", name, record->password,
				      password };

	return ms_hostkey_mac(store, parts, sizeof(parts) / sizeof(parts[0]),
			      tag, err);
}

bool ms_cache_live(const struct ms_state *state,
		   const unsigned char tag[MS_CACHE_TAG_BYTES], time_t now,
		   unsigned ttl)
{
	const struct ms_cache_entry *entry = &state->cache;
	int64_t age = (int64_t)now - entry->verified;
	bool same = sodium_memcmp(entry->tag, tag, MS_CACHE_TAG_BYTES) == 0;

	/* A clock set back makes the age negative: trust nothing then. */
	return same && entry->verified != 0 && age >= 0 && age < (int64_t)ttl;
}

void ms_cache_put(struct ms_state *state,
		  const unsigned char tag[MS_CACHE_TAG_BYTES], time_t now)
{
	memcpy(state->cache.tag, tag, MS_CACHE_TAG_BYTES);
	state->cache.verified = now;
}

void ms_cache_clear(struct ms_state *state)
{
	ms_wipe(&state->cache, sizeof(state->cache));
}

struct lookup {
	unsigned char *tag;
	time_t now;
	unsigned ttl;
	bool hit;
};

/* A hit changes nothing: no write, so polling clients cost one read. */
static bool look_up(struct ms_state *state, void *arg)
{
	struct lookup *lookup = arg;

	lookup->hit = ms_cache_live(state, lookup->tag, lookup->now,
				    lookup->ttl);
	return false;
}

static bool remember(struct ms_state *state, void *arg)
{
	const struct lookup *lookup = arg;

	ms_cache_put(state, lookup->tag, lookup->now);
	return true;
}

/* The tag of `password`, then whether the state holds it. */
static enum ms_status look_up_tag(const struct ms_store *store,
				  const char *name,
				  const struct ms_record *record,
				  const char *password, struct lookup *lookup,
				  struct ms_error *err)
{
	enum ms_status status = ms_cache_tag(store, name, record, password,
					     lookup->tag, err);

	if (status != MS_OK)
		return status;
	return ms_state_edit(store, name, look_up, lookup, err);
}

bool ms_cache_verify(const struct ms_store *store, const char *name,
		     const struct ms_record *record, const char *password,
		     time_t now, bool *cached, struct ms_error *err)
{
	unsigned char tag[MS_CACHE_TAG_BYTES];
	struct lookup lookup = { tag, now, store->settings->cache_ttl, false };
	enum ms_status status;
	bool match;

	*cached = false;
	ms_error_clear(err);
	/* Nor from the cache: an entry cannot vouch for what verification
	 * refuses. */
	if (!ms_password_usable(password))
		return false;
	if (lookup.ttl == 0)
		return ms_password_verify(password, record->password);
	/* The lock is held for the read only, never across the hash. */
	status = look_up_tag(store, name, record, password, &lookup, err);
	*cached = status == MS_OK && lookup.hit;
	match = *cached || ms_password_verify(password, record->password);
	/* Unreadable state would fail the write too: one error is enough. */
	if (match && !*cached && status == MS_OK)
		(void)ms_state_edit(store, name, remember, &lookup, err);
	ms_wipe(tag, sizeof(tag));
	return match;
}
