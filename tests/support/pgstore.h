/* Which store the fixtures keep their mailboxes in. By default the file
 * store; with MAILSEC_TEST_STORE=postgresql (tests/pg/run-suites.sh) the
 * database `mailsec` of a private cluster: MAILSEC_TEST_PGSOCK is its
 * socket directory, MAILSEC_TEST_PGDRIVER the built driver. The module
 * logs in as mailsec_module, mailsecctl and the fixtures as
 * mailsec_admin, as a real install would. */
#ifndef TESTS_SUPPORT_PGSTORE_H
#define TESTS_SUPPORT_PGSTORE_H

#include <stdbool.h>
#include <stddef.h>

#include "rundir.h"

bool ts_pg(void);

/* "host=SOCK dbname=DBNAME user=USER" into `out`; fails the test when
 * MAILSEC_TEST_PGSOCK is not set. */
void ts_pg_conninfo(char *out, size_t size, const char *dbname,
		    const char *user);

/* mailsec.conf lines that put the store on database `dbname` (NULL:
 * mailsec), with `group_extra` (NULL or e.g. "timeout = 500;") inside
 * the postgresql group. */
void ts_pg_conf(char *out, size_t size, const char *dbname,
		const char *group_extra);

/* Empties database mailsec (every mailbox; the schema and host key stay):
 * each test starts from no mailboxes, as on a fresh file store. */
void ts_pg_reset(void);

/* Runs `sql` in database mailsec as mailsec_admin through psql;
 * 0 or psql's failing exit status. */
int ts_pg_sql(const char *sql);

/* Tests that look at the file store's files themselves (their bytes,
 * lock files, modes) leave the database run out, named and counted by
 * ts_run_end. */
#define ts_add_files_test(tc, test)                                        \
	(!ts_pg() ? tcase_add_test(tc, test)                               \
		  : ts_skip(#test, "file store only"))

#endif
