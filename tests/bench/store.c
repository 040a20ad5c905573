/* One temp tree per store size: pam_mailsec's records, state and
 * mailsec.conf, pam_google_authenticator's files, pam_oath's users.oath,
 * and pam.d/ for pam_start_confdir. Never /etc. Records and the GA files
 * are written by several processes at once: 100,000 of each take a while. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../support/tree.h"
#include "bench.h"

#define BUILD_PROCS_MAX 16

bool file_write_at(int dir_fd, const char *file, const char *text,
		   size_t len, mode_t mode)
{
	int fd = openat(dir_fd, file,
			O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
			mode);
	bool ok;

	if (fd < 0) {
		fprintf(stderr, "bench: create %s: %s\n", file, strerror(errno));
		return false;
	}
	ok = write(fd, text, len) == (ssize_t)len && fchmod(fd, mode) == 0;
	if (!ok)
		fprintf(stderr, "bench: write %s: %s\n", file, strerror(errno));
	close(fd);
	return ok;
}

bool stack_write(const struct store *st, const char *service,
		 const char *fmt, ...)
{
	char text[4 * PATH_MAX + 512];
	va_list ap;
	int n, dir_fd;
	bool ok;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text))
		return false;
	dir_fd = open(st->pamd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return false;
	ok = file_write_at(dir_fd, service, text, (size_t)n, 0644);
	close(dir_fd);
	return ok;
}

static bool sub(char *out, const struct store *st, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", st->root, name);

	return n > 0 && n < PATH_MAX;
}

static bool make_dirs(struct store *st)
{
	char *const dirs[] = { st->users, st->state, st->pamd, st->ga,
			       st->ga_reuse };
	const char *const names[] = { "users", "state", "pam.d", "ga",
				      "ga-reuse" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		if (!sub(dirs[i], st, names[i]) || mkdir(dirs[i], 0700) != 0) {
			fprintf(stderr, "bench: mkdir %s: %s\n", dirs[i],
				strerror(errno));
			return false;
		}
	}
	return sub(st->conf, st, "mailsec.conf") &&
	       sub(st->conf_cache, st, "mailsec-cache.conf") &&
	       sub(st->conf_nojournal, st, "mailsec-nojournal.conf") &&
	       sub(st->oath, st, "users.oath");
}

/* Mailboxes [lo, hi): record, GA file, GA file with DISALLOW_REUSE. */
static bool build_range(const struct store *st, unsigned lo, unsigned hi,
			const char *hash, bool ga)
{
	int users_fd = open(st->users, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ga_fd = open(st->ga, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int reuse_fd = open(st->ga_reuse, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool ok = users_fd >= 0 && ga_fd >= 0 && reuse_fd >= 0;

	for (unsigned i = lo; ok && i < hi; i++)
		ok = mailsec_record_write(users_fd, i, hash) &&
		     (!ga || (ga_file_write(ga_fd, i, false) &&
			      ga_file_write(reuse_fd, i, true)));
	close(users_fd);
	close(ga_fd);
	close(reuse_fd);
	return ok;
}

static unsigned build_procs(unsigned n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned procs = cpus > 0 ? (unsigned)cpus : 1;

	if (procs > BUILD_PROCS_MAX)
		procs = BUILD_PROCS_MAX;
	if (n < 1000)
		procs = 1;
	return procs;
}

static bool build_parallel(struct store *st, const char *hash, bool ga)
{
	unsigned procs = build_procs(st->n);
	pid_t pids[BUILD_PROCS_MAX];
	bool ok = true;

	st->build_procs = procs;
	for (unsigned p = 0; p < procs; p++) {
		unsigned lo = (unsigned)((unsigned long long)st->n * p / procs);
		unsigned hi = (unsigned)((unsigned long long)st->n * (p + 1) / procs);

		pids[p] = fork();
		if (pids[p] == 0)
			_exit(build_range(st, lo, hi, hash, ga) ? 0 : 1);
		if (pids[p] < 0) {
			perror("bench: fork");
			procs = p;
			ok = false;
		}
	}
	for (unsigned p = 0; p < procs; p++) {
		int status;

		if (waitpid(pids[p], &status, 0) != pids[p] ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			ok = false;
	}
	return ok;
}

/* On a server mailsec.conf is old: pam_mailsec then parses it once a
 * process, but not while it is a few seconds new
 * (pam_mailsec/lib/settings_cache.c waits 3 s). Waits, if the store took less, until the bench's is as old.
 * Real time: time() is the bench's own (clock.c). */
static void conf_settle(const struct store *st)
{
	struct timespec now;
	struct stat sb;

	while (stat(st->conf_cache, &sb) == 0 &&
	       clock_gettime(CLOCK_REALTIME, &now) == 0 &&
	       now.tv_sec <= sb.st_ctim.tv_sec + 4)
		sleep(1);
}

bool store_create(struct store *st, const char *parent, unsigned n,
		  const char *hash, const struct modules *mods)
{
	uint64_t t0 = now_ns();
	bool ok;

	memset(st, 0, sizeof(*st));
	st->n = n;
	snprintf(st->root, sizeof(st->root), "%s/mailsec-bench-%u-XXXXXX",
		 parent, n);
	if (!mkdtemp(st->root)) {
		fprintf(stderr, "bench: mkdtemp %s: %s\n", st->root,
			strerror(errno));
		st->root[0] = '\0';
		return false;
	}
	/* libpam reads pam.d/other for the types a service leaves out, and
	 * logs an error on every pam_start when there is none. */
	ok = make_dirs(st) && mailsec_conf_write(st) &&
	     stack_write(st, "other", "# nothing: the services say all\n") &&
	     build_parallel(st, hash, mods->ga[0] != '\0') &&
	     (!mods->oath[0] || oath_users_write(st)) &&
	     mailsec_stacks(st, mods) && (!mods->ga[0] || ga_stacks(st, mods)) &&
	     (!mods->oath[0] || oath_stacks(st, mods));
	st->build_s = (double)(now_ns() - t0) / 1e9;
	if (ok)
		conf_settle(st);
	return ok;
}

/* The big directories each by a process of its own, then the rest. */
void store_destroy(struct store *st)
{
	const char *const dirs[] = { st->users, st->state, st->ga, st->ga_reuse };
	pid_t pids[sizeof(dirs) / sizeof(*dirs)];

	if (!st->root[0])
		return;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		pids[i] = dirs[i][0] ? fork() : -1;
		if (pids[i] == 0) {
			ts_remove_tree(dirs[i]);
			_exit(0);
		}
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
	ts_remove_tree(st->root);
	st->root[0] = '\0';
}
