/* Locks across connections, the deadline on a frozen backend, fork,
 * a restart and a stopped server. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver_test.h"

/* In a child: a blob write as the module with `timeout_ms`; exits 0
 * when it ended as `want` within [min_ms, max_ms]. */
static pid_t blob_writer(unsigned timeout_ms, enum ms_status want,
			 double min_ms, double max_ms)
{
	pid_t pid = fork();
	struct ms_error err = { 0 };
	struct ms_db *db;
	enum ms_status got;
	double start, took;

	if (pid != 0)
		return pid;
	db = db_open("mailsec_module", "drvtest_child", MS_DB_LOGIN,
		     timeout_ms);
	start = now_ms();
	got = drv->save_blob(db, "b", MS_DB_STATE, -1,
			     (const unsigned char *)"child", 5, &err);
	took = now_ms() - start;
	if (got != want || took < min_ms || took > max_ms) {
		fprintf(stderr, "child: status %d after %.0f ms: %s\n",
			(int)got, took, err.msg);
		_exit(1);
	}
	_exit(0);
}

static bool child_ok(pid_t pid)
{
	int status;

	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void cases_lock(void)
{
	struct ms_db *db = db_open("mailsec_admin", "drvtest_lock",
				   MS_DB_ADMIN, 5000);
	struct ms_error err = { 0 };
	int64_t version;
	pid_t child;

	printf("\n== lock\n");
	check_status(drv->lock(db, "zz", true, &err), MS_NOT_FOUND, &err, NULL,
		     "lock of no row, existing: MS_NOT_FOUND");
	check_status(drv->unlock(db, true, &err), MS_SYSTEM, &err,
		     "no transaction", "... and no transaction");
	check_status(drv->lock(db, "new1", false, &err), MS_OK, &err, NULL,
		     "lock of a name without a row");
	check_status(drv->save_record(db, "new1", "n\n", 2, &version, &err),
		     MS_OK, &err, NULL, "save_record under the lock");
	check_status(drv->unlock(db, false, &err), MS_OK, &err, NULL,
		     "unlock, rolling back");
	check_status(drv->version(db, "new1", &version, &err), MS_NOT_FOUND,
		     &err, NULL, "... the record was not written");

	check_status(drv->lock(db, "b", true, &err), MS_OK, &err, NULL,
		     "lock of a row");
	child = blob_writer(3000, MS_OK, 300, 1500);
	usleep(400 * 1000);
	check_status(drv->unlock(db, true, &err), MS_OK, &err, NULL,
		     "unlock, committing");
	check(child_ok(child),
	      "another connection's save_blob waited for the lock, then wrote",
	      NULL);

	check_status(drv->lock(db, "b", true, &err), MS_OK, &err, NULL,
		     "lock of a row again");
	child = blob_writer(400, MS_SYSTEM, 300, 550);
	check(child_ok(child),
	      "another connection's save_blob gave up at its deadline", NULL);
	check_status(drv->unlock(db, false, &err), MS_OK, &err, NULL,
		     "unlock");
	drv->close(db);
}

static void stop_backend(int pid, int signal)
{
	const char *file = getenv("PG_STOPPED");
	FILE *out = file ? fopen(file, "w") : NULL;

	if (out) {
		if (signal == SIGSTOP)
			fprintf(out, "%d\n", pid);
		fclose(out);
	}
	kill(pid, signal);
}

void cases_deadline(void)
{
	struct ms_db *db = db_open("mailsec_module", "drvtest_frozen",
				   MS_DB_LOGIN, 500);
	struct ms_error err = { 0 };
	struct ms_db_row row;
	enum ms_status got;
	double start, took;
	char detail[700];
	int pid;

	printf("\n== deadline\n");
	check_status(drv->load(db, "b", MS_DB_WANT_RECORD, &row, &err), MS_OK,
		     &err, NULL, "load");
	drv->row_free(&row);
	drv->close(db);
	pid = backend_of("drvtest_frozen");
	check(pid > 0, "the driver's backend", NULL);
	if (pid <= 0)
		return;
	db = db_open("mailsec_module", "drvtest_frozen", MS_DB_LOGIN, 500);
	stop_backend(pid, SIGSTOP);
	start = now_ms();
	got = drv->load(db, "b", MS_DB_WANT_RECORD, &row, &err);
	took = now_ms() - start;
	stop_backend(pid, SIGCONT);
	check_status(got, MS_SYSTEM, &err, "timed out after 500 ms",
		     "a frozen backend: timed out");
	snprintf(detail, sizeof(detail), "%.0f ms", took);
	check(took >= 450 && took <= 600, "... at the deadline (500 ms)",
	      detail);
	drv->close(db);
	db = db_open("mailsec_module", "drvtest_frozen", MS_DB_LOGIN, 500);
	check_status(drv->load(db, "b", 0, &row, &err), MS_OK, &err, NULL,
		     "the next use connects anew");
	drv->row_free(&row);
	drv->close(db);
}

void cases_fork(void)
{
	struct ms_db *db = db_open("mailsec_admin", "drvtest_fork",
				   MS_DB_ADMIN, 5000);
	struct ms_error err = { 0 };
	int64_t version;
	pid_t child;
	int pid;

	printf("\n== fork\n");
	check_status(drv->version(db, "b", &version, &err), MS_OK, &err, NULL,
		     "the parent connects");
	pid = backend_of("drvtest_fork");
	check(pid > 0, "the parent's backend", NULL);
	child = fork();
	if (child == 0) {
		struct ms_db *mine = db_open("mailsec_admin", "drvtest_forked",
					     MS_DB_ADMIN, 5000);
		enum ms_status got = drv->version(mine, "b", &version, &err);

		drv->close(mine);
		_exit(got == MS_OK ? 0 : 1);
	}
	check(child_ok(child), "a child uses the driver", NULL);
	usleep(100 * 1000);
	check(backend_alive(pid), "the parent's session outlives the child",
	      NULL);
	check_status(drv->version(db, "b", &version, &err), MS_OK, &err, NULL,
		     "the parent's next call");
	check(backend_of("drvtest_fork") == pid,
	      "... on the same backend (no reconnect)", NULL);
	drv->close(db);
}

/* The server goes away while the COMMIT is on its way: whether it was
 * done is unknown, and the message says so. */
static void case_commit_lost(void)
{
	struct ms_db *db = db_open("mailsec_admin", "drvtest_commit",
				   MS_DB_ADMIN, 5000);
	struct ms_error err = { 0 };
	char sql[128];
	int pid;

	check_status(drv->lock(db, "b", true, &err), MS_OK, &err, NULL,
		     "lock");
	check_status(drv->save_blob(db, "b", MS_DB_STATE, -1,
				    (const unsigned char *)"c", 1, &err),
		     MS_OK, &err, NULL, "save_blob under the lock");
	pid = backend_of("drvtest_commit");
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", pid);
	check(pid > 0 && super_value(sql), "its backend is ended", NULL);
	usleep(100 * 1000);
	check_status(drv->unlock(db, true, &err), MS_SYSTEM, &err,
		     "postgresql: commit: the connection was lost; the change"
		     " may or may not have been saved",
		     "a commit without a reply: may or may not have been saved");
	drv->close(db);
}

void cases_restart(void)
{
	struct ms_db *db = db_open("mailsec_admin", "drvtest_restart",
				   MS_DB_ADMIN, 5000);
	const char *restart = getenv("PG_RESTART");
	struct ms_error err = { 0 };
	int64_t version;
	int pid;

	printf("\n== restart\n");
	check_status(drv->version(db, "b", &version, &err), MS_OK, &err, NULL,
		     "connected");
	pid = backend_of("drvtest_restart");
	check(restart && system(restart) == 0, "the server restarts", restart);
	check_status(drv->version(db, "b", &version, &err), MS_OK, &err, NULL,
		     "the next call on the kept connection: reconnected");
	check(backend_of("drvtest_restart") != pid,
	      "... on a new backend", NULL);

	check_status(drv->lock(db, "b", true, &err), MS_OK, &err, NULL,
		     "lock");
	check(system(restart) == 0, "the server restarts in a transaction",
	      NULL);
	check_status(drv->save_blob(db, "b", MS_DB_STATE, -1,
				    (const unsigned char *)"t", 1, &err),
		     MS_SYSTEM, &err, NULL,
		     "in a transaction: no reconnect, MS_SYSTEM");
	check_status(drv->unlock(db, true, &err), MS_SYSTEM, &err, NULL,
		     "... and the commit fails");
	check_status(drv->version(db, "b", &version, &err), MS_OK, &err, NULL,
		     "after the transaction: connects again");
	drv->close(db);
	case_commit_lost();
}

void cases_down(void)
{
	struct ms_db *db = db_open("mailsec_admin", "drvtest_down",
				   MS_DB_ADMIN, 3000);
	const char *stop = getenv("PG_STOP");
	struct ms_error err = { 0 };
	int64_t version;
	double start, took;
	char detail[700];

	printf("\n== server down\n");
	check_status(drv->version(db, "b", &version, &err), MS_OK, &err, NULL,
		     "connected");
	check(stop && system(stop) == 0, "the server stops", stop);
	start = now_ms();
	check_status(drv->version(db, "b", &version, &err), MS_SYSTEM, &err,
		     "postgresql: version", "the kept connection: MS_SYSTEM");
	took = now_ms() - start;
	snprintf(detail, sizeof(detail), "%.0f ms: %s", took, err.msg);
	check(took < 500, "... at once, not at the deadline", detail);
	drv->close(db);
	db = db_open("mailsec_admin", "drvtest_down", MS_DB_ADMIN, 3000);
	start = now_ms();
	check_status(drv->version(db, "b", &version, &err), MS_SYSTEM, &err,
		     NULL, "a new connection: MS_SYSTEM");
	took = now_ms() - start;
	snprintf(detail, sizeof(detail), "%.0f ms: %s", took, err.msg);
	check(took < 500, "... at once", detail);
	drv->close(db);
}
