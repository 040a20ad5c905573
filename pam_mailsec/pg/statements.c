/* The statements, prepared on each connection once its schema is known:
 * the module's connection prepares only those its role may run. */
#include "config.h"

#include "pg.h"

/* The types of pg_type (the server's headers need not be installed). */
#define BYTEA_OID 17
#define INT8_OID 20
#define INT4_OID 23
#define TEXT_OID 25

_Static_assert(MS_DB_WANT_BLOB(MS_DB_STATE) == 1 &&
		       MS_DB_WANT_BLOB(MS_DB_APPS) == 2 &&
		       MS_DB_WANT_BLOB(MS_DB_JOURNAL) == 4 &&
		       MS_DB_WANT_RECORD == 256,
	       "MS_PG_LOAD's bits");

static const Oid name_only[] = { TEXT_OID };
static const Oid name_want[] = { TEXT_OID, INT4_OID };
static const Oid name_blob_seq[] = { TEXT_OID, BYTEA_OID, INT8_OID };
static const Oid name_text[] = { TEXT_OID, TEXT_OID };
static const Oid key_only[] = { BYTEA_OID };

/* One statement: the row untouched when the sequence number moved (or
 * none when seq < 0), and whether the row is there at all, to tell a
 * conflict from a missing mailbox. */
#define SAVE_BLOB(blob)                                                    \
	"WITH changed AS (UPDATE mailsec_mailbox SET " blob " = $2, " blob \
	"_seq = " blob "_seq + 1 WHERE name = $1 AND ($3 < 0 OR " blob     \
	"_seq = $3) RETURNING " blob "_seq) "                              \
	"SELECT (SELECT " blob "_seq FROM changed), "                      \
	"EXISTS (SELECT 1 FROM mailsec_mailbox WHERE name = $1)"

static const struct ms_pg_stmt_def defs[MS_PG_STMTS] = {
	[MS_PG_LOAD] = { "mailsec_load",
			 "SELECT CASE WHEN $2 & 256 <> 0 THEN record END, version,"
			 " CASE WHEN $2 & 1 <> 0 THEN state END, state_seq,"
			 " CASE WHEN $2 & 2 <> 0 THEN apps END, apps_seq,"
			 " CASE WHEN $2 & 4 <> 0 THEN journal END, journal_seq"
			 " FROM mailsec_mailbox WHERE name = $1",
			 2, name_want, false },
	[MS_PG_VERSION] = { "mailsec_version",
			    "SELECT version FROM mailsec_mailbox WHERE name = $1",
			    1, name_only, false },
	[MS_PG_NAMES] = { "mailsec_names",
			  "SELECT name FROM mailsec_mailbox ORDER BY name", 0,
			  NULL, false },
	[MS_PG_SAVE_STATE] = { "mailsec_save_state", SAVE_BLOB("state"), 3,
			       name_blob_seq, false },
	[MS_PG_SAVE_APPS] = { "mailsec_save_apps", SAVE_BLOB("apps"), 3,
			      name_blob_seq, false },
	[MS_PG_SAVE_JOURNAL] = { "mailsec_save_journal", SAVE_BLOB("journal"),
				 3, name_blob_seq, false },
	[MS_PG_LOCK_NAME] = { "mailsec_lock_name",
			      "SELECT pg_advisory_xact_lock("
			      "hashtextextended($1, 0))",
			      1, name_only, false },
	[MS_PG_LOCK_ROW] = { "mailsec_lock_row",
			     "SELECT 1 FROM mailsec_mailbox WHERE name = $1"
			     " FOR UPDATE",
			     1, name_only, false },
	[MS_PG_HOST_KEY] = { "mailsec_host_key",
			     "SELECT key FROM mailsec_host_key", 0, NULL,
			     false },
	[MS_PG_SAVE_RECORD] = { "mailsec_save_record",
				"INSERT INTO mailsec_mailbox (name, record,"
				" version) VALUES ($1, $2,"
				" nextval('mailsec_record_version'))"
				" ON CONFLICT (name) DO UPDATE SET"
				" record = EXCLUDED.record,"
				" version = EXCLUDED.version RETURNING version",
				2, name_text, true },
	[MS_PG_REMOVE] = { "mailsec_remove",
			   "DELETE FROM mailsec_mailbox WHERE name = $1", 1,
			   name_only, true },
	[MS_PG_SET_HOST_KEY] = { "mailsec_set_host_key",
				 "INSERT INTO mailsec_host_key (one, key)"
				 " VALUES (true, $1) ON CONFLICT (one)"
				 " DO UPDATE SET key = EXCLUDED.key",
				 1, key_only, true },
};

const struct ms_pg_stmt_def *ms_pg_stmt_def(enum ms_pg_stmt stmt)
{
	return &defs[stmt];
}
