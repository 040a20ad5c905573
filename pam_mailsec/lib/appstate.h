/* The last use of each app password, state_dir/MAILBOX.apps: written at
 * an app-password login under the mailbox lock, never into the record.
 *
 * A file of its own beside MAILBOX.state, with the same scheme (two
 * fixed-size checksummed slots, a write to the older one with pwrite):
 * MAILBOX.state, which every login reads, stays as it is, and a version
 * of this code from before app passwords keeps reading it. */
#ifndef MAILSEC_APPSTATE_H
#define MAILSEC_APPSTATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "record.h"
#include "store.h"

#define MS_APP_USE_SERVICE_MAX 32 /* NUL included; longer ones are cut */
#define MS_APP_USE_RHOST_MAX 46   /* an IPv6 address in text, NUL included */

struct ms_app_use {
	char id[MS_APP_ID_MAX]; /* of the record's entry; "" when free */
	int64_t last_used;
	uint32_t uses;
	char service[MS_APP_USE_SERVICE_MAX];
	char rhost[MS_APP_USE_RHOST_MAX]; /* "-" when the login had none */
};

struct ms_app_state {
	uint64_t seq; /* of the slot read; 0 for a fresh state */
	struct ms_app_use uses[MS_APP_MAX];
};

/* Reads the newest valid slot; a missing file is a fresh (empty) state. */
enum ms_status ms_app_state_load(const struct ms_store *store,
				 const char *name, struct ms_app_state *state,
				 struct ms_error *err);

/* The use of app password `id`, NULL when it was never used. */
const struct ms_app_use *ms_app_state_find(const struct ms_app_state *state,
					   const char *id);

/* Under the mailbox lock: counts a login with record->apps[which] at `now`
 * from `service` and `rhost` (both cut to fit), and drops the entries of
 * ids the record no longer holds (revoked). */
enum ms_status ms_app_state_note(const struct ms_store *store,
				 const char *name,
				 const struct ms_record *record, int which,
				 time_t now, const char *service,
				 const char *rhost, struct ms_error *err);

/* One slot of MAILBOX.apps as bytes of their own (the database's blob):
 * MS_APP_STATE_SLOT bytes; decode gives false for a slot that is torn,
 * tampered with or of an unknown version. */
#define MS_APP_STATE_SLOT 2048
void ms_app_state_encode(const struct ms_app_state *state, uint64_t seq,
			 unsigned char out[MS_APP_STATE_SLOT]);
bool ms_app_state_decode(const unsigned char slot[MS_APP_STATE_SLOT],
			 struct ms_app_state *state);

enum ms_status ms_app_state_remove(const struct ms_store *store,
				   const char *name, struct ms_error *err);

#endif
