/* The PostgreSQL driver's insides: the process's one connection, the
 * deadline of a use of it, and running statements within that deadline.
 *
 * libpq copies parameters into its output buffer and reads results into
 * its input buffer; neither can be wiped from here. What this driver
 * allocates, and every result value that holds record text or the host
 * key, is wiped before it is freed. */
#ifndef MAILSEC_PG_H
#define MAILSEC_PG_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <libpq-fe.h>

#include "db_driver.h"

#define MS_PG_SCHEMA_VERSION 1

struct ms_db {
	char *conninfo;
	unsigned timeout_ms;
	enum ms_db_role role;
	struct timespec deadline; /* CLOCK_MONOTONIC */
	bool in_transaction;
	/* The connection the transaction began on: a transaction never
	 * goes on over another. */
	unsigned long transaction_conn;
};

/* The statements the driver prepares (statements.c). */
enum ms_pg_stmt {
	MS_PG_LOAD,
	MS_PG_VERSION,
	MS_PG_NAMES,
	MS_PG_SAVE_STATE,
	MS_PG_SAVE_APPS,
	MS_PG_SAVE_JOURNAL,
	MS_PG_LOCK_NAME,
	MS_PG_LOCK_ROW,
	MS_PG_HOST_KEY,
	MS_PG_SAVE_RECORD, /* from here on: mailsecctl's only */
	MS_PG_REMOVE,
	MS_PG_SET_HOST_KEY,
	MS_PG_STMTS
};

struct ms_pg_stmt_def {
	const char *name;
	const char *sql;
	int nparams;
	const Oid *types;
	bool admin_only; /* the module's role may not run it */
};

const struct ms_pg_stmt_def *ms_pg_stmt_def(enum ms_pg_stmt stmt);

/* The process's connection (conn.c). */
struct ms_pg_conn {
	PGconn *conn;
	unsigned long serial; /* a number per connection made */
	bool ready;           /* schema checked, statements prepared */
	bool have_key;        /* the host key below was read */
	unsigned char key[MS_DB_KEY_BYTES];
};

/* The connection for db's configuration, connected (not ready) within
 * db's deadline; a kept one when it fits. *fresh: made by this call. */
enum ms_status ms_pg_connect(struct ms_db *db, struct ms_pg_conn **conn,
			     bool *fresh, const char *what,
			     struct ms_error *err);
/* Closes the connection (ours: made by this process) and wipes what it
 * cached. */
void ms_pg_drop(void);
/* The kept connection of this process; NULL when there is none. */
struct ms_pg_conn *ms_pg_kept(void);
/* The number of the kept connection; 0 when there is none. */
unsigned long ms_pg_serial(void);
/* After a fork: the parent's connection is forgotten, not closed. */
void ms_pg_forget_if_forked(void);

/* Refuses a conninfo that holds a password, or that crosses the network
 * without authenticating the server (sslmode=verify-full), before any
 * connection is tried (conninfo.c). */
enum ms_status ms_pg_check_conninfo(const char *conninfo,
				    struct ms_error *err);

/* The variables libpq would read instead of what the conninfo leaves
 * out (every PG*, and HOME for ~/.pgpass, ~/.pg_service.conf and
 * ~/.postgresql/): taken out of the environment while libpq connects,
 * put back afterwards. setenv and unsetenv are not thread-safe: the
 * driver is single-threaded already (one connection per process, no
 * lock around it). */
struct ms_pg_env {
	char **saved; /* "NAME=value" */
	size_t count;
};

enum ms_status ms_pg_env_hide(struct ms_pg_env *env, struct ms_error *err);
void ms_pg_env_restore(struct ms_pg_env *env);

/* Deadline arithmetic (exec.c). */
void ms_pg_deadline_start(struct ms_db *db);
int ms_pg_ms_left(const struct ms_db *db);
/* poll() on `fd` until the deadline: > 0 ready (or interrupted: look
 * again), 0 time ran out. */
int ms_pg_poll(const struct ms_db *db, int fd, short events);
/* MS_SYSTEM "postgresql: WHAT: timed out after T ms". */
enum ms_status ms_pg_timed_out(const struct ms_db *db, const char *what,
			       struct ms_error *err);
/* poll() on the connection's socket for `events` until the deadline:
 * MS_OK when it is ready (or interrupted), MS_SYSTEM when time ran out
 * (the connection is then cancelled and dropped). */
enum ms_status ms_pg_wait(struct ms_db *db, PGconn *conn, short events,
			  const char *what, struct ms_error *err);

/* Asks the server to stop what the connection runs, waiting at most a
 * short while for the request to go out (cancel.c). */
void ms_pg_cancel(PGconn *conn);

/* Running statements (exec.c). Parameters are binary; results binary
 * too. Results other than success become a one-line error. */
struct ms_pg_params {
	int n;
	const char *values[4];
	int lengths[4];
};

enum ms_status ms_pg_run(struct ms_db *db, enum ms_pg_stmt stmt,
			 const struct ms_pg_params *params, const char *what,
			 PGresult **res, struct ms_error *err);
/* A statement without parameters, in text; `ready`: it needs the schema
 * (every call but the schema's own). */
enum ms_status ms_pg_sql(struct ms_db *db, const char *sql, bool ready,
			 const char *what, PGresult **res,
			 struct ms_error *err);
/* A statement with binary parameters that needs no schema. */
enum ms_status ms_pg_sql_params(struct ms_db *db, const char *sql,
				const struct ms_pg_params *params,
				const char *what, PGresult **res,
				struct ms_error *err);
/* Fails (MS_SYSTEM, MS_INVALID for a missing schema) with the first line
 * of the result's or connection's error, never a parameter's value. */
enum ms_status ms_pg_fail(PGconn *conn, const PGresult *res,
			  const char *what, struct ms_error *err);
/* Wipes every value of the result, then frees it (NULL is fine). */
void ms_pg_clear_wiped(PGresult *res);

/* Binary values (result.c, with the two above). */
int64_t ms_pg_int8(const PGresult *res, int row, int col);
void ms_pg_put_int8(char out[8], int64_t value);

/* The hint for a database without the schema or with another version. */
enum ms_status ms_pg_schema_hint(const struct ms_db *db, int found,
				 struct ms_error *err);
const char *ms_pg_program(const struct ms_db *db);

/* The table's calls (calls.c, blob.c, lock.c, hostkey.c, schema.c). */
enum ms_status ms_pg_load(struct ms_db *db, const char *name, unsigned want,
			  struct ms_db_row *row, struct ms_error *err);
void ms_pg_row_free(struct ms_db_row *row);
enum ms_status ms_pg_version(struct ms_db *db, const char *name,
			     int64_t *version, struct ms_error *err);
enum ms_status ms_pg_names(struct ms_db *db, ms_db_name_fn *each, void *arg,
			   struct ms_error *err);
enum ms_status ms_pg_save_record(struct ms_db *db, const char *name,
				 const char *text, size_t len,
				 int64_t *version, struct ms_error *err);
enum ms_status ms_pg_remove(struct ms_db *db, const char *name,
			    struct ms_error *err);
enum ms_status ms_pg_save_blob(struct ms_db *db, const char *name,
			       enum ms_db_blob which, int64_t seq,
			       const unsigned char *data, size_t len,
			       struct ms_error *err);
enum ms_status ms_pg_lock(struct ms_db *db, const char *name, bool existing,
			  struct ms_error *err);
enum ms_status ms_pg_unlock(struct ms_db *db, bool commit,
			    struct ms_error *err);
enum ms_status ms_pg_host_key(struct ms_db *db,
			      unsigned char key[MS_DB_KEY_BYTES],
			      struct ms_error *err);
enum ms_status ms_pg_set_host_key(struct ms_db *db,
				  const unsigned char key[MS_DB_KEY_BYTES],
				  struct ms_error *err);
enum ms_status ms_pg_schema(struct ms_db *db, enum ms_db_schema_op op,
			    const char *module_role, char *report,
			    size_t report_size, struct ms_error *err);

#endif
