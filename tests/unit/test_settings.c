/* mailsec.conf: built-in defaults, every key, refusals with "PATH:LINE". */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "settings.h"
#include "settings_cache.h"
#include "suites.h"

/* The values mailsec.conf.5 gives for a key that is absent. */
static void assert_defaults(const struct ms_settings *s)
{
	ck_assert_str_eq(s->users_dir, MAILSEC_USERS_DIR_DEFAULT);
	ck_assert_str_eq(s->state_dir, MAILSEC_STATE_DIR_DEFAULT);
	ck_assert_uint_eq(s->n_webmail_services, 2);
	ck_assert_str_eq(s->webmail_services[0], "webmail");
	ck_assert_str_eq(s->webmail_services[1], "roundcube");
	ck_assert_str_eq(s->totp.issuer, "Mail");
	ck_assert_int_eq(s->totp.algorithm, MS_SHA1);
	ck_assert_uint_eq(s->totp.digits, 6);
	ck_assert_uint_eq(s->totp.period, 30);
	ck_assert_uint_eq(s->totp.window, 1);
	ck_assert_uint_eq(s->lockout.max_failures, 5);
	ck_assert_uint_eq(s->lockout.within, 300);
	ck_assert_uint_eq(s->lockout.lock_for, 900);
	ck_assert_uint_eq(s->cache_ttl, 0);
	ck_assert(s->activity_journal);
	ck_assert_int_eq(s->store, MS_STORE_FILES);
	ck_assert_str_eq(s->postgresql.conninfo, "");
	ck_assert_str_eq(s->postgresql.admin_conninfo, "");
	ck_assert_uint_eq(s->postgresql.timeout, MS_DB_TIMEOUT_DEFAULT);
	ck_assert_uint_eq(s->postgresql.timeout, 2000);
	/* Where the build installs it (only the library is told). */
	ck_assert_int_eq(s->postgresql.driver[0], '/');
	ck_assert(th_has(s->postgresql.driver, "/store_postgresql.so"));
	ck_assert_str_eq(s->postgresql.module_role, "mailsec_module");
}

/* th.dir/mailsec.conf holding `text`, with `mode`. */
static void write_conf(char path[PATH_MAX], const char *text, mode_t mode)
{
	ts_path(path, PATH_MAX, th.dir, "mailsec.conf", NULL);
	ts_write_str(path, text, mode);
}

static enum ms_status load_named(const char *path, struct ms_settings *s,
				 struct ms_error *err)
{
	return ms_settings_load(path, MS_CONF_NAMED, s, err);
}

static enum ms_status load_cached(const char *path, struct ms_settings *s,
				  struct ms_error *err)
{
	return ms_settings_load_cached(path, MS_CONF_NAMED, s, err);
}

START_TEST(defaults)
{
	struct ms_settings s;

	memset(&s, 0x5a, sizeof(s));
	ms_settings_defaults(&s);
	assert_defaults(&s);
}
END_TEST

START_TEST(missing_file_means_defaults)
{
	char path[PATH_MAX];
	struct ms_settings s;
	struct ms_error err = { 0 };

	ts_path(path, sizeof(path), th.dir, "none.conf", NULL);
	ck_assert_int_eq(ms_settings_load(path, MS_CONF_BUILT_IN, &s, &err),
			 MS_OK);
	assert_defaults(&s);
	/* Nor does a missing directory make it an error. */
	ts_path(path, sizeof(path), th.dir, "no/such/dir/mailsec.conf", NULL);
	ck_assert_int_eq(ms_settings_load(path, MS_CONF_BUILT_IN, &s, &err),
			 MS_OK);
	assert_defaults(&s);
}
END_TEST

/* A path someone typed and got wrong must not mean "all defaults". */
START_TEST(missing_named_file_is_an_error)
{
	char path[PATH_MAX];
	struct ms_settings s;
	struct ms_error err = { 0 };

	ts_path(path, sizeof(path), th.dir, "none.conf", NULL);
	ck_assert_int_eq(load_named(path, &s, &err),
			 MS_SYSTEM);
	ck_assert(th_has(err.msg, path));
	ck_assert(th_has(err.msg, "no such file"));
	ts_path(path, sizeof(path), th.dir, "no/such/dir/mailsec.conf", NULL);
	ck_assert_int_eq(load_named(path, &s, &err),
			 MS_SYSTEM);
	ck_assert_int_eq(load_cached(path, &s, &err),
			 MS_SYSTEM);
	ck_assert_int_eq(ms_settings_load_cached(path, MS_CONF_BUILT_IN, &s,
						 &err), MS_OK);
}
END_TEST

START_TEST(every_key)
{
	static const char text[] =
		"users_dir = \"/srv/mail/users\";\n"
		"state_dir = \"/srv/mail/state\";\n"
		"webmail_services = [ \"sogo\", \"rc\", \"horde\" ];\n"
		"totp = { issuer = \"Example Mail\"; algorithm = \"SHA256\";\n"
		"         digits = 8; period = 60; window = 2; };\n"
		"lockout = { max_failures = 7; within = 600; lock_for = 1800; };\n"
		"cache_ttl = 120;\n"
		"activity_journal = false;\n";
	char path[PATH_MAX];
	struct ms_settings s;
	struct ms_error err = { 0 };

	write_conf(path, text, 0644);
	ck_assert_msg(load_named(path, &s, &err) == MS_OK, "%s", err.msg);
	ck_assert_str_eq(s.path, path);
	ck_assert_str_eq(s.users_dir, "/srv/mail/users");
	ck_assert_str_eq(s.state_dir, "/srv/mail/state");
	ck_assert_uint_eq(s.n_webmail_services, 3);
	ck_assert_str_eq(s.webmail_services[0], "sogo");
	ck_assert_str_eq(s.webmail_services[2], "horde");
	ck_assert_str_eq(s.totp.issuer, "Example Mail");
	ck_assert_int_eq(s.totp.algorithm, MS_SHA256);
	ck_assert_uint_eq(s.totp.digits, 8);
	ck_assert_uint_eq(s.totp.period, 60);
	ck_assert_uint_eq(s.totp.window, 2);
	ck_assert_uint_eq(s.lockout.max_failures, 7);
	ck_assert_uint_eq(s.lockout.within, 600);
	ck_assert_uint_eq(s.lockout.lock_for, 1800);
	ck_assert_uint_eq(s.cache_ttl, 120);
	ck_assert(!s.activity_journal);
}
END_TEST

START_TEST(partial_file_keeps_other_defaults)
{
	char path[PATH_MAX];
	struct ms_settings s;
	struct ms_error err = { 0 };

	write_conf(path, "totp = { digits = 7; };\n", 0600);
	ck_assert_msg(load_named(path, &s, &err) == MS_OK, "%s", err.msg);
	ck_assert_uint_eq(s.totp.digits, 7);
	s.totp.digits = 6;
	assert_defaults(&s);
}
END_TEST

/* Each of these is on line 3, after two lines that are fine. */
static const char *const bad_lines[] = {
	"totp = { digits = 5; };",
	"totp = { digits = 9; };",
	"totp = { period = 10; };",
	"totp = { period = 121; };",
	"totp = { algorithm = \"MD5\"; };",
	"totp = { algorithm = \"sha1\"; };",
	"totp = { issuer = \"\"; };",
	"totp = { colour = \"red\"; };",
	"colour = \"red\";",
	"users_dir = ;",
	"users_dir = \"relative/users\";",
	"state_dir = 42;",
	"webmail_services = [ \"\" ];",
	"lockout = { max_failures = 0; };",
	"lockout = 5;",
	"cache_ttl = -1;",
	"activity_journal = 1;",
	"activity_journal = \"no\";",
	"@include \"/etc/passwd\"",
	"store = \"mysql\";",
	"store = \"Files\";",
	"store = 1;",
	"store = \"postgresql\";",
	"store = \"postgresql\"; postgresql = { timeout = 500; };",
	"store = \"postgresql\"; postgresql = { conninfo = \"\"; };",
	"postgresql = 5;",
	"postgresql = { user = \"mailsec\"; };",
	"postgresql = { conninfo = 5; };",
	"postgresql = { conninfo = \"dbname=m password=pw\"; };",
	"postgresql = { conninfo = \"dbname=m PASSWORD = pw\"; };",
	"postgresql = { conninfo = \"password=pw dbname=m\"; };",
	"postgresql = { admin_conninfo = \"dbname=m password=pw\"; };",
	"postgresql = { conninfo = \"postgresql://u:pw@db.example/m\"; };",
	"postgresql = { conninfo = \"postgres://u:@db.example/m\"; };",
	"postgresql = { conninfo = \"postgresql:///m?user=u&password=pw\"; };",
	"postgresql = { conninfo = \"postgresql:///m?%70assword=pw\"; };",
	"postgresql = { conninfo = \"postgresql:///m?PassWord=pw\"; };",
	"postgresql = { timeout = 99; };",
	"postgresql = { timeout = 60001; };",
	"postgresql = { timeout = \"2s\"; };",
	"postgresql = { driver = \"store_postgresql.so\"; };",
	"postgresql = { driver = \"\"; };",
	"postgresql = { module_role = \"mailsec-module\"; };",
	"postgresql = { module_role = \"1mailsec\"; };",
	"postgresql = { module_role = \"\"; };",
	"postgresql = { module_role = \"m\\\"; drop role x\"; };",
	"postgresql = { module_role = "
	"\"a234567890123456789012345678901234567890123456789012345678901234\"; };",
};

START_TEST(bad_value_is_invalid_with_path_and_line)
{
	char path[PATH_MAX], text[256], where[PATH_MAX + 8];
	struct ms_settings s;
	struct ms_error err = { 0 };

	snprintf(text, sizeof(text), "# mailsec.conf\ncache_ttl = 0;\n%s\n",
		 bad_lines[_i]);
	write_conf(path, text, 0644);
	ck_assert_msg(load_named(path, &s, &err) == MS_INVALID,
		      "accepted: %s", bad_lines[_i]);
	ck_assert_int_eq(err.status, MS_INVALID);
	snprintf(where, sizeof(where), "%s:3:", path);
	ck_assert_msg(th_has(err.msg, where), "\"%s\" lacks \"%s\"", err.msg,
		      where);
}
END_TEST

START_TEST(store_keys)
{
	static const char text[] =
		"store = \"postgresql\";\n"
		"postgresql = {\n"
		"  conninfo = \"host=/run/postgresql dbname=mailsec "
		"user=mailsec_module passfile=/etc/mailsec/pgpass\";\n"
		"  admin_conninfo = \"postgresql:///mailsec?user=mailsec_admin\";\n"
		"  timeout = 500;\n"
		"  driver = \"/opt/mailsec/store_postgresql.so\";\n"
		"  module_role = \"Mail_Module2\";\n"
		"};\n";
	char path[PATH_MAX];
	struct ms_settings s;
	struct ms_error err = { 0 };

	write_conf(path, text, 0644);
	ck_assert_msg(load_named(path, &s, &err) == MS_OK, "%s", err.msg);
	ck_assert_int_eq(s.store, MS_STORE_POSTGRESQL);
	ck_assert_str_eq(s.postgresql.conninfo,
			 "host=/run/postgresql dbname=mailsec "
			 "user=mailsec_module passfile=/etc/mailsec/pgpass");
	ck_assert_str_eq(s.postgresql.admin_conninfo,
			 "postgresql:///mailsec?user=mailsec_admin");
	ck_assert_uint_eq(s.postgresql.timeout, 500);
	ck_assert_str_eq(s.postgresql.driver,
			 "/opt/mailsec/store_postgresql.so");
	ck_assert_str_eq(s.postgresql.module_role, "Mail_Module2");
}
END_TEST

/* Words that only look like a password key are no password. */
static const char *const passwordless[] = {
	"user=password_reset dbname=m",
	"dbname=m passfile=/etc/mailsec/pgpass",
	"dbname=m application_name=passwords",
	"postgresql://password@db.example/m",
	"postgresql://u@db.example:5432/m?passfile=/x",
	"postgresql://[::1]:5432/m",
};

START_TEST(store_conninfo_without_password)
{
	char path[PATH_MAX], text[512];
	struct ms_settings s;
	struct ms_error err = { 0 };

	snprintf(text, sizeof(text),
		 "store = \"postgresql\";\n"
		 "postgresql = { conninfo = \"%s\"; timeout = 100; };\n",
		 passwordless[_i]);
	write_conf(path, text, 0644);
	ck_assert_msg(load_named(path, &s, &err) == MS_OK, "%s: %s",
		      passwordless[_i], err.msg);
	ck_assert_str_eq(s.postgresql.conninfo, passwordless[_i]);
	ck_assert_str_eq(s.postgresql.admin_conninfo, "");
	ck_assert_uint_eq(s.postgresql.timeout, 100);
	ck_assert_int_eq(s.store, MS_STORE_POSTGRESQL);
}
END_TEST

/* The refusal says where the password should go, and never shows it. */
START_TEST(store_password_is_never_shown)
{
	static const char text[] =
		"postgresql = {\n"
		"  conninfo = \"dbname=m password=Sw0rdfish\";\n"
		"};\n";
	char path[PATH_MAX], where[PATH_MAX + 8];
	struct ms_settings s;
	struct ms_error err = { 0 };

	write_conf(path, text, 0644);
	ck_assert_int_eq(load_named(path, &s, &err), MS_INVALID);
	snprintf(where, sizeof(where), "%s:2:", path);
	ck_assert_msg(th_has(err.msg, where), "%s", err.msg);
	ck_assert_msg(th_has(err.msg, "passfile"), "%s", err.msg);
	ck_assert_msg(!th_has(err.msg, "Sw0rdfish"), "%s", err.msg);
}
END_TEST

START_TEST(store_conninfo_too_long)
{
	char path[PATH_MAX], text[MS_CONNINFO_MAX + 128];
	char conninfo[MS_CONNINFO_MAX + 1];
	struct ms_settings s;
	struct ms_error err = { 0 };

	memset(conninfo, 'a', sizeof(conninfo) - 1);
	memcpy(conninfo, "dbname=", 7);
	conninfo[MS_CONNINFO_MAX - 1] = '\0'; /* the longest that fits */
	snprintf(text, sizeof(text), "postgresql = { conninfo = \"%s\"; };\n",
		 conninfo);
	write_conf(path, text, 0644);
	ck_assert_msg(load_named(path, &s, &err) == MS_OK, "%s", err.msg);
	ck_assert_uint_eq(strlen(s.postgresql.conninfo), MS_CONNINFO_MAX - 1);
	conninfo[MS_CONNINFO_MAX - 1] = 'a';
	conninfo[MS_CONNINFO_MAX] = '\0';
	snprintf(text, sizeof(text), "postgresql = { conninfo = \"%s\"; };\n",
		 conninfo);
	write_conf(path, text, 0644);
	ck_assert_int_eq(load_named(path, &s, &err), MS_INVALID);
	ck_assert_msg(th_has(err.msg, "longer than"), "%s", err.msg);
}
END_TEST

START_TEST(writable_by_others_is_refused)
{
	static const mode_t modes[] = { 0666, 0646, 0664, 0620 };
	char path[PATH_MAX];
	struct ms_settings s;
	struct ms_error err = { 0 };

	for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
		write_conf(path, "cache_ttl = 5;\n", modes[i]);
		ck_assert_msg(load_named(path, &s, &err) == MS_SYSTEM,
			      "mode %o accepted", (unsigned)modes[i]);
		ck_assert(th_has(err.msg, "writable"));
	}
}
END_TEST

START_TEST(symlink_is_refused)
{
	char real[PATH_MAX], link[PATH_MAX];
	struct ms_settings s;
	struct ms_error err = { 0 };

	ts_path(real, sizeof(real), th.dir, "real.conf", NULL);
	ts_write_str(real, "cache_ttl = 5;\n", 0644);
	ts_path(link, sizeof(link), th.dir, "mailsec.conf", NULL);
	ck_assert_int_eq(symlink(real, link), 0);
	ck_assert_int_eq(ms_settings_load(link, MS_CONF_NAMED, &s, &err), MS_SYSTEM);
	ck_assert(th_has(err.msg, "symbolic link"));
}
END_TEST

START_TEST(foreign_owner_is_refused)
{
	char path[PATH_MAX];
	struct ms_settings s;
	struct ms_error err = { 0 };

	/* Only root can give a file away. */
	write_conf(path, "cache_ttl = 5;\n", 0644);
	ck_assert_int_eq(chown(path, 65534, 65534), 0);
	ck_assert_int_eq(load_named(path, &s, &err), MS_SYSTEM);
	ck_assert(th_has(err.msg, "owned by uid 65534"));
}
END_TEST

START_TEST(not_a_file_is_refused)
{
	char path[PATH_MAX];
	struct ms_settings s;
	struct ms_error err = { 0 };

	ck_assert_int_eq(ms_settings_load("", MS_CONF_NAMED, &s, &err), MS_INVALID);
	snprintf(path, sizeof(path), "%s/", th.dir);
	ck_assert_int_eq(load_named(path, &s, &err), MS_INVALID);
	ck_assert(th_has(err.msg, "not a file path"));
	/* A directory named like the file is not read as defaults. */
	ck_assert_int_eq(ms_settings_load(th.dir, MS_CONF_NAMED, &s, &err), MS_SYSTEM);
	ck_assert(th_has(err.msg, "not a regular file"));
}
END_TEST

START_TEST(webmail_service_lookup)
{
	char path[PATH_MAX];
	struct ms_settings s;
	struct ms_error err = { 0 };

	ms_settings_defaults(&s);
	ck_assert(ms_settings_is_webmail_service(&s, "webmail"));
	ck_assert(ms_settings_is_webmail_service(&s, "roundcube"));
	ck_assert(!ms_settings_is_webmail_service(&s, "imap"));
	/* Exact names only: unknown is restrictive. */
	ck_assert(!ms_settings_is_webmail_service(&s, "Webmail"));
	ck_assert(!ms_settings_is_webmail_service(&s, "webmail2"));
	ck_assert(!ms_settings_is_webmail_service(&s, ""));

	write_conf(path, "webmail_services = [ \"sogo\" ];\n", 0644);
	ck_assert_int_eq(load_named(path, &s, &err), MS_OK);
	ck_assert(ms_settings_is_webmail_service(&s, "sogo"));
	ck_assert(!ms_settings_is_webmail_service(&s, "webmail"));
}
END_TEST

/* The file written and then left alone long enough to be kept. */
static void write_settled_conf(char path[PATH_MAX], const char *text,
			       struct stat *st)
{
	write_conf(path, text, 0644);
	ck_assert_int_eq(stat(path, st), 0);
	sleep(4);
}

/* The same size, and the mtime set back: only the ctime tells. */
static void rewrite_keeping_mtime(const char *text, const struct stat *st)
{
	char path[PATH_MAX];
	struct timespec times[2] = { st->st_atim, st->st_mtim };

	write_conf(path, text, 0644);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
}

START_TEST(cache_parses_once_while_unchanged)
{
	char path[PATH_MAX];
	struct ms_settings s;
	struct ms_error err = { 0 };
	struct stat st;
	unsigned long parses;

	write_settled_conf(path, "cache_ttl = 5;\n", &st);
	parses = ms_settings_cache_parses();
	ck_assert_int_eq(load_cached(path, &s, &err), MS_OK);
	ck_assert_int_eq(load_cached(path, &s, &err), MS_OK);
	ck_assert_uint_eq(s.cache_ttl, 5);
	ck_assert_str_eq(s.path, path);
	ck_assert_uint_eq(ms_settings_cache_parses(), parses + 1);

	rewrite_keeping_mtime("cache_ttl = 6;\n", &st);
	ck_assert_int_eq(load_cached(path, &s, &err), MS_OK);
	ck_assert_uint_eq(s.cache_ttl, 6);
	/* Changed seconds ago: not kept, parsed every time for now. */
	ck_assert_int_eq(load_cached(path, &s, &err), MS_OK);
	ck_assert_uint_eq(s.cache_ttl, 6);
	ck_assert_uint_eq(ms_settings_cache_parses(), parses + 3);
}
END_TEST

/* What ms_settings_load refuses, the cache never hands out. */
START_TEST(cache_never_skips_the_checks)
{
	char path[PATH_MAX], real[PATH_MAX];
	struct ms_settings s;
	struct ms_error err = { 0 };
	struct stat st;

	write_settled_conf(path, "cache_ttl = 5;\n", &st);
	ck_assert_int_eq(load_cached(path, &s, &err), MS_OK);
	ck_assert_int_eq(chmod(path, 0666), 0);
	ck_assert_int_eq(load_cached(path, &s, &err), MS_SYSTEM);
	ck_assert(th_has(err.msg, "writable"));

	ck_assert_int_eq(chmod(path, 0644), 0);
	ts_path(real, sizeof(real), th.dir, "real.conf", NULL);
	ck_assert_int_eq(rename(path, real), 0);
	ck_assert_int_eq(symlink(real, path), 0);
	ck_assert_int_eq(load_cached(path, &s, &err), MS_SYSTEM);
	ck_assert(th_has(err.msg, "symbolic link"));
}
END_TEST

Suite *settings_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = th_tcase_dir("load"), *cache;

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, missing_named_file_is_an_error);
	tcase_add_test(tc, missing_file_means_defaults);
	tcase_add_test(tc, every_key);
	tcase_add_test(tc, partial_file_keeps_other_defaults);
	tcase_add_loop_test(tc, bad_value_is_invalid_with_path_and_line, 0,
			    sizeof(bad_lines) / sizeof(*bad_lines));
	tcase_add_test(tc, store_keys);
	tcase_add_loop_test(tc, store_conninfo_without_password, 0,
			    sizeof(passwordless) / sizeof(*passwordless));
	tcase_add_test(tc, store_password_is_never_shown);
	tcase_add_test(tc, store_conninfo_too_long);
	tcase_add_test(tc, writable_by_others_is_refused);
	tcase_add_test(tc, symlink_is_refused);
	ts_add_root_test(tc, foreign_owner_is_refused);
	tcase_add_test(tc, not_a_file_is_refused);
	tcase_add_test(tc, webmail_service_lookup);
	suite_add_tcase(s, tc);
	cache = th_tcase_dir("cache");
	/* Each test waits for its file to be old enough to be kept. */
	tcase_set_timeout(cache, 60);
	tcase_add_test(cache, cache_parses_once_while_unchanged);
	tcase_add_test(cache, cache_never_skips_the_checks);
	suite_add_tcase(s, cache);
	return s;
}
