/* The store interface: what a mailbox's persistence is, once per kind of
 * store. The file store (users_dir, state_dir) and the PostgreSQL store
 * (a loaded driver, db_driver.h) each fill one table; ms_store_open picks
 * it from mailsec.conf's `store`, and the public functions of record.h,
 * state.h, appstate.h, journal.h and hostkey.h call through it. What the
 * bytes mean (how a code is judged, which journal entry a decision
 * takes) is decided above this table, once for both stores. */
#ifndef MAILSEC_STORE_OPS_H
#define MAILSEC_STORE_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "appstate.h"
#include "error.h"
#include "hostkey.h"
#include "journal.h"
#include "record.h"
#include "state.h"
#include "store.h"

/* A journal as stored: MS_JOURNAL_ENTRIES entries of MS_JENTRY_SIZE bytes
 * (journal_entry.h); fewer when it is short. */
#define MS_JOURNAL_BYTES (MS_JOURNAL_ENTRIES * 256)

/* Changes a journal image of *len bytes in place (*len may grow up to
 * MS_JOURNAL_BYTES); false: nothing to write. */
typedef bool ms_journal_edit_fn(unsigned char image[MS_JOURNAL_BYTES],
				size_t *len, void *arg);

/* Changes an app-password use state; false: nothing to write. */
typedef bool ms_app_state_edit_fn(struct ms_app_state *state, void *arg);

struct ms_store_ops {
	/* Records: the semantics of the record.h functions of those names. */
	enum ms_status (*record_load)(const struct ms_store *store,
				      const char *name,
				      struct ms_record *record,
				      struct ms_error *err);
	enum ms_status (*record_save)(const struct ms_store *store,
				      const char *name,
				      const struct ms_record *record,
				      struct ms_error *err);
	enum ms_status (*record_exists)(const struct ms_store *store,
					const char *name,
					struct ms_error *err);
	enum ms_status (*record_remove)(const struct ms_store *store,
					const char *name,
					struct ms_error *err);
	bool (*record_current)(const struct ms_store *store, const char *name,
			       const struct ms_record *record);
	/* Every mailbox that has a record, in byte order of its name. */
	enum ms_status (*names)(const struct ms_store *store,
				ms_store_name_fn *each, void *arg,
				struct ms_error *err);

	/* The mailbox lock (ms_store_lock, ms_record_lock: `existing`). */
	enum ms_status (*lock)(const struct ms_store *store, const char *name,
			       bool existing, int *lock, struct ms_error *err);
	enum ms_status (*unlock)(const struct ms_store *store, int lock,
				 struct ms_error *err);

	/* Runtime state (state.h); save only under the lock, edit takes
	 * it or stands in for it. */
	enum ms_status (*state_load)(const struct ms_store *store,
				     const char *name, struct ms_state *state,
				     struct ms_error *err);
	enum ms_status (*state_save)(const struct ms_store *store,
				     const char *name, struct ms_state *state,
				     struct ms_error *err);
	enum ms_status (*state_edit)(const struct ms_store *store,
				     const char *name, ms_state_edit_fn *edit,
				     void *arg, struct ms_error *err);
	enum ms_status (*state_remove)(const struct ms_store *store,
				       const char *name, struct ms_error *err);

	/* App-password uses (appstate.h); an edit of a mailbox without a
	 * record writes nothing and is MS_OK. */
	enum ms_status (*app_state_load)(const struct ms_store *store,
					 const char *name,
					 struct ms_app_state *state,
					 struct ms_error *err);
	enum ms_status (*app_state_edit)(const struct ms_store *store,
					 const char *name,
					 ms_app_state_edit_fn *edit, void *arg,
					 struct ms_error *err);
	enum ms_status (*app_state_remove)(const struct ms_store *store,
					   const char *name,
					   struct ms_error *err);

	/* The activity journal as bytes (journal.h decodes them): read,
	 * edited in one exclusive step (never made without a record: then
	 * MS_OK, nothing written), replaced whole (db import), removed. */
	enum ms_status (*journal_read)(const struct ms_store *store,
				       const char *name,
				       unsigned char image[MS_JOURNAL_BYTES],
				       size_t *len, struct ms_error *err);
	enum ms_status (*journal_edit)(const struct ms_store *store,
				       const char *name,
				       ms_journal_edit_fn *edit, void *arg,
				       struct ms_error *err);
	enum ms_status (*journal_remove)(const struct ms_store *store,
					 const char *name,
					 struct ms_error *err);

	/* The host key (hostkey.h): one per file store, one shared by every
	 * host of a database; made on first use. */
	enum ms_status (*host_key)(const struct ms_store *store,
				   unsigned char key[MS_HOSTKEY_BYTES],
				   struct ms_error *err);
	enum ms_status (*set_host_key)(const struct ms_store *store,
				       const unsigned char key[MS_HOSTKEY_BYTES],
				       struct ms_error *err);
};

extern const struct ms_store_ops ms_store_files_ops;
extern const struct ms_store_ops ms_store_db_ops;

#endif
