/* Runtime state, state_dir/MAILBOX.state: written at login, under the
 * mailbox lock.
 *
 * A fixed-size file of two slots, each with a sequence number and a
 * checksum; a write goes to the older slot with pwrite, so a torn write
 * leaves the other slot valid and no new inode is made per login. */
#ifndef MAILSEC_STATE_H
#define MAILSEC_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "hostkey.h"
#include "record.h"
#include "store.h"

#define MS_STATE_SESSIONS 8 /* webmail sessions kept per mailbox */
#define MS_SESSION_TAG_BYTES MS_HOSTKEY_MAC_BYTES
#define MS_CACHE_TAG_BYTES MS_HOSTKEY_MAC_BYTES

/* A webmail session: the keyed tag of a credential string that passed
 * password and code (session.h); all zero when the entry is free. */
struct ms_session {
	unsigned char tag[MS_SESSION_TAG_BYTES];
	int64_t created;
	int64_t last_used;
};

/* The verified-credential cache entry (cache.h): the keyed tag of a password
 * that passed the slow hash, and when; all zero when empty. */
struct ms_cache_entry {
	unsigned char tag[MS_CACHE_TAG_BYTES];
	int64_t verified;
};

struct ms_state {
	uint64_t seq;           /* of the slot read; 0 for a fresh state */
	/* The replay mark: when the newest TOTP step accepted ends (a time,
	 * so that it means the same whatever the period), and a tag of the
	 * secret and parameters it was accepted with (codecheck.c); a mark
	 * of another secret means nothing. 0 = none. */
	int64_t totp_used_until;
	uint64_t totp_tag;
	/* Kept while totp_tag is 0: the bare last step a version 2 or 3
	 * slot held, of whichever secret and period were enrolled then. */
	uint64_t legacy_step;
	int64_t fail_since;     /* when fail_count last lost its due decay */
	uint32_t fail_count;    /* refused guesses not yet forgiven */
	int64_t locked_until;   /* codes refused until then; 0 = not locked */
	uint64_t recovery_tag;  /* ms_recovery_set_tag the marks belong to */
	uint32_t recovery_used; /* bit i: recovery code i was used */
	uint64_t recovery_last; /* ms_recovery_code_tag of the last used */
	struct ms_session sessions[MS_STATE_SESSIONS];
	struct ms_cache_entry cache;
};

/* Reads the newest valid slot; a missing file is a fresh (zero) state. */
enum ms_status ms_state_load(const struct ms_store *store, const char *name,
			     struct ms_state *state, struct ms_error *err);

/* Writes `state` as the next slot (seq + 1), creating the file 0600 if
 * needed. Call under ms_store_lock. */
enum ms_status ms_state_save(const struct ms_store *store, const char *name,
			     struct ms_state *state, struct ms_error *err);

/* The one read-change-write of a mailbox's state: under the mailbox lock,
 * loads the state, calls `edit` on it, and saves it when `edit` returns
 * true. Anything but MS_OK means the lock, the load or the save failed. */
typedef bool ms_state_edit_fn(struct ms_state *state, void *arg);
enum ms_status ms_state_edit(const struct ms_store *store, const char *name,
			     ms_state_edit_fn *edit, void *arg,
			     struct ms_error *err);

enum ms_status ms_state_remove(const struct ms_store *store, const char *name,
			       struct ms_error *err);

/* One slot of the state file as bytes of their own, for a store that
 * keeps a mailbox's state as one blob (the database): MS_STATE_SLOT
 * bytes, checksummed, `seq` in them; decode gives false for a slot that
 * is torn, tampered with or of a version this code does not know. */
#define MS_STATE_SLOT 512
void ms_state_encode(const struct ms_state *state, uint64_t seq,
		     unsigned char out[MS_STATE_SLOT]);
bool ms_state_decode(const unsigned char slot[MS_STATE_SLOT],
		     struct ms_state *state);

/* How many of the record's recovery codes the state has not marked used. */
unsigned ms_state_recovery_left(const struct ms_state *state,
				const struct ms_record *record);

/* Whether codes are refused at `now`. */
bool ms_state_locked(const struct ms_state *state, time_t now);

#endif
