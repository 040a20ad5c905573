/* The schema: made in an empty database, upgraded step by step, checked;
 * the module's role granted what it needs and nothing more. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "pg.h"

#define STR(x) #x
#define XSTR(x) STR(x)

static const char create_sql[] =
	"CREATE TABLE public.mailsec_schema (version integer NOT NULL);"
	"INSERT INTO public.mailsec_schema (version) VALUES ("
	XSTR(MS_PG_SCHEMA_VERSION) ");"
	"CREATE SEQUENCE public.mailsec_record_version;"
	"CREATE TABLE public.mailsec_mailbox ("
	" name text COLLATE \"C\" PRIMARY KEY,"
	" record text NOT NULL,"
	" version bigint NOT NULL,"
	" state bytea, state_seq bigint NOT NULL DEFAULT 0,"
	" apps bytea, apps_seq bigint NOT NULL DEFAULT 0,"
	" journal bytea, journal_seq bigint NOT NULL DEFAULT 0);"
	"CREATE TABLE public.mailsec_host_key ("
	" one boolean PRIMARY KEY DEFAULT true CHECK (one),"
	" key bytea NOT NULL CHECK (length(key) = 32));";

/* From version `to` - 1 to `to`; version 2 adds its step here. */
static const struct upgrade_step {
	int to;
	const char *sql;
} steps[] = {
	{ 0, NULL },
};

const char *ms_pg_program(const struct ms_db *db)
{
	return db && db->role == MS_DB_LOGIN ? "pam_mailsec" : "mailsecctl";
}

enum ms_status ms_pg_schema_hint(const struct ms_db *db, int found,
				 struct ms_error *err)
{
	if (found < 0)
		return ms_fail(err, MS_INVALID,
			       "postgresql: the database has no mailsec schema:"
			       " run mailsecctl db init");
	if (found < MS_PG_SCHEMA_VERSION)
		return ms_fail(err, MS_INVALID,
			       "postgresql: schema version %d is older than this"
			       " %s (%d): run mailsecctl db upgrade",
			       found, ms_pg_program(db), MS_PG_SCHEMA_VERSION);
	return ms_fail(err, MS_INVALID,
		       "postgresql: schema version %d is newer than this %s (%d)",
		       found, ms_pg_program(db), MS_PG_SCHEMA_VERSION);
}

static enum ms_status sql(struct ms_db *db, const char *text,
			  const char *what, struct ms_error *err)
{
	PGresult *res;

	if (ms_pg_sql(db, text, false, what, &res, err) != MS_OK)
		return err->status;
	PQclear(res);
	return MS_OK;
}

/* A statement's one value, in text; NULL when none (the caller's to free). */
static enum ms_status value(struct ms_db *db, const char *text,
			    const char *what, char **out,
			    struct ms_error *err)
{
	PGresult *res;

	if (ms_pg_sql(db, text, false, what, &res, err) != MS_OK)
		return err->status;
	*out = NULL;
	if (PQntuples(res) >= 1 && !PQgetisnull(res, 0, 0))
		*out = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return MS_OK;
}

/* -1: no schema (no table, or a table without its row). */
static enum ms_status read_version(struct ms_db *db, const char *what,
				   int *version, struct ms_error *err)
{
	char *found;
	bool exists;

	if (value(db, "SELECT to_regclass('mailsec_schema') IS NOT NULL", what,
		  &found, err) != MS_OK)
		return err->status;
	exists = found && strcmp(found, "t") == 0;
	free(found);
	*version = -1;
	if (!exists)
		return MS_OK;
	if (value(db, "SELECT max(version) FROM mailsec_schema", what, &found,
		  err) != MS_OK)
		return err->status;
	if (found)
		*version = atoi(found);
	free(found);
	return MS_OK;
}

/* The module's role exists and holds no privilege of its own beyond the
 * grants: not a superuser, not mailsecctl's role nor one of its members
 * (which would own the tables, and REVOKE would take that away). */
static enum ms_status check_role(struct ms_db *db, const char *role,
				 const char *what, struct ms_error *err)
{
	struct ms_pg_params params = { .n = 1 };
	PGresult *res;
	bool exists, super, owner;

	params.values[0] = role;
	params.lengths[0] = (int)strlen(role);
	if (ms_pg_sql_params(db, "SELECT rolsuper, pg_has_role(rolname,"
				 " current_user, 'MEMBER') FROM pg_roles"
				 " WHERE rolname = $1",
			     &params, what, &res, err) != MS_OK)
		return err->status;
	exists = PQntuples(res) == 1;
	super = exists && PQgetvalue(res, 0, 0)[0];
	owner = exists && PQgetvalue(res, 0, 1)[0];
	PQclear(res);
	if (!exists)
		return ms_fail(err, MS_INVALID,
			       "postgresql: role %s does not exist (create it"
			       " first: CREATE ROLE %s LOGIN)",
			       role, role);
	if (super || owner)
		return ms_fail(err, MS_INVALID,
			       "postgresql: role %s is %s: the module needs a"
			       " role of its own",
			       role,
			       super ? "a superuser"
				     : "mailsecctl's role or a member of it");
	return MS_OK;
}

static enum ms_status begin(struct ms_db *db, const char *module_role,
			    const char *what, struct ms_error *err)
{
	if (!module_role || !*module_role)
		return ms_fail(err, MS_INVALID,
			       "postgresql: %s: no role for the module", what);
	if (sql(db, "BEGIN", what, err) != MS_OK)
		return err->status;
	db->in_transaction = true;
	db->transaction_conn = ms_pg_serial();
	/* One schema change at a time. */
	if (sql(db, "SELECT pg_advisory_xact_lock(hashtextextended("
		    "'mailsec_schema', 0))", what, err) != MS_OK)
		return err->status;
	return check_role(db, module_role, what, err);
}

static enum ms_status grant_to(struct ms_db *db, const char *role_id,
			       const char *schema_id, const char *what,
			       struct ms_error *err)
{
	char text[2048];
	int len = snprintf(text, sizeof(text),
			   "REVOKE ALL ON mailsec_schema, mailsec_mailbox,"
			   " mailsec_host_key FROM %1$s;"
			   "REVOKE ALL ON SEQUENCE mailsec_record_version"
			   " FROM %1$s;"
			   "GRANT SELECT ON mailsec_schema, mailsec_mailbox,"
			   " mailsec_host_key TO %1$s;"
			   "GRANT UPDATE (state, state_seq, apps, apps_seq,"
			   " journal, journal_seq) ON mailsec_mailbox TO %1$s;"
			   "GRANT USAGE ON SCHEMA %2$s TO %1$s",
			   role_id, schema_id);

	if (len < 0 || (size_t)len >= sizeof(text))
		return ms_fail(err, MS_INVALID,
			       "postgresql: %s: role name too long", what);
	return sql(db, text, what, err);
}

/* Exactly the module's privileges: what was granted before goes first.
 * regnamespace's text is a quoted identifier already. */
static enum ms_status grant(struct ms_db *db, const char *role,
			    const char *what, struct ms_error *err)
{
	PGconn *conn = ms_pg_kept()->conn;
	char *role_id = PQescapeIdentifier(conn, role, strlen(role));
	char *schema_id = NULL;
	enum ms_status status;

	if (!role_id)
		return ms_pg_fail(conn, NULL, what, err);
	status = value(db, "SELECT relnamespace::regnamespace FROM pg_class"
			   " WHERE oid = 'mailsec_mailbox'::regclass",
		       what, &schema_id, err);
	if (status == MS_OK && !schema_id)
		status = ms_fail(err, MS_SYSTEM,
				 "postgresql: %s: out of memory", what);
	if (status == MS_OK)
		status = grant_to(db, role_id, schema_id, what, err);
	PQfreemem(role_id);
	free(schema_id);
	return status;
}

/* What the role may do beyond the module's grants, as the server judges
 * it (memberships such as pg_write_all_data included); "" when nothing. */
static const char excess_sql[] =
	"SELECT concat_ws(', ',"
	" CASE WHEN rolsuper THEN 'SUPERUSER' END,"
	" CASE WHEN rolcreaterole THEN 'CREATEROLE' END,"
	" CASE WHEN rolbypassrls THEN 'BYPASSRLS' END,"
	" CASE WHEN pg_has_role(rolname, current_user, 'MEMBER')"
	"  THEN 'a member of ' || current_user END,"
	" (SELECT string_agg('a member of ' || r, ', ' ORDER BY r)"
	"  FROM unnest(ARRAY['pg_execute_server_program',"
	"   'pg_read_server_files', 'pg_write_server_files']) AS r"
	"  WHERE pg_has_role(rolname, r, 'MEMBER')),"
	" CASE WHEN has_database_privilege(rolname, current_database(),"
	"  'CREATE') THEN 'CREATE on the database' END,"
	" CASE WHEN has_schema_privilege(rolname, 'public', 'CREATE')"
	"  THEN 'CREATE on schema public' END,"
	" (SELECT string_agg(p || ' on ' || t, ', ' ORDER BY t, p)"
	"  FROM unnest(ARRAY['mailsec_schema', 'mailsec_mailbox',"
	"   'mailsec_host_key']) AS t,"
	"  unnest(ARRAY['TRIGGER', 'REFERENCES']) AS p"
	"  WHERE CASE p WHEN 'TRIGGER' THEN has_table_privilege(rolname, t, p)"
	"   ELSE has_any_column_privilege(rolname, t, p) END),"
	" CASE WHEN has_any_column_privilege(rolname, 'mailsec_mailbox',"
	"  'INSERT') THEN 'INSERT on mailsec_mailbox' END,"
	" CASE WHEN has_table_privilege(rolname, 'mailsec_mailbox', 'DELETE')"
	"  THEN 'DELETE on mailsec_mailbox' END,"
	" CASE WHEN has_table_privilege(rolname, 'mailsec_mailbox', 'TRUNCATE')"
	"  THEN 'TRUNCATE on mailsec_mailbox' END,"
	" CASE WHEN has_column_privilege(rolname, 'mailsec_mailbox', 'record',"
	"  'UPDATE') THEN 'UPDATE of mailsec_mailbox.record' END,"
	" CASE WHEN has_column_privilege(rolname, 'mailsec_mailbox', 'version',"
	"  'UPDATE') THEN 'UPDATE of mailsec_mailbox.version' END,"
	" CASE WHEN has_column_privilege(rolname, 'mailsec_mailbox', 'name',"
	"  'UPDATE') THEN 'UPDATE of mailsec_mailbox.name' END,"
	" CASE WHEN has_table_privilege(rolname, 'mailsec_host_key',"
	"  'INSERT, UPDATE, DELETE, TRUNCATE')"
	"  THEN 'writing mailsec_host_key' END,"
	" CASE WHEN has_table_privilege(rolname, 'mailsec_schema',"
	"  'INSERT, UPDATE, DELETE, TRUNCATE')"
	"  THEN 'writing mailsec_schema' END,"
	" CASE WHEN has_sequence_privilege(rolname, 'mailsec_record_version',"
	"  'USAGE, UPDATE') THEN 'using mailsec_record_version' END)"
	" FROM pg_roles WHERE rolname = $1";

/* After the grants: the role can do no more than they give, whatever
 * else it holds; else the whole transaction is rolled back. */
static enum ms_status check_excess(struct ms_db *db, const char *role,
				   const char *what, struct ms_error *err)
{
	struct ms_pg_params params = { .n = 1 };
	PGresult *res;
	enum ms_status status = MS_OK;

	params.values[0] = role;
	params.lengths[0] = (int)strlen(role);
	if (ms_pg_sql_params(db, excess_sql, &params, what, &res, err) != MS_OK)
		return err->status;
	if (PQntuples(res) != 1)
		status = ms_fail(err, MS_INVALID,
				 "postgresql: role %s does not exist", role);
	else if (PQgetvalue(res, 0, 0)[0])
		status = ms_fail(err, MS_INVALID,
				 "postgresql: role %s may do more than the"
				 " module needs (%s): take that away, or give"
				 " the module a role of its own",
				 role, PQgetvalue(res, 0, 0));
	PQclear(res);
	return status;
}

static enum ms_status end(struct ms_db *db, enum ms_status status,
			  struct ms_error *err)
{
	struct ms_error ignored;

	if (status == MS_OK) {
		status = ms_pg_unlock(db, true, err);
	} else if (db->in_transaction) {
		if (ms_pg_unlock(db, false, &ignored) != MS_OK)
			db->in_transaction = false;
	}
	/* The statements are prepared again for what the schema is now. */
	if (ms_pg_kept())
		ms_pg_kept()->ready = false;
	return status;
}

static enum ms_status new_host_key(struct ms_db *db, const char *what,
				   struct ms_error *err)
{
	unsigned char key[MS_DB_KEY_BYTES];
	struct ms_pg_params params = { .n = 1 };
	PGresult *res;
	enum ms_status status;

	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		return ms_fail_errno(err, MS_SYSTEM, errno,
				     "postgresql: %s: getrandom", what);
	params.values[0] = (const char *)key;
	params.lengths[0] = MS_DB_KEY_BYTES;
	status = ms_pg_sql_params(db,
				  "INSERT INTO mailsec_host_key (key) VALUES ($1)",
				  &params, what, &res, err);
	explicit_bzero(key, sizeof(key));
	if (status == MS_OK)
		PQclear(res);
	return status;
}

static enum ms_status init(struct ms_db *db, const char *role, char *report,
			   size_t size, struct ms_error *err)
{
	const char *what = "db init";
	int version;
	enum ms_status status = begin(db, role, what, err);

	if (status == MS_OK)
		status = read_version(db, what, &version, err);
	if (status == MS_OK && version != -1)
		status = ms_fail(err, MS_EXISTS,
				 "postgresql: the database has a mailsec schema"
				 " already (mailsecctl db check)");
	if (status == MS_OK)
		status = sql(db, create_sql, what, err);
	if (status == MS_OK)
		status = new_host_key(db, what, err);
	if (status == MS_OK)
		status = grant(db, role, what, err);
	if (status == MS_OK)
		status = check_excess(db, role, what, err);
	status = end(db, status, err);
	if (status == MS_OK)
		snprintf(report, size, "schema version %d created, role %s"
			 " granted the module's privileges",
			 MS_PG_SCHEMA_VERSION, role);
	return status;
}

static enum ms_status apply_steps(struct ms_db *db, int from,
				  const char *what, struct ms_error *err)
{
	char text[64];

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (steps[i].sql && steps[i].to > from &&
		    sql(db, steps[i].sql, what, err) != MS_OK)
			return err->status;
	snprintf(text, sizeof(text), "UPDATE mailsec_schema SET version = %d",
		 MS_PG_SCHEMA_VERSION);
	return sql(db, text, what, err);
}

static enum ms_status upgrade(struct ms_db *db, const char *role,
			      char *report, size_t size, struct ms_error *err)
{
	const char *what = "db upgrade";
	int version = -1;
	enum ms_status status = begin(db, role, what, err);

	if (status == MS_OK)
		status = read_version(db, what, &version, err);
	if (status == MS_OK && version < 0)
		status = ms_pg_schema_hint(db, version, err);
	if (status == MS_OK && version > MS_PG_SCHEMA_VERSION)
		status = ms_pg_schema_hint(db, version, err);
	if (status == MS_OK)
		status = apply_steps(db, version, what, err);
	if (status == MS_OK)
		status = grant(db, role, what, err);
	if (status == MS_OK)
		status = check_excess(db, role, what, err);
	status = end(db, status, err);
	if (status != MS_OK)
		return status;
	if (version == MS_PG_SCHEMA_VERSION)
		snprintf(report, size, "schema version %d, current already;"
			 " role %s granted the module's privileges",
			 MS_PG_SCHEMA_VERSION, role);
	else
		snprintf(report, size, "schema version %d (was %d), role %s"
			 " granted the module's privileges",
			 MS_PG_SCHEMA_VERSION, version, role);
	return MS_OK;
}

/* Grants change after init: the module's role is judged again each time
 * it is named. */
static enum ms_status check(struct ms_db *db, const char *role, char *report,
			    size_t size, struct ms_error *err)
{
	const char *what = "db check";
	int version;
	char *count;

	if (read_version(db, what, &version, err) != MS_OK)
		return err->status;
	if (version != MS_PG_SCHEMA_VERSION)
		return ms_pg_schema_hint(db, version, err);
	if (role && *role && (check_role(db, role, what, err) != MS_OK ||
			      check_excess(db, role, what, err) != MS_OK))
		return err->status;
	if (value(db, "SELECT count(*) FROM mailsec_mailbox", what, &count,
		  err) != MS_OK)
		return err->status;
	snprintf(report, size, "schema version %d, %s mailboxes",
		 MS_PG_SCHEMA_VERSION, count ? count : "?");
	free(count);
	return MS_OK;
}

enum ms_status ms_pg_schema(struct ms_db *db, enum ms_db_schema_op op,
			    const char *module_role, char *report,
			    size_t report_size, struct ms_error *err)
{
	char ignored[1];

	if (!report || report_size == 0) {
		report = ignored;
		report_size = sizeof(ignored);
	}
	report[0] = '\0';
	if (db->in_transaction)
		return ms_fail(err, MS_SYSTEM,
			       "postgresql: schema: a transaction is open");
	switch (op) {
	case MS_DB_SCHEMA_CHECK:
		return check(db, module_role, report, report_size, err);
	case MS_DB_SCHEMA_INIT:
		return init(db, module_role, report, report_size, err);
	case MS_DB_SCHEMA_UPGRADE:
		return upgrade(db, module_role, report, report_size, err);
	}
	return ms_fail(err, MS_USAGE, "postgresql: schema: unknown operation");
}
