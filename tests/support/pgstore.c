#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pgstore.h"

bool ts_pg(void)
{
	const char *store = getenv("MAILSEC_TEST_STORE");

	return store && strcmp(store, "postgresql") == 0;
}

static const char *required_env(const char *name)
{
	const char *value = getenv(name);

	ck_assert_msg(value && value[0] == '/',
		      "MAILSEC_TEST_STORE=postgresql needs %s (an absolute path)",
		      name);
	return value;
}

void ts_pg_conninfo(char *out, size_t size, const char *dbname,
		    const char *user)
{
	int n = snprintf(out, size, "host=%s dbname=%s user=%s",
			 required_env("MAILSEC_TEST_PGSOCK"), dbname, user);

	ck_assert_msg(n > 0 && (size_t)n < size, "conninfo too long");
}

void ts_pg_conf(char *out, size_t size, const char *dbname,
		const char *group_extra)
{
	char module[512], admin[512];
	int n;

	dbname = dbname ? dbname : "mailsec";
	ts_pg_conninfo(module, sizeof(module), dbname, "mailsec_module");
	ts_pg_conninfo(admin, sizeof(admin), dbname, "mailsec_admin");
	n = snprintf(out, size,
		     "store = \"postgresql\";\n"
		     "postgresql = { conninfo = \"%s\"; admin_conninfo = \"%s\";\n"
		     "  driver = \"%s\"; %s };\n",
		     module, admin, required_env("MAILSEC_TEST_PGDRIVER"),
		     group_extra ? group_extra : "");
	ck_assert_msg(n > 0 && (size_t)n < size, "mailsec.conf too long");
}

int ts_pg_sql(const char *sql)
{
	const char *sock = required_env("MAILSEC_TEST_PGSOCK");
	int status;
	pid_t pid = fork();

	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		execlp("psql", "psql", "-qX", "-v", "ON_ERROR_STOP=1", "-h",
		       sock, "-U", "mailsec_admin", "-d", "mailsec", "-c", sql,
		       (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		ck_assert_msg(errno == EINTR, "waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

void ts_pg_reset(void)
{
	ck_assert_msg(ts_pg_sql("TRUNCATE mailsec_mailbox") == 0,
		      "could not empty the test database (psql failed)");
}
