/* The blobs of the PostgreSQL store (store_db_blob.c): a mailbox's state,
 * app-password uses and journal, with the signatures of store_ops.h. */
#ifndef MAILSEC_STORE_DB_BLOB_H
#define MAILSEC_STORE_DB_BLOB_H

#include "store_ops.h"

/* How many times an edit is judged again because another writer came
 * first before it gives up: the deadline ends it anyway, this ends a
 * loop that a writer changing the blob at every turn could make. */
#define MS_DB_CONFLICTS_MAX 50

enum ms_status ms_db_state_load(const struct ms_store *store, const char *name,
				struct ms_state *state, struct ms_error *err);
enum ms_status ms_db_state_save(const struct ms_store *store, const char *name,
				struct ms_state *state, struct ms_error *err);
enum ms_status ms_db_state_edit(const struct ms_store *store, const char *name,
				ms_state_edit_fn *edit, void *arg,
				struct ms_error *err);
enum ms_status ms_db_state_remove(const struct ms_store *store,
				  const char *name, struct ms_error *err);

enum ms_status ms_db_app_state_load(const struct ms_store *store,
				    const char *name,
				    struct ms_app_state *state,
				    struct ms_error *err);
enum ms_status ms_db_app_state_edit(const struct ms_store *store,
				    const char *name,
				    ms_app_state_edit_fn *edit, void *arg,
				    struct ms_error *err);
enum ms_status ms_db_app_state_remove(const struct ms_store *store,
				      const char *name, struct ms_error *err);

enum ms_status ms_db_journal_read(const struct ms_store *store,
				  const char *name,
				  unsigned char image[MS_JOURNAL_BYTES],
				  size_t *len, struct ms_error *err);
enum ms_status ms_db_journal_edit(const struct ms_store *store,
				  const char *name, ms_journal_edit_fn *edit,
				  void *arg, struct ms_error *err);
enum ms_status ms_db_journal_remove(const struct ms_store *store,
				    const char *name, struct ms_error *err);

#endif
