/* The database's deadline (postgresql.timeout) bounds the store's work of
 * one PAM stage, not the time the user takes to answer. On the fake
 * driver (tests/unit/fake_db.c) with its deadline kept, a user slower
 * than the timeout at each prompt still logs in. */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_driver.h"
#include "fixture.h"
#include "mailbox.h"
#include "pamrun.h"
#include "store.h"
#include "suites.h"
#include "trusted_path.h"

#define ALICE "alice@example.com"
#define TIMEOUT_MS 400
#define ANSWER_MS 600 /* each answer later than the whole timeout */

static void *fake_handle;

/* The fake as the module's store loads it: the same file, so the same
 * rows. NULL (said) where the store would refuse to load it. */
static const struct ms_db_driver *fake_driver(void)
{
	char resolved[PATH_MAX];
	struct ms_error err = { .msg = "" };
	ms_db_driver_fn *entry;

	if (ms_path_trusted(FAKE_DB_PATH, MS_TRUSTED_FILE, resolved, &err) !=
	    MS_OK) {
		printf("skip: deadline: the store would not load the fake "
		       "driver: %s\n", err.msg);
		return NULL;
	}
	fake_handle = dlopen(resolved, RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg(fake_handle, "%s", dlerror());
	*(void **)&entry = dlsym(fake_handle, MS_DB_DRIVER_SYMBOL);
	ck_assert_msg(entry, "%s", dlerror());
	return entry(MS_DB_API_VERSION);
}

/* The mailbox mb_create wrote to users/, copied to a fresh fake database
 * with a schema and a host key, as db init and db import leave it. */
static void copy_to_fake(const struct ms_db_driver *driver, const char *name)
{
	struct ms_db_config config = { .conninfo = "fake",
				       .timeout_ms = 60000,
				       .role = MS_DB_ADMIN };
	struct ms_error err = { .msg = "" };
	char path[PATH_MAX], file[MS_FILE_NAME_MAX], report[128];
	void (*reset)(void);
	int64_t version = 0;
	struct ms_db *db;
	size_t len;
	char *text;

	*(void **)&reset = dlsym(fake_handle, "fake_db_reset");
	ck_assert_msg(reset, "%s", dlerror());
	reset();
	ms_file_name(name, "conf", file, sizeof(file));
	ts_path(path, sizeof(path), fx.users, file, NULL);
	text = ts_read(path, &len);
	ck_assert_int_eq(driver->open(&config, &db, &err), MS_OK);
	(void)driver->schema(db, MS_DB_SCHEMA_INIT, "mailsec_module", report,
			     sizeof(report), &err);
	ck_assert_msg(driver->save_record(db, name, text, len, &version,
					  &err) == MS_OK,
		      "%s", err.msg);
	driver->close(db);
	free(text);
}

static void conf_on_fake(void)
{
	char extra[PATH_MAX + 256];

	snprintf(extra, sizeof(extra),
		 FX_CONF_DEFAULT "store = \"postgresql\";\n"
		 "postgresql = { conninfo = \"fake\"; driver = \"%s\"; "
		 "timeout = %d; };\n",
		 FAKE_DB_PATH, TIMEOUT_MS);
	fx_conf(extra);
}

/* Password, then code, each typed after the timeout: judged, not
 * refused for a deadline that ran while the module waited. */
START_TEST(slow_answers_are_judged)
{
	const struct ms_db_driver *driver = fake_driver();
	struct ts_talk talk = { .password = MB_PASSWORD,
				.delay_ms = ANSWER_MS };
	struct mailbox mb;
	char code[16];

	if (!driver)
		return;
	mb_create(&mb, ALICE, MB_2FA);
	copy_to_fake(driver, mb.name);
	conf_on_fake();
	fx_stack_args("webmail", "code=prompt");
	setenv("FAKE_DB_DEADLINE", "1", 1);
	mb_wait_step_margin(2 * ANSWER_MS / 1000 + 3);
	mb_code(&mb, 0, code);
	talk.code = code;
	ck_pam(pr_auth_talk("webmail", mb.name, &talk), PAM_SUCCESS);
	ck_assert_str_eq(talk.asked, "PC");
	/* The code was used, on the database: a replay is refused. */
	talk.asked[0] = '\0';
	ck_pam(pr_auth_talk("webmail", mb.name, &talk), PAM_AUTH_ERR);
	unsetenv("FAKE_DB_DEADLINE");
}
END_TEST

TCase *tcase_deadline(void)
{
	TCase *tc = tcase_with_fixture("deadline");

	/* Its mailbox is made in the fixture's files and copied into the
	 * fake driver: the database run has no such files. */
	ts_add_files_test(tc, slow_answers_are_judged);
	return tc;
}
