/* Schema init, check, upgrade; rows; the module role's privileges. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_test.h"

static enum ms_status schema(struct ms_db *db, enum ms_db_schema_op op,
			     const char *role, char *report,
			     struct ms_error *err)
{
	return drv->schema(db, op, role, report, 256, err);
}

void cases_schema(void)
{
	struct ms_db *db = db_open("mailsec_admin", "drvtest_admin",
				   MS_DB_ADMIN, 5000);
	struct ms_error err = { 0 };
	struct ms_db_row row;
	char report[256];

	printf("\n== schema\n");
	check_status(schema(db, MS_DB_SCHEMA_CHECK, NULL, report, &err),
		     MS_INVALID, &err, "run mailsecctl db init",
		     "check without a schema: run db init");
	check_status(drv->load(db, "a", MS_DB_WANT_RECORD, &row, &err),
		     MS_INVALID, &err, "run mailsecctl db init",
		     "load without a schema: the same hint");
	check_status(schema(db, MS_DB_SCHEMA_UPGRADE, "mailsec_module", report,
			    &err),
		     MS_INVALID, &err, "run mailsecctl db init",
		     "upgrade without a schema: run db init");
	check_status(schema(db, MS_DB_SCHEMA_INIT, "nosuch", report, &err),
		     MS_INVALID, &err,
		     "role nosuch does not exist (create it first: CREATE ROLE"
		     " nosuch LOGIN)",
		     "init for a role that does not exist");
	check_status(schema(db, MS_DB_SCHEMA_INIT, "mailsec_admin", report,
			    &err),
		     MS_INVALID, &err,
		     "role mailsec_admin is mailsecctl's role or a member of it",
		     "init for mailsecctl's own role: refused");
	super_value("CREATE ROLE drvtest_member LOGIN IN ROLE mailsec_admin");
	check_status(schema(db, MS_DB_SCHEMA_INIT, "drvtest_member", report,
			    &err),
		     MS_INVALID, &err, "or a member of it",
		     "init for a member of mailsecctl's role: refused");
	check_status(schema(db, MS_DB_SCHEMA_INIT, "postgres", report, &err),
		     MS_INVALID, &err, "role postgres is a superuser",
		     "init for a superuser: refused");
	super_value("CREATE ROLE drvtest_writer LOGIN IN ROLE"
		    " pg_write_all_data");
	check_status(schema(db, MS_DB_SCHEMA_INIT, "drvtest_writer", report,
			    &err),
		     MS_INVALID, &err,
		     "role drvtest_writer may do more than the module needs"
		     " (INSERT on mailsec_mailbox, DELETE on mailsec_mailbox",
		     "init for a member of pg_write_all_data: refused");
	super_value("CREATE ROLE drvtest_creator LOGIN CREATEROLE");
	check_status(schema(db, MS_DB_SCHEMA_INIT, "drvtest_creator", report,
			    &err),
		     MS_INVALID, &err, "may do more than the module needs"
		     " (CREATEROLE)",
		     "init for a role with CREATEROLE: refused");
	super_value("CREATE ROLE drvtest_program LOGIN IN ROLE"
		    " pg_execute_server_program");
	check_status(schema(db, MS_DB_SCHEMA_INIT, "drvtest_program", report,
			    &err),
		     MS_INVALID, &err, "may do more than the module needs"
		     " (a member of pg_execute_server_program)",
		     "init for a member of pg_execute_server_program: refused");
	super_value("CREATE ROLE drvtest_maker LOGIN");
	super_value("GRANT CREATE ON DATABASE mailsec TO drvtest_maker");
	check_status(schema(db, MS_DB_SCHEMA_INIT, "drvtest_maker", report,
			    &err),
		     MS_INVALID, &err, "may do more than the module needs"
		     " (CREATE on the database)",
		     "init for a role with CREATE on the database: refused");
	check(strcmp(super_value("SELECT to_regclass('mailsec_mailbox')"
				 " IS NULL"), "t") == 0,
	      "... and made nothing", NULL);
	check_status(schema(db, MS_DB_SCHEMA_INIT, "mailsec_module", report,
			    &err),
		     MS_OK, &err, NULL, "init");
	check(strstr(report, "schema version 1") != NULL, "init's report",
	      report);
	check(strcmp(super_value("SELECT length(key) FROM mailsec_host_key"),
		     "32") == 0,
	      "init made a host key of 32 bytes", NULL);
	check_status(schema(db, MS_DB_SCHEMA_INIT, "mailsec_module", report,
			    &err),
		     MS_EXISTS, &err, NULL, "a second init: MS_EXISTS");
	check_status(schema(db, MS_DB_SCHEMA_CHECK, NULL, report, &err), MS_OK,
		     &err, NULL, "check");
	check(strcmp(report, "schema version 1, 0 mailboxes") == 0,
	      "check's report: schema version 1, 0 mailboxes", report);
	super_value("GRANT TRIGGER, REFERENCES ON mailsec_mailbox TO"
		    " mailsec_module");
	check_status(schema(db, MS_DB_SCHEMA_CHECK, "mailsec_module", report,
			    &err),
		     MS_INVALID, &err, "may do more than the module needs"
		     " (REFERENCES on mailsec_mailbox, TRIGGER on"
		     " mailsec_mailbox)",
		     "check after TRIGGER, REFERENCES granted: reported");
	super_value("REVOKE TRIGGER, REFERENCES ON mailsec_mailbox FROM"
		    " mailsec_module");
	super_value("GRANT CREATE ON SCHEMA public TO mailsec_module");
	check_status(schema(db, MS_DB_SCHEMA_CHECK, "mailsec_module", report,
			    &err),
		     MS_INVALID, &err, "(CREATE on schema public)",
		     "check after CREATE on schema public granted: reported");
	super_value("REVOKE CREATE ON SCHEMA public FROM mailsec_module");
	check_status(schema(db, MS_DB_SCHEMA_CHECK, "mailsec_module", report,
			    &err),
		     MS_OK, &err, NULL, "check with the module's role: clean");
	check_status(schema(db, MS_DB_SCHEMA_UPGRADE, "mailsec_module", report,
			    &err),
		     MS_OK, &err, NULL, "upgrade of a current schema");
	check_status(schema(db, MS_DB_SCHEMA_UPGRADE, "drvtest_writer", report,
			    &err),
		     MS_INVALID, &err, "UPDATE of mailsec_mailbox.record",
		     "upgrade for a member of pg_write_all_data: refused");
	check(strcmp(super_value("SELECT count(*) FROM"
				 " information_schema.role_column_grants"
				 " WHERE grantee = 'drvtest_writer'"),
		     "0") == 0,
	      "... and granted nothing", NULL);

	super_value("UPDATE mailsec_schema SET version = 2");
	check_status(schema(db, MS_DB_SCHEMA_CHECK, NULL, report, &err),
		     MS_INVALID, &err,
		     "schema version 2 is newer than this mailsecctl (1)",
		     "check of a newer schema");
	check_status(schema(db, MS_DB_SCHEMA_UPGRADE, "mailsec_module", report,
			    &err),
		     MS_INVALID, &err,
		     "schema version 2 is newer than this mailsecctl (1)",
		     "upgrade of a newer schema: refused");
	check_status(drv->load(db, "a", 0, &row, &err), MS_INVALID, &err,
		     "newer than this mailsecctl",
		     "a load on a newer schema: refused");
	super_value("UPDATE mailsec_schema SET version = 0");
	drv->close(db);
	db = db_open("mailsec_admin", "drvtest_admin2", MS_DB_ADMIN, 5000);
	check_status(schema(db, MS_DB_SCHEMA_CHECK, NULL, report, &err),
		     MS_INVALID, &err, "run mailsecctl db upgrade",
		     "check of an older schema: run db upgrade");
	check_status(drv->load(db, "a", 0, &row, &err), MS_INVALID, &err,
		     "run mailsecctl db upgrade",
		     "a load on an older schema: run db upgrade");
	check_status(schema(db, MS_DB_SCHEMA_UPGRADE, "mailsec_module", report,
			    &err),
		     MS_OK, &err, NULL, "upgrade from version 0");
	check(strcmp(super_value("SELECT version FROM mailsec_schema"), "1") ==
		      0,
	      "... to version 1", report);
	check_status(drv->load(db, "a", 0, &row, &err), MS_NOT_FOUND, &err,
		     NULL, "a load after the upgrade: no such mailbox");
	drv->close(db);
}

static enum ms_status collect_name(const char *name, void *arg,
				   struct ms_error *err)
{
	char *list = arg;

	(void)err;
	if (strlen(list) + strlen(name) + 2 > 256)
		return MS_SYSTEM;
	if (*list)
		strcat(list, ",");
	strcat(list, name);
	return MS_OK;
}

static void case_records(struct ms_db *db)
{
	static const char *names[] = { "b", "a", "B", "a.b" };
	struct ms_error err = { 0 };
	struct ms_db_row row;
	int64_t version[4], again, got = 0;
	char list[256] = "";
	bool rising = true;

	for (int i = 0; i < 4; i++) {
		char text[64];

		snprintf(text, sizeof(text), "record of %s\n", names[i]);
		check_status(drv->save_record(db, names[i], text, strlen(text),
					      &version[i], &err),
			     MS_OK, &err, NULL, "save_record");
		rising = rising && (i == 0 || version[i] > version[i - 1]);
	}
	check(rising, "every save a new, higher version", NULL);
	check_status(drv->load(db, "a", MS_DB_WANT_RECORD, &row, &err), MS_OK,
		     &err, NULL, "load a record");
	check(row.record && strcmp(row.record, "record of a\n") == 0 &&
		      row.record_len == 12 && row.version == version[1],
	      "... its text and version", NULL);
	check(!row.blob[0] && row.blob_seq[0] == 0 && row.blob_seq[2] == 0,
	      "... no blobs yet", NULL);
	drv->row_free(&row);
	check_status(drv->load(db, "a", 0, &row, &err), MS_OK, &err, NULL,
		     "load without the record");
	check(!row.record && row.version == version[1],
	      "... the version alone", NULL);
	drv->row_free(&row);
	check_status(drv->save_record(db, "a", "new\n", 4, &again, &err),
		     MS_OK, &err, NULL, "save_record of an existing name");
	check_status(drv->version(db, "a", &got, &err), MS_OK, &err, NULL,
		     "version");
	check(again > version[3] && got == again, "... a new version", NULL);
	check_status(drv->version(db, "zz", &got, &err), MS_NOT_FOUND, &err,
		     NULL, "version of no row: MS_NOT_FOUND");
	check_status(drv->load(db, "zz", MS_DB_WANT_RECORD, &row, &err),
		     MS_NOT_FOUND, &err, NULL, "load of no row: MS_NOT_FOUND");
	check_status(drv->names(db, collect_name, list, &err), MS_OK, &err,
		     NULL, "names");
	check(strcmp(list, "B,a,a.b,b") == 0, "names in byte order", list);
}

static void case_blobs(struct ms_db *db)
{
	unsigned char journal[3000];
	struct ms_error err = { 0 };
	struct ms_db_row row;

	for (size_t i = 0; i < sizeof(journal); i++)
		journal[i] = (unsigned char)(i % 7 ? i : 0);
	check_status(drv->save_blob(db, "a", MS_DB_STATE, 0,
				    (const unsigned char *)"xyz", 3, &err),
		     MS_OK, &err, NULL, "save_blob at seq 0");
	check_status(drv->save_blob(db, "a", MS_DB_STATE, 0,
				    (const unsigned char *)"old", 3, &err),
		     MS_DB_CONFLICT, &err, NULL,
		     "save_blob at a seq that moved: MS_DB_CONFLICT");
	check_status(drv->save_blob(db, "zz", MS_DB_STATE, 0,
				    (const unsigned char *)"xyz", 3, &err),
		     MS_NOT_FOUND, &err, NULL,
		     "save_blob of no row: MS_NOT_FOUND");
	check_status(drv->save_blob(db, "zz", MS_DB_APPS, -1,
				    (const unsigned char *)"xyz", 3, &err),
		     MS_NOT_FOUND, &err, NULL,
		     "save_blob of no row, seq < 0: MS_NOT_FOUND");
	check_status(drv->save_blob(db, "a", MS_DB_JOURNAL, -1, journal,
				    sizeof(journal), &err),
		     MS_OK, &err, NULL, "save_blob, seq < 0");
	check_status(drv->load(db, "a",
			       MS_DB_WANT_BLOB(MS_DB_STATE) |
				       MS_DB_WANT_BLOB(MS_DB_JOURNAL),
			       &row, &err),
		     MS_OK, &err, NULL, "load blobs");
	check(row.blob[MS_DB_STATE] && row.blob_len[MS_DB_STATE] == 3 &&
		      memcmp(row.blob[MS_DB_STATE], "xyz", 3) == 0 &&
		      row.blob_seq[MS_DB_STATE] == 1,
	      "... the state as written, seq 1", NULL);
	check(row.blob[MS_DB_JOURNAL] &&
		      row.blob_len[MS_DB_JOURNAL] == sizeof(journal) &&
		      memcmp(row.blob[MS_DB_JOURNAL], journal,
			     sizeof(journal)) == 0 &&
		      row.blob_seq[MS_DB_JOURNAL] == 1,
	      "... the journal byte for byte (zeros too)", NULL);
	check(!row.blob[MS_DB_APPS] && row.blob_seq[MS_DB_APPS] == 0 &&
		      !row.record,
	      "... nothing not asked for", NULL);
	drv->row_free(&row);
	check_status(drv->save_blob(db, "a", MS_DB_STATE, 1, NULL, 0, &err),
		     MS_OK, &err, NULL, "save_blob empty");
	check_status(drv->load(db, "a", MS_DB_WANT_BLOB(MS_DB_STATE), &row,
			       &err),
		     MS_OK, &err, NULL, "load");
	check(!row.blob[MS_DB_STATE] && row.blob_seq[MS_DB_STATE] == 2,
	      "... the state empty, seq 2", NULL);
	drv->row_free(&row);
}

static void case_remove(struct ms_db *db)
{
	struct ms_error err = { 0 };
	char list[256] = "";

	check_status(drv->remove(db, "a.b", &err), MS_OK, &err, NULL,
		     "remove");
	check_status(drv->remove(db, "a.b", &err), MS_NOT_FOUND, &err, NULL,
		     "remove again: MS_NOT_FOUND");
	drv->names(db, collect_name, list, &err);
	check(strcmp(list, "B,a,b") == 0, "... gone from the names", list);
}

static void case_host_key(struct ms_db *db)
{
	unsigned char key[MS_DB_KEY_BYTES], other[MS_DB_KEY_BYTES], back[32];
	struct ms_error err = { 0 };
	char hex[2 * MS_DB_KEY_BYTES + 1];

	check_status(drv->host_key(db, key, &err), MS_OK, &err, NULL,
		     "host_key");
	for (int i = 0; i < MS_DB_KEY_BYTES; i++)
		sprintf(hex + 2 * i, "%02x", key[i]);
	check(strcmp(super_value("SELECT encode(key, 'hex') FROM"
				 " mailsec_host_key"), hex) == 0,
	      "... the database's", hex);
	for (int i = 0; i < MS_DB_KEY_BYTES; i++)
		other[i] = (unsigned char)(key[i] ^ 0x5a);
	check_status(drv->set_host_key(db, other, &err), MS_OK, &err, NULL,
		     "set_host_key");
	check_status(drv->host_key(db, back, &err), MS_OK, &err, NULL,
		     "host_key");
	check(memcmp(back, other, sizeof(back)) == 0,
	      "... the new key, not the one read before", NULL);
}

void cases_rows(void)
{
	struct ms_db *db = db_open("mailsec_admin", "drvtest_admin",
				   MS_DB_ADMIN, 5000);

	printf("\n== rows\n");
	case_records(db);
	case_blobs(db);
	case_remove(db);
	case_host_key(db);
	drv->close(db);
}

/* As the module's role, straight through libpq: what the schema's
 * privileges allow. */
static void refused_sql(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	char what[256];

	snprintf(what, sizeof(what), "module role refused: %s", sql);
	check(state && strcmp(state, "42501") == 0, what,
	      PQresultErrorMessage(res));
	PQclear(res);
}

static bool loads_real_record(const char *info, const char *what)
{
	struct ms_db_config config = { info, 5000, MS_DB_LOGIN };
	struct ms_error err = { 0 };
	struct ms_db *db = NULL;
	struct ms_db_row row = { 0 };
	bool real = false;

	if (drv->open(&config, &db, &err) == MS_OK &&
	    drv->load(db, "b", MS_DB_WANT_RECORD, &row, &err) == MS_OK) {
		real = row.record && !strstr(row.record, "FORGED");
		drv->row_free(&row);
	}
	check(real, what, err.msg);
	drv->close(db);
	return real;
}

/* A schema named after the module's role comes first in the default
 * search path ("$user", public): its copy of mailsec_mailbox must not
 * stand in for the real one, whatever the conninfo's options say. */
static void case_search_path(void)
{
	char info[512];

	printf("\n== the search path\n");
	super_value("CREATE SCHEMA mailsec_module AUTHORIZATION mailsec_module");
	super_value("CREATE TABLE mailsec_module.mailsec_mailbox AS SELECT"
		    " * FROM public.mailsec_mailbox");
	super_value("UPDATE mailsec_module.mailsec_mailbox SET record ="
		    " 'FORGED'");
	loads_real_record(conninfo("mailsec_module", "drvtest_shadow"),
			  "a shadow mailsec_mailbox in the role's schema:"
			  " the real record");
	snprintf(info, sizeof(info), "%s options='-c search_path="
		 "mailsec_module,public'",
		 conninfo("mailsec_module", "drvtest_shadow2"));
	loads_real_record(info, "... and with search_path in the conninfo's"
				" options");
	super_value("DROP SCHEMA mailsec_module CASCADE");
}

void cases_grants(void)
{
	struct ms_db *db = db_open("mailsec_module", "drvtest_login",
				   MS_DB_LOGIN, 5000);
	unsigned char key[MS_DB_KEY_BYTES];
	struct ms_error err = { 0 };
	struct ms_db_row row;
	int64_t version;
	PGconn *conn;

	printf("\n== the module's role\n");
	conn = PQconnectdb(conninfo("mailsec_module", "drvtest_grants"));
	check(PQstatus(conn) == CONNECTION_OK, "connects as mailsec_module",
	      PQerrorMessage(conn));
	refused_sql(conn, "UPDATE mailsec_mailbox SET record = 'x'");
	refused_sql(conn, "UPDATE mailsec_mailbox SET version = 1");
	refused_sql(conn, "UPDATE mailsec_mailbox SET name = 'x'");
	refused_sql(conn, "DELETE FROM mailsec_mailbox");
	refused_sql(conn, "INSERT INTO mailsec_mailbox (name, record, version)"
			  " VALUES ('x', 'x', 1)");
	refused_sql(conn, "UPDATE mailsec_host_key SET key = key");
	refused_sql(conn, "DELETE FROM mailsec_host_key");
	refused_sql(conn, "UPDATE mailsec_schema SET version = 1");
	refused_sql(conn, "SELECT nextval('mailsec_record_version')");
	PQfinish(conn);
	case_search_path();

	check_status(drv->load(db, "b", MS_DB_WANT_RECORD |
					       MS_DB_WANT_BLOB(MS_DB_APPS),
			       &row, &err),
		     MS_OK, &err, NULL, "the module loads");
	drv->row_free(&row);
	check_status(drv->save_blob(db, "b", MS_DB_APPS, 0,
				    (const unsigned char *)"apps", 4, &err),
		     MS_OK, &err, NULL, "the module writes a blob");
	check_status(drv->host_key(db, key, &err), MS_OK, &err, NULL,
		     "the module reads the host key");
	check_status(drv->lock(db, "b", true, &err), MS_OK, &err, NULL,
		     "the module locks a row");
	check_status(drv->save_blob(db, "b", MS_DB_APPS, -1,
				    (const unsigned char *)"locked", 6, &err),
		     MS_OK, &err, NULL, "... writes a blob under the lock");
	check_status(drv->unlock(db, true, &err), MS_OK, &err, NULL,
		     "... and commits");
	check_status(drv->save_record(db, "b", "x\n", 2, &version, &err),
		     MS_SYSTEM, &err, "not on the module's connection",
		     "the module's connection does not save a record");
	check_status(drv->remove(db, "b", &err), MS_SYSTEM, &err,
		     "not on the module's connection",
		     "the module's connection does not remove a row");
	drv->close(db);
}
