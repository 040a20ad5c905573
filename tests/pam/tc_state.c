/* The state file: an unusable or unwritable state refuses the login that
 * needs it (fail closed) and is never damaged by the attempt. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "mailbox.h"
#include "pamrun.h"
#include "spawn.h"
#include "store.h"
#include "suites.h"

#define ALICE "alice@example.com"

static void state_path(char *out, const char *name)
{
	ts_path(out, PATH_MAX, fx.state, name, "state");
}

static void expect_unavailable(const struct mailbox *mb)
{
	char code[16];

	mb_code(mb, 0, code);
	pr_expect("webmail", mb->name, MB_PASSWORD, code, PAM_AUTHINFO_UNAVAIL,
		  "PC");
}

START_TEST(state_is_a_directory)
{
	char path[PATH_MAX];
	struct mailbox mb;

	mb_create(&mb, ALICE, MB_2FA);
	state_path(path, ALICE);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	expect_unavailable(&mb);
}
END_TEST

/* Whether `path` holds exactly `text`. */
static int holds(const char *path, const char *text)
{
	char buf[512] = "";
	FILE *f = fopen(path, "r");
	size_t got;

	ck_assert_ptr_nonnull(f);
	got = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	return got == strlen(text) && memcmp(buf, text, got) == 0;
}

START_TEST(corrupt_state)
{
	static const char garbage[] = "this is not a mailsec state file, "
				      "neither slot can be valid";
	char path[PATH_MAX];
	struct mailbox mb;

	mb_create(&mb, ALICE, MB_2FA);
	state_path(path, ALICE);
	ts_write_str(path, garbage, 0600);
	expect_unavailable(&mb);
	ck_assert_msg(holds(path, garbage), "the corrupt state was rewritten");
}
END_TEST

START_TEST(symlinked_state)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct mailbox mb;

	mb_create(&mb, ALICE, MB_2FA);
	state_path(path, ALICE);
	ts_path(target, sizeof(target), fx.dir, "target", NULL);
	ts_write_str(target, "", 0600);
	ck_assert_int_eq(symlink(target, path), 0);
	expect_unavailable(&mb);
	ck_assert_msg(holds(target, ""), "written through a symlink");
}
END_TEST

START_TEST(writable_state)
{
	char path[PATH_MAX], code[16];
	struct mailbox mb;

	mb_create(&mb, ALICE, MB_2FA);
	mb_wait_step_margin(4);
	mb_code(&mb, -1, code);
	pr_expect("webmail", ALICE, MB_PASSWORD, code, PAM_SUCCESS, "PC");
	state_path(path, ALICE);
	ck_assert_int_eq(chmod(path, 0620), 0);
	expect_unavailable(&mb);
}
END_TEST

struct limited_login {
	const char *name;
	char code[16];
};

/* In a child: no file may grow (RLIMIT_FSIZE 0), so every write fails. */
static int login_without_writes(void *arg)
{
	struct limited_login *login = arg;
	struct rlimit none = { 0, 0 };
	struct ts_talk talk = { .password = MB_PASSWORD, .code = login->code };

	crowd_gate();
	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &none) != 0)
		return 255;
	return pr_auth_quiet("webmail", login->name, &talk);
}

START_TEST(failed_state_write_fails_closed)
{
	struct limited_login login = { ALICE, "" };
	struct crowd crowd;
	struct ms_state st;
	struct mailbox mb;
	char code[16];
	int rc;

	mb_create(&mb, ALICE, MB_2FA);
	mb_wait_step_margin(4);
	mb_code(&mb, -1, code);
	pr_expect("webmail", ALICE, MB_PASSWORD, code, PAM_SUCCESS, "PC");
	mb_code(&mb, 0, login.code);
	crowd_begin(&crowd);
	crowd_spawn(&crowd, login_without_writes, &login);
	crowd_finish(&crowd, &rc);
	ck_pam(rc, PAM_AUTHINFO_UNAVAIL);
	mb_state(ALICE, &st);
	ck_assert_int_eq(st.totp_used_until, mb_step_end(-1));
	pr_expect("webmail", ALICE, MB_PASSWORD, login.code, PAM_SUCCESS, "PC");
}
END_TEST

/* A holder of the mailbox lock that never lets go (a stopped mailsecctl,
 * a hung file server) refuses the login after a bounded wait, instead of
 * keeping the mail server's auth worker forever; the next login after it
 * lets go works. */
START_TEST(stalled_lock_holder_fails_closed)
{
	char path[PATH_MAX], code[16];
	struct mailbox mb;
	time_t start;
	int holder;

	mb_create(&mb, ALICE, MB_2FA);
	ts_path(path, sizeof(path), fx.state, ALICE, "lock");
	holder = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(holder, 0);
	ck_assert_int_eq(flock(holder, LOCK_EX), 0);
	start = time(NULL);
	expect_unavailable(&mb);
	ck_assert_int_le(time(NULL) - start, MS_LOCK_WAIT_MS / 1000 + 3);
	close(holder);
	mb_code(&mb, 0, code);
	pr_expect("webmail", mb.name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
}
END_TEST

START_TEST(missing_state_dir)
{
	char cmd[PATH_MAX + 16];
	struct mailbox mb;

	mb_create(&mb, ALICE, MB_2FA);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.state);
	ck_assert_int_eq(system(cmd), 0);
	pr_expect("webmail", ALICE, MB_PASSWORD, "", PAM_AUTHINFO_UNAVAIL,
		  NULL);
}
END_TEST

TCase *tcase_state(void)
{
	TCase *tc = tcase_with_fixture("state");

	ts_add_files_test(tc, state_is_a_directory);
	ts_add_files_test(tc, corrupt_state);
	ts_add_files_test(tc, symlinked_state);
	ts_add_files_test(tc, writable_state);
	ts_add_files_test(tc, failed_state_write_fails_closed);
	ts_add_files_test(tc, missing_state_dir);
	ts_add_files_test(tc, stalled_lock_holder_fails_closed);
	return tc;
}
