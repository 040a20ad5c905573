/* What the module refuses before any decision: hostile and unknown names,
 * unusable records, bad arguments, a broken mailsec.conf. */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "mailbox.h"
#include "pamrun.h"
#include "suites.h"
#include "../timing.h"

#define ALICE "alice@example.com"

/* Both stages on a client and the webmail stack give `expected`. */
static void expect_both_stages(const char *user, int expected)
{
	ck_pam(pr_auth("imap", user, MB_PASSWORD, ""), expected);
	ck_pam(pr_auth("webmail", user, MB_PASSWORD, ""), expected);
	ck_pam(pr_acct("imap", user), expected);
}

static void record_path(char *out, const char *name)
{
	ts_path(out, PATH_MAX, fx.users, name, "conf");
}

START_TEST(unknown_mailbox)
{
	mb_create(&(struct mailbox){ 0 }, ALICE, 0);
	ck_pam(pr_auth("imap", "bob@example.com", MB_PASSWORD, NULL),
	       PAM_USER_UNKNOWN);
	ck_pam(pr_auth("webmail", "bob@example.com", MB_PASSWORD, ""),
	       PAM_USER_UNKNOWN);
	fx_stack_args("webmail", "code=append");
	ck_pam(pr_auth("webmail", "bob@example.com", MB_PASSWORD, NULL),
	       PAM_USER_UNKNOWN);
}
END_TEST

#define TIMING_RUNS 5

/* The median CPU time of refused logins of `user` with `password`. */
static int64_t refusal_ns(const char *user, const char *password,
			  int expected)
{
	int64_t ns[TIMING_RUNS], start;

	for (unsigned i = 0; i < TIMING_RUNS; i++) {
		start = cpu_ns();
		ck_pam(pr_auth("imap", user, password, NULL), expected);
		ns[i] = cpu_ns() - start;
	}
	return median_ns(ns, TIMING_RUNS);
}

START_TEST(unknown_mailbox_costs_a_hash)
{
	int64_t known, unknown;

	/* The default hash, as mailsecctl writes it. */
	mb_create(&(struct mailbox){ 0 }, ALICE, MB_YESCRYPT);
	(void)pr_auth("imap", ALICE, MB_PASSWORD, NULL); /* warm up */
	known = refusal_ns(ALICE, "wrong password", PAM_AUTH_ERR);
	unknown = refusal_ns("bob@example.com", MB_PASSWORD, PAM_USER_UNKNOWN);
	/* A fast refusal would tell which mailboxes exist. */
	ck_assert_msg(2 * unknown >= known,
		      "unknown mailbox %lld ns, a wrong password %lld ns "
		      "(medians)", (long long)unknown, (long long)known);
}
END_TEST

/* A copy of alice's record where an unchecked name would find it: a file,
 * or on the database a row of that name. */
static void plant_record(const char *file)
{
	char from[PATH_MAX], to[PATH_MAX], cmd[3 * PATH_MAX + 64];

	if (ts_pg()) {
		snprintf(cmd, sizeof(cmd),
			 "INSERT INTO mailsec_mailbox (name, record, version) "
			 "SELECT '%s', record, version + 1000 FROM mailsec_mailbox "
			 "WHERE name = '%s'", file, ALICE);
		ck_assert_int_eq(ts_pg_sql(cmd), 0);
		return;
	}
	record_path(from, ALICE);
	record_path(to, file);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\" && cp -p '%s' '%s'",
		 to, from, to);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(hostile_names)
{
	static const char *const names[] = {
		"../etc/passwd", "a/b", "x y", "../users/" ALICE, ".alice@x",
		"a@b@c", "al\tice@x", "alice@x;rm", "*", "alice@x\n",
	};
	char longname[301];

	mb_create(&(struct mailbox){ 0 }, ALICE, 0);
	plant_record("a/b");
	plant_record("x y");
	plant_record("*");
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		expect_both_stages(names[i], PAM_USER_UNKNOWN);
	memset(longname, 'a', 300);
	longname[300] = '\0';
	expect_both_stages(longname, PAM_USER_UNKNOWN);
}
END_TEST

/* The longest name the module takes (README: 249) still finds its files. */
START_TEST(longest_name)
{
	char name[MS_NAME_MAX + 1];
	struct mailbox mb;
	char code[16];

	memset(name, 'a', MS_NAME_MAX - 12);
	strcpy(name + MS_NAME_MAX - 12, "@example.com");
	mb_create(&mb, name, MB_2FA);
	mb_code(&mb, 0, code);
	pr_expect("webmail", name, MB_PASSWORD, code, PAM_SUCCESS, "PC");
	pr_expect("webmail", name, MB_PASSWORD, code, PAM_AUTH_ERR, "PC");
	pr_expect("imap", name, MB_PASSWORD, NULL, PAM_SUCCESS, "P");
}
END_TEST

START_TEST(upper_case_folded)
{
	struct ms_state st;
	struct mailbox mb;
	char code[16];

	mb_create(&mb, ALICE, MB_2FA);
	mb_code(&mb, 0, code);
	pr_expect("webmail", "Alice@Example.COM", MB_PASSWORD, code,
		  PAM_SUCCESS, "PC");
	mb_state(ALICE, &st);
	ck_assert_int_eq(st.totp_used_until, mb_step_end(0));
	pr_expect("webmail", "ALICE@EXAMPLE.COM", MB_PASSWORD, code,
		  PAM_AUTH_ERR, "PC");
	pr_expect("imap", "aLiCe@example.com", MB_PASSWORD, NULL, PAM_SUCCESS,
		  "P");
	ck_pam(pr_acct("imap", "ALICE@example.com"), PAM_SUCCESS);
}
END_TEST

/* The record's hash made the hash of "", as a record written by hand may
 * hold it (the library makes none). */
static void hash_of_empty(const char *name)
{
	struct ms_record record;
	struct crypt_data data;
	const char *hash;

	mb_record_load(name, &record);
	memset(&data, 0, sizeof(data));
	hash = crypt_r("", "$5$rounds=1000$emptyemptyempty$", &data);
	ck_assert(hash && hash[0] == '$');
	strcpy(record.password, hash);
	mb_record_save(name, &record);
	ms_record_wipe(&record);
}

START_TEST(empty_password)
{
	mb_create(&(struct mailbox){ 0 }, ALICE, 0);
	hash_of_empty(ALICE);
	pr_expect("imap", ALICE, "", NULL, PAM_AUTH_ERR, "P");
	pr_expect("webmail", ALICE, "", "", PAM_AUTH_ERR, "PC");
	pr_expect("imap", ALICE, "x", NULL, PAM_AUTH_ERR, "P");
	fx_stack_args("webmail", "code=append");
	pr_expect("webmail", ALICE, "", NULL, PAM_AUTH_ERR, "P");
	mb_create(&(struct mailbox){ 0 }, "bob@example.com", 0);
	ck_pam(pr_auth("imap", "bob@example.com", "", NULL), PAM_AUTH_ERR);
	ck_pam(pr_auth("imap", "bob@example.com", MB_PASSWORD, NULL),
	       PAM_SUCCESS);
	ck_pam(pr_auth("imap", "carol@example.com", "", NULL),
	       PAM_USER_UNKNOWN);
}
END_TEST

/* With no_password the module never checks a password, so only the flag
 * stops an empty token from going on as an empty code: refused as no
 * token, before the mailbox's state is even opened (the code check makes
 * the state file; a missing code is refused there without counting). */
START_TEST(disallow_null_authtok)
{
	struct ts_talk talk = { .password = "" };
	char state[PATH_MAX];
	pam_handle_t *pamh;

	mb_create(&(struct mailbox){ 0 }, ALICE, MB_2FA);
	ts_path(state, sizeof(state), fx.state, ALICE, "state");
	ck_assert_int_ne(access(state, F_OK), 0);
	fx_stack_args("webmail", "no_password code=append");
	pamh = pr_start("webmail", ALICE, &talk);
	ck_pam(pam_authenticate(pamh, PAM_DISALLOW_NULL_AUTHTOK), PAM_AUTH_ERR);
	pam_end(pamh, PAM_AUTH_ERR);
	ck_assert_int_eq(talk.password_asked, 1);
	ck_assert_msg(access(state, F_OK) != 0,
		      "the empty token reached the code check");
	ck_pam(pr_auth("webmail", ALICE, "", NULL), PAM_AUTH_ERR);
	ck_assert_int_eq(access(state, F_OK), 0);
}
END_TEST

static void expect_unusable(const char *name)
{
	expect_both_stages(name, PAM_AUTHINFO_UNAVAIL);
}

START_TEST(corrupt_record)
{
	char path[PATH_MAX];

	record_path(path, "carol@example.com");
	ts_write_str(path, "version = 1;\npassword = \"$5$x\"\ntotp = {{{\n",
		     0600);
	expect_unusable("carol@example.com");
	ts_write_str(path, "\x01\x02\x03garbage", 0600);
	expect_unusable("carol@example.com");
}
END_TEST

/* Replaces `from` by `to` in alice's record file. */
static void edit_record(const char *from, const char *to)
{
	char path[PATH_MAX], cmd[2 * PATH_MAX + 256];

	record_path(path, ALICE);
	snprintf(cmd, sizeof(cmd), "sed -i 's/%s/%s/' '%s' && grep -q '%s' '%s'",
		 from, to, path, to, path);
	ck_assert_msg(system(cmd) == 0, "cannot edit: %s", cmd);
}

START_TEST(invalid_record_values)
{
	static const char *const edits[][2] = {
		{ "digits = 6", "digits = 9" },
		{ "period = 30", "period = 5" },
		{ "status = \"enabled\"", "status = \"maybe\"" },
		{ "algorithm = \"SHA1\"", "algorithm = \"MD5\"" },
		{ "version = 1", "version = 1; bogus = 2" },
	};

	for (size_t i = 0; i < sizeof(edits) / sizeof(*edits); i++) {
		mb_create(&(struct mailbox){ 0 }, ALICE, MB_2FA);
		edit_record(edits[i][0], edits[i][1]);
		expect_unusable(ALICE);
	}
}
END_TEST

START_TEST(symlinked_record)
{
	char path[PATH_MAX], elsewhere[PATH_MAX];

	mb_create(&(struct mailbox){ 0 }, ALICE, 0);
	record_path(path, ALICE);
	ts_path(elsewhere, sizeof(elsewhere), fx.dir, "elsewhere", "conf");
	ck_assert_int_eq(rename(path, elsewhere), 0);
	ck_assert_int_eq(symlink(elsewhere, path), 0);
	expect_unusable(ALICE);
}
END_TEST

START_TEST(writable_record)
{
	char path[PATH_MAX];

	mb_create(&(struct mailbox){ 0 }, ALICE, 0);
	record_path(path, ALICE);
	ck_assert_int_eq(chmod(path, 0620), 0);
	expect_unusable(ALICE);
	ck_assert_int_eq(chmod(path, 0602), 0);
	expect_unusable(ALICE);
	ck_assert_int_eq(chmod(path, 0600), 0);
	expect_both_stages(ALICE, PAM_SUCCESS);
}
END_TEST

START_TEST(foreign_owned_record)
{
	char path[PATH_MAX];

	/* Only root can give a file away. */
	mb_create(&(struct mailbox){ 0 }, ALICE, 0);
	record_path(path, ALICE);
	ck_assert_int_eq(chown(path, 65534, 65534), 0);
	expect_unusable(ALICE);
}
END_TEST

START_TEST(record_not_a_file)
{
	char path[PATH_MAX];

	record_path(path, ALICE);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	expect_unusable(ALICE);
}
END_TEST

static void expect_service_error(const char *auth_args)
{
	char text[512];

	fx_stack_args("webmail", auth_args);
	fx_stack_args("imap", auth_args);
	ck_pam(pr_auth("webmail", ALICE, MB_PASSWORD, ""), PAM_SERVICE_ERR);
	ck_pam(pr_auth("imap", ALICE, MB_PASSWORD, ""), PAM_SERVICE_ERR);
	snprintf(text, sizeof(text),
		 "account required @MODULE@ config=@CONF@ %s\n", auth_args);
	fx_stack("pop3", text);
	ck_pam(pr_acct("pop3", ALICE), PAM_SERVICE_ERR);
}

START_TEST(bad_arguments)
{
	static const char *const args[] = {
		"foo", "code=bogus", "role=admin", "config=relative.conf",
		"code=", "role=", "code", "debug=1", "no_password=yes",
		"Code=prompt", "use_first_pass=1",
	};

	mb_create(&(struct mailbox){ 0 }, ALICE, 0);
	expect_both_stages(ALICE, PAM_SUCCESS);
	for (size_t i = 0; i < sizeof(args) / sizeof(*args); i++)
		expect_service_error(args[i]);
}
END_TEST

START_TEST(relative_config)
{
	mb_create(&(struct mailbox){ 0 }, ALICE, 0);
	fx_stack("imap", "auth required @MODULE@ config=mailsec.conf\n"
			 "account required @MODULE@ config=mailsec.conf\n");
	ck_pam(pr_auth("imap", ALICE, MB_PASSWORD, NULL), PAM_SERVICE_ERR);
	ck_pam(pr_acct("imap", ALICE), PAM_SERVICE_ERR);
}
END_TEST

static void expect_conf_refused(void)
{
	ck_pam(pr_auth("webmail", ALICE, MB_PASSWORD, ""), PAM_SERVICE_ERR);
	ck_pam(pr_auth("imap", ALICE, MB_PASSWORD, NULL), PAM_SERVICE_ERR);
	ck_pam(pr_acct("imap", ALICE), PAM_SERVICE_ERR);
}

static void expect_broken_conf(const char *extra)
{
	fx_conf(extra);
	expect_conf_refused();
}

START_TEST(broken_config)
{
	mb_create(&(struct mailbox){ 0 }, ALICE, 0);
	expect_broken_conf("totp = { digits = 6 \n");
	expect_broken_conf("totp = { digits = 99; };\n");
	expect_broken_conf("lockout = { max_failures = -1; };\n");
	expect_broken_conf("bogus_key = 1;\n");
	expect_broken_conf("webmail_services = \"webmail\" ;\n");
	ts_write_str(fx.conf, "users_dir = \"relative\";\n", 0644);
	expect_conf_refused();
}
END_TEST

START_TEST(unsafe_config_refused)
{
	mb_create(&(struct mailbox){ 0 }, ALICE, 0);
	ck_assert_int_eq(chmod(fx.conf, 0666), 0);
	ck_assert_int_ne(pr_auth("imap", ALICE, MB_PASSWORD, NULL), PAM_SUCCESS);
	ck_assert_int_ne(pr_acct("imap", ALICE), PAM_SUCCESS);
}
END_TEST

TCase *tcase_inputs(void)
{
	TCase *tc = tcase_with_fixture("inputs");

	tcase_add_test(tc, unknown_mailbox);
	tcase_add_test(tc, unknown_mailbox_costs_a_hash);
	tcase_add_test(tc, hostile_names);
	tcase_add_test(tc, longest_name);
	tcase_add_test(tc, upper_case_folded);
	tcase_add_test(tc, empty_password);
	ts_add_files_test(tc, disallow_null_authtok);
	ts_add_files_test(tc, corrupt_record);
	ts_add_files_test(tc, invalid_record_values);
	ts_add_files_test(tc, symlinked_record);
	ts_add_files_test(tc, writable_record);
	if (ts_pg())
		ts_skip("foreign_owned_record", "file store only");
	else
		ts_add_root_test(tc, foreign_owned_record);
	ts_add_files_test(tc, record_not_a_file);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, relative_config);
	tcase_add_test(tc, broken_config);
	tcase_add_test(tc, unsafe_config_refused);
	return tc;
}
