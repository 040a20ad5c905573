/* The account stage takes what the auth stage of the same transaction read
 * (handoff.h), and only that: the same mailbox, service and arguments,
 * moments later. A record made unreadable between the stages (its
 * directory's mode: the file stays the same) tells which read the account stage used. A
 * record replaced while a login is under way refuses it, in either stage:
 * the change's kick_command ends only the sessions open by then. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "mailbox.h"
#include "pamrun.h"
#include "suites.h"

#define ALICE "alice@example.com"

/* A users_dir writable by others: a read refuses it, and the record is
 * the same file, its inode untouched. */
static void break_record(void)
{
	ck_assert_int_eq(chmod(fx.users, 0777), 0);
}

/* What mailsecctl does to save: the same text, a new file renamed over;
 * on the database, the same record saved again (a new version). */
static void replace_record(void)
{
	char path[PATH_MAX], next[PATH_MAX + 8];
	size_t len;
	char *text;

	if (ts_pg()) {
		struct ms_record record;

		mb_record_load(ALICE, &record);
		mb_record_save(ALICE, &record);
		return;
	}
	ts_path(path, sizeof(path), fx.users, ALICE, "conf");
	snprintf(next, sizeof(next), "%s.next", path);
	text = ts_read(path, &len);
	ts_write(next, text, len, 0600);
	free(text);
	ck_assert_int_eq(rename(next, path), 0);
}

/* Answers the prompts as ts_converse does, the record replaced first: a
 * change saved while the module waits for the password. */
static int replace_then_answer(int n, const struct pam_message **msg,
			       struct pam_response **resp, void *talk)
{
	replace_record();
	return ts_converse(n, msg, resp, talk);
}

/* A transaction that authenticates ALICE on `service`. */
static pam_handle_t *authenticated(const char *service, struct ts_talk *talk)
{
	struct mailbox mb;
	pam_handle_t *pamh;

	mb_create(&mb, ALICE, 0);
	talk->password = MB_PASSWORD;
	pamh = pr_start(service, ALICE, talk);
	ck_pam(pam_authenticate(pamh, 0), PAM_SUCCESS);
	return pamh;
}

START_TEST(account_takes_the_auth_read)
{
	struct ts_talk talk = { 0 };
	pam_handle_t *pamh = authenticated("imap", &talk);

	break_record();
	ck_pam(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
	/* A transaction of its own reads the record. */
	ck_pam(pr_acct("imap", ALICE), PAM_AUTHINFO_UNAVAIL);
}
END_TEST

START_TEST(other_mailbox_reads_again)
{
	struct ts_talk talk = { 0 };
	pam_handle_t *pamh = authenticated("imap", &talk);

	ck_pam(pam_set_item(pamh, PAM_USER, "bob@example.com"), PAM_SUCCESS);
	ck_pam(pam_acct_mgmt(pamh, 0), PAM_USER_UNKNOWN);
	/* The same mailbox, spelled otherwise, is the same mailbox. */
	ck_pam(pam_set_item(pamh, PAM_USER, "Alice@Example.COM"), PAM_SUCCESS);
	break_record();
	ck_pam(pam_acct_mgmt(pamh, 0), PAM_SUCCESS);
	pam_end(pamh, PAM_SUCCESS);
}
END_TEST

START_TEST(other_arguments_read_again)
{
	struct ts_talk talk = { 0 };
	pam_handle_t *pamh;

	fx_stack("imap", "auth required @MODULE@ config=@CONF@\n"
			 "account required @MODULE@ config=@CONF@ role=client\n");
	pamh = authenticated("imap", &talk);
	break_record();
	ck_pam(pam_acct_mgmt(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	pam_end(pamh, PAM_SUCCESS);
}
END_TEST

START_TEST(old_read_is_not_taken)
{
	struct ts_talk talk = { 0 };
	pam_handle_t *pamh = authenticated("imap", &talk);

	break_record();
	sleep(2);
	ck_pam(pam_acct_mgmt(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	pam_end(pamh, PAM_SUCCESS);
}
END_TEST

START_TEST(failed_auth_drops_an_earlier_read)
{
	struct ts_talk talk = { 0 };
	pam_handle_t *pamh = authenticated("imap", &talk);

	/* A second try on the handle that stops before the record... */
	ck_pam(pam_set_item(pamh, PAM_USER, "no such name!"), PAM_SUCCESS);
	ck_pam(pam_authenticate(pamh, 0), PAM_USER_UNKNOWN);
	/* ...leaves nothing of the first for the account stage. */
	ck_pam(pam_set_item(pamh, PAM_USER, ALICE), PAM_SUCCESS);
	break_record();
	ck_pam(pam_acct_mgmt(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	pam_end(pamh, PAM_SUCCESS);
}
END_TEST

START_TEST(record_replaced_between_stages_refuses)
{
	struct ts_talk talk = { 0 };
	pam_handle_t *pamh = authenticated("imap", &talk);

	replace_record();
	ck_pam(pam_acct_mgmt(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	pam_end(pamh, PAM_SUCCESS);
	/* The next login reads the record it meets. */
	pr_expect("imap", ALICE, MB_PASSWORD, NULL, PAM_SUCCESS, "P");
}
END_TEST

START_TEST(record_replaced_during_auth_refuses)
{
	struct ts_talk talk = { .password = MB_PASSWORD };
	struct pam_conv conv = { replace_then_answer, &talk };
	struct mailbox mb;
	pam_handle_t *pamh = NULL;

	mb_create(&mb, ALICE, 0);
	ck_pam(pam_start_confdir("imap", ALICE, &conv, fx.pamd, &pamh),
	       PAM_SUCCESS);
	ck_pam(pam_authenticate(pamh, 0), PAM_AUTHINFO_UNAVAIL);
	ck_assert_uint_eq(talk.password_asked, 1);
	pam_end(pamh, PAM_SUCCESS);
}
END_TEST

TCase *tcase_handoff(void)
{
	TCase *tc = tcase_with_fixture("handoff");

	ts_add_files_test(tc, account_takes_the_auth_read);
	tcase_add_test(tc, other_mailbox_reads_again);
	ts_add_files_test(tc, other_arguments_read_again);
	ts_add_files_test(tc, old_read_is_not_taken);
	ts_add_files_test(tc, failed_auth_drops_an_earlier_read);
	tcase_add_test(tc, record_replaced_between_stages_refuses);
	tcase_add_test(tc, record_replaced_during_auth_refuses);
	return tc;
}
