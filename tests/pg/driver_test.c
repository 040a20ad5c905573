/* driver_test DRIVER.so SOCKET_DIR: the cases, in order (each case uses
 * the schema the ones before made). PG_RESTART and PG_STOP hold the
 * commands that restart and stop the server; PG_STOPPED names a file
 * that holds the pid of a backend while it is stopped (SIGSTOP). */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver_test.h"

const struct ms_db_driver *drv;
const char *sock_dir;
static int passed, failed;
static PGconn *looker;

void check(bool ok, const char *what, const char *detail)
{
	if (ok) {
		passed++;
		printf("ok   %s\n", what);
	} else {
		failed++;
		printf("FAIL %s\n", what);
		if (detail && *detail)
			printf("     %s\n", detail);
	}
	fflush(stdout);
}

void check_status(enum ms_status got, enum ms_status want,
		  const struct ms_error *err, const char *part,
		  const char *what)
{
	char detail[700];
	bool ok = got == want &&
		  (!part || (err && strstr(err->msg, part) != NULL));

	snprintf(detail, sizeof(detail), "status %d (want %d): %s", (int)got,
		 (int)want, err ? err->msg : "");
	check(ok, what, detail);
}

double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

const char *conninfo(const char *user, const char *app)
{
	static char text[4][512];
	static int next;
	char *out = text[next++ % 4];

	snprintf(out, sizeof(text[0]),
		 "host=%s dbname=mailsec user=%s application_name=%s",
		 sock_dir, user, app);
	return out;
}

struct ms_db *db_open(const char *user, const char *app, enum ms_db_role role,
		      unsigned timeout_ms)
{
	struct ms_db_config config = { conninfo(user, app), timeout_ms, role };
	struct ms_error err = { 0 };
	struct ms_db *db = NULL;

	if (drv->open(&config, &db, &err) != MS_OK) {
		check(false, "open", err.msg);
		exit(1);
	}
	return db;
}

PGconn *super(void)
{
	char info[512];

	if (looker && PQstatus(looker) == CONNECTION_OK)
		return looker;
	PQfinish(looker);
	snprintf(info, sizeof(info), "host=%s dbname=mailsec user=postgres",
		 sock_dir);
	looker = PQconnectdb(info);
	if (PQstatus(looker) != CONNECTION_OK) {
		check(false, "superuser connection", PQerrorMessage(looker));
		exit(1);
	}
	return looker;
}

/* After a restart of the server the connection fails once: again. */
static PGresult *super_exec(const char *sql)
{
	PGresult *res = PQexec(super(), sql);

	if (PQstatus(looker) == CONNECTION_OK)
		return res;
	PQclear(res);
	return PQexec(super(), sql);
}

const char *super_value(const char *sql)
{
	static char value[256];
	PGresult *res = super_exec(sql);
	ExecStatusType status = PQresultStatus(res);
	const char *out = value;

	value[0] = '\0';
	if (status == PGRES_TUPLES_OK && PQntuples(res) > 0)
		snprintf(value, sizeof(value), "%s", PQgetvalue(res, 0, 0));
	else if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
		out = NULL;
	PQclear(res);
	return out;
}

int backend_of(const char *app)
{
	char sql[256];
	const char *pid;

	snprintf(sql, sizeof(sql),
		 "SELECT pid FROM pg_stat_activity WHERE application_name"
		 " = '%s' AND (SELECT count(*) FROM pg_stat_activity WHERE"
		 " application_name = '%s') = 1",
		 app, app);
	pid = super_value(sql);
	return pid ? atoi(pid) : 0;
}

bool backend_alive(int pid)
{
	char sql[128];
	const char *found;

	snprintf(sql, sizeof(sql),
		 "SELECT 1 FROM pg_stat_activity WHERE pid = %d", pid);
	found = super_value(sql);
	return found && strcmp(found, "1") == 0;
}

static void load_driver(const char *path)
{
	void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	ms_db_driver_fn *entry;

	if (!handle) {
		printf("FAIL dlopen %s: %s\n", path, dlerror());
		exit(1);
	}
	entry = (ms_db_driver_fn *)dlsym(handle, MS_DB_DRIVER_SYMBOL);
	check(entry != NULL, "the driver exports " MS_DB_DRIVER_SYMBOL, dlerror());
	if (!entry)
		exit(1);
	check(entry(MS_DB_API_VERSION + 1) == NULL,
	      "another API version: no table", NULL);
	drv = entry(MS_DB_API_VERSION);
	check(drv && drv->api_version == MS_DB_API_VERSION,
	      "API version 1: the table", NULL);
	if (!drv)
		exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: driver_test DRIVER.so SOCKET_DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	load_driver(argv[1]);
	sock_dir = argv[2];
	cases_schema();
	cases_conninfo();
	cases_rows();
	cases_grants();
	cases_lock();
	cases_deadline();
	cases_fork();
	cases_restart();
	cases_down();
	printf("\n%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
