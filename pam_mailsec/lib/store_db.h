/* The PostgreSQL store (store = "postgresql"): a use of the loaded driver's
 * connection (db_driver.h) behind the store interface (store_ops.h). */
#ifndef MAILSEC_STORE_DB_H
#define MAILSEC_STORE_DB_H

#include "error.h"
#include "settings.h"
#include "store.h"

/* Loads the driver (db_load.h) and opens a use of its connection: the
 * module's role and postgresql.conninfo for MS_STORE_LOGIN, mailsecctl's
 * (admin_conninfo, or conninfo when that is empty) for the other modes;
 * the deadline postgresql.timeout from now. No file descriptor. */
enum ms_status ms_store_db_open(const struct ms_settings *settings,
				enum ms_store_mode mode, struct ms_store *store,
				struct ms_error *err);
void ms_store_db_close(struct ms_store *store);
void ms_store_db_renew(const struct ms_store *store);

#endif
