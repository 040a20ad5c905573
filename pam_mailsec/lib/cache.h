/* The verified-credential cache (mailsec.conf cache_ttl).
 *
 * A mail client polls: the same password arrives again and again, and each
 * time the slow hash (yescrypt, ~19 ms of CPU) would run. After a password
 * passes that hash, the mailbox's state keeps a keyed tag (HMAC-SHA256
 * under the host key) of mailbox, record hash and password, with the time
 * it was verified; for cache_ttl seconds the same password is taken on that
 * tag instead. The record's hash is in the tag, so a new password ends the
 * entry by construction. Only the password is cached: access policy,
 * lockout and codes are judged on every login.
 *
 * One entry per mailbox: the tag binds the record's current hash, which
 * one password matches, so no two entries could ever be live at once. */
#ifndef MAILSEC_CACHE_H
#define MAILSEC_CACHE_H

#include <stdbool.h>
#include <time.h>

#include "error.h"
#include "record.h"
#include "state.h"
#include "store.h"

/* The tag of `password` for mailbox `name` and its record. */
enum ms_status ms_cache_tag(const struct ms_store *store, const char *name,
			    const struct ms_record *record, const char *password,
			    unsigned char tag[MS_CACHE_TAG_BYTES],
			    struct ms_error *err);

/* In memory: whether the entry holds `tag`, verified in the last `ttl`
 * seconds before `now` (constant time in the tag). */
bool ms_cache_live(const struct ms_state *state,
		   const unsigned char tag[MS_CACHE_TAG_BYTES], time_t now,
		   unsigned ttl);
void ms_cache_put(struct ms_state *state,
		  const unsigned char tag[MS_CACHE_TAG_BYTES], time_t now);
void ms_cache_clear(struct ms_state *state);

/* The password check of a login: a live entry for `password` answers at
 * once (*cached set); otherwise the slow hash decides, and a match is
 * remembered. With cache_ttl 0 only the hash runs. The cache never
 * outvotes the hash: when the state cannot be read or written the hash
 * alone decides and `err` says why (MS_OK otherwise), for the caller to
 * log. */
bool ms_cache_verify(const struct ms_store *store, const char *name,
		     const struct ms_record *record, const char *password,
		     time_t now, bool *cached, struct ms_error *err);

#endif
