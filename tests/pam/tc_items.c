/* What the module leaves for, and takes from, the rest of the stack:
 * PAM_AUTHTOK without the code, no_password, use_first_pass. The helper
 * modules pam_get_items.so / pam_set_items.so come with pam_wrapper. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "mailbox.h"
#include "pamrun.h"
#include "suites.h"

#define ALICE "alice@example.com"

static int wrapper_missing(const char *test)
{
	if (fx_wrapper_modules())
		return 0;
	fprintf(stderr, "%s: skipped, PAM_WRAPPER_MODULES not set\n", test);
	return 1;
}

/* Authenticates through `service`, whose stack ends in pam_get_items.so,
 * and returns the PAM_AUTHTOK it exported (static copy), or NULL. */
static const char *authtok_after(const char *service, struct ts_talk *talk)
{
	static char authtok[256];
	pam_handle_t *pamh = pr_start(service, ALICE, talk);
	const char *value;

	ck_pam(pam_authenticate(pamh, 0), PAM_SUCCESS);
	value = pam_getenv(pamh, "PAM_AUTHTOK");
	snprintf(authtok, sizeof(authtok), "%s", value ? value : "(unset)");
	pam_end(pamh, PAM_SUCCESS);
	return authtok;
}

static void stack_with_get_items(const char *args)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "auth required @MODULE@ config=@CONF@ %s\n"
		 "auth required @WRAPPER@/pam_get_items.so\n", args);
	fx_stack("webmail", text);
}

START_TEST(authtok_is_password_without_code)
{
	struct ts_talk talk = { .password = NULL };
	struct mailbox mb;
	char code[16], joined[64];

	if (wrapper_missing("authtok_is_password_without_code"))
		return;
	mb_create(&mb, ALICE, MB_RECOVERY);
	stack_with_get_items("code=append");
	mb_code(&mb, 0, code);
	snprintf(joined, sizeof(joined), "%s%s", MB_PASSWORD, code);
	talk.password = joined;
	ck_assert_str_eq(authtok_after("webmail", &talk), MB_PASSWORD);
	snprintf(joined, sizeof(joined), "%s%s", MB_PASSWORD, mb.recovery[0]);
	ck_assert_str_eq(authtok_after("webmail", &talk), MB_PASSWORD);
}
END_TEST

START_TEST(authtok_in_prompt_mode)
{
	struct ts_talk talk = { .password = MB_PASSWORD };
	struct mailbox mb;
	char code[16];

	if (wrapper_missing("authtok_in_prompt_mode"))
		return;
	mb_create(&mb, ALICE, MB_2FA);
	stack_with_get_items("code=prompt");
	mb_code(&mb, 0, code);
	talk.code = code;
	ck_assert_str_eq(authtok_after("webmail", &talk), MB_PASSWORD);
}
END_TEST

START_TEST(no_password_prompt_asks_code_only)
{
	struct mailbox mb, off;
	char code[16];

	mb_create(&mb, ALICE, MB_2FA);
	mb_create(&off, "bob@example.com", 0);
	fx_stack_args("webmail", "no_password code=prompt");
	mb_wrong_code(&mb, code);
	pr_expect("webmail", ALICE, NULL, code, PAM_AUTH_ERR, "C");
	pr_expect("webmail", ALICE, NULL, "", PAM_AUTH_ERR, "C");
	mb_code(&mb, 0, code);
	pr_expect("webmail", ALICE, NULL, code, PAM_SUCCESS, "C");
	pr_expect("webmail", ALICE, NULL, code, PAM_AUTH_ERR, "C");
	pr_expect("webmail", off.name, NULL, NULL, PAM_SUCCESS, "");
	/* An unknown mailbox looks like one with 2FA: a code is asked. */
	pr_expect("webmail", "carol@example.com", NULL, "", PAM_USER_UNKNOWN,
		  "C");
}
END_TEST

START_TEST(no_password_append_checks_code_only)
{
	struct mailbox mb;
	char code[16];

	mb_create(&mb, ALICE, MB_2FA);
	fx_stack_args("webmail", "no_password code=append");
	mb_wrong_code(&mb, code);
	pr_expect("webmail", ALICE, mb_join("anything", code), NULL,
		  PAM_AUTH_ERR, "P");
	mb_code(&mb, 0, code);
	pr_expect("webmail", ALICE, mb_join("anything", code), NULL,
		  PAM_SUCCESS, "P");
}
END_TEST

START_TEST(no_password_client_enforces_access)
{
	struct mailbox on, off;

	mb_create(&on, ALICE, MB_2FA);
	mb_create(&off, "bob@example.com", MB_NO_CLIENT);
	fx_stack_args("imap", "no_password");
	pr_expect("imap", on.name, NULL, NULL, PAM_SUCCESS, "");
	pr_expect("imap", off.name, NULL, NULL, PAM_PERM_DENIED, "");
}
END_TEST

/* pam_set_items.so sets PAM_AUTHTOK from the environment first. */
static void stack_with_set_items(const char *args)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "auth required @WRAPPER@/pam_set_items.so\n"
		 "auth required @MODULE@ config=@CONF@ %s\n", args);
	fx_stack("webmail", text);
}

START_TEST(use_first_pass_never_prompts)
{
	struct mailbox mb;
	char code[16];

	if (wrapper_missing("use_first_pass_never_prompts"))
		return;
	mb_create(&mb, ALICE, MB_2FA);
	stack_with_set_items("use_first_pass code=append");
	mb_code(&mb, 0, code);
	setenv("PAM_AUTHTOK", mb_join("wrong", code), 1);
	pr_expect("webmail", ALICE, NULL, NULL, PAM_AUTH_ERR, "");
	setenv("PAM_AUTHTOK", mb_join(MB_PASSWORD, code), 1);
	pr_expect("webmail", ALICE, NULL, NULL, PAM_SUCCESS, "");
	unsetenv("PAM_AUTHTOK");
}
END_TEST

START_TEST(use_first_pass_without_authtok_fails)
{
	mb_create(&(struct mailbox){ 0 }, ALICE, 0);
	fx_stack_args("imap", "use_first_pass");
	ck_assert_int_ne(pr_auth("imap", ALICE, MB_PASSWORD, NULL),
			 PAM_SUCCESS);
}
END_TEST

START_TEST(try_first_pass_uses_authtok)
{
	struct mailbox mb;

	if (wrapper_missing("try_first_pass_uses_authtok"))
		return;
	mb_create(&mb, ALICE, 0);
	stack_with_set_items("try_first_pass");
	setenv("PAM_AUTHTOK", MB_PASSWORD, 1);
	pr_expect("webmail", ALICE, NULL, NULL, PAM_SUCCESS, "");
	unsetenv("PAM_AUTHTOK");
	pr_expect("webmail", ALICE, MB_PASSWORD, NULL, PAM_SUCCESS, "P");
}
END_TEST

TCase *tcase_items(void)
{
	TCase *tc = tcase_with_fixture("items");

	tcase_add_test(tc, authtok_is_password_without_code);
	tcase_add_test(tc, authtok_in_prompt_mode);
	tcase_add_test(tc, no_password_prompt_asks_code_only);
	tcase_add_test(tc, no_password_append_checks_code_only);
	tcase_add_test(tc, no_password_client_enforces_access);
	tcase_add_test(tc, use_first_pass_never_prompts);
	tcase_add_test(tc, use_first_pass_without_authtok_fails);
	tcase_add_test(tc, try_first_pass_uses_authtok);
	return tc;
}
