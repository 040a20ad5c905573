/* The PostgreSQL rows: a private cluster (tests/support/pg-cluster),
 * filled from a file store of the bench's through the library's own copy
 * (ms_store_copy_mailbox, what `mailsecctl db import` does), a
 * mailsec.conf with store = "postgresql", and the stacks of the database's
 * scenarios in the file store's pam.d. The cluster is stopped at exit,
 * whichever way the bench ends. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "settings.h"
#include "store.h"
#include "store_copy.h"

#define FILL_PROCS_MAX 8

/* The cluster to stop at exit: set by the process that started it only. */
static char cluster_dir[PATH_MAX];
static pid_t cluster_owner;

static void cluster_stop(void)
{
	pid_t pid;

	if (!cluster_dir[0] || getpid() != cluster_owner)
		return;
	pid = fork();
	if (pid == 0) {
		execl(BENCH_PG_CLUSTER, BENCH_PG_CLUSTER, "stop", cluster_dir,
		      (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	cluster_dir[0] = '\0';
}

/* A signal ends the bench, the cluster stopped first (fork, exec and
 * waitpid are safe in a handler; the stores of the run are left). */
static void on_signal(int sig)
{
	(void)sig;
	cluster_stop();
	_exit(130);
}

/* pg-cluster start DIR; its socket directory into `sock`. */
static bool cluster_start(const char *dir, char sock[PATH_MAX])
{
	char command[2 * PATH_MAX + 32];
	FILE *out;
	size_t len;
	int status;

	snprintf(command, sizeof(command), "'%s' start '%s'", BENCH_PG_CLUSTER,
		 dir);
	out = popen(command, "r");
	if (!out)
		return false;
	if (!fgets(sock, PATH_MAX, out))
		sock[0] = '\0';
	status = pclose(out);
	len = strlen(sock);
	if (len && sock[len - 1] == '\n')
		sock[--len] = '\0';
	return status == 0 && len > 0;
}

static bool conf_write(struct pg_store *pg, const struct store *st,
		       const char *driver)
{
	char text[4 * PATH_MAX];
	int dir_fd, n;
	bool ok;

	n = snprintf(text, sizeof(text),
		     "store = \"postgresql\";\n"
		     "postgresql = {\n"
		     "  conninfo = \"host=%s dbname=mailsec user=mailsec_module\";\n"
		     "  admin_conninfo = \"host=%s dbname=mailsec user=mailsec_admin\";\n"
		     "  driver = \"%s\";\n"
		     "  module_role = \"mailsec_module\";\n"
		     "};\n"
		     "cache_ttl = 0;\nactivity_journal = true;\n",
		     pg->sock, pg->sock, driver);
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    snprintf(pg->conf, sizeof(pg->conf), "%s/mailsec-pg.conf",
		     st->root) >= (int)sizeof(pg->conf))
		return false;
	dir_fd = open(st->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return false;
	ok = file_write_at(dir_fd, "mailsec-pg.conf", text, (size_t)n, 0644);
	close(dir_fd);
	return ok;
}

/* Both stores of one filling process; false (the reason printed) when
 * either would not open. */
static bool stores_open(const struct store *st, const struct pg_store *pg,
			struct ms_settings *files_set, struct ms_settings *db_set,
			struct ms_store *files, struct ms_store *db)
{
	struct ms_error err = { 0 };

	if (ms_settings_load(st->conf, MS_CONF_NAMED, files_set, &err) != MS_OK ||
	    ms_settings_load(pg->conf, MS_CONF_NAMED, db_set, &err) != MS_OK ||
	    ms_store_open(files_set, MS_STORE_READ, files, &err) != MS_OK ||
	    ms_store_open(db_set, MS_STORE_READ, db, &err) != MS_OK) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return false;
	}
	return true;
}

/* The schema and the host key, once, before the mailboxes. */
static bool schema_init(const struct store *st, const struct pg_store *pg)
{
	struct ms_settings files_set, db_set;
	struct ms_store files = { .users_fd = -1, .state_fd = -1 };
	struct ms_store db = { .users_fd = -1, .state_fd = -1 };
	struct ms_error err = { 0 };
	char report[256];
	bool ok = stores_open(st, pg, &files_set, &db_set, &files, &db);

	if (ok && (ms_store_schema(&db, MS_DB_SCHEMA_INIT, report,
				   sizeof(report), &err) != MS_OK ||
		   ms_store_copy_host_key(&files, &db, &err) != MS_OK)) {
		fprintf(stderr, "bench: %s\n", err.msg);
		ok = false;
	}
	ms_store_close(&db);
	ms_store_close(&files);
	return ok;
}

/* Mailboxes [lo, hi) copied, one at a time, as db import does. */
static bool fill_range(const struct store *st, const struct pg_store *pg,
		       unsigned lo, unsigned hi)
{
	struct ms_settings files_set, db_set;
	struct ms_store files = { .users_fd = -1, .state_fd = -1 };
	struct ms_store db = { .users_fd = -1, .state_fd = -1 };
	struct ms_error err = { 0 };
	bool ok = stores_open(st, pg, &files_set, &db_set, &files, &db);

	for (unsigned i = lo; ok && i < hi; i++) {
		char name[BENCH_NAME_MAX];

		user_name(i, name);
		ms_store_renew(&db);
		ok = ms_store_copy_mailbox(&files, &db, name, &err) == MS_OK;
		if (!ok)
			fprintf(stderr, "bench: %s\n", err.msg);
	}
	ms_store_close(&db);
	ms_store_close(&files);
	return ok;
}

/* In child processes: the bench's own holds no connection that its
 * scenario processes would inherit. */
static bool fill(const struct store *st, struct pg_store *pg)
{
	unsigned procs = FILL_PROCS_MAX;
	pid_t pids[FILL_PROCS_MAX];
	bool ok = true;
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(schema_init(st, pg) ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return false;
	if (st->n < 1000)
		procs = 1;
	pg->fill_procs = procs;
	for (unsigned p = 0; p < procs; p++) {
		unsigned lo = (unsigned)((unsigned long long)st->n * p / procs);
		unsigned hi = (unsigned)((unsigned long long)st->n * (p + 1) / procs);

		pids[p] = fork();
		if (pids[p] == 0)
			_exit(fill_range(st, pg, lo, hi) ? 0 : 1);
		if (pids[p] < 0) {
			procs = p;
			ok = false;
		}
	}
	for (unsigned p = 0; p < procs; p++)
		if (waitpid(pids[p], &status, 0) != pids[p] ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			ok = false;
	return ok;
}

/* What a database in use would have had: its statistics and visibility
 * map made now, not by autovacuum in the middle of a scenario. */
static bool vacuum(const struct pg_store *pg)
{
	char command[PATH_MAX + 128];

	snprintf(command, sizeof(command),
		 "psql -qX -h '%s' -U postgres -d mailsec -c 'VACUUM (ANALYZE)' "
		 ">/dev/null", pg->sock);
	if (system(command) != 0)
		return false;
	/* Its backend ends after psql: not to be counted to the first row. */
	usleep(300000);
	return true;
}

static bool stacks_write(const struct store *st, const struct pg_store *pg,
			 const char *module)
{
	return stack_write(st, "imap-pg",
			   "auth required %s config=%s role=client\n"
			   "account required %s config=%s role=client\n",
			   module, pg->conf, module, pg->conf) &&
	       stack_write(st, "webmail-code-pg",
			   "auth required %s config=%s role=webmail no_password\n"
			   "account required %s config=%s role=webmail\n",
			   module, pg->conf, module, pg->conf);
}

/* As store.c's conf_settle: the module keeps a parse only of a
 * mailsec.conf some seconds old. */
static void conf_settle(const char *path)
{
	struct timespec now;
	struct stat sb;

	while (stat(path, &sb) == 0 &&
	       clock_gettime(CLOCK_REALTIME, &now) == 0 &&
	       now.tv_sec <= sb.st_ctim.tv_sec + 4)
		sleep(1);
}

bool pg_start(struct pg_store *pg, const struct store *st, const char *parent,
	      const char *driver, const char *module)
{
	uint64_t t0;

	memset(pg, 0, sizeof(*pg));
	/* Beside the store, not in it: the server's user must reach it. */
	if (snprintf(cluster_dir, sizeof(cluster_dir),
		     "%s/mailsec-bench-pg-XXXXXX", parent) >=
		    (int)sizeof(cluster_dir) || !mkdtemp(cluster_dir)) {
		cluster_dir[0] = '\0';
		return false;
	}
	cluster_owner = getpid();
	atexit(cluster_stop);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (!cluster_start(cluster_dir, pg->sock)) {
		fprintf(stderr, "bench: %s start %s failed\n", BENCH_PG_CLUSTER,
			cluster_dir);
		cluster_stop();
		return false;
	}
	if (!conf_write(pg, st, driver) || !stacks_write(st, pg, module))
		return false;
	t0 = now_ns();
	if (!fill(st, pg) || !vacuum(pg))
		return false;
	pg->fill_s = (double)(now_ns() - t0) / 1e9;
	conf_settle(pg->conf);
	return true;
}

void pg_stop(void)
{
	cluster_stop();
}

/* utime, stime, cutime, cstime of the postmaster (/proc/PID/stat): its
 * backends' time is its children's once they have ended. */
double pg_server_cpu_s(void)
{
	char path[PATH_MAX + 32], text[1024];
	unsigned long long t[4] = { 0, 0, 0, 0 };
	long pid = 0;
	FILE *f;
	char *p;

	snprintf(path, sizeof(path), "%s/data/postmaster.pid", cluster_dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = pid > 0 ? fopen(path, "r") : NULL;
	if (!f)
		return 0;
	p = fgets(text, sizeof(text), f);
	fclose(f);
	/* After "(comm)", fields 3..: utime is the 14th of the line. */
	p = p ? strrchr(text, ')') : NULL;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%llu %llu %llu %llu", &t[0], &t[1], &t[2], &t[3]) != 4)
		return 0;
	return (double)(t[0] + t[1] + t[2] + t[3]) / (double)sysconf(_SC_CLK_TCK);
}
