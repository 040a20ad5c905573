/* Running a statement within the deadline: sent without blocking, its
 * result awaited with poll(); a kept connection found dead is made again
 * and the statement sent once more, outside a transaction. */
#include "config.h"

#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

struct request {
	const char *prepared; /* a statement's name, or */
	const char *sql;      /* its text */
	const struct ms_pg_params *params;
	bool ready; /* needs the schema and the prepared statements */
};

void ms_pg_deadline_start(struct ms_db *db)
{
	clock_gettime(CLOCK_MONOTONIC, &db->deadline);
	db->deadline.tv_sec += db->timeout_ms / 1000;
	db->deadline.tv_nsec += (long)(db->timeout_ms % 1000) * 1000000L;
	if (db->deadline.tv_nsec >= 1000000000L) {
		db->deadline.tv_sec++;
		db->deadline.tv_nsec -= 1000000000L;
	}
}

/* Rounded up, so that poll() never spins on the last fraction. */
int ms_pg_ms_left(const struct ms_db *db)
{
	struct timespec now;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(db->deadline.tv_sec - now.tv_sec) * 1000000000LL +
	     (db->deadline.tv_nsec - now.tv_nsec);
	if (ns <= 0)
		return 0;
	if (ns / 1000000LL >= INT_MAX)
		return INT_MAX;
	return (int)((ns + 999999LL) / 1000000LL);
}

int ms_pg_poll(const struct ms_db *db, int fd, short events)
{
	struct pollfd watched = { .fd = fd, .events = events };
	int left = ms_pg_ms_left(db);
	int ready;

	if (left <= 0)
		return 0;
	if (fd < 0)
		return 1; /* no socket: libpq says why */
	ready = poll(&watched, 1, left);
	/* EINTR: look again; anything else: libpq finds it on the socket. */
	return ready < 0 ? 1 : ready;
}

enum ms_status ms_pg_timed_out(const struct ms_db *db, const char *what,
			       struct ms_error *err)
{
	return ms_fail(err, MS_SYSTEM, "postgresql: %s: timed out after %u ms",
		       what, db->timeout_ms);
}

enum ms_status ms_pg_wait(struct ms_db *db, PGconn *conn, short events,
			  const char *what, struct ms_error *err)
{
	if (ms_pg_poll(db, PQsocket(conn), events) > 0)
		return MS_OK;
	ms_pg_cancel(conn);
	ms_pg_drop();
	return ms_pg_timed_out(db, what, err);
}

/* The server went away (or is going): SQLSTATE class 08, an
 * administrator's or a crash's shutdown, or a socket that broke. */
static bool connection_lost(PGconn *conn, const PGresult *res)
{
	const char *state =
		res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(conn) == CONNECTION_BAD)
		return true;
	if (!state)
		return false;
	return strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	       strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0;
}

static enum ms_status lost_connection(PGconn *conn, const PGresult *res,
				      const char *what, bool *lost,
				      struct ms_error *err)
{
	enum ms_status status = ms_pg_fail(conn, res, what, err);

	*lost = connection_lost(conn, res);
	if (*lost)
		ms_pg_drop();
	return status;
}

static enum ms_status flush(struct ms_db *db, PGconn *conn, const char *what,
			    bool *lost, struct ms_error *err)
{
	int unsent;

	while ((unsent = PQflush(conn)) == 1) {
		if (ms_pg_wait(db, conn, POLLIN | POLLOUT, what, err) != MS_OK)
			return MS_SYSTEM;
		if (!PQconsumeInput(conn))
			return lost_connection(conn, NULL, what, lost, err);
	}
	if (unsent < 0)
		return lost_connection(conn, NULL, what, lost, err);
	return MS_OK;
}

static bool failed(const PGresult *res)
{
	ExecStatusType status = PQresultStatus(res);

	return status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK;
}

/* Every result of what was sent: the first failure, else the last. */
static enum ms_status collect(struct ms_db *db, PGconn *conn, const char *what,
			      PGresult **out, bool *lost, struct ms_error *err)
{
	PGresult *kept = NULL, *res;
	enum ms_status status = flush(db, conn, what, lost, err);

	while (status == MS_OK) {
		while (status == MS_OK && PQisBusy(conn)) {
			status = ms_pg_wait(db, conn, POLLIN, what, err);
			if (status == MS_OK && !PQconsumeInput(conn))
				status = lost_connection(conn, NULL, what, lost,
							 err);
		}
		if (status != MS_OK || !(res = PQgetResult(conn)))
			break;
		if (kept && failed(kept)) {
			ms_pg_clear_wiped(res);
			continue;
		}
		ms_pg_clear_wiped(kept);
		kept = res;
	}
	if (status == MS_OK && !kept)
		status = lost_connection(conn, NULL, what, lost, err);
	if (status == MS_OK && failed(kept))
		status = lost_connection(conn, kept, what, lost, err);
	if (status != MS_OK) {
		ms_pg_clear_wiped(kept);
		return status;
	}
	*out = kept;
	return MS_OK;
}

static enum ms_status send_and_collect(struct ms_db *db, PGconn *conn,
				       const struct request *rq,
				       const char *what, PGresult **res,
				       bool *lost, struct ms_error *err)
{
	static const int binary[4] = { 1, 1, 1, 1 };
	int n = rq->params ? rq->params->n : 0;
	const char *const *values = rq->params ? rq->params->values : NULL;
	const int *lengths = rq->params ? rq->params->lengths : NULL;
	int sent;

	if (rq->prepared)
		sent = PQsendQueryPrepared(conn, rq->prepared, n, values,
					   lengths, binary, 1);
	else if (n == 0)
		sent = PQsendQuery(conn, rq->sql);
	else
		sent = PQsendQueryParams(conn, rq->sql, n, NULL, values,
					 lengths, binary, 1);
	if (!sent)
		return lost_connection(conn, NULL, what, lost, err);
	return collect(db, conn, what, res, lost, err);
}

static enum ms_status prepare(struct ms_db *db, struct ms_pg_conn *conn,
			      const char *what, bool *lost,
			      struct ms_error *err)
{
	for (int i = 0; i < MS_PG_STMTS; i++) {
		const struct ms_pg_stmt_def *def = ms_pg_stmt_def(i);
		PGresult *res;

		if (def->admin_only && db->role == MS_DB_LOGIN)
			continue;
		if (!PQsendPrepare(conn->conn, def->name, def->sql,
				   def->nparams, def->types))
			return lost_connection(conn->conn, NULL, what, lost,
					       err);
		if (collect(db, conn->conn, what, &res, lost, err) != MS_OK)
			return err->status;
		PQclear(res);
	}
	return MS_OK;
}

/* The schema's version checked, then the role's statements prepared. */
static enum ms_status make_ready(struct ms_db *db, struct ms_pg_conn *conn,
				 const char *what, bool *lost,
				 struct ms_error *err)
{
	PGresult *res;
	int found = -1;
	struct request rq = { .sql = "SELECT version FROM mailsec_schema" };

	if (send_and_collect(db, conn->conn, &rq, what, &res, lost, err) !=
	    MS_OK)
		return err->status;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		found = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (found != MS_PG_SCHEMA_VERSION)
		return ms_pg_schema_hint(db, found, err);
	if (prepare(db, conn, what, lost, err) != MS_OK)
		return err->status;
	conn->ready = true;
	return MS_OK;
}

static enum ms_status run(struct ms_db *db, const struct request *rq,
			  const char *what, PGresult **res,
			  struct ms_error *err)
{
	for (int attempt = 0;; attempt++) {
		struct ms_pg_conn *conn;
		bool fresh, lost = false;
		enum ms_status status;

		status = ms_pg_connect(db, &conn, &fresh, what, err);
		if (status != MS_OK)
			return status;
		if (rq->ready && !conn->ready)
			status = make_ready(db, conn, what, &lost, err);
		if (status == MS_OK)
			status = send_and_collect(db, conn->conn, rq, what, res,
						  &lost, err);
		if (status == MS_OK || !lost || fresh || db->in_transaction ||
		    attempt > 0)
			return status;
		ms_error_clear(err);
	}
}

enum ms_status ms_pg_run(struct ms_db *db, enum ms_pg_stmt stmt,
			 const struct ms_pg_params *params, const char *what,
			 PGresult **res, struct ms_error *err)
{
	const struct ms_pg_stmt_def *def = ms_pg_stmt_def(stmt);
	struct request rq = { .prepared = def->name,
			      .params = params,
			      .ready = true };

	if (def->admin_only && db->role == MS_DB_LOGIN)
		return ms_fail(err, MS_SYSTEM,
			       "postgresql: %s: not on the module's connection",
			       what);
	return run(db, &rq, what, res, err);
}

enum ms_status ms_pg_sql(struct ms_db *db, const char *sql, bool ready,
			 const char *what, PGresult **res,
			 struct ms_error *err)
{
	struct request rq = { .sql = sql, .ready = ready };

	return run(db, &rq, what, res, err);
}

enum ms_status ms_pg_sql_params(struct ms_db *db, const char *sql,
				const struct ms_pg_params *params,
				const char *what, PGresult **res,
				struct ms_error *err)
{
	struct request rq = { .sql = sql, .params = params };

	return run(db, &rq, what, res, err);
}
