/* The PostgreSQL store's entry points (store_db.c): ms_store_open,
 * ms_store_close and ms_store_renew call these when mailsec.conf says
 * store = "postgresql". */
#ifndef MAILSEC_STORE_DB_H
#define MAILSEC_STORE_DB_H

#include "error.h"
#include "settings.h"
#include "store.h"

/* Loads the driver (postgresql.driver) and opens a use of the process's
 * connection: the module's role for MS_STORE_LOGIN, admin_conninfo for
 * the other modes. Sets store->ops to &ms_store_db_ops. Called with
 * store->settings set and every other field empty (NULL, fds -1); on
 * failure ms_store_open calls ms_store_db_close. */
enum ms_status ms_store_db_open(const struct ms_settings *settings,
				enum ms_store_mode mode, struct ms_store *store,
				struct ms_error *err);
/* Ends the use (a transaction left open is rolled back). Also on a store
 * whose ms_store_db_open failed (db NULL), and on one closed already:
 * ms_store_close then empties the store, and a caller may close twice. */
void ms_store_db_close(struct ms_store *store);
void ms_store_db_renew(const struct ms_store *store);

#endif
