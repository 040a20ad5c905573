/* Roles (service name, webmail_services, role=) × code modes, and the
 * non-webmail access switch in both stages. */
#include "config.h"

#include <string.h>

#include "fixture.h"
#include "mailbox.h"
#include "pamrun.h"
#include "suites.h"

static const char *const clients[] = { "imap", "pop3", "smtp", "dovecot" };
#define N_CLIENTS (sizeof(clients) / sizeof(*clients))

START_TEST(webmail_prompt_asks_password_then_code)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA);
	fx_stack_args("webmail", "code=prompt");
	pr_expect("webmail", mb.name, MB_PASSWORD, "", PAM_AUTH_ERR, "PC");
	/* A wrong password is asked for the code too: the prompts do not tell
	 * a guesser whether the password was right. */
	pr_expect("webmail", mb.name, "wrong", "", PAM_AUTH_ERR, "PC");
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, "wrong", code, PAM_AUTH_ERR, "PC");
	/* ... and the code it was given is not used up. */
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
}
END_TEST

START_TEST(webmail_prompt_is_the_default)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
}
END_TEST

START_TEST(webmail_append_takes_code_from_password)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA);
	fx_stack_args("webmail", "code=append");
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, NULL, PAM_AUTH_ERR, "P");
	pr_expect("webmail", mb.name, mb_join("wrong", code), NULL,
		  PAM_AUTH_ERR, "P");
	pr_expect("webmail", mb.name, mb_join(MB_PASSWORD, code), NULL,
		  PAM_SUCCESS, "P");
}
END_TEST

START_TEST(webmail_append_eight_digits)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA | MB_DIGITS8);
	fx_stack_args("webmail", "code=append");
	mb_code(&mb, 0, code);
	ck_assert_uint_eq(strlen(code), 8);
	pr_expect("webmail", mb.name, mb_join(MB_PASSWORD, code), NULL,
		  PAM_SUCCESS, "P");
}
END_TEST

START_TEST(webmail_without_2fa_needs_password_only)
{
	struct mailbox mb;

	mb_create(&mb, "alice@example.com", 0);
	pr_expect("webmail", mb.name, MB_PASSWORD, NULL, PAM_SUCCESS, "P");
	/* A wrong one is asked for a code all the same (see below). */
	pr_expect("webmail", mb.name, "wrong", "", PAM_AUTH_ERR, "PC");
	fx_stack_args("webmail", "code=append");
	pr_expect("webmail", mb.name, MB_PASSWORD, NULL, PAM_SUCCESS, "P");
}
END_TEST

/* On a webmail prompt stack, every failed password meets the code prompt:
 * the prompts tell neither whether the password was right nor whether the
 * mailbox exists or has 2FA. */
START_TEST(webmail_prompts_tell_nothing)
{
	struct mailbox with, without;
	char code[16];

	mb_create(&with, "alice@example.com", MB_2FA);
	mb_create(&without, "bob@example.com", 0);
	fx_stack_args("webmail", "code=prompt");
	mb_code(&with, 0, code);
	pr_expect("webmail", with.name, "wrong", code, PAM_AUTH_ERR, "PC");
	pr_expect("webmail", without.name, "wrong", code, PAM_AUTH_ERR, "PC");
	pr_expect("webmail", "nobody@example.com", "wrong", code,
		  PAM_USER_UNKNOWN, "PC");
	pr_expect("webmail", "nobody@example.com", MB_PASSWORD, code,
		  PAM_USER_UNKNOWN, "PC");
	/* The right password of a mailbox without 2FA: in at once. */
	pr_expect("webmail", without.name, MB_PASSWORD, NULL, PAM_SUCCESS, "P");
}
END_TEST

START_TEST(clients_prompt_never_ask_code)
{
	struct mailbox mb;

	mb_create(&mb, "alice@example.com", MB_2FA);
	for (size_t i = 0; i < N_CLIENTS; i++) {
		fx_stack_args(clients[i], "code=prompt");
		pr_expect(clients[i], mb.name, MB_PASSWORD, NULL, PAM_SUCCESS,
			  "P");
		pr_expect(clients[i], mb.name, "wrong", NULL, PAM_AUTH_ERR, "P");
	}
}
END_TEST

START_TEST(clients_append_never_split_code)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_code(&mb, 0, code);
	for (size_t i = 0; i < N_CLIENTS; i++) {
		fx_stack_args(clients[i], "code=append");
		pr_expect(clients[i], mb.name, MB_PASSWORD, NULL, PAM_SUCCESS,
			  "P");
		pr_expect(clients[i], mb.name, mb_join(MB_PASSWORD, code), NULL,
			  PAM_AUTH_ERR, "P");
	}
}
END_TEST

START_TEST(roundcube_is_webmail_by_default)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA);
	fx_stack_args("roundcube", "");
	pr_expect("roundcube", mb.name, MB_PASSWORD, "", PAM_AUTH_ERR, "PC");
	mb_code(&mb, 0, code);
	pr_expect("roundcube", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
}
END_TEST

START_TEST(webmail_services_from_config)
{
	struct mailbox mb;
	char code[16];

	fx_conf(FX_CONF_DEFAULT "webmail_services = [ \"portal\" ];\n");
	mb_create(&mb, "alice@example.com", MB_2FA);
	fx_stack_args("portal", "");
	pr_expect("portal", mb.name, MB_PASSWORD, "", PAM_AUTH_ERR, "PC");
	mb_code(&mb, 0, code);
	pr_expect("portal", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
	/* No longer listed: "webmail" is now a client stack. */
	pr_expect("webmail", mb.name, MB_PASSWORD, NULL, PAM_SUCCESS, "P");
}
END_TEST

START_TEST(role_webmail_overrides_service)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_2FA | MB_NO_CLIENT);
	fx_stack_args("imap", "role=webmail");
	pr_expect("imap", mb.name, MB_PASSWORD, "", PAM_AUTH_ERR, "PC");
	mb_code(&mb, 0, code);
	pr_expect("imap", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
	fx_stack_args("dovecot", "role=webmail code=append");
	mb_code(&mb, 1, code);
	pr_expect("dovecot", mb.name, mb_join(MB_PASSWORD, code), NULL,
		  PAM_SUCCESS, "P");
}
END_TEST

START_TEST(role_client_overrides_service)
{
	struct mailbox mb, off;

	mb_create(&mb, "alice@example.com", MB_2FA);
	mb_create(&off, "bob@example.com", MB_2FA | MB_NO_CLIENT);
	fx_stack_args("webmail", "role=client");
	pr_expect("webmail", mb.name, MB_PASSWORD, NULL, PAM_SUCCESS, "P");
	pr_expect("webmail", off.name, MB_PASSWORD, NULL, PAM_PERM_DENIED,
		  "P");
	fx_stack("webmail", "account required @MODULE@ config=@CONF@ role=client\n");
	ck_pam(pr_acct("webmail", off.name), PAM_PERM_DENIED);
}
END_TEST

START_TEST(access_off_refuses_clients)
{
	struct mailbox mb;

	mb_create(&mb, "alice@example.com", MB_NO_CLIENT);
	for (size_t i = 0; i < N_CLIENTS; i++) {
		pr_expect(clients[i], mb.name, MB_PASSWORD, NULL,
			  PAM_PERM_DENIED, "P");
		pr_expect(clients[i], mb.name, "wrong", NULL, PAM_AUTH_ERR, "P");
	}
}
END_TEST

START_TEST(access_off_refused_by_account_stage_alone)
{
	struct mailbox mb, on;

	mb_create(&mb, "alice@example.com", MB_NO_CLIENT);
	mb_create(&on, "bob@example.com", 0);
	for (size_t i = 0; i < N_CLIENTS; i++) {
		fx_stack(clients[i], "account required @MODULE@ config=@CONF@\n");
		ck_pam(pr_acct(clients[i], mb.name), PAM_PERM_DENIED);
		ck_pam(pr_acct(clients[i], on.name), PAM_SUCCESS);
	}
}
END_TEST

START_TEST(access_off_keeps_webmail)
{
	struct mailbox mb, tf;
	char code[16];

	mb_create(&mb, "alice@example.com", MB_NO_CLIENT);
	mb_create(&tf, "bob@example.com", MB_NO_CLIENT | MB_2FA);
	pr_expect("webmail", mb.name, MB_PASSWORD, NULL, PAM_SUCCESS, "P");
	ck_pam(pr_acct("webmail", mb.name), PAM_SUCCESS);
	mb_code(&tf, 0, code);
	pr_expect("webmail", tf.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
	ck_pam(pr_acct("webmail", tf.name), PAM_SUCCESS);
	fx_stack("imap", "account required @MODULE@ config=@CONF@ role=webmail\n");
	ck_pam(pr_acct("imap", mb.name), PAM_SUCCESS);
}
END_TEST

START_TEST(account_unknown_mailbox)
{
	ck_pam(pr_acct("imap", "nobody@example.com"), PAM_USER_UNKNOWN);
	ck_pam(pr_acct("webmail", "nobody@example.com"), PAM_USER_UNKNOWN);
}
END_TEST

TCase *tcase_roles(void)
{
	TCase *tc = tcase_with_fixture("roles");

	tcase_add_test(tc, webmail_prompt_asks_password_then_code);
	tcase_add_test(tc, webmail_prompt_is_the_default);
	tcase_add_test(tc, webmail_prompts_tell_nothing);
	tcase_add_test(tc, webmail_append_takes_code_from_password);
	tcase_add_test(tc, webmail_append_eight_digits);
	tcase_add_test(tc, webmail_without_2fa_needs_password_only);
	tcase_add_test(tc, clients_prompt_never_ask_code);
	tcase_add_test(tc, clients_append_never_split_code);
	tcase_add_test(tc, roundcube_is_webmail_by_default);
	tcase_add_test(tc, webmail_services_from_config);
	tcase_add_test(tc, role_webmail_overrides_service);
	tcase_add_test(tc, role_client_overrides_service);
	tcase_add_test(tc, access_off_refuses_clients);
	tcase_add_test(tc, access_off_refused_by_account_stage_alone);
	tcase_add_test(tc, access_off_keeps_webmail);
	tcase_add_test(tc, account_unknown_mailbox);
	return tc;
}
