/* The file store's side of store_ops.h: users_dir and state_dir as
 * record.c, state.c, appstate.c, journal*.c, hostkey.c and store.c keep
 * them. Only store_files.c, which fills ms_store_files_ops, and those
 * files see these; everyone else calls the public functions, which go
 * through store->ops. */
#ifndef MAILSEC_STORE_FILES_H
#define MAILSEC_STORE_FILES_H

#include "store_ops.h"

enum ms_status ms_files_record_load(const struct ms_store *store,
				    const char *name, struct ms_record *record,
				    struct ms_error *err);
enum ms_status ms_files_record_save(const struct ms_store *store,
				    const char *name,
				    const struct ms_record *record,
				    struct ms_error *err);
enum ms_status ms_files_record_exists(const struct ms_store *store,
				      const char *name, struct ms_error *err);
enum ms_status ms_files_record_remove(const struct ms_store *store,
				      const char *name, struct ms_error *err);
bool ms_files_record_current(const struct ms_store *store, const char *name,
			     const struct ms_record *record);

enum ms_status ms_files_lock(const struct ms_store *store, const char *name,
			     bool existing, int *lock, struct ms_error *err);
enum ms_status ms_files_unlock(const struct ms_store *store, int lock,
			       struct ms_error *err);

enum ms_status ms_files_state_load(const struct ms_store *store,
				   const char *name, struct ms_state *state,
				   struct ms_error *err);
enum ms_status ms_files_state_save(const struct ms_store *store,
				   const char *name, struct ms_state *state,
				   struct ms_error *err);
enum ms_status ms_files_state_edit(const struct ms_store *store,
				   const char *name, ms_state_edit_fn *edit,
				   void *arg, struct ms_error *err);
enum ms_status ms_files_state_remove(const struct ms_store *store,
				     const char *name, struct ms_error *err);

enum ms_status ms_files_app_state_load(const struct ms_store *store,
				       const char *name,
				       struct ms_app_state *state,
				       struct ms_error *err);
enum ms_status ms_files_app_state_edit(const struct ms_store *store,
				       const char *name,
				       ms_app_state_edit_fn *edit, void *arg,
				       struct ms_error *err);
enum ms_status ms_files_app_state_remove(const struct ms_store *store,
					 const char *name,
					 struct ms_error *err);

enum ms_status ms_files_journal_read(const struct ms_store *store,
				     const char *name,
				     unsigned char image[MS_JOURNAL_BYTES],
				     size_t *len, struct ms_error *err);
enum ms_status ms_files_journal_edit(const struct ms_store *store,
				     const char *name,
				     ms_journal_edit_fn *edit, void *arg,
				     struct ms_error *err);
enum ms_status ms_files_journal_remove(const struct ms_store *store,
				       const char *name, struct ms_error *err);

enum ms_status ms_files_host_key(const struct ms_store *store,
				 unsigned char key[MS_HOSTKEY_BYTES],
				 struct ms_error *err);
enum ms_status ms_files_set_host_key(const struct ms_store *store,
				     const unsigned char key[MS_HOSTKEY_BYTES],
				     struct ms_error *err);

#endif
