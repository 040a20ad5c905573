/* kick_command (kick.h): the mailsec.conf keys, the argv as run, what
 * counts as done, the timeout, what the command inherits, and the names
 * it is never handed. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "kick.h"
#include "settings.h"
#include "suites.h"

#define NAME "alice@example.com"

static enum ms_status load_text(const char *text, struct ms_settings *s,
				struct ms_error *err)
{
	char path[PATH_MAX];

	ts_path(path, sizeof(path), th.dir, "mailsec.conf", NULL);
	ts_write_str(path, text, 0644);
	return ms_settings_load(path, MS_CONF_NAMED, s, err);
}

/* Settings whose kick_command is "/bin/sh -c SCRIPT sh ARGS...". */
static void shell_kick(struct ms_settings *s, const char *script,
		       const char *const args[])
{
	unsigned n = 0;

	ms_settings_defaults(s);
	strcpy(s->kick_command[n++], "/bin/sh");
	strcpy(s->kick_command[n++], "-c");
	snprintf(s->kick_command[n++], MS_KICK_ARG_MAX, "%s", script);
	strcpy(s->kick_command[n++], "sh");
	for (; args && *args; args++)
		strcpy(s->kick_command[n++], *args);
	s->n_kick_args = n;
}

/* th.dir/NAME, read back ("" when missing). */
static char *read_back(const char *name)
{
	char path[PATH_MAX];
	char *text;

	ts_path(path, sizeof(path), th.dir, name, NULL);
	if (access(path, F_OK) != 0)
		return strdup("");
	text = ts_read(path, NULL);
	return text;
}

/* A script line that writes to th.dir/NAME. */
static void to_file(char *out, size_t size, const char *command,
		    const char *name)
{
	snprintf(out, size, "%s >'%s/%s'", command, th.dir, name);
}

START_TEST(unset_by_default_and_bounded)
{
	struct ms_settings s;
	struct ms_error err = { 0 };

	ck_assert_int_eq(load_text("cache_ttl = 0;\n", &s, &err), MS_OK);
	ck_assert(!ms_kick_configured(&s));
	ck_assert_uint_eq(s.kick_timeout, 5);
	ck_assert_int_eq(load_text("kick_command = [ ];\n", &s, &err), MS_OK);
	ck_assert(!ms_kick_configured(&s));
	ck_assert_int_eq(load_text("kick_command = [ \"/usr/bin/doveadm\", "
				   "\"kick\", \"%m\" ];\nkick_timeout = 10;\n",
				   &s, &err), MS_OK);
	ck_assert(ms_kick_configured(&s));
	ck_assert_uint_eq(s.n_kick_args, 3);
	ck_assert_str_eq(s.kick_command[2], "%m");
	ck_assert_uint_eq(s.kick_timeout, 10);
	ck_assert_int_eq(load_text("kick_command = ( \"/bin/true\", \"100%%\" );\n",
				   &s, &err), MS_OK);
	ck_assert_int_eq(load_text("kick_timeout = 0;\n", &s, &err), MS_INVALID);
	ck_assert(th_has(err.msg, "mailsec.conf:1:"));
	/* mailsecctl self must end well within the webmail's deadline. */
	ck_assert_int_eq(load_text("kick_timeout = 11;\n", &s, &err), MS_INVALID);
}
END_TEST

START_TEST(config_errors_name_the_line)
{
	static const struct {
		const char *text, *says;
	} bad[] = {
		{ "\nkick_command = [ \"doveadm\", \"kick\" ];\n", ":2: 'kick_command' must begin with an absolute path" },
		{ "kick_command = [ \"/usr/bin/doveadm\",\n \"kick\", \"%u\" ];\n", ":2: 'kick_command': unknown escape '%u'" },
		{ "kick_command = [ \"/bin/echo\", \"50%\" ];\n", "unknown escape '%'" },
		{ "kick_command = \"/usr/bin/doveadm kick %m\";\n", "must be a list of strings" },
		{ "kick_command = [ \"/bin/echo\", \"\" ];\n", "1-255 printable bytes" },
		{ "kick_comand = [ \"/bin/echo\" ];\n", "unknown key 'kick_comand'" },
	};
	struct ms_settings s;
	struct ms_error err = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		ck_assert_int_eq(load_text(bad[i].text, &s, &err), MS_INVALID);
		ck_assert_msg(th_has(err.msg, bad[i].says), "%zu: %s", i, err.msg);
	}
}
END_TEST

START_TEST(argv_is_substituted_without_a_shell)
{
	const char *const args[] = { "%m", "a%%b%m", "$HOME;x", NULL };
	struct ms_settings s;
	struct ms_error err = { 0 };
	char script[PATH_MAX + 64];
	char *got;

	to_file(script, sizeof(script), "printf '%s|' \"$@\"", "argv");
	shell_kick(&s, script, args);
	ck_assert_msg(ms_kick_run(&s, NAME, &err) == MS_OK, "%s", err.msg);
	got = read_back("argv");
	ck_assert_str_eq(got, NAME "|a%b" NAME "|$HOME;x|");
	free(got);
}
END_TEST

START_TEST(done_is_0_or_68_else_the_first_line)
{
	struct ms_settings s;
	struct ms_error err = { 0 };

	shell_kick(&s, "echo kicked; exit 0", NULL);
	ck_assert_int_eq(ms_kick_run(&s, NAME, &err), MS_OK);
	shell_kick(&s, "echo no users kicked >&2; exit 68", NULL);
	ck_assert_int_eq(ms_kick_run(&s, NAME, &err), MS_OK);
	shell_kick(&s, "printf '\\n\\033[31mError: \\001anvil\\n2nd\\n' >&2; exit 75",
		   NULL);
	ck_assert_int_eq(ms_kick_run(&s, NAME, &err), MS_SYSTEM);
	ck_assert_str_eq(err.msg, "/bin/sh exited with status 75: "
				  "?[31mError: ?anvil");
	shell_kick(&s, "exit 1", NULL);
	ck_assert_int_eq(ms_kick_run(&s, NAME, &err), MS_SYSTEM);
	ck_assert_str_eq(err.msg, "/bin/sh exited with status 1");
	shell_kick(&s, "kill -TERM $$", NULL);
	ck_assert_int_eq(ms_kick_run(&s, NAME, &err), MS_SYSTEM);
	ck_assert(th_has(err.msg, "/bin/sh was killed by signal 15"));
	ms_settings_defaults(&s);
	strcpy(s.kick_command[0], "/nonexistent/doveadm");
	s.n_kick_args = 1;
	ck_assert_int_eq(ms_kick_run(&s, NAME, &err), MS_SYSTEM);
	ck_assert(th_has(err.msg, "cannot run /nonexistent/doveadm"));
}
END_TEST

/* doveadm kick exits 0 having kicked nobody when the mailbox shares an
 * imap-hibernate process with other users: whatever line says so. */
START_TEST(a_kick_that_would_need_force_kicked_nobody)
{
	static const char *const scripts[] = {
		"echo 'warning: other connections would also be kicked from "
		"following users:'; echo bob; echo \"Use the '-f' option to "
		"kick all connections\"",
		"echo noise >&2; i=0; while [ $i -lt 100 ]; do printf "
		"xxxxxxxxxx; i=$((i+1)); done; echo; printf 'would also '; "
		"sleep 0.1; echo 'be kicked'",
	};
	struct ms_settings s;
	struct ms_error err = { 0 };

	for (size_t i = 0; i < sizeof(scripts) / sizeof(*scripts); i++) {
		shell_kick(&s, scripts[i], NULL);
		ck_assert_msg(ms_kick_run(&s, NAME, &err) == MS_SYSTEM,
			      "%zu: taken as done", i);
		ck_assert_str_eq(err.msg, "/bin/sh kicked nobody: the mailbox "
					  "shares an imap-hibernate process; "
					  "keep imap_hibernate_timeout = 0");
	}
}
END_TEST

/* A whole line longer than kept is cut, never overruns. */
START_TEST(long_output_is_bounded)
{
	struct ms_settings s;
	struct ms_error err = { 0 };

	shell_kick(&s, "i=0; while [ $i -lt 2000 ]; do printf xxxxxxxxxx; "
		       "i=$((i+1)); done; exit 2", NULL);
	ck_assert_int_eq(ms_kick_run(&s, NAME, &err), MS_SYSTEM);
	ck_assert(th_has(err.msg, "status 2: xxxx"));
	ck_assert_uint_lt(strlen(err.msg), 220);
}
END_TEST

/* The group goes: the command and what it left in the background. */
START_TEST(a_hanging_command_is_killed_at_the_timeout)
{
	struct ms_settings s;
	struct ms_error err = { 0 };
	struct timespec start;
	char script[PATH_MAX + 64], proc[64];
	char *pid;
	double took;

	to_file(script, sizeof(script), "sleep 30 & echo $!", "bg");
	strcat(script, "; exec sleep 30");
	shell_kick(&s, script, NULL);
	s.kick_timeout = 1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	ck_assert_int_eq(ms_kick_run(&s, NAME, &err), MS_SYSTEM);
	took = th_seconds_since(&start);
	ck_assert_str_eq(err.msg, "/bin/sh timed out after 1 s");
	ck_assert_msg(took >= 0.9 && took < 1.6, "took %.2f s", took);
	pid = read_back("bg");
	pid[strcspn(pid, "\n")] = '\0';
	ck_assert_str_ne(pid, "");
	/* Killed: gone, or a zombie its new parent has yet to reap. */
	snprintf(proc, sizeof(proc), "/proc/%s/stat", pid);
	for (int i = 0; i < 100; i++) {
		char stat[256] = "";
		FILE *file = fopen(proc, "r");

		if (!file)
			break;
		if (!fgets(stat, sizeof(stat), file))
			stat[0] = '\0';
		fclose(file);
		if (strstr(stat, ") Z "))
			break;
		ck_assert_msg(i < 99, "the background sleep still runs: %s",
			      stat);
		usleep(10000);
	}
	free(pid);
}
END_TEST

/* It runs as root for the webmail (sudo): nothing of the caller's
 * environment, descriptors or stdin reaches it. */
START_TEST(environment_and_descriptors_are_its_own)
{
	struct ms_settings s;
	struct ms_error err = { 0 };
	char script[PATH_MAX + 200];
	char *env, *fds;
	int leak = open("/dev/null", O_RDONLY);

	ck_assert_int_ge(leak, 0);
	ck_assert_int_eq(dup2(leak, 37), 37);
	setenv("MAILSEC_KICK_TEST", "inherited", 1);
	to_file(script, sizeof(script), "env", "env");
	strcat(script, "; { readlink /proc/$$/fd/0; [ ! -e /proc/$$/fd/37 ] || "
		       "echo leaked; }");
	to_file(script + strlen(script), sizeof(script) - strlen(script), "",
		"fds");
	shell_kick(&s, script, NULL);
	ck_assert_msg(ms_kick_run(&s, NAME, &err) == MS_OK, "%s", err.msg);
	unsetenv("MAILSEC_KICK_TEST");
	close(37);
	close(leak);
	env = read_back("env");
	fds = read_back("fds");
	ck_assert(strstr(env, MS_KICK_PATH "\n"));
	ck_assert(!strstr(env, "MAILSEC_KICK_TEST"));
	ck_assert(!strstr(env, "HOME="));
	ck_assert_str_eq(fds, "/dev/null\n");
	free(env);
	free(fds);
}
END_TEST

/* doveadm kick takes a user argument that an address parser reads as an
 * IPv4 address for one, and kicks everyone from there: inet_aton's
 * forms, and Dovecot's own, which reads 127.0.0.08 as 127.0.0.8. */
START_TEST(names_read_as_an_address_or_option_are_not_handed_over)
{
	static const char *const refused[] = {
		"0x7f000001", "127.1", "1.2.3.4", "12345", "0", "-f", "-a",
		"127.0.0.08", "0192.168.0.5", "10.0.0.09", "1", "0x7f.1",
		"1.2.3.4.5", "0x", "999.999.999.999", "1.", "1..2", "-x.example"
	};
	static const char *const taken[] = { NAME, "0x7f000001@example.com",
					     "a-b", "x127.1", "a1.b2", "0xz",
					     "1@x", "1.2.3.4.example",
					     "127.0.0.1a", "0x7g.1", "1.2-3" };
	struct ms_settings s;
	struct ms_error err = { 0 };
	char script[PATH_MAX + 64];
	char *ran;

	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++) {
		ck_assert_msg(ms_kick_name_check(refused[i], &err) == MS_REFUSED,
			      "%s was handed over", refused[i]);
		ck_assert(th_has(err.msg, "would be read as an address/option"));
	}
	for (size_t i = 0; i < sizeof(taken) / sizeof(*taken); i++)
		ck_assert_msg(ms_kick_name_check(taken[i], &err) == MS_OK, "%s",
			      taken[i]);
	to_file(script, sizeof(script), "echo ran", "ran");
	shell_kick(&s, script, NULL);
	ck_assert_int_eq(ms_kick_run(&s, "127.1", &err), MS_REFUSED);
	ck_assert_str_eq(err.msg, "mailbox name 127.1 would be read as an "
				  "address/option by the kick command; not run");
	ran = read_back("ran");
	ck_assert_str_eq(ran, "");
	free(ran);
}
END_TEST

/* th.dir/NAME, a script of mode `mode` whose run leaves th.dir/ran. */
static void ran_script(const char *name, mode_t mode, char *path,
		       size_t size)
{
	char text[PATH_MAX + 64];

	snprintf(text, sizeof(text), "#!/bin/sh\necho ran >'%s/ran'\n", th.dir);
	ts_path(path, size, th.dir, name, NULL);
	ts_write_str(path, text, mode);
}

/* It runs as root (for the webmail too, through sudo): a program that
 * someone else could have written is refused, and never run. */
START_TEST(a_program_others_can_write_is_not_run)
{
	struct ms_settings s;
	struct ms_error err = { 0 };
	char path[PATH_MAX], dir[PATH_MAX], *ran;

	ms_settings_defaults(&s);
	s.n_kick_args = 1;
	ran_script("kick.sh", 0777, path, sizeof(path));
	strcpy(s.kick_command[0], path);
	ck_assert_int_eq(ms_kick_run(&s, NAME, &err), MS_SYSTEM);
	ck_assert_msg(th_has(err.msg, "writable by group or others (mode 0777)"),
		      "%s", err.msg);
	ck_assert(th_has(err.msg, "cannot run "));
	ck_assert_int_eq(ms_kick_check_program(&s, &err), MS_INVALID);
	ck_assert(th_has(err.msg, "kick.sh: writable by group or others"));
	ran = read_back("ran");
	ck_assert_str_eq(ran, "");
	free(ran);

	ts_path(dir, sizeof(dir), th.dir, "open", NULL);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chmod(dir, 01777), 0);
	ts_path(path, sizeof(path), dir, "kick.sh", NULL);
	ts_write_str(path, "#!/bin/sh\nexit 0\n", 0755);
	strcpy(s.kick_command[0], path);
	ck_assert_int_eq(ms_kick_run(&s, NAME, &err), MS_SYSTEM);
	ck_assert_msg(th_has(err.msg, "open: writable by group or others"),
		      "%s", err.msg);
	ck_assert_int_eq(ms_kick_check_program(&s, &err), MS_INVALID);

	/* Writable further up: a directory there could be swapped. */
	ts_path(dir, sizeof(dir), th.dir, "up", NULL);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ts_path(path, sizeof(path), dir, "bin", NULL);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ts_path(path, sizeof(path), dir, "bin/kick.sh", NULL);
	ts_write_str(path, "#!/bin/sh\nexit 0\n", 0755);
	strcpy(s.kick_command[0], path);
	ck_assert_int_eq(ms_kick_run(&s, NAME, &err), MS_SYSTEM);
	ck_assert_msg(th_has(err.msg, "up: writable by group or others"),
		      "%s", err.msg);
	ck_assert_int_eq(ms_kick_check_program(&s, &err), MS_INVALID);

	ran_script("kick.sh", 0755, path, sizeof(path));
	strcpy(s.kick_command[0], path);
	ck_assert_msg(ms_kick_run(&s, NAME, &err) == MS_OK, "%s", err.msg);
	ran = read_back("ran");
	ck_assert_str_eq(ran, "ran\n");
	free(ran);
}
END_TEST

/* Owned by someone else: only root can make such a file. */
START_TEST(a_program_of_another_owner_is_not_run)
{
	struct ms_settings s;
	struct ms_error err = { 0 };
	char path[PATH_MAX], *ran;

	if (geteuid() != 0) {
		fprintf(stderr, "kick: another owner's program: not checked "
				"(needs root)\n");
		return;
	}
	ms_settings_defaults(&s);
	s.n_kick_args = 1;
	ran_script("kick.sh", 0755, path, sizeof(path));
	ck_assert_int_eq(chown(path, 65534, 65534), 0);
	strcpy(s.kick_command[0], path);
	ck_assert_int_eq(ms_kick_run(&s, NAME, &err), MS_SYSTEM);
	ck_assert_msg(th_has(err.msg, "owned by uid 65534"), "%s", err.msg);
	ck_assert_int_eq(ms_kick_check_program(&s, &err), MS_INVALID);
	ran = read_back("ran");
	ck_assert_str_eq(ran, "");
	free(ran);
}
END_TEST

START_TEST(check_program_exists_and_runs)
{
	struct ms_settings s;
	struct ms_error err = { 0 };

	ms_settings_defaults(&s);
	ck_assert_int_eq(ms_kick_check_program(&s, &err), MS_OK);
	strcpy(s.path, "/etc/mailsec/mailsec.conf");
	strcpy(s.kick_command[0], "/bin/sh");
	s.n_kick_args = 1;
	ck_assert_int_eq(ms_kick_check_program(&s, &err), MS_OK);
	strcpy(s.kick_command[0], "/nonexistent/doveadm");
	ck_assert_int_eq(ms_kick_check_program(&s, &err), MS_INVALID);
	ck_assert(th_has(err.msg, "kick_command: /nonexistent/doveadm: No such file"));
	strcpy(s.kick_command[0], "/etc/passwd");
	ck_assert_int_eq(ms_kick_check_program(&s, &err), MS_INVALID);
	ck_assert(th_has(err.msg, "not an executable file"));
	strcpy(s.kick_command[0], "/tmp");
	ck_assert_int_eq(ms_kick_check_program(&s, &err), MS_INVALID);
}
END_TEST

Suite *kick_suite(void)
{
	Suite *suite = suite_create("kick");
	TCase *conf = th_tcase_dir("settings");
	TCase *run = th_tcase_dir("run");

	tcase_add_test(conf, unset_by_default_and_bounded);
	tcase_add_test(conf, config_errors_name_the_line);
	tcase_add_test(conf, check_program_exists_and_runs);
	tcase_add_test(run, a_program_others_can_write_is_not_run);
	tcase_add_test(run, a_program_of_another_owner_is_not_run);
	tcase_add_test(run, argv_is_substituted_without_a_shell);
	tcase_add_test(run, done_is_0_or_68_else_the_first_line);
	tcase_add_test(run, a_kick_that_would_need_force_kicked_nobody);
	tcase_add_test(run, long_output_is_bounded);
	tcase_add_test(run, a_hanging_command_is_killed_at_the_timeout);
	tcase_add_test(run, environment_and_descriptors_are_its_own);
	tcase_add_test(run, names_read_as_an_address_or_option_are_not_handed_over);
	suite_add_tcase(suite, conf);
	suite_add_tcase(suite, run);
	return suite;
}
