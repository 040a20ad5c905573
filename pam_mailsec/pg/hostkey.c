/* The shared host key, read once per connection. */
#include "config.h"

#include <string.h>

#include "pg.h"

static void forget_key(struct ms_pg_conn *conn)
{
	if (!conn)
		return;
	explicit_bzero(conn->key, sizeof(conn->key));
	conn->have_key = false;
}

enum ms_status ms_pg_host_key(struct ms_db *db,
			      unsigned char key[MS_DB_KEY_BYTES],
			      struct ms_error *err)
{
	struct ms_pg_conn *conn;
	PGresult *res;
	bool fresh;

	if (ms_pg_connect(db, &conn, &fresh, "host key", err) != MS_OK)
		return err->status;
	if (!conn->have_key) {
		if (ms_pg_run(db, MS_PG_HOST_KEY, NULL, "host key", &res,
			      err) != MS_OK)
			return err->status;
		if (PQntuples(res) != 1 ||
		    PQgetlength(res, 0, 0) != MS_DB_KEY_BYTES) {
			ms_pg_clear_wiped(res);
			return ms_fail(err, MS_NOT_FOUND,
				       "postgresql: host key: none in the"
				       " database");
		}
		conn = ms_pg_kept();
		memcpy(conn->key, PQgetvalue(res, 0, 0), MS_DB_KEY_BYTES);
		conn->have_key = true;
		ms_pg_clear_wiped(res);
	}
	memcpy(key, conn->key, MS_DB_KEY_BYTES);
	return MS_OK;
}

enum ms_status ms_pg_set_host_key(struct ms_db *db,
				  const unsigned char key[MS_DB_KEY_BYTES],
				  struct ms_error *err)
{
	struct ms_pg_params params = { .n = 1 };
	PGresult *res;

	params.values[0] = (const char *)key;
	params.lengths[0] = MS_DB_KEY_BYTES;
	/* Read again after the change, which a rollback may undo. */
	forget_key(ms_pg_kept());
	if (ms_pg_run(db, MS_PG_SET_HOST_KEY, &params, "set host key", &res,
		      err) != MS_OK)
		return err->status;
	PQclear(res);
	forget_key(ms_pg_kept());
	return MS_OK;
}
