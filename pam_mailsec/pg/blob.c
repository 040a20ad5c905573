/* Writing a blob when its sequence number is still the one read. */
#include "config.h"

#include <string.h>

#include "pg.h"

static const struct {
	enum ms_pg_stmt stmt;
	const char *what;
} blobs[MS_DB_BLOBS] = {
	[MS_DB_STATE] = { MS_PG_SAVE_STATE, "save state" },
	[MS_DB_APPS] = { MS_PG_SAVE_APPS, "save app state" },
	[MS_DB_JOURNAL] = { MS_PG_SAVE_JOURNAL, "save journal" },
};

enum ms_status ms_pg_save_blob(struct ms_db *db, const char *name,
			       enum ms_db_blob which, int64_t seq,
			       const unsigned char *data, size_t len,
			       struct ms_error *err)
{
	struct ms_pg_params params = { .n = 3 };
	char seq_bytes[8];
	PGresult *res;
	bool changed, exists;

	if ((unsigned)which >= MS_DB_BLOBS || len > (size_t)1 << 30)
		return ms_fail(err, MS_INVALID, "postgresql: save blob: %s: "
			       "no such blob or too long", name);
	ms_pg_put_int8(seq_bytes, seq);
	params.values[0] = name;
	params.lengths[0] = (int)strlen(name);
	/* An empty blob is stored as none. */
	params.values[1] = len ? (const char *)data : NULL;
	params.lengths[1] = (int)len;
	params.values[2] = seq_bytes;
	params.lengths[2] = 8;
	if (ms_pg_run(db, blobs[which].stmt, &params, blobs[which].what, &res,
		      err) != MS_OK)
		return err->status;
	changed = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0);
	exists = PQntuples(res) == 1 && !PQgetisnull(res, 0, 1) &&
		 PQgetvalue(res, 0, 1)[0] != 0;
	PQclear(res);
	if (changed)
		return MS_OK;
	if (!exists)
		return ms_fail(err, MS_NOT_FOUND,
			       "postgresql: %s: %s: no such mailbox",
			       blobs[which].what, name);
	return ms_fail(err, MS_DB_CONFLICT,
		       "postgresql: %s: %s: written by another in between",
		       blobs[which].what, name);
}
