/* mailsec.conf is parsed once a process while it is unchanged
 * (pam_mailsec/lib/settings_cache.h): an edit still counts at the next login, even
 * one that keeps the file's size and mtime. A file config= names must be
 * there. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "logs.h"
#include "mailbox.h"
#include "pamrun.h"
#include "suites.h"

#define ALICE "alice@example.com"

/* "sogo" is webmail (a code is asked), and after the edit a client. */
START_TEST(edit_counts_at_the_next_login)
{
	struct mailbox mb;
	struct timespec times[2];
	struct stat st;
	char code[16];

	mb_create(&mb, ALICE, MB_2FA);
	fx_stack_args("sogo", "code=prompt");
	fx_conf("webmail_services = [ \"sogo\" ];\n");
	ck_assert_int_eq(stat(fx.conf, &st), 0);
	/* Old enough to be kept by the first login that parses it. */
	sleep(4);
	mb_code(&mb, 0, code);
	pr_expect("sogo", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
	pr_expect("sogo", mb.name, MB_PASSWORD, "", PAM_AUTH_ERR, "PC");
	/* The same size, and the mtime set back: only the ctime tells. */
	fx_conf("webmail_services = [ \"sog0\" ];\n");
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	ck_assert_int_eq(utimensat(AT_FDCWD, fx.conf, times, 0), 0);
	pr_expect("sogo", mb.name, MB_PASSWORD, NULL, PAM_SUCCESS, "P");
	/* And back: webmail again. */
	fx_conf("webmail_services = [ \"sogo\" ];\n");
	pr_expect("sogo", mb.name, MB_PASSWORD, "", PAM_AUTH_ERR, "PC");
}
END_TEST

/* A mistyped config= must not log in on the defaults: they would take
 * another users_dir, or a webmail service for a client. */
START_TEST(missing_named_file_refuses)
{
	struct mailbox mb;
	char text[2 * PATH_MAX + 128];

	mb_create(&mb, ALICE, 0);
	snprintf(text, sizeof(text),
		 "auth required @MODULE@ config=%s.typo\n"
		 "account required @MODULE@ config=%s.typo\n", fx.conf, fx.conf);
	fx_stack("imap", text);
	lg_start();
	pr_expect("imap", mb.name, MB_PASSWORD, NULL, PAM_SERVICE_ERR, NULL);
	ck_pam(pr_acct("imap", mb.name), PAM_SERVICE_ERR);
	ck_assert_uint_eq(lg_count("mailsec.conf.typo: no such file"), 2);
	ck_assert_uint_eq(lg_count("refusing"), 2);
}
END_TEST

TCase *tcase_conf(void)
{
	TCase *tc = tcase_with_fixture("conf");

	tcase_add_test(tc, edit_counts_at_the_next_login);
	tcase_add_test(tc, missing_named_file_refuses);
	return tc;
}
