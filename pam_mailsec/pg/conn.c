/* The process's one connection: made on first use within the deadline,
 * kept for the next logins of the same process, forgotten in a child. */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pg.h"

static struct {
	struct ms_pg_conn c;
	pid_t pid;      /* the process that connected */
	char *conninfo; /* what it was made for */
	enum ms_db_role role;
	unsigned timeout_ms; /* in its startup options */
	unsigned long serials;
} kept;

static void free_conninfo(void)
{
	if (kept.conninfo) {
		explicit_bzero(kept.conninfo, strlen(kept.conninfo));
		free(kept.conninfo);
	}
	kept.conninfo = NULL;
}

static void forget(void)
{
	explicit_bzero(kept.c.key, sizeof(kept.c.key));
	free_conninfo();
	kept.c.conn = NULL;
	kept.c.ready = false;
	kept.c.have_key = false;
}

void ms_pg_drop(void)
{
	if (kept.c.conn && kept.pid == getpid())
		PQfinish(kept.c.conn);
	forget();
}

/* PQfinish in a child would send Terminate on the socket it shares with
 * its parent and end the parent's session; the PGconn and its descriptor
 * (close-on-exec) are left as they are: the child may have closed or
 * reused that descriptor number already. */
void ms_pg_forget_if_forked(void)
{
	if (kept.c.conn && kept.pid != getpid())
		forget();
}

struct ms_pg_conn *ms_pg_kept(void)
{
	ms_pg_forget_if_forked();
	return kept.c.conn ? &kept.c : NULL;
}

unsigned long ms_pg_serial(void)
{
	ms_pg_forget_if_forked();
	return kept.c.conn ? kept.c.serial : 0;
}

static bool fits(const struct ms_db *db)
{
	return kept.role == db->role && kept.timeout_ms == db->timeout_ms &&
	       strcmp(kept.conninfo, db->conninfo) == 0;
}

/* The server's own limits, so that a statement the client gave up on
 * ends there too; options the conninfo sets come first, so that ours
 * win (the last -c of a name counts). The search path is pinned: no
 * role's own schema, nor a temporary table (pg_temp named last), can
 * stand in for a mailsec_ table or a function of pg_catalog. */
static bool startup_options(const struct ms_db *db, char *out, size_t size)
{
	const char *theirs = "";
	PQconninfoOption *parsed = PQconninfoParse(db->conninfo, NULL);
	int len;

	for (PQconninfoOption *o = parsed; o && o->keyword; o++)
		if (strcmp(o->keyword, "options") == 0 && o->val)
			theirs = o->val;
	len = snprintf(out, size,
		       "%s%s-c statement_timeout=%u -c lock_timeout=%u"
		       " -c idle_in_transaction_session_timeout=%u"
		       " -c search_path=pg_catalog,public,pg_temp%s",
		       theirs, *theirs ? " " : "", db->timeout_ms,
		       db->timeout_ms, 2 * db->timeout_ms,
		       db->role == MS_DB_LOGIN ? " -c synchronous_commit=off"
					       : "");
	PQconninfoFree(parsed);
	return len >= 0 && (size_t)len < size;
}

static enum ms_status connect_failed(PGconn *conn, const char *what,
				     struct ms_error *err)
{
	enum ms_status status = ms_pg_fail(conn, NULL, what, err);

	PQfinish(conn);
	return status;
}

/* PQconnectPoll driven by poll() within the deadline: libpq's own
 * connect_timeout counts whole seconds, at least two. A host name is
 * still resolved blocking inside libpq (hostaddr avoids it). */
static enum ms_status poll_connect(struct ms_db *db, const char *options,
				   PGconn **out, const char *what,
				   struct ms_error *err)
{
	const char *keys[] = { "dbname", "options",
			       "fallback_application_name", NULL };
	const char *values[] = { db->conninfo, options,
				 db->role == MS_DB_LOGIN ? "pam_mailsec"
							 : "mailsecctl",
				 NULL };
	PostgresPollingStatusType polled = PGRES_POLLING_WRITING;
	PGconn *conn = PQconnectStartParams(keys, values, 1);

	if (!conn)
		return ms_fail(err, MS_SYSTEM, "postgresql: %s: out of memory",
			       what);
	if (PQstatus(conn) == CONNECTION_BAD)
		return connect_failed(conn, what, err);
	while (polled != PGRES_POLLING_OK) {
		short events = polled == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		int ready;

		if (polled == PGRES_POLLING_FAILED)
			return connect_failed(conn, what, err);
		ready = ms_pg_poll(db, PQsocket(conn), events);
		if (ready == 0) {
			PQfinish(conn);
			return ms_pg_timed_out(db, what, err);
		}
		polled = PQconnectPoll(conn);
	}
	*out = conn;
	return MS_OK;
}

/* The conninfo alone says where and how: a login run with a caller's
 * environment (su, sudo keeping it) must not let the caller choose the
 * server, the passfile or the certificates. */
static enum ms_status start(struct ms_db *db, PGconn **out, const char *what,
			    struct ms_error *err)
{
	char options[1024];
	struct ms_pg_env env;
	enum ms_status status;

	if (ms_pg_check_conninfo(db->conninfo, err) != MS_OK)
		return err->status;
	if (!startup_options(db, options, sizeof(options)))
		return ms_fail(err, MS_SYSTEM,
			       "postgresql: %s: options too long", what);
	if (ms_pg_env_hide(&env, err) != MS_OK)
		return err->status;
	status = poll_connect(db, options, out, what, err);
	ms_pg_env_restore(&env);
	if (status == MS_OK && PQsetnonblocking(*out, 1) != 0)
		return connect_failed(*out, what, err);
	return status;
}

static enum ms_status keep(struct ms_db *db, PGconn *conn, const char *what,
			   struct ms_error *err)
{
	kept.conninfo = strdup(db->conninfo);
	if (!kept.conninfo) {
		PQfinish(conn);
		return ms_fail(err, MS_SYSTEM, "postgresql: %s: out of memory",
			       what);
	}
	kept.c.conn = conn;
	kept.c.serial = ++kept.serials;
	kept.c.ready = false;
	kept.c.have_key = false;
	kept.pid = getpid();
	kept.role = db->role;
	kept.timeout_ms = db->timeout_ms;
	return MS_OK;
}

enum ms_status ms_pg_connect(struct ms_db *db, struct ms_pg_conn **conn,
			     bool *fresh, const char *what,
			     struct ms_error *err)
{
	PGconn *made;
	enum ms_status status;

	ms_pg_forget_if_forked();
	*fresh = false;
	if (kept.c.conn && (!fits(db) || PQstatus(kept.c.conn) == CONNECTION_BAD))
		ms_pg_drop();
	if (db->in_transaction &&
	    (!kept.c.conn || kept.c.serial != db->transaction_conn))
		return ms_fail(err, MS_SYSTEM,
			       "postgresql: %s: the connection was lost in a"
			       " transaction", what);
	if (!kept.c.conn) {
		status = start(db, &made, what, err);
		if (status == MS_OK)
			status = keep(db, made, what, err);
		if (status != MS_OK)
			return status;
		*fresh = true;
	}
	*conn = &kept.c;
	return MS_OK;
}
