#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../support/pgstore.h"
#include "../support/tree.h"
#include "helpers.h"
#include "record.h"

struct th_fixture th;

void th_dir_setup(void)
{
	memset(&th, 0, sizeof(th));
	th.store.users_fd = th.store.state_fd = -1;
	ts_test_dir(th.dir, sizeof(th.dir), "t");
}

void th_dir_teardown(void)
{
	if (th.dir[0])
		ts_remove_tree(th.dir);
	th.dir[0] = '\0';
}

/* MAILSEC_TEST_STORE=postgresql: the database, emptied for this test;
 * users_dir and state_dir stay set but unused. */
static void use_database(struct ms_settings *settings)
{
	const char *driver = getenv("MAILSEC_TEST_PGDRIVER");

	ck_assert_msg(driver && strlen(driver) < sizeof(settings->postgresql.driver),
		      "MAILSEC_TEST_PGDRIVER must name the built driver");
	settings->store = MS_STORE_POSTGRESQL;
	ts_pg_conninfo(settings->postgresql.conninfo,
		       sizeof(settings->postgresql.conninfo), "mailsec",
		       "mailsec_module");
	ts_pg_conninfo(settings->postgresql.admin_conninfo,
		       sizeof(settings->postgresql.admin_conninfo), "mailsec",
		       "mailsec_admin");
	strcpy(settings->postgresql.driver, driver);
	/* One store use spans a whole test here, not one login: the deadline
	 * of a login is the module suites' to test. */
	settings->postgresql.timeout = MS_DB_TIMEOUT_MAX;
	ts_pg_reset();
}

static void store_setup(bool database)
{
	struct ms_error err = { 0 };

	th_dir_setup();
	ms_settings_defaults(&th.settings);
	ts_path(th.users, sizeof(th.users), th.dir, "users", NULL);
	ts_path(th.state, sizeof(th.state), th.dir, "state", NULL);
	strcpy(th.settings.users_dir, th.users);
	strcpy(th.settings.state_dir, th.state);
	if (database)
		use_database(&th.settings);
	/* MS_STORE_CREATE makes both directories, as mailsecctl does. */
	ck_assert_msg(ms_store_open(&th.settings, MS_STORE_CREATE, &th.store,
				    &err) == MS_OK,
		      "ms_store_open: %s", err.msg);
}

void th_store_setup(void)
{
	store_setup(ts_pg());
}

void th_files_store_setup(void)
{
	store_setup(false);
}

void th_row(const char *name, const struct ms_record *record)
{
	struct ms_error err = { 0 };

	if (!ts_pg())
		return;
	ck_assert_msg(ms_record_save(&th.store, name, record, &err) == MS_OK,
		      "ms_record_save %s: %s", name, err.msg);
}

void th_store_teardown(void)
{
	ms_store_close(&th.store);
	th_dir_teardown();
}

TCase *th_tcase_dir(const char *name)
{
	return ts_tcase_fixture(name, th_dir_setup, th_dir_teardown);
}

TCase *th_tcase_store(const char *name)
{
	return ts_tcase_fixture(name, th_store_setup, th_store_teardown);
}

TCase *th_tcase_files_store(const char *name)
{
	return ts_tcase_fixture(name, th_files_store_setup, th_store_teardown);
}

bool th_has(const char *text, const char *part)
{
	return strstr(text, part) != NULL;
}

double th_seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}
