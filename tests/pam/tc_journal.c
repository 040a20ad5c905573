/* The activity journal through libpam: each decision on a known mailbox
 * is noted with how it passed or why it was refused, an unknown mailbox
 * gets no file, the first accepted login from an address is logged as
 * new, and a journal in trouble never changes a login's result. */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apppass.h"
#include "fixture.h"
#include "journal.h"
#include "logs.h"
#include "mailbox.h"
#include "pamrun.h"
#include "suites.h"

#define ALICE "alice@example.com"
#define HOST "192.0.2.10"
#define HOST2 "2001:db8::7"

static int login_from(const char *service, const char *password,
		      const char *code, const char *rhost)
{
	struct ts_talk talk = { .password = password, .code = code };

	return pr_auth_from(service, ALICE, rhost, &talk);
}

static void journal_path(const char *name, char path[PATH_MAX])
{
	ts_path(path, PATH_MAX, fx.state, name, "journal");
}

static void assert_entry(const struct ms_journal_entry *e, const char *service,
			 enum ms_role role, enum ms_journal_result result,
			 enum ms_journal_detail detail, const char *rhost)
{
	ck_assert_str_eq(e->service, service);
	ck_assert_int_eq(e->role, role);
	ck_assert_msg(e->result == result && e->detail == detail,
		      "got %s %s, expected %s %s",
		      ms_journal_result_name(e->result),
		      ms_journal_detail_name(e->detail),
		      ms_journal_result_name(result),
		      ms_journal_detail_name(detail));
	ck_assert_str_eq(e->rhost, rhost);
}

START_TEST(client_logins_are_noted)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct mailbox mb;
	unsigned damaged;

	mb_create(&mb, ALICE, 0);
	ck_pam(login_from("imap", "wrong", NULL, HOST), PAM_AUTH_ERR);
	ck_pam(login_from("imap", "", NULL, HOST), PAM_AUTH_ERR);
	ck_pam(login_from("imap", MB_PASSWORD, NULL, HOST), PAM_SUCCESS);
	ck_pam(login_from("imap", MB_PASSWORD, NULL, NULL), PAM_SUCCESS);
	ck_assert_uint_eq(mb_journal(ALICE, entries, &damaged), 3);
	ck_assert_uint_eq(damaged, 0);
	assert_entry(&entries[0], "imap", MS_ROLE_CLIENT, MS_JOURNAL_ACCEPTED,
		     MS_JOURNAL_PASSWORD, "");
	assert_entry(&entries[1], "imap", MS_ROLE_CLIENT, MS_JOURNAL_ACCEPTED,
		     MS_JOURNAL_PASSWORD, HOST);
	/* A wrong and an empty password are one kind of refusal. */
	assert_entry(&entries[2], "imap", MS_ROLE_CLIENT, MS_JOURNAL_REFUSED,
		     MS_JOURNAL_BAD_PASSWORD, HOST);
	ck_assert_uint_eq(entries[2].count, 2);
}
END_TEST

START_TEST(webmail_codes_are_noted)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct mailbox mb;
	char code[16], wrong[16];
	unsigned damaged;

	mb_create(&mb, ALICE, MB_2FA | MB_RECOVERY);
	fx_stack_args("webmail", "code=prompt");
	mb_code(&mb, 0, code);
	mb_wrong_code(&mb, wrong);
	ck_pam(login_from("webmail", MB_PASSWORD, wrong, HOST), PAM_AUTH_ERR);
	ck_pam(login_from("webmail", MB_PASSWORD, "", HOST), PAM_AUTH_ERR);
	ck_pam(login_from("webmail", MB_PASSWORD, code, HOST), PAM_SUCCESS);
	ck_pam(login_from("webmail", MB_PASSWORD, code, HOST), PAM_AUTH_ERR);
	ck_pam(login_from("webmail", MB_PASSWORD, mb.recovery[0], HOST),
	       PAM_SUCCESS);
	ck_assert_uint_eq(mb_journal(ALICE, entries, &damaged), 5);
	assert_entry(&entries[0], "webmail", MS_ROLE_WEBMAIL,
		     MS_JOURNAL_ACCEPTED, MS_JOURNAL_RECOVERY, HOST);
	assert_entry(&entries[1], "webmail", MS_ROLE_WEBMAIL, MS_JOURNAL_REFUSED,
		     MS_JOURNAL_REPLAY, HOST);
	assert_entry(&entries[2], "webmail", MS_ROLE_WEBMAIL,
		     MS_JOURNAL_ACCEPTED, MS_JOURNAL_CODE, HOST);
	assert_entry(&entries[3], "webmail", MS_ROLE_WEBMAIL, MS_JOURNAL_REFUSED,
		     MS_JOURNAL_MISSING_CODE, HOST);
	assert_entry(&entries[4], "webmail", MS_ROLE_WEBMAIL, MS_JOURNAL_REFUSED,
		     MS_JOURNAL_BAD_CODE, HOST);
}
END_TEST

START_TEST(access_refusals_are_noted)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct mailbox mb;
	unsigned damaged;

	mb_create(&mb, ALICE, MB_NO_CLIENT);
	ck_pam(login_from("imap", MB_PASSWORD, NULL, HOST), PAM_PERM_DENIED);
	/* The account stage, on a transaction of its own. */
	ck_pam(pr_acct("pop3", ALICE), PAM_PERM_DENIED);
	ck_assert_uint_eq(mb_journal(ALICE, entries, &damaged), 2);
	assert_entry(&entries[0], "pop3", MS_ROLE_CLIENT, MS_JOURNAL_REFUSED,
		     MS_JOURNAL_NON_WEBMAIL_OFF, "");
	assert_entry(&entries[1], "imap", MS_ROLE_CLIENT, MS_JOURNAL_REFUSED,
		     MS_JOURNAL_NON_WEBMAIL_OFF, HOST);
	/* An account stage that lets the login through notes nothing: the
	 * auth stage noted the login. */
	mb_create(&mb, ALICE, 0);
	ck_pam(pr_acct("pop3", ALICE), PAM_SUCCESS);
	ck_assert_uint_eq(mb_journal(ALICE, entries, &damaged), 2);
}
END_TEST

/* An auth stage that let another module decide hands its read to the
 * account stage (handoff.h), whose refusal is noted all the same. */
START_TEST(account_refusal_after_a_handoff_is_noted)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	struct ts_talk talk = { .password = MB_PASSWORD };
	struct mailbox mb;
	pam_handle_t *pamh;
	unsigned damaged;

	mb_create(&mb, ALICE, MB_NO_CLIENT);
	fx_stack("imap", "auth sufficient @MODULE@ config=@CONF@\n"
			 "auth required pam_permit.so\n"
			 "account required @MODULE@ config=@CONF@\n");
	lg_start();
	pamh = pr_start("imap", ALICE, &talk);
	ck_pam(pam_set_item(pamh, PAM_RHOST, HOST), PAM_SUCCESS);
	ck_pam(pam_authenticate(pamh, 0), PAM_SUCCESS);
	ck_pam(pam_acct_mgmt(pamh, 0), PAM_PERM_DENIED);
	pam_end(pamh, PAM_SUCCESS);
	ck_assert_msg(lg_count("activity journal") == 0, "%s", lg_text());
	ck_assert_uint_eq(mb_journal(ALICE, entries, &damaged), 1);
	assert_entry(&entries[0], "imap", MS_ROLE_CLIENT, MS_JOURNAL_REFUSED,
		     MS_JOURNAL_NON_WEBMAIL_OFF, HOST);
	ck_assert_uint_eq(entries[0].count, 2);
}
END_TEST

START_TEST(app_passwords_are_noted_by_name)
{
	struct ms_journal_entry entries[MS_JOURNAL_ENTRIES];
	static const char *const imap_only[] = { "imap", NULL };
	struct ms_app_request phone = { "phone", imap_only, NULL, 0 };
	struct ms_record record;
	struct mailbox mb;
	char shown[32];
	unsigned damaged;

	mb_create(&mb, ALICE, 0);
	mb_record_load(ALICE, &record);
	ms_record_set_non_webmail(&record, MS_NON_WEBMAIL_APP_PASSWORDS);
	mb_record_save(ALICE, &record);
	ms_record_wipe(&record);
	mb_app_add(ALICE, &phone, shown);
	ck_pam(login_from("imap", shown, NULL, HOST), PAM_SUCCESS);
	ck_pam(login_from("smtp", shown, NULL, HOST), PAM_AUTH_ERR);
	ck_pam(login_from("imap", MB_PASSWORD, NULL, HOST), PAM_AUTH_ERR);
	ck_pam(pr_acct("imap", ALICE), PAM_PERM_DENIED);
	ck_assert_uint_eq(mb_journal(ALICE, entries, &damaged), 4);
	assert_entry(&entries[0], "imap", MS_ROLE_CLIENT, MS_JOURNAL_REFUSED,
		     MS_JOURNAL_APP_PASSWORDS_ONLY, "");
	assert_entry(&entries[1], "imap", MS_ROLE_CLIENT, MS_JOURNAL_REFUSED,
		     MS_JOURNAL_APP_PASSWORDS_ONLY, HOST);
	ck_assert_str_eq(entries[1].app, "");
	assert_entry(&entries[2], "smtp", MS_ROLE_CLIENT, MS_JOURNAL_REFUSED,
		     MS_JOURNAL_APP_PASSWORD_REFUSED, HOST);
	ck_assert_str_eq(entries[2].app, "phone");
	assert_entry(&entries[3], "imap", MS_ROLE_CLIENT, MS_JOURNAL_ACCEPTED,
		     MS_JOURNAL_APP_PASSWORD, HOST);
	ck_assert_str_eq(entries[3].app, "phone");
}
END_TEST

START_TEST(unknown_mailbox_gets_no_file)
{
	char path[PATH_MAX];

	ck_pam(pr_auth("imap", "bob@example.com", "guess", NULL),
	       PAM_USER_UNKNOWN);
	ck_pam(pr_acct("imap", "bob@example.com"), PAM_USER_UNKNOWN);
	journal_path("bob@example.com", path);
	ck_assert_uint_eq(ts_mode(path), (mode_t)-1);
	ck_assert_uint_eq(ts_count_prefix(fx.state, "bob"), 0);
}
END_TEST

START_TEST(new_address_is_logged_once)
{
	struct mailbox mb;
	const char *line;

	mb_create(&mb, ALICE, 0);
	lg_start();
	ck_pam(login_from("imap", "wrong", NULL, HOST), PAM_AUTH_ERR);
	ck_assert_uint_eq(lg_count("new address"), 0);
	ck_pam(login_from("imap", MB_PASSWORD, NULL, HOST), PAM_SUCCESS);
	line = lg_one("new address");
	ck_assert_msg(strstr(line, "authpriv.notice -: pam_mailsec(imap:auth): "
				   "new address: mailbox=alice@example.com "
				   "service=imap role=client rhost=" HOST),
		      "%s", line);
	ck_assert_str_eq(line + strlen(line) - strlen(HOST), HOST);
	ck_pam(login_from("imap", MB_PASSWORD, NULL, HOST), PAM_SUCCESS);
	ck_pam(login_from("pop3", MB_PASSWORD, NULL, HOST), PAM_SUCCESS);
	ck_pam(login_from("imap", MB_PASSWORD, NULL, NULL), PAM_SUCCESS);
	ck_assert_uint_eq(lg_count("new address"), 1);
	ck_pam(login_from("imap", MB_PASSWORD, NULL, HOST2), PAM_SUCCESS);
	lg_one("new address: mailbox=alice@example.com service=imap "
	       "role=client rhost=" HOST2);
	ck_assert_uint_eq(lg_count("new address"), 2);
	lg_assert_absent(MB_PASSWORD);
}
END_TEST

START_TEST(journal_off_writes_and_logs_nothing)
{
	struct mailbox mb;
	char path[PATH_MAX];

	fx_conf("activity_journal = false;\n");
	mb_create(&mb, ALICE, 0);
	lg_start();
	ck_pam(login_from("imap", MB_PASSWORD, NULL, HOST), PAM_SUCCESS);
	ck_pam(login_from("imap", "wrong", NULL, HOST), PAM_AUTH_ERR);
	ck_assert_uint_eq(lg_count("new address"), 0);
	journal_path(ALICE, path);
	ck_assert_uint_eq(ts_mode(path), (mode_t)-1);
}
END_TEST

/* A journal that cannot be opened (here a directory in its place) is
 * logged; every login is decided as without it. */
START_TEST(broken_journal_never_changes_a_result)
{
	struct mailbox mb;
	char path[PATH_MAX], code[16];

	mb_create(&mb, ALICE, MB_2FA);
	fx_stack_args("webmail", "code=prompt");
	journal_path(ALICE, path);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	lg_start();
	ck_pam(login_from("imap", MB_PASSWORD, NULL, HOST), PAM_SUCCESS);
	ck_pam(login_from("imap", "wrong", NULL, HOST), PAM_AUTH_ERR);
	mb_code(&mb, 0, code);
	ck_pam(login_from("webmail", MB_PASSWORD, code, HOST), PAM_SUCCESS);
	ck_assert_msg(lg_count("activity journal: ") == 3, "%s",
		      lg_text());
	ck_assert_uint_eq(lg_count("new address"), 0);
	ck_assert_int_eq(rmdir(path), 0);
	ck_pam(login_from("imap", MB_PASSWORD, NULL, HOST), PAM_SUCCESS);
	ck_assert_uint_eq(lg_count("new address"), 1);
}
END_TEST

TCase *tcase_journal(void)
{
	TCase *tc = tcase_with_fixture("journal");

	tcase_add_test(tc, client_logins_are_noted);
	tcase_add_test(tc, webmail_codes_are_noted);
	tcase_add_test(tc, access_refusals_are_noted);
	tcase_add_test(tc, account_refusal_after_a_handoff_is_noted);
	tcase_add_test(tc, app_passwords_are_noted_by_name);
	tcase_add_test(tc, unknown_mailbox_gets_no_file);
	tcase_add_test(tc, new_address_is_logged_once);
	tcase_add_test(tc, journal_off_writes_and_logs_nothing);
	ts_add_files_test(tc, broken_journal_never_changes_a_result);
	return tc;
}
