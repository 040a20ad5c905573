/* The account stage takes what the auth stage of the same transaction read
 * (handoff.h), and only that: the same mailbox, service and arguments,
 * moments later. A record broken between the stages tells which read the
 * account stage used. */
#include "config.h"

#include <unistd.h>

#include "fixture.h"
#include "mailbox.h"
#include "pamrun.h"
#include "suites.h"

#define ALICE "alice@example.com"

static void break_record(void)
{
	char path[PATH_MAX];

	ts_path(path, sizeof(path), fx.users, ALICE, "conf");
	ts_write_str(path, "not a record", 0600);
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

TCase *tcase_handoff(void)
{
	TCase *tc = tcase_with_fixture("handoff");

	tcase_add_test(tc, account_takes_the_auth_read);
	tcase_add_test(tc, other_mailbox_reads_again);
	tcase_add_test(tc, other_arguments_read_again);
	tcase_add_test(tc, old_read_is_not_taken);
	tcase_add_test(tc, failed_auth_drops_an_earlier_read);
	return tc;
}
