/* The built module exports the PAM entry points and nothing else: the
 * internal library stays inside it (version script). */
#include "config.h"

#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *module;

static void open_module(void)
{
	const char *path = getenv("MAILSEC_MODULE");

	ck_assert_msg(path && path[0] == '/', "MAILSEC_MODULE not set");
	module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg(module, "dlopen: %s", dlerror());
}

static void close_module(void)
{
	if (module)
		dlclose(module);
	module = NULL;
}

static const char *const exported[] = {
	"pam_sm_authenticate", "pam_sm_setcred", "pam_sm_acct_mgmt",
};

static const char *const internal[] = {
	/* the module's own files */
	"module_args_parse", "login_begin", "login_end", "login_refused",
	"credential_read", "credential_prompt_code", "credential_wipe",
	/* the internal library */
	"ms_record_load", "ms_record_save", "ms_name_canonical",
	"ms_settings_load", "ms_store_open", "ms_store_lock", "ms_state_load",
	"ms_state_save", "ms_code_check", "ms_totp_validate",
	"ms_password_verify", "ms_recovery_match", "ms_policy_role",
	"ms_fail", "ms_log", "ms_log_set_sink", "ms_free_secret", "ms_wipe",
	"ms_secret_buf_add",
	/* PAM entry points the module does not implement */
	"pam_sm_open_session", "pam_sm_close_session", "pam_sm_chauthtok",
};

START_TEST(entry_points_exported)
{
	dlerror();
	ck_assert_msg(dlsym(module, exported[_i]), "%s not exported: %s",
		      exported[_i], dlerror());
}
END_TEST

START_TEST(internals_hidden)
{
	ck_assert_msg(!dlsym(module, internal[_i]), "%s is exported",
		      internal[_i]);
}
END_TEST

/* Every defined dynamic symbol, as nm lists it, is a pam_sm_ one. */
START_TEST(nothing_else_in_dynamic_table)
{
	char cmd[4200], line[512], name[256];
	int listed = 0;
	FILE *nm;

	snprintf(cmd, sizeof(cmd), "nm -D --defined-only '%s' 2>/dev/null",
		 getenv("MAILSEC_MODULE"));
	nm = popen(cmd, "r");
	ck_assert_ptr_nonnull(nm);
	while (fgets(line, sizeof(line), nm)) {
		if (sscanf(line, "%*s %*s %255s", name) != 1)
			continue;
		ck_assert_msg(strncmp(name, "pam_sm_", 7) == 0,
			      "exported: %s", name);
		listed++;
	}
	if (pclose(nm) != 0 && listed == 0) {
		fprintf(stderr, "nm not available: dynamic table not listed\n");
		return;
	}
	ck_assert_int_eq(listed, 3);
}
END_TEST

/* libpam dlcloses the module on every pam_end: it must stay mapped so the
 * next login does not load it and its libraries again (-z nodelete).
 * Check runs each test in a process of its own, so nothing else holds it. */
START_TEST(stays_loaded_after_dlclose)
{
	const char *path = getenv("MAILSEC_MODULE");
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	ck_assert_msg(handle, "dlopen: %s", dlerror());
	ck_assert_int_eq(dlclose(handle), 0);
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	ck_assert_msg(handle, "module unloaded by dlclose: the next login "
			      "would map it again");
	dlclose(handle);
}
END_TEST

static Suite *exports_suite(void)
{
	Suite *s = suite_create("exports");
	TCase *tc = tcase_create("dlopen");
	TCase *unload = tcase_create("unload");

	tcase_add_checked_fixture(tc, open_module, close_module);
	tcase_add_loop_test(tc, entry_points_exported, 0,
			    sizeof(exported) / sizeof(*exported));
	tcase_add_loop_test(tc, internals_hidden, 0,
			    sizeof(internal) / sizeof(*internal));
	tcase_add_test(tc, nothing_else_in_dynamic_table);
	suite_add_tcase(s, tc);
	tcase_add_test(unload, stays_loaded_after_dlclose);
	suite_add_tcase(s, unload);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(exports_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
