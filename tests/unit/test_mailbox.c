/* The mailbox operations (mailbox_ops.h) and the MAILSEC_AUTH kinds
 * (authkind.h): what mailsecctl's edits write, and the one code rule that
 * confirming an enrolment shares with a login. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "authkind.h"
#include "helpers.h"
#include "journal.h"
#include "apppass.h"
#include "mailbox_ops.h"
#include "secure.h"
#include "suites.h"
#include "totp.h"

#define NAME "alice@example.com"
#define HASH "$5$rounds=1000$salt$hash"
#define T0 ((time_t)1699999980) /* a multiple of 30 */
#define SECRET "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

static void mailbox_named(struct ms_mailbox *box)
{
	memset(box, 0, sizeof(*box));
	strcpy(box->name, NAME);
}

static char *record_text(const struct ms_record *record)
{
	struct ms_error err = { 0 };
	char *text = NULL;

	ck_assert_msg(ms_record_format(record, &text, &err) == MS_OK, "%s",
		      err.msg);
	return text;
}

static char *record_file(void)
{
	char path[PATH_MAX];

	ts_path(path, sizeof(path), th.users, NAME ".conf", NULL);
	return ts_read(path, NULL);
}

static void created(struct ms_mailbox *box)
{
	struct ms_error err = { 0 };

	mailbox_named(box);
	ck_assert_msg(ms_mailbox_create(&th.store, box, HASH, &err) == MS_OK,
		      "%s", err.msg);
}

/* What mailsecctl add wrote before the library made new records: a
 * zeroed record with the hash, non-webmail access on, 2FA off. */
START_TEST(create_writes_what_add_wrote)
{
	struct ms_record before;
	struct ms_mailbox box;
	char *expected, *written;

	memset(&before, 0, sizeof(before));
	strcpy(before.password, HASH);
	before.non_webmail_access = true;
	before.totp.status = MS_TOTP_OFF;
	expected = record_text(&before);
	created(&box);
	written = record_file();
	ck_assert_str_eq(written, expected);
	ck_assert_uint_eq(box.record.totp.digits, MS_TOTP_DEFAULT_DIGITS);
	ck_assert_uint_eq(box.record.totp.period, MS_TOTP_DEFAULT_PERIOD);
	free(expected);
	free(written);
}
END_TEST

START_TEST(create_refuses_an_existing_mailbox_and_drops_old_state)
{
	struct ms_mailbox box, again;
	struct ms_error err = { 0 };
	struct ms_state loaded;

	mailbox_named(&box);
	box.state.locked_until = T0 + 900;
	ck_assert_msg(ms_state_save(&th.store, NAME, &box.state, &err) == MS_OK,
		      "%s", err.msg);
	created(&box);
	ck_assert_int_eq(ms_state_load(&th.store, NAME, &loaded, &err), MS_OK);
	ck_assert_int_eq(loaded.locked_until, 0);
	mailbox_named(&again);
	ck_assert_int_eq(ms_mailbox_create(&th.store, &again, HASH, &err),
			 MS_EXISTS);
	ck_assert(th_has(err.msg, "already exists"));
}
END_TEST

/* A journal with one entry, as a login leaves it. */
static void journal_noted(void)
{
	struct ms_journal_event e = { .time = T0, .role = MS_ROLE_CLIENT,
				      .result = MS_JOURNAL_ACCEPTED,
				      .detail = MS_JOURNAL_PASSWORD,
				      .service = "imap", .rhost = "192.0.2.1" };
	struct ms_error err = { 0 };
	bool new_address;

	ck_assert_msg(ms_journal_note(&th.store, NAME, &e, &new_address, &err) ==
			      MS_OK,
		      "%s", err.msg);
}

static unsigned journal_entries(void)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct ms_error err = { 0 };
	unsigned count, damaged;

	ck_assert_msg(ms_journal_read(&th.store, NAME, entries, &count,
				      &damaged, &err) == MS_OK,
		      "%s", err.msg);
	return count;
}

/* A new mailbox of an old name starts with an empty journal: the old
 * one's addresses are not its owner's. */
START_TEST(create_drops_an_old_journal)
{
	struct ms_mailbox box;
	char record[PATH_MAX];

	/* Left by an old mailbox of the name: a journal is only made while
	 * a record is there. */
	ts_path(record, sizeof(record), th.users, NAME ".conf", NULL);
	ts_write_str(record, "", 0600);
	journal_noted();
	ck_assert_int_eq(unlink(record), 0);
	ck_assert_uint_eq(journal_entries(), 1);
	created(&box);
	ck_assert_uint_eq(journal_entries(), 0);
}
END_TEST

START_TEST(remove_deletes_record_state_and_journal)
{
	struct ms_mailbox box;
	struct ms_error err = { 0 };
	char path[PATH_MAX];

	created(&box);
	box.state.locked_until = T0 + 900;
	ck_assert_msg(ms_state_save(&th.store, NAME, &box.state, &err) == MS_OK,
		      "%s", err.msg);
	journal_noted();
	ck_assert_msg(ms_mailbox_remove(&th.store, &box, &err) == MS_OK, "%s",
		      err.msg);
	ts_path(path, sizeof(path), th.state, NAME ".journal", NULL);
	ck_assert_uint_eq(ts_mode(path), (mode_t)-1);
	ts_path(path, sizeof(path), th.state, NAME ".state", NULL);
	ck_assert_uint_eq(ts_mode(path), (mode_t)-1);
	ts_path(path, sizeof(path), th.users, NAME ".conf", NULL);
	ck_assert_uint_eq(ts_mode(path), (mode_t)-1);
}
END_TEST

static void code_at(const struct ms_record *record, time_t when,
		    char code[16])
{
	struct ms_totp totp = ms_record_totp(record);
	struct ms_error err = { 0 };

	ck_assert_msg(ms_totp_generate(&totp, when, code, 16, &err) == MS_OK,
		      "%s", err.msg);
}

/* A pending enrolment of SECRET, as ms_mailbox_enroll leaves one. */
static void pending(struct ms_mailbox *box)
{
	struct ms_error err = { 0 };

	created(box);
	box->state.sessions[0].created = T0;
	ck_assert_msg(ms_mailbox_enroll(box, &th.settings, &err) == MS_OK, "%s",
		      err.msg);
	strcpy(box->record.totp.secret, SECRET);
}

START_TEST(enroll_is_pending_with_the_settings_parameters)
{
	struct ms_mailbox box;
	struct ms_error err = { 0 };

	th.settings.totp.digits = 8;
	th.settings.totp.period = 60;
	pending(&box);
	ck_assert_int_eq(box.record.totp.status, MS_TOTP_PENDING);
	ck_assert_uint_eq(box.record.totp.digits, 8);
	ck_assert_uint_eq(box.record.totp.period, 60);
	ck_assert_int_eq(box.state.sessions[0].created, 0);
	ck_assert(box.save_record && box.save_state);
	box.record.totp.status = MS_TOTP_ENABLED;
	ck_assert_int_eq(ms_mailbox_enroll(&box, &th.settings, &err),
			 MS_REFUSED);
	ck_assert(th_has(err.msg, "disable it first"));
}
END_TEST

/* One rule for both: a code confirmed is used up for logins, and a code
 * used at login would be a replay for a confirmation. */
START_TEST(confirm_and_login_share_the_replay_rule)
{
	struct ms_mailbox box;
	struct ms_record fresh = { 0 };
	struct ms_error err = { 0 };
	enum ms_code_result result;
	int64_t locked_until;
	char code[16];

	pending(&box);
	code_at(&box.record, T0, code);
	ck_assert_int_eq(ms_mailbox_confirm(&box, &th.settings, code, &fresh,
					    T0, &result, &err), MS_OK);
	ck_assert_int_eq(result, MS_CODE_OK);
	ck_assert_int_eq(box.record.totp.status, MS_TOTP_ENABLED);
	ck_assert_msg(ms_state_save(&th.store, NAME, &box.state, &err) == MS_OK,
		      "%s", err.msg);
	ck_assert_int_eq(ms_code_check(&th.store, NAME, &box.record, code,
				       T0 + 5, NULL, &locked_until, &err),
			 MS_CODE_REPLAYED);
	box.record.totp.status = MS_TOTP_PENDING;
	ck_assert_int_eq(ms_mailbox_confirm(&box, &th.settings, code, &fresh,
					    T0 + 5, &result, &err), MS_OK);
	ck_assert_int_eq(result, MS_CODE_REPLAYED);
}
END_TEST

/* A code of a step beyond the window is wrong for both, and wrong codes
 * given to confirm count toward the lockout as a login's do. */
START_TEST(confirm_counts_wrong_codes_as_logins_do)
{
	struct ms_mailbox box;
	struct ms_record fresh = { 0 };
	struct ms_error err = { 0 };
	enum ms_code_result result = MS_CODE_OK;
	char code[16];

	pending(&box);
	code_at(&box.record, T0 + 2 * 30, code);
	for (unsigned i = 0; i < th.settings.lockout.max_failures; i++) {
		box.save_state = false;
		ck_assert_int_eq(ms_mailbox_confirm(&box, &th.settings, code,
						    &fresh, T0, &result, &err),
				 MS_OK);
		ck_assert_int_eq(result, MS_CODE_WRONG);
		ck_assert(box.save_state);
	}
	ck_assert(ms_state_locked(&box.state, T0));
	ck_assert_int_eq(box.record.totp.status, MS_TOTP_PENDING);
	code_at(&box.record, T0, code);
	ck_assert_int_eq(ms_mailbox_confirm(&box, &th.settings, code, &fresh,
					    T0, &result, &err), MS_OK);
	ck_assert_int_eq(result, MS_CODE_LOCKED);
	ms_mailbox_unlock(&box, &th.settings, T0);
	ck_assert(!ms_state_locked(&box.state, T0));
	ck_assert_int_eq(ms_mailbox_confirm(&box, &th.settings, code, &fresh,
					    T0, &result, &err), MS_OK);
	ck_assert_int_eq(result, MS_CODE_OK);
}
END_TEST

START_TEST(confirm_refuses_without_a_pending_enrolment)
{
	struct ms_mailbox box;
	struct ms_record fresh = { 0 };
	struct ms_error err = { 0 };
	enum ms_code_result result;

	created(&box);
	ck_assert_int_eq(ms_mailbox_confirm(&box, &th.settings, "123456",
					    &fresh, T0, &result, &err),
			 MS_REFUSED);
	ck_assert(th_has(err.msg, "no pending 2FA enrolment"));
	ck_assert(!box.save_state);
}
END_TEST

/* Off again, the record reads as one never enrolled. */
START_TEST(disable_writes_what_a_new_mailbox_holds)
{
	struct ms_mailbox box;
	char *never, *disabled;

	pending(&box);
	never = record_file(); /* as ms_mailbox_create wrote it */
	ms_mailbox_disable(&box);
	disabled = record_text(&box.record);
	ck_assert_str_eq(disabled, never);
	ck_assert_str_eq(box.record.totp.secret, "");
	ck_assert_uint_eq(box.record.totp.digits, MS_TOTP_DEFAULT_DIGITS);
	ck_assert_int_eq(box.state.sessions[0].created, 0);
	free(never);
	free(disabled);
}
END_TEST

START_TEST(recovery_needs_2fa_and_ends_sessions)
{
	struct ms_mailbox box;
	struct ms_record fresh = { 0 };
	struct ms_error err = { 0 };

	created(&box);
	ck_assert_int_eq(ms_mailbox_recovery_replace(&box, &fresh, &err),
			 MS_REFUSED);
	ck_assert(th_has(err.msg, "2FA is not enabled"));
	ck_assert(!box.save_record);
	box.record.totp.status = MS_TOTP_ENABLED;
	box.state.sessions[0].created = T0;
	strcpy(fresh.totp.recovery[0], HASH);
	fresh.totp.n_recovery = 1;
	ck_assert_int_eq(ms_mailbox_recovery_replace(&box, &fresh, &err), MS_OK);
	ck_assert_uint_eq(box.record.totp.n_recovery, 1);
	ck_assert_int_eq(box.state.sessions[0].created, 0);
	ck_assert_uint_eq(ms_mailbox_recovery_left(&box), 1);
}
END_TEST

START_TEST(password_and_logout_end_sessions_and_the_cache)
{
	struct ms_mailbox box;

	created(&box);
	box.state.sessions[0].created = T0;
	box.state.cache.verified = T0;
	ms_mailbox_set_password(&box, "$5$other", false);
	ck_assert_str_eq(box.record.password, "$5$other");
	ck_assert_int_eq(box.state.sessions[0].created, 0);
	ck_assert_int_eq(box.state.cache.verified, 0);
	box.save_state = false;
	box.state.sessions[0].created = T0;
	box.state.cache.verified = T0;
	ms_mailbox_logout(&box);
	ck_assert(box.save_state);
	ck_assert_int_eq(box.state.sessions[0].created, 0);
	ck_assert_int_eq(box.state.cache.verified, 0);
}
END_TEST

/* Which changes end the live sessions: one rule, here. */
START_TEST(changes_that_take_access_away_mark_the_mailbox)
{
	struct ms_mailbox box;
	struct ms_record fresh = { 0 };
	struct ms_app_request app = { "phone", NULL, NULL, 0 };
	char shown[MS_APP_SHOWN_MAX];
	struct ms_error err = { 0 };
	unsigned revoked;

	created(&box);
	ck_assert(!box.end_live_sessions);
	ms_mailbox_set_non_webmail(&box, MS_NON_WEBMAIL_ENABLED);
	ms_mailbox_unlock(&box, &th.settings, T0);
	ck_assert_int_eq(ms_mailbox_app_add(&box, &app, T0, shown, &err), MS_OK);
	ck_assert_int_eq(ms_mailbox_app_revoke(&box, "none", &revoked, &err),
			 MS_NOT_FOUND);
	ms_mailbox_disable(&box); /* 2FA off already: nothing done */
	ck_assert_msg(!box.end_live_sessions, "a change that takes nothing away");

	ms_mailbox_set_non_webmail(&box, MS_NON_WEBMAIL_DISABLED);
	ck_assert(box.end_live_sessions);
	box.end_live_sessions = false;
	ms_mailbox_set_non_webmail(&box, MS_NON_WEBMAIL_APP_PASSWORDS);
	ck_assert(box.end_live_sessions);
	box.end_live_sessions = false;
	ck_assert_int_eq(ms_mailbox_app_revoke(&box, "phone", &revoked, &err),
			 MS_OK);
	ck_assert(box.end_live_sessions);
	box.end_live_sessions = false;
	ms_mailbox_set_password(&box, "$5$other", true);
	ck_assert(box.end_live_sessions);
	box.end_live_sessions = false;
	ms_mailbox_logout(&box);
	ck_assert(box.end_live_sessions);
	box.end_live_sessions = false;
	ck_assert_int_eq(ms_mailbox_enroll(&box, &th.settings, &err), MS_OK);
	ck_assert(box.end_live_sessions);
	box.end_live_sessions = false;
	box.record.totp.status = MS_TOTP_ENABLED;
	ck_assert_int_eq(ms_mailbox_recovery_replace(&box, &fresh, &err), MS_OK);
	ck_assert(box.end_live_sessions);
	box.end_live_sessions = false;
	ms_mailbox_disable(&box);
	ck_assert(box.end_live_sessions);
	box.end_live_sessions = false;
	ck_assert_int_eq(ms_mailbox_remove(&th.store, &box, &err), MS_OK);
	ck_assert(box.end_live_sessions);
	ms_mailbox_wipe(&box);
}
END_TEST

/* A change stands once saved; a remove stands once the record is gone,
 * whatever fails after: its sessions are ended then too. */
START_TEST(a_remove_that_fails_after_the_record_still_ends_sessions)
{
	struct ms_mailbox box;
	struct ms_error err = { 0 };
	char apps[PATH_MAX], inside[PATH_MAX];

	created(&box);
	ms_mailbox_set_non_webmail(&box, MS_NON_WEBMAIL_DISABLED);
	ck_assert(ms_mailbox_ends_sessions(&box, MS_OK));
	ck_assert_msg(!ms_mailbox_ends_sessions(&box, MS_SYSTEM),
		      "a change not saved ends nothing");
	ts_path(apps, sizeof(apps), th.state, box.name, "apps");
	ts_path(inside, sizeof(inside), apps, "x", NULL);
	unlink(apps);
	ck_assert_int_eq(mkdir(apps, 0700), 0);
	ck_assert_int_eq(mkdir(inside, 0700), 0);
	ck_assert_int_eq(ms_mailbox_remove(&th.store, &box, &err), MS_SYSTEM);
	ck_assert(box.record_gone);
	ck_assert(ms_mailbox_ends_sessions(&box, MS_SYSTEM));
	rmdir(inside);
	rmdir(apps);
	ms_mailbox_wipe(&box);
}
END_TEST

/* State first, then the record: read back as written. */
START_TEST(save_then_load_round_trips)
{
	struct ms_mailbox box, back;
	struct ms_error err = { 0 };

	created(&box);
	ms_mailbox_set_non_webmail(&box, MS_NON_WEBMAIL_DISABLED);
	box.state.locked_until = T0 + 900;
	box.save_state = true;
	ck_assert_msg(ms_mailbox_save(&th.store, &box, &err) == MS_OK, "%s",
		      err.msg);
	mailbox_named(&back);
	ck_assert_msg(ms_mailbox_load(&th.store, &back, &err) == MS_OK, "%s",
		      err.msg);
	ck_assert(!back.record.non_webmail_access);
	ck_assert_int_eq(ms_mailbox_locked_until(&back, T0), T0 + 900);
	ck_assert_int_eq(ms_mailbox_locked_until(&back, T0 + 900), 0);
	ms_mailbox_wipe(&back);
	ms_mailbox_wipe(&box);
}
END_TEST

START_TEST(auth_kinds_round_trip)
{
	static const enum ms_auth_kind kinds[] = {
		MS_AUTH_PASSWORD, MS_AUTH_SESSION, MS_AUTH_CODE,
		MS_AUTH_RECOVERY, MS_AUTH_APP_PASSWORD,
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		const char *name = ms_auth_kind_name(kinds[i]);
		const char *env = ms_auth_kind_env(kinds[i]);

		ck_assert_ptr_nonnull(name);
		ck_assert_int_eq(ms_auth_kind_parse(name), kinds[i]);
		ck_assert(strncmp(env, "MAILSEC_AUTH=", 13) == 0);
		ck_assert_str_eq(env + 13, name);
	}
	ck_assert_str_eq(ms_auth_kind_name(MS_AUTH_CODE), "code");
	ck_assert_ptr_null(ms_auth_kind_name(MS_AUTH_UNKNOWN));
	ck_assert_int_eq(ms_auth_kind_parse(NULL), MS_AUTH_UNKNOWN);
	ck_assert_int_eq(ms_auth_kind_parse("Code"), MS_AUTH_UNKNOWN);
	ck_assert_int_eq(ms_auth_kind_parse(""), MS_AUTH_UNKNOWN);
}
END_TEST

START_TEST(trust_by_kind_and_command)
{
	struct ms_record off = { 0 }, on = { 0 };

	off.totp.status = MS_TOTP_PENDING; /* a pending one asks no code */
	on.totp.status = MS_TOTP_ENABLED;
	ck_assert_int_eq(ms_auth_trusted(MS_AUTH_PASSWORD, &off, true),
			 MS_TRUST_OK);
	ck_assert_int_eq(ms_auth_trusted(MS_AUTH_PASSWORD, &on, false),
			 MS_TRUST_PASSWORD_ALONE);
	ck_assert_int_eq(ms_auth_trusted(MS_AUTH_SESSION, &on, false),
			 MS_TRUST_OK);
	ck_assert_int_eq(ms_auth_trusted(MS_AUTH_SESSION, &on, true),
			 MS_TRUST_NOT_FRESH);
	ck_assert_int_eq(ms_auth_trusted(MS_AUTH_CODE, &on, true),
			 MS_TRUST_OK);
	ck_assert_int_eq(ms_auth_trusted(MS_AUTH_RECOVERY, &on, true),
			 MS_TRUST_OK);
	ck_assert_int_eq(ms_auth_trusted(MS_AUTH_UNKNOWN, &off, false),
			 MS_TRUST_UNKNOWN);
	/* A client login never runs self's commands, even reading ones. */
	ck_assert_int_eq(ms_auth_trusted(MS_AUTH_APP_PASSWORD, &off, false),
			 MS_TRUST_UNKNOWN);
	ck_assert_str_eq(ms_auth_kind_name(MS_AUTH_APP_PASSWORD), "app-password");
}
END_TEST

Suite *mailbox_suite(void)
{
	Suite *suite = suite_create("mailbox");
	TCase *ops = th_tcase_store("operations");
	TCase *codes = th_tcase_store("codes");
	TCase *auth = ts_tcase("authkind");

	ts_add_files_test(ops, create_writes_what_add_wrote);
	ts_add_files_test(ops, create_refuses_an_existing_mailbox_and_drops_old_state);
	ts_add_files_test(ops, create_drops_an_old_journal);
	tcase_add_test(ops, remove_deletes_record_state_and_journal);
	ts_add_files_test(ops, disable_writes_what_a_new_mailbox_holds);
	tcase_add_test(ops, recovery_needs_2fa_and_ends_sessions);
	tcase_add_test(ops, password_and_logout_end_sessions_and_the_cache);
	tcase_add_test(ops, save_then_load_round_trips);
	tcase_add_test(ops, changes_that_take_access_away_mark_the_mailbox);
	ts_add_files_test(ops, a_remove_that_fails_after_the_record_still_ends_sessions);
	tcase_add_test(codes, enroll_is_pending_with_the_settings_parameters);
	tcase_add_test(codes, confirm_and_login_share_the_replay_rule);
	tcase_add_test(codes, confirm_counts_wrong_codes_as_logins_do);
	tcase_add_test(codes, confirm_refuses_without_a_pending_enrolment);
	tcase_add_test(auth, auth_kinds_round_trip);
	tcase_add_test(auth, trust_by_kind_and_command);
	suite_add_tcase(suite, ops);
	suite_add_tcase(suite, codes);
	suite_add_tcase(suite, auth);
	return suite;
}
