/* Roles of PAM services and what each role demands of a mailbox. */
#include "config.h"

#include <string.h>

#include "helpers.h"
#include "policy.h"
#include "suites.h"

START_TEST(role_of_service)
{
	struct ms_settings s;

	ms_settings_defaults(&s);
	ck_assert_int_eq(ms_policy_role(&s, "webmail", MS_ROLE_UNSET),
			 MS_ROLE_WEBMAIL);
	ck_assert_int_eq(ms_policy_role(&s, "roundcube", MS_ROLE_UNSET),
			 MS_ROLE_WEBMAIL);
	/* Everything else, unknown or missing, is restrictive. */
	ck_assert_int_eq(ms_policy_role(&s, "imap", MS_ROLE_UNSET),
			 MS_ROLE_CLIENT);
	ck_assert_int_eq(ms_policy_role(&s, "sogo", MS_ROLE_UNSET),
			 MS_ROLE_CLIENT);
	ck_assert_int_eq(ms_policy_role(&s, NULL, MS_ROLE_UNSET),
			 MS_ROLE_CLIENT);
	/* role= wins, either way. */
	ck_assert_int_eq(ms_policy_role(&s, "imap", MS_ROLE_WEBMAIL),
			 MS_ROLE_WEBMAIL);
	ck_assert_int_eq(ms_policy_role(&s, "webmail", MS_ROLE_CLIENT),
			 MS_ROLE_CLIENT);
	ck_assert_str_eq(ms_role_name(MS_ROLE_WEBMAIL), "webmail");
	ck_assert_str_eq(ms_role_name(MS_ROLE_CLIENT), "client");
}
END_TEST

START_TEST(non_webmail_access)
{
	struct ms_record r;

	memset(&r, 0, sizeof(r));
	r.non_webmail_access = false;
	ck_assert(!ms_policy_client_allowed(&r, MS_ROLE_CLIENT));
	ck_assert(ms_policy_client_allowed(&r, MS_ROLE_WEBMAIL));
	r.non_webmail_access = true;
	ck_assert(ms_policy_client_allowed(&r, MS_ROLE_CLIENT));
	ck_assert(ms_policy_client_allowed(&r, MS_ROLE_WEBMAIL));
}
END_TEST

/* In app-passwords mode a client account stage needs the auth stage's
 * word that an app password was taken. */
START_TEST(account_stage)
{
	struct ms_record r;

	memset(&r, 0, sizeof(r));
	r.non_webmail_access = true;
	ck_assert(ms_policy_account_allowed(&r, MS_ROLE_CLIENT, false));
	r.app_passwords_only = true;
	ck_assert(!ms_policy_account_allowed(&r, MS_ROLE_CLIENT, false));
	ck_assert(ms_policy_account_allowed(&r, MS_ROLE_CLIENT, true));
	ck_assert(ms_policy_account_allowed(&r, MS_ROLE_WEBMAIL, false));
	r.non_webmail_access = false;
	r.app_passwords_only = false;
	ck_assert(!ms_policy_account_allowed(&r, MS_ROLE_CLIENT, true));
	ck_assert(ms_policy_account_allowed(&r, MS_ROLE_WEBMAIL, false));
}
END_TEST

START_TEST(code_needed)
{
	struct ms_record r;

	memset(&r, 0, sizeof(r));
	r.totp.status = MS_TOTP_ENABLED;
	ck_assert(ms_policy_needs_code(&r, MS_ROLE_WEBMAIL));
	/* Clients carry no code: the access switch guards them. */
	ck_assert(!ms_policy_needs_code(&r, MS_ROLE_CLIENT));
	/* A pending enrolment must not lock anyone out. */
	r.totp.status = MS_TOTP_PENDING;
	ck_assert(!ms_policy_needs_code(&r, MS_ROLE_WEBMAIL));
	r.totp.status = MS_TOTP_OFF;
	ck_assert(!ms_policy_needs_code(&r, MS_ROLE_WEBMAIL));
}
END_TEST

Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = ts_tcase("policy");

	tcase_add_test(tc, role_of_service);
	tcase_add_test(tc, non_webmail_access);
	tcase_add_test(tc, account_stage);
	tcase_add_test(tc, code_needed);
	suite_add_tcase(s, tc);
	return s;
}
