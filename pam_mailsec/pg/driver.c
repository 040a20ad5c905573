/* The driver's one exported symbol and the uses of the connection. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pg.h"

ms_db_driver_fn ms_db_driver;

static enum ms_status db_open(const struct ms_db_config *config,
			      struct ms_db **out, struct ms_error *err)
{
	struct ms_db *db;

	if (!config->conninfo || config->timeout_ms == 0)
		return ms_fail(err, MS_INVALID,
			       "postgresql: a conninfo and a timeout of more"
			       " than 0 ms are needed");
	db = calloc(1, sizeof(*db));
	if (db)
		db->conninfo = strdup(config->conninfo);
	if (!db || !db->conninfo) {
		free(db);
		return ms_fail(err, MS_SYSTEM, "postgresql: out of memory");
	}
	db->timeout_ms = config->timeout_ms;
	db->role = config->role;
	ms_pg_deadline_start(db);
	*out = db;
	return MS_OK;
}

/* A transaction left open is rolled back while time is left, else the
 * connection goes (the server rolls back when it sees it end). */
static void db_close(struct ms_db *db)
{
	struct ms_error ignored;

	if (!db)
		return;
	if (db->in_transaction &&
	    (ms_pg_ms_left(db) == 0 ||
	     ms_pg_unlock(db, false, &ignored) != MS_OK))
		ms_pg_drop();
	db->in_transaction = false;
	explicit_bzero(db->conninfo, strlen(db->conninfo));
	free(db->conninfo);
	free(db);
}

static void db_renew(struct ms_db *db)
{
	ms_pg_deadline_start(db);
}

static const struct ms_db_driver driver = {
	.api_version = MS_DB_API_VERSION,
	.open = db_open,
	.close = db_close,
	.renew = db_renew,
	.load = ms_pg_load,
	.row_free = ms_pg_row_free,
	.version = ms_pg_version,
	.names = ms_pg_names,
	.save_record = ms_pg_save_record,
	.remove = ms_pg_remove,
	.save_blob = ms_pg_save_blob,
	.lock = ms_pg_lock,
	.unlock = ms_pg_unlock,
	.host_key = ms_pg_host_key,
	.set_host_key = ms_pg_set_host_key,
	.schema = ms_pg_schema,
};

const struct ms_db_driver *ms_db_driver(unsigned api_version)
{
	return api_version == MS_DB_API_VERSION ? &driver : NULL;
}
