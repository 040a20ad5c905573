/* db init | upgrade | check | import | export: the PostgreSQL store's own
 * commands. The schema steps and the copying are the library's
 * (ms_store_schema, ms_store_copy_mailbox, ms_store_replace_mailbox,
 * ms_store_copy_host_key); here they are only called and reported. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "db_driver.h"
#include "output.h"
#include "store_copy.h"

#define REPORT_MAX 256
/* How often the progress line on a terminal is redrawn. */
#define PROGRESS_NS (200 * 1000 * 1000L)

static enum ms_status need_database(struct ctl *ctl)
{
	if (ctl->settings.store == MS_STORE_POSTGRESQL)
		return MS_OK;
	return ms_fail(&ctl->err, MS_USAGE,
		       "db: the configured store is files (set store = "
		       "\"postgresql\" in mailsec.conf)");
}

/* The one syslog line of a db command that changed the database or the
 * file store (the change log of mailsecctl.8, LOGGING): what it did in
 * `detail`, never a mailbox's data. */
static void audit(const char *command, const char *detail)
{
	char invoker[CTL_INVOKER_MAX];

	ctl_invoker(invoker);
	openlog("mailsecctl", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "changed: store command=db %s %s %s", command,
	       detail, invoker);
	closelog();
}

static enum ms_status schema_step(struct ctl *ctl, enum ms_db_schema_op op)
{
	char report[REPORT_MAX] = "";
	struct ms_store store;
	enum ms_status status = need_database(ctl);

	if (status != MS_OK)
		return status;
	status = ms_store_open(&ctl->settings, MS_STORE_READ, &store,
			       &ctl->err);
	if (status != MS_OK)
		return status;
	status = ms_store_schema(&store, op, report, sizeof(report),
				 &ctl->err);
	ms_store_close(&store);
	/* The driver's error says what to run (db init, db upgrade). */
	if (status != MS_OK)
		return status;
	if (op != MS_DB_SCHEMA_CHECK)
		audit(op == MS_DB_SCHEMA_INIT ? "init" : "upgrade", "done");
	out_db_report(report);
	return MS_OK;
}

enum ms_status cmd_db_init(struct ctl *ctl)
{
	return schema_step(ctl, MS_DB_SCHEMA_INIT);
}

enum ms_status cmd_db_upgrade(struct ctl *ctl)
{
	return schema_step(ctl, MS_DB_SCHEMA_UPGRADE);
}

enum ms_status cmd_db_check(struct ctl *ctl)
{
	return schema_step(ctl, MS_DB_SCHEMA_CHECK);
}

/* One run of import or export: every mailbox of `from` into `to`. The
 * settings of the other store are a copy of mailsec.conf's with `store`
 * switched, so both are the same configuration's. */
struct transfer {
	struct ctl *ctl;
	const char *done_word; /* "imported", "exported" */
	struct ms_settings files_settings;
	struct ms_store from, to;
	unsigned long done, skipped, total;
	bool progress; /* stderr is a terminal */
	struct timespec drawn;
};

static void draw_progress(struct transfer *run, bool last)
{
	struct timespec now;
	long elapsed_ns;

	if (!run->progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed_ns = (now.tv_sec - run->drawn.tv_sec) * 1000000000L +
		     (now.tv_nsec - run->drawn.tv_nsec);
	if (!last && elapsed_ns < PROGRESS_NS)
		return;
	run->drawn = now;
	fprintf(stderr, "\r%s %lu/%lu%s", run->done_word,
		run->done + run->skipped, run->total, last ? "\n" : "");
}

/* MS_OK when copied or skipped (counted); else the hard error. */
static enum ms_status copy_one(struct transfer *run, const char *name,
			       struct ms_error *err)
{
	enum ms_status status;

	/* Each mailbox its own deadline, on either side. */
	ms_store_renew(&run->from);
	ms_store_renew(&run->to);
	status = run->ctl->replace
		? ms_store_replace_mailbox(&run->from, &run->to, name, err)
		: ms_store_copy_mailbox(&run->from, &run->to, name, err);
	if (status == MS_EXISTS) {
		run->skipped++;
		return MS_OK;
	}
	/* Removed from the source since it was listed: nothing to copy. */
	if (status == MS_NOT_FOUND) {
		run->total--;
		return MS_OK;
	}
	if (status == MS_OK)
		run->done++;
	return status;
}

static enum ms_status copy_all(struct transfer *run,
			       const struct ctl_names *names)
{
	struct ctl *ctl = run->ctl;
	enum ms_status status;

	run->total = names->count;
	/* The host key first: webmail sessions and cached passwords that
	 * come along are keyed by it. */
	status = ms_store_copy_host_key(&run->from, &run->to, &ctl->err);
	for (size_t i = 0; status == MS_OK && i < names->count; i++) {
		status = copy_one(run, names->names[i], &ctl->err);
		draw_progress(run, false);
	}
	if (run->total)
		draw_progress(run, true);
	return status;
}

/* The first hard error stops the run; how far it came is said with it. */
static enum ms_status stopped(struct transfer *run, enum ms_status status)
{
	struct ms_error *err = &run->ctl->err;
	char why[MS_ERROR_MAX];

	snprintf(why, sizeof(why), "%s", err->msg);
	return ms_fail(err, status, "%s; stopped: %s %lu of %lu mailboxes, "
		       "%lu skipped (already there)", why, run->done_word,
		       run->done, run->total, run->skipped);
}

static void audit_transfer(const struct transfer *run, bool import)
{
	char detail[96];

	snprintf(detail, sizeof(detail), "%s=%lu skipped=%lu%s",
		 run->done_word, run->done, run->skipped,
		 run->ctl->replace ? " replace" : "");
	audit(import ? "import" : "export", detail);
}

static enum ms_status transfer(struct ctl *ctl, bool import)
{
	struct transfer run = { .ctl = ctl };
	struct ms_settings *files = &run.files_settings;
	struct ctl_names names = { 0 };
	enum ms_status status = need_database(ctl);

	if (status != MS_OK)
		return status;
	run.done_word = import ? "imported" : "exported";
	run.progress = isatty(STDERR_FILENO);
	*files = ctl->settings;
	files->store = MS_STORE_FILES;
	status = ms_store_open(import ? files : &ctl->settings, MS_STORE_READ,
			       &run.from, &ctl->err);
	if (status != MS_OK)
		return status;
	/* Every name judged before the target is opened: a source with one
	 * that is no mailbox name leaves the target as it was. */
	status = ctl_names_get(&run.from, &names, &ctl->err);
	if (status == MS_OK)
		status = ms_store_open(import ? &ctl->settings : files,
				       MS_STORE_CREATE, &run.to, &ctl->err);
	if (status == MS_OK) {
		status = copy_all(&run, &names);
		ms_store_close(&run.to);
	}
	ctl_names_free(&names);
	ms_store_close(&run.from);
	/* Copied is copied: a run that stopped is logged too. */
	if (run.done)
		audit_transfer(&run, import);
	if (status != MS_OK)
		return stopped(&run, status);
	out_db_transfer(run.done_word, run.done, run.skipped);
	if (!run.skipped)
		return MS_OK;
	/* The summary said it. */
	ctl->err.msg[0] = '\0';
	ctl->err.status = MS_EXISTS;
	return MS_EXISTS;
}

enum ms_status cmd_db_import(struct ctl *ctl)
{
	return transfer(ctl, true);
}

enum ms_status cmd_db_export(struct ctl *ctl)
{
	return transfer(ctl, false);
}
