/* The file store as the store interface sees it (store_files.c): the
 * names of the mailboxes, the host key, which store mailsec.conf picks,
 * and what is never written for a mailbox without a record. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appstate.h"
#include "helpers.h"
#include "hostkey.h"
#include "record.h"
#include "store_ops.h"
#include "suites.h"

#define NAMES_MAX 8

struct names_seen {
	char names[NAMES_MAX][64];
	unsigned count;
	unsigned stop_after; /* 0: never */
};

static enum ms_status collect(const char *name, void *arg,
			      struct ms_error *err)
{
	struct names_seen *seen = arg;

	ck_assert_uint_lt(seen->count, NAMES_MAX);
	snprintf(seen->names[seen->count++], sizeof(seen->names[0]), "%s",
		 name);
	if (seen->count == seen->stop_after)
		return ms_fail(err, MS_INVALID, "stop at %s", name);
	return MS_OK;
}

static void users_file(const char *file)
{
	char path[PATH_MAX];

	ts_path(path, sizeof(path), th.users, file, NULL);
	ts_write_str(path, "", 0600);
}

/* Byte order of the names ("a-b" after "a", though "a-b.conf" sorts
 * before "a.conf"), whatever the locale; only NAME.conf of valid,
 * canonical names. */
START_TEST(names_in_byte_order)
{
	static const char *const files[] = {
		"b.conf", "a-b.conf", "a.conf", "Zed.conf", "bad name.conf",
		"c.state", ".tmp-x.conf", "a.conf~", "B@x.org.conf",
		"b@x.org.conf",
	};
	static const char *const want[] = { "a", "a-b", "b", "b@x.org" };
	struct names_seen seen = { .count = 0 };
	struct ms_error err = { 0 };

	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++)
		users_file(files[i]);
	ck_assert_msg(ms_store_names(&th.store, collect, &seen, &err) == MS_OK,
		      "%s", err.msg);
	ck_assert_uint_eq(seen.count, sizeof(want) / sizeof(*want));
	for (unsigned i = 0; i < seen.count; i++)
		ck_assert_str_eq(seen.names[i], want[i]);
}
END_TEST

START_TEST(names_stop_at_the_first_error)
{
	struct names_seen seen = { .stop_after = 2 };
	struct ms_error err = { 0 };

	users_file("a.conf");
	users_file("b.conf");
	users_file("c.conf");
	ck_assert_int_eq(ms_store_names(&th.store, collect, &seen, &err),
			 MS_INVALID);
	ck_assert_uint_eq(seen.count, 2);
	ck_assert_str_eq(err.msg, "stop at b");
}
END_TEST

START_TEST(names_of_no_mailboxes)
{
	struct names_seen seen = { .count = 0 };
	struct ms_error err = { 0 };

	ck_assert_int_eq(ms_store_names(&th.store, collect, &seen, &err), MS_OK);
	ck_assert_uint_eq(seen.count, 0);
}
END_TEST

/* set_host_key (db export) replaces the key every tag is made with. */
START_TEST(host_key_replaced)
{
	unsigned char key[MS_HOSTKEY_BYTES], made[MS_HOSTKEY_BYTES];
	unsigned char given[MS_HOSTKEY_BYTES];
	struct ms_error err = { 0 };
	char path[PATH_MAX];

	ck_assert_msg(ms_hostkey_get(&th.store, made, &err) == MS_OK, "%s",
		      err.msg);
	ck_assert_int_eq(ms_hostkey_get(&th.store, key, &err), MS_OK);
	ck_assert_mem_eq(key, made, sizeof(key));
	for (unsigned i = 0; i < sizeof(given); i++)
		given[i] = (unsigned char)(made[i] ^ 0x5a);
	ck_assert_msg(th.store.ops->set_host_key(&th.store, given, &err) ==
			      MS_OK, "%s", err.msg);
	ck_assert_int_eq(ms_hostkey_get(&th.store, key, &err), MS_OK);
	ck_assert_mem_eq(key, given, sizeof(key));
	ts_path(path, sizeof(path), th.state, ".mailsec-hostkey", NULL);
	ck_assert_uint_eq(ts_mode(path), 0600);
}
END_TEST

/* A login counted after its mailbox's removal leaves no file behind. */
START_TEST(app_use_of_no_record_writes_nothing)
{
	struct ms_record r;
	struct ms_app_state state;
	struct ms_error err = { 0 };
	char path[PATH_MAX];
	struct stat st;

	memset(&r, 0, sizeof(r));
	r.n_apps = 1;
	strcpy(r.apps[0].id, "0123456789abcdef");
	ck_assert_msg(ms_app_state_note(&th.store, "gone@x.org", &r, 0, 1000,
					"imap", "192.0.2.1", &err) == MS_OK,
		      "%s", err.msg);
	ts_path(path, sizeof(path), th.state, "gone@x.org.apps", NULL);
	ck_assert_int_ne(stat(path, &st), 0);
	ck_assert_int_eq(ms_app_state_load(&th.store, "gone@x.org", &state,
					   &err), MS_OK);
	ck_assert_uint_eq(state.seq, 0);
}
END_TEST

START_TEST(files_store_is_the_default)
{
	ck_assert_int_eq(th.settings.store, MS_STORE_FILES);
	ck_assert_ptr_eq(th.store.ops, &ms_store_files_ops);
	ck_assert_ptr_null(th.store.db_driver);
	ck_assert_ptr_null(th.store.db);
	ms_store_close(&th.store);
	ck_assert_int_eq(th.store.users_fd, -1);
	ck_assert_int_eq(th.store.state_fd, -1);
}
END_TEST

/* store = "postgresql" never falls back to the files. */
START_TEST(database_store_is_not_the_files)
{
	struct ms_settings settings = th.settings;
	struct ms_store store;
	struct ms_error err = { 0 };
	enum ms_status status;

	settings.store = MS_STORE_POSTGRESQL;
	strcpy(settings.postgresql.conninfo, "host=/nonexistent dbname=x");
	strcpy(settings.postgresql.driver, "/nonexistent/store_postgresql.so");
	status = ms_store_open(&settings, MS_STORE_LOGIN, &store, &err);
	if (status == MS_OK)
		ck_assert_ptr_ne(store.ops, &ms_store_files_ops);
	ck_assert_int_eq(store.users_fd, -1);
	ck_assert_int_eq(store.state_fd, -1);
	ms_store_close(&store);
}
END_TEST

TCase *tcase_store_files(void)
{
	TCase *tc = th_tcase_files_store("store_files");

	tcase_add_test(tc, names_in_byte_order);
	tcase_add_test(tc, names_stop_at_the_first_error);
	tcase_add_test(tc, names_of_no_mailboxes);
	tcase_add_test(tc, host_key_replaced);
	tcase_add_test(tc, app_use_of_no_record_writes_nothing);
	tcase_add_test(tc, files_store_is_the_default);
	tcase_add_test(tc, database_store_is_not_the_files);
	return tc;
}
