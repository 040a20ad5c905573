/* The database store on a fake driver (tests/unit/fake_db.c, rows in this
 * process): records and their versions, the read-judge-write of blobs when
 * another writer comes first, a code accepted once, the journal, a copy
 * between stores that loses nothing, and the driver's loading. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "apppass.h"
#include "codecheck.h"
#include "db_load.h"
#include "helpers.h"
#include "journal.h"
#include "secure.h"
#include "store_copy.h"
#include "store_ops.h"
#include "suites.h"
#include "totp.h"

#define NAME "alice@example.com"
#define T0 ((time_t)1699999980)

static struct ms_settings db_settings;
static struct ms_store db;

/* A function of the fake driver's, loaded by the store. */
static void *fake_symbol(const char *symbol)
{
	char resolved[PATH_MAX];
	void *handle, *found;

	ck_assert(realpath(FAKE_DB_PATH, resolved) != NULL);
	handle = dlopen(resolved, RTLD_NOW | RTLD_NOLOAD);
	ck_assert_msg(handle, "fake_db not loaded: %s", dlerror());
	found = dlsym(handle, symbol);
	ck_assert_msg(found, "%s: %s", symbol, dlerror());
	dlclose(handle);
	return found;
}

/* The fake's rows, emptied: with CK_FORK=no every test shares them. */
static void fake_reset(void)
{
	void (*reset)(void);

	*(void **)&reset = fake_symbol("fake_db_reset");
	reset();
}

/* The settings of a mailsec.conf on the database, as an administrator
 * writes it. */
static void db_settings_for(struct ms_settings *settings, const char *driver)
{
	char conf[PATH_MAX], text[3 * PATH_MAX];
	struct ms_error err = { 0 };

	ts_path(conf, sizeof(conf), th.dir, "db.conf", NULL);
	snprintf(text, sizeof(text),
		 "users_dir = \"%s\";\nstate_dir = \"%s\";\n"
		 "store = \"postgresql\";\n"
		 "postgresql = { conninfo = \"fake\"; driver = \"%s\"; };\n",
		 th.users, th.state, driver);
	ts_write_str(conf, text, 0600);
	ck_assert_msg(ms_settings_load(conf, MS_CONF_NAMED, settings, &err) ==
			      MS_OK,
		      "%s", err.msg);
	ck_assert_int_eq(settings->store, MS_STORE_POSTGRESQL);
}

static void db_setup(void)
{
	struct ms_error err = { 0 };
	char report[128];

	th_files_store_setup();
	unsetenv("FAKE_DB_CONFLICTS");
	unsetenv("FAKE_DB_FAIL");
	db_settings_for(&db_settings, FAKE_DB_PATH);
	ck_assert_msg(ms_store_open(&db_settings, MS_STORE_CREATE, &db, &err) ==
			      MS_OK,
		      "%s", err.msg);
	fake_reset();
	ck_assert_msg(ms_store_schema(&db, MS_DB_SCHEMA_INIT, report,
				      sizeof(report), &err) == MS_OK,
		      "%s", err.msg);
}

static void db_teardown(void)
{
	ms_store_close(&db);
	th_store_teardown();
}

static void enrolled(struct ms_record *record)
{
	ms_record_defaults(record);
	strcpy(record->password, "$5$x$unused");
	record->totp.status = MS_TOTP_ENABLED;
	strcpy(record->totp.secret, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
	record->totp.algorithm = MS_SHA1;
	record->totp.digits = 6;
	record->totp.period = 30;
}

static void saved(const struct ms_store *store, const struct ms_record *record)
{
	struct ms_error err = { 0 };

	ck_assert_msg(ms_record_save(store, NAME, record, &err) == MS_OK, "%s",
		      err.msg);
}

static void loaded(const struct ms_store *store, struct ms_record *record)
{
	struct ms_error err = { 0 };

	ck_assert_msg(ms_record_load(store, NAME, record, &err) == MS_OK, "%s",
		      err.msg);
}

/* --- records --------------------------------------------------------------- */

START_TEST(record_round_trip_has_a_version)
{
	struct ms_record record, back, again;
	struct ms_error err = { 0 };
	char *text = NULL, *text_back = NULL;

	enrolled(&record);
	record.non_webmail_access = false;
	saved(&db, &record);
	loaded(&db, &back);
	ck_assert(back.version > 0);
	ck_assert(!sodium_is_zero(back.digest.bytes, MS_RECORD_DIGEST_BYTES));
	ck_assert(ms_record_format(&record, &text, &err) == MS_OK);
	ck_assert(ms_record_format(&back, &text_back, &err) == MS_OK);
	ck_assert_str_eq(text, text_back);
	ck_assert(ms_record_current(&db, NAME, &back));
	ck_assert_int_eq(ms_record_exists(&db, NAME, &err), MS_OK);

	/* Saved again, even unchanged: another version, the old load stale. */
	saved(&db, &back);
	ck_assert(!ms_record_current(&db, NAME, &back));
	loaded(&db, &again);
	ck_assert(again.version > back.version);
	ck_assert(ms_record_current(&db, NAME, &again));
	ms_free_secret(text);
	ms_free_secret(text_back);
}
END_TEST

START_TEST(removed_record_is_gone_and_never_current)
{
	struct ms_record record, back;
	struct ms_error err = { 0 };
	int lock = -1;

	enrolled(&record);
	ck_assert(!ms_record_current(&db, NAME, &record)); /* version 0 */
	saved(&db, &record);
	loaded(&db, &back);
	ck_assert_int_eq(ms_record_remove(&db, NAME, &err), MS_OK);
	ck_assert(!ms_record_current(&db, NAME, &back));
	ck_assert_int_eq(ms_record_exists(&db, NAME, &err), MS_NOT_FOUND);
	ck_assert_int_eq(ms_record_load(&db, NAME, &back, &err), MS_NOT_FOUND);
	ck_assert_str_eq(err.msg, NAME ": no such mailbox");
	ck_assert_int_eq(ms_record_remove(&db, NAME, &err), MS_NOT_FOUND);
	ck_assert_int_eq(ms_record_lock(&db, NAME, &lock, &err), MS_NOT_FOUND);
	/* Made again: a version the old load never had. */
	saved(&db, &record);
	ck_assert(!ms_record_current(&db, NAME, &back));
}
END_TEST

/* --- the read-judge-write of the state ------------------------------------- */

struct rejudge {
	unsigned passes;
	uint32_t seen[4];
};

/* Pass 1: another host writes a state between this read and this write. */
static bool count_a_failure(struct ms_state *state, void *arg)
{
	struct rejudge *r = arg;
	struct ms_error err = { 0 };

	r->seen[r->passes < 4 ? r->passes : 3] = state->fail_count;
	if (r->passes++ == 0) {
		struct ms_state other = { .fail_count = 7 };

		ck_assert_msg(db.ops->state_save(&db, NAME, &other, &err) ==
				      MS_OK,
			      "%s", err.msg);
	}
	state->fail_count++;
	return true;
}

START_TEST(state_edit_judges_again_after_a_conflict)
{
	struct ms_record record;
	struct ms_state state;
	struct rejudge r = { 0 };
	struct ms_error err = { 0 };

	enrolled(&record);
	saved(&db, &record);
	ck_assert_msg(ms_state_edit(&db, NAME, count_a_failure, &r, &err) ==
			      MS_OK,
		      "%s", err.msg);
	ck_assert_uint_eq(r.passes, 2);
	ck_assert_uint_eq(r.seen[0], 0);
	ck_assert_uint_eq(r.seen[1], 7); /* the other writer's state */
	ck_assert_int_eq(ms_state_load(&db, NAME, &state, &err), MS_OK);
	ck_assert_uint_eq(state.fail_count, 8);
}
END_TEST

static bool count_passes(struct ms_state *state, void *arg)
{
	unsigned *passes = arg;

	(*passes)++;
	state->fail_count++;
	return true;
}

START_TEST(state_edit_conflicts_are_bounded)
{
	struct ms_record record;
	struct ms_state state;
	struct ms_error err = { 0 };
	unsigned passes = 0;

	enrolled(&record);
	saved(&db, &record);
	setenv("FAKE_DB_CONFLICTS", "3", 1);
	ck_assert_int_eq(ms_state_edit(&db, NAME, count_passes, &passes, &err),
			 MS_OK);
	ck_assert_uint_eq(passes, 4);
	ck_assert_int_eq(ms_state_load(&db, NAME, &state, &err), MS_OK);
	ck_assert_uint_eq(state.fail_count, 1);

	passes = 0;
	setenv("FAKE_DB_CONFLICTS", "1000", 1);
	ck_assert_int_eq(ms_state_edit(&db, NAME, count_passes, &passes, &err),
			 MS_SYSTEM);
	ck_assert_str_eq(err.msg, NAME ": state kept changing");
	ck_assert_uint_eq(passes, 50);
	unsetenv("FAKE_DB_CONFLICTS");
	ck_assert_int_eq(ms_state_load(&db, NAME, &state, &err), MS_OK);
	ck_assert_uint_eq(state.fail_count, 1);
}
END_TEST

START_TEST(state_edit_without_a_row_fails_closed)
{
	struct ms_error err = { 0 };
	unsigned passes = 0;

	ck_assert_int_eq(ms_state_edit(&db, NAME, count_passes, &passes, &err),
			 MS_NOT_FOUND);
	ck_assert_str_eq(err.msg, NAME ": no such mailbox");
	ck_assert_uint_eq(passes, 0);
	ck_assert_int_eq(ms_record_exists(&db, NAME, &err), MS_NOT_FOUND);
}
END_TEST

START_TEST(damaged_state_blob_fails_closed)
{
	struct ms_record record;
	struct ms_state state;
	struct ms_error err = { 0 };
	unsigned char junk[MS_STATE_SLOT];
	unsigned passes = 0;

	enrolled(&record);
	saved(&db, &record);
	memset(junk, 0x5a, sizeof(junk));
	ck_assert_int_eq(db.db_driver->save_blob(db.db, NAME, MS_DB_STATE, -1,
						 junk, sizeof(junk), &err),
			 MS_OK);
	ck_assert_int_eq(ms_state_load(&db, NAME, &state, &err), MS_INVALID);
	ck_assert_str_eq(err.msg, "postgresql:" NAME ": damaged state");
	ck_assert_int_eq(ms_state_edit(&db, NAME, count_passes, &passes, &err),
			 MS_INVALID);
	ck_assert_uint_eq(passes, 0);
}
END_TEST

/* --- a login's code --------------------------------------------------------- */

START_TEST(code_is_accepted_once)
{
	struct ms_record record;
	struct ms_totp totp;
	struct ms_error err = { 0 };
	char code[16];
	int64_t locked_until;

	enrolled(&record);
	saved(&db, &record);
	totp = (struct ms_totp){ record.totp.secret, record.totp.algorithm,
				 record.totp.digits, record.totp.period };
	ck_assert(ms_totp_generate(&totp, T0, code, sizeof(code), &err) == MS_OK);
	ck_assert_int_eq(ms_code_check(&db, NAME, &record, code, T0, NULL,
				       &locked_until, &err),
			 MS_CODE_OK);
	ck_assert_int_eq(ms_code_check(&db, NAME, &record, code, T0 + 1, NULL,
				       &locked_until, &err),
			 MS_CODE_REPLAYED);
}
END_TEST

/* Another host accepts the same code between this check's read and its
 * write (the fake calls `before_save` then): judged again on that host's
 * state, this check sees a replay, and the code is accepted once. */
struct other_host {
	const struct ms_record *record;
	const char *code;
};

static void accept_elsewhere(void *arg)
{
	struct other_host *other = arg;
	struct ms_state state;
	struct ms_error err = { 0 };

	memset(&state, 0, sizeof(state));
	ck_assert_int_eq(ms_code_confirm(db.settings, other->record, &state,
					 other->code, T0),
			 MS_CODE_OK);
	ck_assert_int_eq(db.ops->state_save(&db, NAME, &state, &err), MS_OK);
}

static void before_next_save(void (*fn)(void *), void *arg)
{
	void (*hook)(void (*)(void *), void *);

	*(void **)&hook = fake_symbol("fake_db_before_save");
	hook(fn, arg);
}

START_TEST(code_raced_by_another_host_is_a_replay)
{
	struct ms_record record;
	struct ms_totp totp;
	struct ms_state state;
	struct ms_error err = { 0 };
	struct other_host other = { &record, NULL };
	char code[16];
	int64_t locked_until;

	enrolled(&record);
	saved(&db, &record);
	totp = (struct ms_totp){ record.totp.secret, record.totp.algorithm,
				 record.totp.digits, record.totp.period };
	ck_assert(ms_totp_generate(&totp, T0, code, sizeof(code), &err) == MS_OK);
	other.code = code;
	before_next_save(accept_elsewhere, &other);
	ck_assert_int_eq(ms_code_check(&db, NAME, &record, code, T0, NULL,
				       &locked_until, &err),
			 MS_CODE_REPLAYED);
	ck_assert_int_eq(ms_state_load(&db, NAME, &state, &err), MS_OK);
	ck_assert_uint_eq(state.fail_count, 0);
}
END_TEST

static void lock_elsewhere(void *arg)
{
	struct ms_state state;
	struct ms_error err = { 0 };

	(void)arg;
	memset(&state, 0, sizeof(state));
	state.locked_until = T0 + 999;
	ck_assert_int_eq(db.ops->state_save(&db, NAME, &state, &err), MS_OK);
}

/* A wrong code that would lock the mailbox, raced by another host's
 * lockout: judged again it is refused as locked, and this check did not
 * start that lockout (the log line says when one this login began ends). */
START_TEST(raced_lockout_is_not_this_checks)
{
	struct ms_record record;
	struct ms_error err = { 0 };
	int64_t locked_until = -1;

	db_settings.lockout.max_failures = 1;
	enrolled(&record);
	saved(&db, &record);
	before_next_save(lock_elsewhere, NULL);
	ck_assert_int_eq(ms_code_check(&db, NAME, &record, "000000", T0, NULL,
				       &locked_until, &err),
			 MS_CODE_LOCKED);
	ck_assert_int_eq(locked_until, 0);
}
END_TEST

/* --- the journal, app-password uses ----------------------------------------- */

START_TEST(journal_note_through_the_interface)
{
	struct ms_record record;
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct ms_journal_event e = { T0, MS_ROLE_WEBMAIL, MS_JOURNAL_ACCEPTED,
				      MS_JOURNAL_CODE, "webmail", "192.0.2.1",
				      NULL };
	struct ms_error err = { 0 };
	unsigned count, damaged;
	bool new_address = false;

	db_settings.activity_journal = true;
	/* No row: nothing noted, nothing made. */
	ck_assert_int_eq(ms_journal_note(&db, NAME, &e, &new_address, &err),
			 MS_OK);
	ck_assert_int_eq(ms_record_exists(&db, NAME, &err), MS_NOT_FOUND);
	enrolled(&record);
	saved(&db, &record);
	ck_assert_int_eq(ms_journal_note(&db, NAME, &e, &new_address, &err),
			 MS_OK);
	ck_assert(new_address);
	e.time = T0 + 5;
	setenv("FAKE_DB_CONFLICTS", "1", 1);
	ck_assert_int_eq(ms_journal_note(&db, NAME, &e, &new_address, &err),
			 MS_OK);
	ck_assert(!new_address);
	ck_assert_int_eq(ms_journal_read(&db, NAME, entries, &count, &damaged,
					 &err),
			 MS_OK);
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(damaged, 0);
	ck_assert_uint_eq(entries[0].count, 2);
	ck_assert_int_eq(entries[0].time, T0 + 5);
	ck_assert_str_eq(entries[0].rhost, "192.0.2.1");
	ck_assert_int_eq(ms_journal_remove(&db, NAME, &err), MS_OK);
	ck_assert_int_eq(ms_journal_read(&db, NAME, entries, &count, &damaged,
					 &err),
			 MS_OK);
	ck_assert_uint_eq(count, 0);
}
END_TEST

START_TEST(app_uses_through_the_interface)
{
	struct ms_app_request req = { "phone", NULL, NULL, 0 };
	struct ms_record record;
	struct ms_app_state state;
	struct ms_error err = { 0 };
	char shown[MS_APP_SHOWN_MAX];

	enrolled(&record);
	ck_assert(ms_app_add(&record, &req, T0, shown, &err) == MS_OK);
	/* No row: nothing noted, nothing made. */
	ck_assert_int_eq(ms_app_state_note(&db, NAME, &record, 0, T0, "imap",
					   "192.0.2.1", &err),
			 MS_OK);
	ck_assert_int_eq(ms_record_exists(&db, NAME, &err), MS_NOT_FOUND);
	saved(&db, &record);
	ck_assert_int_eq(ms_app_state_note(&db, NAME, &record, 0, T0, "imap",
					   "192.0.2.1", &err),
			 MS_OK);
	setenv("FAKE_DB_CONFLICTS", "2", 1);
	ck_assert_int_eq(ms_app_state_note(&db, NAME, &record, 0, T0 + 9, "pop3",
					   "-", &err),
			 MS_OK);
	ck_assert_int_eq(ms_app_state_load(&db, NAME, &state, &err), MS_OK);
	ck_assert_str_eq(state.uses[0].id, record.apps[0].id);
	ck_assert_uint_eq(state.uses[0].uses, 2);
	ck_assert_int_eq(state.uses[0].last_used, T0 + 9);
	ck_assert_str_eq(state.uses[0].service, "pop3");
	ck_assert_int_eq(ms_app_state_remove(&db, NAME, &err), MS_OK);
	ck_assert_int_eq(ms_app_state_load(&db, NAME, &state, &err), MS_OK);
	ck_assert_uint_eq(state.uses[0].uses, 0);
}
END_TEST

START_TEST(oversized_journal_is_damaged)
{
	static unsigned char junk[MS_JOURNAL_BYTES + 1];
	struct ms_record record;
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct ms_error err = { 0 };
	unsigned count, damaged;

	enrolled(&record);
	saved(&db, &record);
	ck_assert_int_eq(db.db_driver->save_blob(db.db, NAME, MS_DB_JOURNAL, -1,
						 junk, sizeof(junk), &err),
			 MS_OK);
	ck_assert_int_eq(ms_journal_read(&db, NAME, entries, &count, &damaged,
					 &err),
			 MS_INVALID);
	ck_assert_str_eq(err.msg, "postgresql:" NAME ": damaged journal");
}
END_TEST

/* The module connects as itself, mailsecctl as the administrator. */
START_TEST(login_mode_takes_the_module_s_role)
{
	const struct ms_db_config *(*last)(void);
	struct ms_store store;
	struct ms_error err = { 0 };

	*(void **)&last = fake_symbol("fake_db_last_config");
	strcpy(db_settings.postgresql.conninfo, "dbname=mailsec user=module");
	strcpy(db_settings.postgresql.admin_conninfo,
	       "dbname=mailsec user=admin");
	ck_assert(ms_store_open(&db_settings, MS_STORE_LOGIN, &store, &err) ==
		  MS_OK);
	ck_assert_str_eq(last()->conninfo, "dbname=mailsec user=module");
	ck_assert_int_eq(last()->role, MS_DB_LOGIN);
	ck_assert_uint_eq(last()->timeout_ms, MS_DB_TIMEOUT_DEFAULT);
	ms_store_close(&store);
	ck_assert(ms_store_open(&db_settings, MS_STORE_READ, &store, &err) ==
		  MS_OK);
	ck_assert_str_eq(last()->conninfo, "dbname=mailsec user=admin");
	ck_assert_int_eq(last()->role, MS_DB_ADMIN);
	ms_store_close(&store);
	/* No admin_conninfo: mailsecctl uses conninfo, still as admin. */
	db_settings.postgresql.admin_conninfo[0] = '\0';
	ck_assert(ms_store_open(&db_settings, MS_STORE_CREATE, &store, &err) ==
		  MS_OK);
	ck_assert_str_eq(last()->conninfo, "dbname=mailsec user=module");
	ck_assert_int_eq(last()->role, MS_DB_ADMIN);
	ms_store_close(&store);
}
END_TEST

/* --- db export and import ---------------------------------------------------- */

/* A mailbox on the file store with something in every part of it. */
static void busy_mailbox(struct ms_record *record)
{
	struct ms_app_request req = { "phone", NULL, NULL, 0 };
	struct ms_journal_event e = { T0, MS_ROLE_WEBMAIL, MS_JOURNAL_REFUSED,
				      MS_JOURNAL_BAD_CODE, "webmail",
				      "198.51.100.7", NULL };
	char shown[MS_APP_SHOWN_MAX];
	struct ms_state state;
	struct ms_error err = { 0 };
	bool new_address;
	int lock = -1;

	enrolled(record);
	ck_assert(ms_app_add(record, &req, T0, shown, &err) == MS_OK);
	saved(&th.store, record);
	memset(&state, 0, sizeof(state));
	state.fail_count = 3;
	state.fail_since = T0 - 10;
	state.locked_until = T0 + 600;
	state.totp_tag = 0x1234;
	state.totp_used_until = T0 + 30;
	state.recovery_used = 5;
	state.sessions[2].created = T0 - 100;
	state.sessions[2].last_used = T0 - 1;
	memset(state.sessions[2].tag, 0xab, sizeof(state.sessions[2].tag));
	memset(state.cache.tag, 0xcd, sizeof(state.cache.tag));
	state.cache.verified = T0 - 2;
	ck_assert(ms_store_lock(&th.store, NAME, &lock, &err) == MS_OK);
	ck_assert_msg(ms_state_save(&th.store, NAME, &state, &err) == MS_OK,
		      "%s", err.msg);
	ck_assert(ms_store_unlock(&th.store, lock, &err) == MS_OK);
	ck_assert_msg(ms_app_state_note(&th.store, NAME, record, 0, T0,
					"imap", "203.0.113.9", &err) == MS_OK,
		      "%s", err.msg);
	th.settings.activity_journal = true;
	ck_assert_msg(ms_journal_note(&th.store, NAME, &e, &new_address,
				      &err) == MS_OK,
		      "%s", err.msg);
}

static void assert_same_mailbox(const struct ms_store *a,
				const struct ms_store *b)
{
	struct ms_record ra, rb;
	struct ms_state sa, sb;
	struct ms_app_state aa, ab;
	static unsigned char ja[MS_JOURNAL_BYTES], jb[MS_JOURNAL_BYTES];
	size_t la = 0, lb = 0;
	char *ta = NULL, *tb = NULL;
	struct ms_error err = { 0 };

	loaded(a, &ra);
	loaded(b, &rb);
	ck_assert(ms_record_format(&ra, &ta, &err) == MS_OK);
	ck_assert(ms_record_format(&rb, &tb, &err) == MS_OK);
	ck_assert_str_eq(ta, tb);
	ck_assert(ms_state_load(a, NAME, &sa, &err) == MS_OK);
	ck_assert(ms_state_load(b, NAME, &sb, &err) == MS_OK);
	sa.seq = sb.seq = 0;
	ck_assert(memcmp(&sa, &sb, sizeof(sa)) == 0);
	ck_assert_uint_eq(sa.fail_count, 3);
	ck_assert(ms_app_state_load(a, NAME, &aa, &err) == MS_OK);
	ck_assert(ms_app_state_load(b, NAME, &ab, &err) == MS_OK);
	aa.seq = ab.seq = 0;
	ck_assert(memcmp(&aa, &ab, sizeof(aa)) == 0);
	ck_assert_uint_eq(aa.uses[0].uses, 1);
	ck_assert(a->ops->journal_read(a, NAME, ja, &la, &err) == MS_OK);
	ck_assert(b->ops->journal_read(b, NAME, jb, &lb, &err) == MS_OK);
	ck_assert(la > 0);
	ck_assert_uint_eq(la, lb);
	ck_assert(memcmp(ja, jb, la) == 0);
	ms_free_secret(ta);
	ms_free_secret(tb);
}

START_TEST(copy_files_to_db_to_files_is_lossless)
{
	struct ms_settings back_settings;
	struct ms_store back;
	struct ms_record record;
	struct ms_error err = { 0 };
	unsigned char k1[MS_HOSTKEY_BYTES], k2[MS_HOSTKEY_BYTES];
	char users[PATH_MAX], state[PATH_MAX];

	busy_mailbox(&record);
	ck_assert_msg(ms_store_copy_mailbox(&th.store, &db, NAME, &err) == MS_OK,
		      "%s", err.msg);
	ck_assert_msg(ms_store_copy_host_key(&th.store, &db, &err) == MS_OK,
		      "%s", err.msg);
	assert_same_mailbox(&th.store, &db);
	ck_assert_int_eq(ms_store_copy_mailbox(&th.store, &db, NAME, &err),
			 MS_EXISTS);
	ck_assert(th_has(err.msg, "already exists"));

	back_settings = th.settings;
	ts_path(users, sizeof(users), th.dir, "users2", NULL);
	ts_path(state, sizeof(state), th.dir, "state2", NULL);
	strcpy(back_settings.users_dir, users);
	strcpy(back_settings.state_dir, state);
	ck_assert(ms_store_open(&back_settings, MS_STORE_CREATE, &back, &err) ==
		  MS_OK);
	ck_assert_msg(ms_store_copy_mailbox(&db, &back, NAME, &err) == MS_OK,
		      "%s", err.msg);
	ck_assert_msg(ms_store_copy_host_key(&db, &back, &err) == MS_OK, "%s",
		      err.msg);
	assert_same_mailbox(&th.store, &back);
	ck_assert(ms_hostkey_get(&th.store, k1, &err) == MS_OK);
	ck_assert(ms_hostkey_get(&back, k2, &err) == MS_OK);
	ck_assert(memcmp(k1, k2, sizeof(k1)) == 0);
	ck_assert_int_eq(ms_store_copy_mailbox(&db, &back, "bob", &err),
			 MS_NOT_FOUND);
	ms_store_close(&back);
}
END_TEST

START_TEST(file_store_has_no_schema)
{
	struct ms_error err = { 0 };
	char report[64];

	ck_assert_int_eq(ms_store_schema(&th.store, MS_DB_SCHEMA_CHECK, report,
					 sizeof(report), &err),
			 MS_USAGE);
	ck_assert_str_eq(err.msg,
			 "the file store has no schema (store = \"files\")");
	ck_assert_int_eq(ms_store_schema(&db, MS_DB_SCHEMA_CHECK, report,
					 sizeof(report), &err),
			 MS_OK);
	ck_assert_int_eq(ms_store_schema(&db, MS_DB_SCHEMA_INIT, report,
					 sizeof(report), &err),
			 MS_EXISTS);
}
END_TEST

/* --- loading the driver ------------------------------------------------------- */

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char cmd[3 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(chmod(to, mode), 0);
}

START_TEST(group_writable_driver_is_refused)
{
	struct ms_settings settings;
	struct ms_store store;
	struct ms_error err = { 0 };
	char dir[PATH_MAX], driver[PATH_MAX];

	ts_path(dir, sizeof(dir), th.dir, "lib", NULL);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ts_path(driver, sizeof(driver), dir, "fake.so", NULL);
	copy_file(FAKE_DB_PATH, driver, 0664);
	db_settings_for(&settings, driver);
	ck_assert_int_eq(ms_store_open(&settings, MS_STORE_LOGIN, &store, &err),
			 MS_SYSTEM);
	ck_assert_msg(th_has(err.msg, "fake.so: writable by group or others"),
		      "%s", err.msg);
	ms_store_close(&store);
	ck_assert_int_eq(ms_db_check_driver(&settings, &err), MS_INVALID);
	ck_assert_msg(th_has(err.msg, "db.conf: postgresql.driver: "),
		      "%s", err.msg);

	/* The file safe, its directory not. */
	ck_assert_int_eq(chmod(driver, 0644), 0);
	ck_assert_int_eq(chmod(dir, 0775), 0);
	ck_assert_int_eq(ms_store_open(&settings, MS_STORE_LOGIN, &store, &err),
			 MS_SYSTEM);
	ck_assert_msg(th_has(err.msg, "lib: writable by group or others"),
		      "%s", err.msg);
	ms_store_close(&store);

	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_msg(ms_store_open(&settings, MS_STORE_LOGIN, &store, &err) ==
			      MS_OK,
		      "%s", err.msg);
	ms_store_close(&store);
	ck_assert_int_eq(ms_db_check_driver(&settings, &err), MS_OK);
	ck_assert_int_eq(ms_db_check_driver(&th.settings, &err), MS_OK);
}
END_TEST

START_TEST(missing_driver_says_so)
{
	struct ms_settings settings;
	struct ms_store store;
	struct ms_error err = { 0 };
	char driver[PATH_MAX];

	ts_path(driver, sizeof(driver), th.dir, "none.so", NULL);
	db_settings_for(&settings, driver);
	ck_assert_int_eq(ms_store_open(&settings, MS_STORE_LOGIN, &store, &err),
			 MS_SYSTEM);
	ck_assert_msg(th_has(err.msg, "none.so: the PostgreSQL driver is not "
				      "installed (built --without-postgresql?)"),
		      "%s", err.msg);
	ms_store_close(&store);
}
END_TEST

START_TEST(driver_of_another_api_is_refused)
{
	struct ms_settings settings;
	struct ms_store store;
	struct ms_error err = { 0 };
	char driver[PATH_MAX];

	/* A copy: a driver loaded once answers from then on. */
	ts_path(driver, sizeof(driver), th.dir, "old.so", NULL);
	copy_file(FAKE_DB_PATH, driver, 0644);
	db_settings_for(&settings, driver);
	setenv("FAKE_DB_OLD_API", "1", 1);
	ck_assert_int_eq(ms_store_open(&settings, MS_STORE_LOGIN, &store, &err),
			 MS_SYSTEM);
	unsetenv("FAKE_DB_OLD_API");
	ck_assert_msg(th_has(err.msg, "old.so: speaks another driver API"),
		      "%s", err.msg);
	ms_store_close(&store);
}
END_TEST

START_TEST(driver_failure_is_told)
{
	struct ms_record record;
	struct ms_error err = { 0 };
	int lock = -1;

	enrolled(&record);
	saved(&db, &record);
	setenv("FAKE_DB_FAIL", "load", 1);
	ck_assert_int_eq(ms_record_load(&db, NAME, &record, &err), MS_SYSTEM);
	ck_assert_str_eq(err.msg, "postgresql: load: injected failure");
	setenv("FAKE_DB_FAIL", "unlock", 1);
	ck_assert_int_eq(ms_store_lock(&db, NAME, &lock, &err), MS_OK);
	ck_assert_int_eq(ms_store_unlock(&db, lock, &err), MS_SYSTEM);
	unsetenv("FAKE_DB_FAIL");
}
END_TEST

Suite *store_db_suite(void)
{
	Suite *s = suite_create("store_db");
	TCase *tc = ts_tcase_fixture("fake driver", db_setup, db_teardown);

	tcase_add_test(tc, record_round_trip_has_a_version);
	tcase_add_test(tc, removed_record_is_gone_and_never_current);
	tcase_add_test(tc, state_edit_judges_again_after_a_conflict);
	tcase_add_test(tc, state_edit_conflicts_are_bounded);
	tcase_add_test(tc, state_edit_without_a_row_fails_closed);
	tcase_add_test(tc, damaged_state_blob_fails_closed);
	tcase_add_test(tc, code_is_accepted_once);
	tcase_add_test(tc, code_raced_by_another_host_is_a_replay);
	tcase_add_test(tc, raced_lockout_is_not_this_checks);
	tcase_add_test(tc, journal_note_through_the_interface);
	tcase_add_test(tc, app_uses_through_the_interface);
	tcase_add_test(tc, oversized_journal_is_damaged);
	tcase_add_test(tc, login_mode_takes_the_module_s_role);
	tcase_add_test(tc, copy_files_to_db_to_files_is_lossless);
	tcase_add_test(tc, file_store_has_no_schema);
	tcase_add_test(tc, driver_failure_is_told);
	suite_add_tcase(s, tc);
	tc = th_tcase_store("driver loading");
	tcase_add_test(tc, group_writable_driver_is_refused);
	tcase_add_test(tc, missing_driver_says_so);
	tcase_add_test(tc, driver_of_another_api_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
