/* The database driver (db_driver.h), loaded once per process. */
#ifndef MAILSEC_DB_LOAD_H
#define MAILSEC_DB_LOAD_H

#include "db_driver.h"
#include "error.h"
#include "settings.h"

/* The driver postgresql.driver names: its path trusted as kick_command's
 * program is (trusted_path.h), dlopened, asked for MS_DB_API_VERSION.
 * Loaded on the first call and kept (never unloaded: a libpq connection
 * lives in it for the process); later calls give the same driver when
 * they name the same path. MS_SYSTEM "PATH: the PostgreSQL driver is not
 * installed (built --without-postgresql?)" when the file is missing,
 * "DRIVER: speaks another driver API" when it does not answer for this
 * version. */
enum ms_status ms_db_driver_load(const struct ms_settings *settings,
				 const struct ms_db_driver **driver,
				 struct ms_error *err);

/* For check-config: MS_OK on the file store, or when postgresql.driver
 * would be loaded (the trust check above; not loaded here). Else
 * MS_INVALID, "CONF: postgresql.driver: why". */
enum ms_status ms_db_check_driver(const struct ms_settings *settings,
				  struct ms_error *err);

#endif
