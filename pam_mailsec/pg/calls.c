/* Rows: loading one, its version, every name, saving a record, removing. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "pg.h"

static enum ms_status no_row(const char *name, struct ms_error *err)
{
	return ms_fail(err, MS_NOT_FOUND, "postgresql: %s: no such mailbox",
		       name);
}

static void name_param(struct ms_pg_params *params, const char *name)
{
	params->values[params->n] = name;
	params->lengths[params->n] = (int)strlen(name);
	params->n++;
}

/* A copy of a result's value with a NUL after it; NULL for NULL. */
static bool copy_value(const PGresult *res, int col, unsigned char **out,
		       size_t *len)
{
	size_t size = (size_t)PQgetlength(res, 0, col);

	*out = NULL;
	*len = 0;
	if (PQgetisnull(res, 0, col))
		return true;
	*out = malloc(size + 1);
	if (!*out)
		return false;
	memcpy(*out, PQgetvalue(res, 0, col), size);
	(*out)[size] = '\0';
	*len = size;
	return true;
}

static bool fill_row(const PGresult *res, struct ms_db_row *row)
{
	unsigned char *record;
	bool copied = copy_value(res, 0, &record, &row->record_len);

	row->record = (char *)record;
	row->version = ms_pg_int8(res, 0, 1);
	for (int b = 0; b < MS_DB_BLOBS; b++) {
		copied = copied && copy_value(res, 2 + 2 * b, &row->blob[b],
					      &row->blob_len[b]);
		row->blob_seq[b] = ms_pg_int8(res, 0, 3 + 2 * b);
	}
	return copied;
}

enum ms_status ms_pg_load(struct ms_db *db, const char *name, unsigned want,
			  struct ms_db_row *row, struct ms_error *err)
{
	struct ms_pg_params params = { 0 };
	char want_bits[4] = { 0, 0, (char)(want >> 8 & 0xff),
			      (char)(want & 0xff) };
	PGresult *res;
	bool copied;

	memset(row, 0, sizeof(*row));
	name_param(&params, name);
	params.values[1] = want_bits;
	params.lengths[1] = 4;
	params.n = 2;
	if (ms_pg_run(db, MS_PG_LOAD, &params, "load", &res, err) != MS_OK)
		return err->status;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return no_row(name, err);
	}
	copied = fill_row(res, row);
	ms_pg_clear_wiped(res);
	if (!copied) {
		ms_pg_row_free(row);
		return ms_fail(err, MS_SYSTEM, "postgresql: load: out of memory");
	}
	return MS_OK;
}

static void free_wiped(void *buf, size_t len)
{
	if (!buf)
		return;
	explicit_bzero(buf, len);
	free(buf);
}

void ms_pg_row_free(struct ms_db_row *row)
{
	free_wiped(row->record, row->record_len + 1);
	for (int b = 0; b < MS_DB_BLOBS; b++)
		free_wiped(row->blob[b], row->blob_len[b] + 1);
	memset(row, 0, sizeof(*row));
}

enum ms_status ms_pg_version(struct ms_db *db, const char *name,
			     int64_t *version, struct ms_error *err)
{
	struct ms_pg_params params = { 0 };
	PGresult *res;
	bool found;

	name_param(&params, name);
	if (ms_pg_run(db, MS_PG_VERSION, &params, "version", &res, err) !=
	    MS_OK)
		return err->status;
	found = PQntuples(res) == 1;
	if (found)
		*version = ms_pg_int8(res, 0, 0);
	PQclear(res);
	return found ? MS_OK : no_row(name, err);
}

enum ms_status ms_pg_names(struct ms_db *db, ms_db_name_fn *each, void *arg,
			   struct ms_error *err)
{
	enum ms_status status = MS_OK;
	PGresult *res;

	if (ms_pg_run(db, MS_PG_NAMES, NULL, "names", &res, err) != MS_OK)
		return err->status;
	for (int i = 0; i < PQntuples(res) && status == MS_OK; i++)
		status = each(PQgetvalue(res, i, 0), arg, err);
	PQclear(res);
	return status;
}

enum ms_status ms_pg_save_record(struct ms_db *db, const char *name,
				 const char *text, size_t len,
				 int64_t *version, struct ms_error *err)
{
	struct ms_pg_params params = { 0 };
	PGresult *res;

	if (len > (size_t)1 << 30)
		return ms_fail(err, MS_INVALID,
			       "postgresql: save record: %s: record too long",
			       name);
	name_param(&params, name);
	params.values[1] = text;
	params.lengths[1] = (int)len;
	params.n = 2;
	if (ms_pg_run(db, MS_PG_SAVE_RECORD, &params, "save record", &res,
		      err) != MS_OK)
		return err->status;
	*version = PQntuples(res) == 1 ? ms_pg_int8(res, 0, 0) : 0;
	PQclear(res);
	return MS_OK;
}

enum ms_status ms_pg_remove(struct ms_db *db, const char *name,
			    struct ms_error *err)
{
	struct ms_pg_params params = { 0 };
	PGresult *res;
	bool removed;

	name_param(&params, name);
	if (ms_pg_run(db, MS_PG_REMOVE, &params, "remove", &res, err) !=
	    MS_OK)
		return err->status;
	removed = strcmp(PQcmdTuples(res), "0") != 0;
	PQclear(res);
	return removed ? MS_OK : no_row(name, err);
}
