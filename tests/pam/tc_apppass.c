/* App passwords through libpam: each non-webmail mode, scope, range and
 * expiry, never on webmail, and their last use. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "apppass.h"
#include "appstate.h"
#include "authkind.h"
#include "fixture.h"
#include "hashes.h"
#include "logs.h"
#include "mailbox.h"
#include "pamrun.h"
#include "suites.h"

#define ALICE "alice@example.com"
#define HOST "192.0.2.10"

static void set_mode(const char *name, enum ms_non_webmail mode)
{
	struct ms_record record;

	mb_record_load(name, &record);
	ms_record_set_non_webmail(&record, mode);
	mb_record_save(name, &record);
	ms_record_wipe(&record);
}

static int login_from(const char *service, const char *password,
		      const char *rhost)
{
	struct ts_talk talk = { .password = password };

	return pr_auth_from(service, ALICE, rhost, &talk);
}

static void with_app(struct mailbox *mb, enum ms_non_webmail mode,
		     const struct ms_app_request *req, char shown[32])
{
	mb_create(mb, ALICE, 0);
	set_mode(ALICE, mode);
	mb_app_add(ALICE, req, shown);
	fx_stack_args("imap", "");
	fx_stack_args("smtp", "");
	fx_stack_args("webmail", "");
}

START_TEST(enabled_takes_both)
{
	struct ms_app_request req = { "laptop", NULL, NULL, 0 };
	struct mailbox mb;
	char shown[32];

	with_app(&mb, MS_NON_WEBMAIL_ENABLED, &req, shown);
	lg_start();
	ck_pam(login_from("imap", shown, HOST), PAM_SUCCESS);
	ck_assert(strstr(lg_one("accepted:"), "rhost=192.0.2.10: app password laptop"));
	ck_pam(login_from("imap", MB_PASSWORD, HOST), PAM_SUCCESS);
	ck_pam(login_from("imap", "wrong", HOST), PAM_AUTH_ERR);
	lg_assert_absent(shown);
}
END_TEST

START_TEST(app_passwords_mode_refuses_the_mailbox_password)
{
	struct ms_app_request req = { "laptop", NULL, NULL, 0 };
	struct mailbox mb;
	char shown[32], joined[MS_APP_LETTERS + 1];

	with_app(&mb, MS_NON_WEBMAIL_APP_PASSWORDS, &req, shown);
	lg_start();
	ck_pam(login_from("imap", MB_PASSWORD, HOST), PAM_AUTH_ERR);
	ck_assert(strstr(lg_one("refused:"),
			 "mailbox password refused: app passwords only"));
	ck_pam(login_from("smtp", MB_PASSWORD, HOST), PAM_AUTH_ERR);
	ck_pam(login_from("imap", shown, HOST), PAM_SUCCESS);
	/* With or without the spaces. */
	ck_assert(ms_app_normalise(shown, joined));
	ck_pam(login_from("imap", joined, HOST), PAM_SUCCESS);
	/* Webmail keeps taking the mailbox password. */
	ck_pam(login_from("webmail", MB_PASSWORD, HOST), PAM_SUCCESS);
	lg_assert_absent(shown);
	lg_assert_absent(joined);
	lg_assert_absent(MB_PASSWORD);
}
END_TEST

START_TEST(disabled_refuses_app_passwords_too)
{
	struct ms_app_request req = { "laptop", NULL, NULL, 0 };
	struct mailbox mb;
	char shown[32];

	with_app(&mb, MS_NON_WEBMAIL_DISABLED, &req, shown);
	ck_pam(login_from("imap", shown, HOST), PAM_AUTH_ERR);
	ck_pam(login_from("imap", MB_PASSWORD, HOST), PAM_PERM_DENIED);
}
END_TEST

START_TEST(webmail_never_takes_one)
{
	struct ms_app_request req = { "laptop", NULL, NULL, 0 };
	struct mailbox mb;
	char shown[32];

	with_app(&mb, MS_NON_WEBMAIL_ENABLED, &req, shown);
	ck_pam(login_from("webmail", shown, HOST), PAM_AUTH_ERR);
	/* Not even when its scope names the webmail's service. */
	req.name = "sneaky";
	{
		static const char *const webmail[] = { "webmail", NULL };
		char other[32];

		req.services = webmail;
		mb_app_add(ALICE, &req, other);
		ck_pam(login_from("webmail", other, HOST), PAM_AUTH_ERR);
	}
}
END_TEST

START_TEST(out_of_scope_range_or_expiry_refused)
{
	static const char *const smtp_only[] = { "smtp", NULL };
	static const char *const lan[] = { "192.0.2.0/24", NULL };
	struct ms_app_request req = { "phone", smtp_only, lan, 0 };
	struct ms_record record;
	struct mailbox mb;
	char shown[32];

	with_app(&mb, MS_NON_WEBMAIL_APP_PASSWORDS, &req, shown);
	lg_start();
	ck_pam(login_from("smtp", shown, HOST), PAM_SUCCESS);
	ck_pam(login_from("imap", shown, HOST), PAM_AUTH_ERR);
	ck_assert(strstr(lg_one("refused:"),
			 "app password phone refused: not for this service"));
	lg_clear();
	ck_pam(login_from("smtp", shown, "198.51.100.7"), PAM_AUTH_ERR);
	ck_assert(strstr(lg_one("refused:"), "client address out of range"));
	lg_clear();
	ck_pam(login_from("smtp", shown, NULL), PAM_AUTH_ERR);
	ck_assert(strstr(lg_one("refused:"), "no client address"));
	lg_clear();
	/* An expiry in the past, as a record edit would leave it. */
	mb_record_load(ALICE, &record);
	record.apps[0].expires = (int64_t)time(NULL) - 1;
	mb_record_save(ALICE, &record);
	ms_record_wipe(&record);
	ck_pam(login_from("smtp", shown, HOST), PAM_AUTH_ERR);
	ck_assert(strstr(lg_one("refused:"), "app password phone refused: expired"));
	lg_assert_absent(shown);
}
END_TEST

START_TEST(last_use_recorded)
{
	struct ms_app_request req = { "laptop", NULL, NULL, 0 };
	struct ms_app_state state;
	struct ms_record record;
	const struct ms_app_use *use;
	struct mailbox mb;
	char shown[32];
	time_t before = time(NULL);

	with_app(&mb, MS_NON_WEBMAIL_APP_PASSWORDS, &req, shown);
	mb_record_load(ALICE, &record);
	mb_app_state(ALICE, &state);
	ck_assert_ptr_null(ms_app_state_find(&state, record.apps[0].id));
	ck_pam(login_from("imap", shown, HOST), PAM_SUCCESS);
	ck_pam(login_from("smtp", shown, "2001:db8::7"), PAM_SUCCESS);
	mb_app_state(ALICE, &state);
	use = ms_app_state_find(&state, record.apps[0].id);
	ck_assert_ptr_nonnull(use);
	ck_assert_uint_eq(use->uses, 2);
	ck_assert_str_eq(use->service, "smtp");
	ck_assert_str_eq(use->rhost, "2001:db8::7");
	ck_assert_int_ge(use->last_used, before);
	/* A refused login is no use. */
	ck_pam(login_from("imap", MB_PASSWORD, HOST), PAM_AUTH_ERR);
	mb_app_state(ALICE, &state);
	ck_assert_uint_eq(ms_app_state_find(&state, record.apps[0].id)->uses, 2);
	ms_record_wipe(&record);
}
END_TEST

static unsigned hashes_of(const char *service, const char *password,
			  const char *rhost, int rc)
{
	hs_reset();
	ck_pam(login_from(service, password, rhost), rc);
	return hs_count();
}

/* A right app password refused for its scope, range or expiry costs the
 * hash a wrong password costs: timing must not confirm to a thief that a
 * stolen app password is real where it is not allowed. */
START_TEST(refused_app_password_costs_a_hash)
{
	static const char *const smtp_only[] = { "smtp", NULL };
	static const char *const lan[] = { "192.0.2.0/24", NULL };
	struct ms_app_request req = { "phone", smtp_only, lan, 0 };
	enum ms_non_webmail modes[] = { MS_NON_WEBMAIL_ENABLED,
					MS_NON_WEBMAIL_APP_PASSWORDS };
	struct mailbox mb;
	char shown[32];

	with_app(&mb, MS_NON_WEBMAIL_ENABLED, &req, shown);
	for (unsigned i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
		set_mode(ALICE, modes[i]);
		ck_assert_uint_eq(hashes_of("imap", "wrong password", HOST,
					    PAM_AUTH_ERR), 1);
		ck_assert_uint_eq(hashes_of("imap", shown, HOST, PAM_AUTH_ERR),
				  1);
		ck_assert_uint_eq(hashes_of("smtp", shown, "198.51.100.7",
					    PAM_AUTH_ERR), 1);
		ck_assert_uint_eq(hashes_of("smtp", shown, NULL, PAM_AUTH_ERR),
				  1);
		/* The one it is for spares the hash, as it should. */
		ck_assert_uint_eq(hashes_of("smtp", shown, HOST, PAM_SUCCESS),
				  0);
	}
}
END_TEST

/* pam_authenticate then pam_acct_mgmt on one handle, as Dovecot and
 * saslauthd call them. */
static int auth_then_acct(const char *service, const char *password)
{
	struct ts_talk talk = { .password = password };
	pam_handle_t *pamh = pr_start(service, ALICE, &talk);
	int rc = pam_set_item(pamh, PAM_RHOST, HOST);

	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

/* A server whose auth stage is another module's (the mailbox password,
 * say, through pam_unix or LDAP) with pam_mailsec in account alone: in
 * app-passwords mode that stage cannot know the password was no app
 * password, and refuses unless pam_mailsec's auth stage on this handle
 * took an app password. */
START_TEST(account_alone_refused_in_app_passwords_mode)
{
	struct ms_app_request req = { "laptop", NULL, NULL, 0 };
	struct mailbox mb;
	char shown[32];

	with_app(&mb, MS_NON_WEBMAIL_APP_PASSWORDS, &req, shown);
	fx_stack("pop3", "auth required pam_permit.so\n"
			 "account required @MODULE@ config=@CONF@\n");
	ck_pam(pr_acct("imap", ALICE), PAM_PERM_DENIED);
	ck_pam(auth_then_acct("pop3", MB_PASSWORD), PAM_PERM_DENIED);
	ck_pam(auth_then_acct("imap", shown), PAM_SUCCESS);
	ck_pam(auth_then_acct("imap", MB_PASSWORD), PAM_AUTH_ERR);
	/* Webmail takes the mailbox password, as ever. */
	ck_pam(pr_acct("webmail", ALICE), PAM_SUCCESS);
	set_mode(ALICE, MS_NON_WEBMAIL_ENABLED);
	ck_pam(pr_acct("imap", ALICE), PAM_SUCCESS);
	ck_pam(auth_then_acct("pop3", MB_PASSWORD), PAM_SUCCESS);
}
END_TEST

/* MAILSEC_AUTH tells the application; it proves nothing to the account
 * stage: a module before pam_mailsec (pam_env with user_readenv=1) or the
 * application can put any value there. */
START_TEST(account_stage_ignores_a_claimed_app_password)
{
	struct ms_app_request req = { "laptop", NULL, NULL, 0 };
	struct mailbox mb;
	char shown[32];
	struct ts_talk talk = { .password = MB_PASSWORD };
	pam_handle_t *pamh;
	int rc;

	with_app(&mb, MS_NON_WEBMAIL_APP_PASSWORDS, &req, shown);
	fx_stack("pop3", "auth required pam_permit.so\n"
			 "account required @MODULE@ config=@CONF@\n");
	pamh = pr_start("pop3", ALICE, &talk);
	rc = pam_putenv(pamh, MS_AUTH_ENV "=app-password");
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, rc);
	ck_pam(rc, PAM_PERM_DENIED);
}
END_TEST

TCase *tcase_apppass(void)
{
	TCase *tc = tcase_with_fixture("apppass");

	tcase_add_test(tc, enabled_takes_both);
	tcase_add_test(tc, app_passwords_mode_refuses_the_mailbox_password);
	tcase_add_test(tc, disabled_refuses_app_passwords_too);
	tcase_add_test(tc, webmail_never_takes_one);
	tcase_add_test(tc, out_of_scope_range_or_expiry_refused);
	tcase_add_test(tc, last_use_recorded);
	tcase_add_test(tc, refused_app_password_costs_a_hash);
	tcase_add_test(tc, account_alone_refused_in_app_passwords_mode);
	tcase_add_test(tc, account_stage_ignores_a_claimed_app_password);
	return tc;
}
