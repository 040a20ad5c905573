/* A mailbox held for one writer: a transaction with an advisory lock on
 * its name (which needs no row) and, for an existing mailbox, its row. */
#include "config.h"

#include <string.h>

#include "pg.h"

static void roll_back_quietly(struct ms_db *db)
{
	struct ms_error ignored;
	PGresult *res;

	if (ms_pg_sql(db, "ROLLBACK", false, "roll back", &res, &ignored) ==
	    MS_OK)
		PQclear(res);
	db->in_transaction = false;
}

static enum ms_status run_locked(struct ms_db *db, enum ms_pg_stmt stmt,
				 const char *name, int *rows,
				 struct ms_error *err)
{
	struct ms_pg_params params = { .n = 1 };
	PGresult *res;

	params.values[0] = name;
	params.lengths[0] = (int)strlen(name);
	if (ms_pg_run(db, stmt, &params, "lock", &res, err) != MS_OK)
		return err->status;
	*rows = PQntuples(res);
	PQclear(res);
	return MS_OK;
}

enum ms_status ms_pg_lock(struct ms_db *db, const char *name, bool existing,
			  struct ms_error *err)
{
	PGresult *res;
	int rows = 0;

	if (db->in_transaction)
		return ms_fail(err, MS_SYSTEM,
			       "postgresql: lock: %s: a transaction is open",
			       name);
	if (ms_pg_sql(db, "BEGIN", false, "lock", &res, err) != MS_OK)
		return err->status;
	PQclear(res);
	db->in_transaction = true;
	db->transaction_conn = ms_pg_serial();
	if (run_locked(db, MS_PG_LOCK_NAME, name, &rows, err) != MS_OK ||
	    (existing &&
	     run_locked(db, MS_PG_LOCK_ROW, name, &rows, err) != MS_OK)) {
		roll_back_quietly(db);
		return err->status;
	}
	if (existing && rows == 0) {
		roll_back_quietly(db);
		return ms_fail(err, MS_NOT_FOUND,
			       "postgresql: lock: %s: no such mailbox", name);
	}
	return MS_OK;
}

enum ms_status ms_pg_unlock(struct ms_db *db, bool commit,
			    struct ms_error *err)
{
	const char *what = commit ? "commit" : "roll back";
	unsigned long sent_on;
	enum ms_status status;
	PGresult *res;

	if (!db->in_transaction)
		return ms_fail(err, MS_SYSTEM, "postgresql: %s: no transaction",
			       what);
	/* The server rolled back a transaction whose connection ended. */
	if (!commit && ms_pg_serial() != db->transaction_conn) {
		db->in_transaction = false;
		return MS_OK;
	}
	sent_on = ms_pg_serial() == db->transaction_conn ? db->transaction_conn
							 : 0;
	status = ms_pg_sql(db, commit ? "COMMIT" : "ROLLBACK", false, what,
			   &res, err);
	db->in_transaction = false;
	/* The COMMIT went out on the transaction's connection and no reply
	 * came back: the server may have committed before it went away. */
	if (status != MS_OK && commit && sent_on &&
	    ms_pg_serial() != sent_on)
		return ms_fail(err, MS_SYSTEM,
			       "postgresql: commit: the connection was lost;"
			       " the change may or may not have been saved");
	if (status != MS_OK)
		return status;
	/* COMMIT of a transaction that an error aborted rolls back. */
	if (commit && strcmp(PQcmdStatus(res), "COMMIT") != 0)
		status = ms_fail(err, MS_SYSTEM,
				 "postgresql: commit: the transaction had failed"
				 " and was rolled back");
	PQclear(res);
	return status;
}
