#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kick.h"
#include "trusted_path.h"

/* What is kept of the command's output for the message. */
#define FIRST_LINE_MAX 160
/* What is read at once, and at most after the command ended (what it
 * left behind may go on writing). */
#define READ_CHUNK 512
#define DRAIN_MAX (64 * 1024)
/* doveadm kick's "warning: other connections would also be kicked from
 * following users: ... Use the '-f' option": it exits 0 and kicked
 * nobody, because the mailbox shares a process (imap-hibernate) with
 * other users. */
#define FORCE_WARNING "would also be kicked"
/* How often a child that closed its output is looked at again. */
#define REAP_STEP_MS 5

bool ms_kick_arg_valid(const char *arg, char bad[3])
{
	for (const char *p = arg; *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == 'm' || p[1] == '%') {
			p++;
			continue;
		}
		bad[0] = '%';
		bad[1] = p[1];
		bad[2] = '\0';
		return false;
	}
	return true;
}

bool ms_kick_configured(const struct ms_settings *settings)
{
	return settings->n_kick_args > 0;
}

enum ms_status ms_kick_check_program(const struct ms_settings *settings,
				     struct ms_error *err)
{
	char resolved[PATH_MAX];
	struct ms_error why = { .msg = "" };

	if (!ms_kick_configured(settings) ||
	    ms_path_trusted(settings->kick_command[0], MS_TRUSTED_PROGRAM,
			    resolved, &why) == MS_OK)
		return MS_OK;
	return ms_fail(err, MS_INVALID, "%s: kick_command: %s", settings->path,
		       why.msg);
}

/* Whether the `len` bytes at `part` are a number an address parser may
 * take: decimal digits, or "0x" and hex digits. Empty counts too ("1.",
 * "1..2", "0x"): no name is worth the risk. */
static bool numeric_part(const char *part, size_t len)
{
	size_t i = 0;

	if (len >= 2 && part[0] == '0' && part[1] == 'x') {
		for (i = 2; i < len && isxdigit((unsigned char)part[i]); i++)
			;
		return i == len;
	}
	for (; i < len && isdigit((unsigned char)part[i]); i++)
		;
	return i == len;
}

/* Not a parser of addresses: any name made of numbers and dots is one
 * that some parser (inet_aton, Dovecot's own, with its leading zeros)
 * could read as an address. */
static bool looks_numeric(const char *name)
{
	for (;;) {
		size_t len = strcspn(name, ".");

		if (!numeric_part(name, len))
			return false;
		if (name[len] == '\0')
			return true;
		name += len + 1;
	}
}

enum ms_status ms_kick_name_check(const char *mailbox, struct ms_error *err)
{
	if (mailbox[0] == '-' || looks_numeric(mailbox))
		return ms_fail(err, MS_REFUSED,
			       "mailbox name %s would be read as an "
			       "address/option by the kick command; not run",
			       mailbox);
	return MS_OK;
}

/* `arg` with %m replaced by `mailbox` and %% by %; NULL when out of
 * memory. The escapes were checked when mailsec.conf was loaded. */
static char *expand(const char *arg, const char *mailbox)
{
	size_t name_len = strlen(mailbox), size = 1;
	char *out, *q;

	for (const char *p = arg; *p; p++)
		size += (p[0] == '%' && p[1] == 'm') ? name_len : 1;
	out = malloc(size);
	if (!out)
		return NULL;
	for (q = out; *arg; arg++) {
		if (arg[0] == '%' && (arg[1] == 'm' || arg[1] == '%')) {
			arg++;
			if (*arg == 'm') {
				memcpy(q, mailbox, name_len);
				q += name_len;
				continue;
			}
		}
		*q++ = *arg;
	}
	*q = '\0';
	return out;
}

static void free_argv(char **argv)
{
	for (char **p = argv; p && *p; p++)
		free(*p);
	free(argv);
}

static char **build_argv(const struct ms_settings *settings,
			 const char *mailbox)
{
	unsigned n = settings->n_kick_args;
	char **argv = calloc(n + 1, sizeof(*argv));

	for (unsigned i = 0; argv && i < n; i++) {
		argv[i] = expand(settings->kick_command[i], mailbox);
		if (!argv[i]) {
			free_argv(argv);
			return NULL;
		}
	}
	return argv;
}

/* The child's descriptors: /dev/null in, the pipe out and err, nothing
 * else (closefrom: a descriptor the caller inherited without O_CLOEXEC
 * must not reach the command). */
static int child_files(posix_spawn_file_actions_t *files, int out_fd)
{
	int rc = posix_spawn_file_actions_init(files);

	if (rc)
		return rc;
	rc = posix_spawn_file_actions_addopen(files, 0, "/dev/null", O_RDONLY, 0);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(files, out_fd, 1);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(files, out_fd, 2);
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(files, 3);
	if (rc)
		posix_spawn_file_actions_destroy(files);
	return rc;
}

/* A group of its own (so that the timeout reaches whatever it started),
 * no blocked signals, every signal at its default. */
static int child_attributes(posix_spawnattr_t *attr)
{
	sigset_t none, all;
	int rc = posix_spawnattr_init(attr);

	if (rc)
		return rc;
	sigemptyset(&none);
	sigfillset(&all);
	rc = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP |
					    POSIX_SPAWN_SETSIGMASK |
					    POSIX_SPAWN_SETSIGDEF);
	if (!rc)
		rc = posix_spawnattr_setpgroup(attr, 0);
	if (!rc)
		rc = posix_spawnattr_setsigmask(attr, &none);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(attr, &all);
	if (rc)
		posix_spawnattr_destroy(attr);
	return rc;
}

static int spawn(const char *path, char **argv, int out_fd, pid_t *pid)
{
	static char path_env[] = MS_KICK_PATH;
	char *envp[] = { path_env, NULL };
	posix_spawn_file_actions_t files;
	posix_spawnattr_t attr;
	int rc = child_files(&files, out_fd);

	if (rc)
		return rc;
	rc = child_attributes(&attr);
	if (!rc) {
		rc = posix_spawn(pid, path, &files, &attr, argv, envp);
		posix_spawnattr_destroy(&attr);
	}
	posix_spawn_file_actions_destroy(&files);
	return rc;
}

struct output {
	char line[FIRST_LINE_MAX + 1]; /* printable, up to the first newline */
	size_t len;
	bool line_done;
	/* The last bytes read, so that FORCE_WARNING is found across reads. */
	char tail[sizeof(FORCE_WARNING) - 1];
	size_t tail_len;
	bool force_warning;
	size_t total; /* bytes read */
};

/* Looks for FORCE_WARNING in what was read, `buf` after the tail. */
static void find_warning(struct output *out, const char *buf, size_t n)
{
	const size_t keep = sizeof(out->tail);
	char joined[sizeof(out->tail) + READ_CHUNK];
	size_t len = out->tail_len + n;

	memcpy(joined, out->tail, out->tail_len);
	memcpy(joined + out->tail_len, buf, n);
	if (memmem(joined, len, FORCE_WARNING, sizeof(FORCE_WARNING) - 1))
		out->force_warning = true;
	out->tail_len = len < keep ? len : keep;
	memcpy(out->tail, joined + len - out->tail_len, out->tail_len);
}

static void keep_output(struct output *out, const char *buf, size_t n)
{
	out->total += n;
	find_warning(out, buf, n);
	for (size_t i = 0; i < n && !out->line_done; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n' || out->len == FIRST_LINE_MAX) {
			out->line_done = out->len > 0 || c != '\n';
			continue;
		}
		out->line[out->len++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	out->line[out->len] = '\0';
}

static long ms_until(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 +
	       (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

/* Whether the child has ended, left unreaped: while it is a zombie its
 * pid, and so its process group's id, cannot be taken by another. */
static bool child_ended(pid_t pid)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	return waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       info.si_pid == pid;
}

static void read_some(int *read_fd, struct output *out)
{
	char buf[READ_CHUNK];
	ssize_t n = read(*read_fd, buf, sizeof(buf));

	if (n > 0) {
		keep_output(out, buf, (size_t)n);
	} else if (n == 0 || errno != EINTR) {
		close(*read_fd);
		*read_fd = -1;
	}
}

/* What is left in the pipe once the child ended, all of it (the
 * warning may come after the first line); not waiting for anything it
 * left behind that still holds the pipe open. */
static void drain(int *read_fd, struct output *out)
{
	struct pollfd pfd = { .fd = *read_fd, .events = POLLIN };
	size_t limit = out->total + DRAIN_MAX;

	while (*read_fd >= 0 && out->total < limit && poll(&pfd, 1, 0) > 0)
		read_some(read_fd, out);
}

/* The signals that stop mailsecctl: the webmail's deadline (SIGTERM,
 * through sudo), Ctrl-C, a closed terminal, and every other one whose
 * default is to end the process and that sudo relays or a caller may
 * send (SIGKILL alone cannot be caught). While the command runs they
 * only note themselves; the command, in a group of its own, is killed
 * with the group before the signal does what it would have done. */
static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT,
				     SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE };
#define N_STOP_SIGNALS (sizeof(stop_signals) / sizeof(*stop_signals))

static volatile sig_atomic_t stopped_by;

static void note_stop(int sig)
{
	stopped_by = sig;
}

struct stop_catch {
	struct sigaction old[N_STOP_SIGNALS];
	bool caught[N_STOP_SIGNALS];
	sigset_t old_mask; /* restored after, and the one to wait with */
};

static bool ignored(const struct sigaction *action)
{
	return !(action->sa_flags & SA_SIGINFO) && action->sa_handler == SIG_IGN;
}

/* Blocked, but while waiting (ppoll with old_mask): none can come
 * between a look at stopped_by and the wait. One ignored stays so. */
static void catch_stops(struct stop_catch *stops)
{
	struct sigaction note = { .sa_handler = note_stop };
	sigset_t block;

	stopped_by = 0;
	sigemptyset(&note.sa_mask);
	sigemptyset(&block);
	for (size_t i = 0; i < N_STOP_SIGNALS; i++) {
		stops->caught[i] = sigaction(stop_signals[i], NULL,
					     &stops->old[i]) == 0 &&
				   !ignored(&stops->old[i]);
		if (stops->caught[i])
			sigaddset(&block, stop_signals[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &stops->old_mask);
	for (size_t i = 0; i < N_STOP_SIGNALS; i++)
		if (stops->caught[i])
			sigaction(stop_signals[i], &note, NULL);
}

/* The handlers and mask as they were; then the signal that came, if
 * one did, as if it had come now: mailsecctl ends of it. */
static void release_stops(const struct stop_catch *stops)
{
	for (size_t i = 0; i < N_STOP_SIGNALS; i++)
		if (stops->caught[i])
			sigaction(stop_signals[i], &stops->old[i], NULL);
	sigprocmask(SIG_SETMASK, &stops->old_mask, NULL);
	if (stopped_by)
		raise(stopped_by);
}

enum wait_end { CHILD_ENDED, TIMED_OUT, STOPPED };

/* Reads what the child writes and sees it end, before `deadline`,
 * unless a stop signal comes first. */
static enum wait_end wait_child(pid_t pid, int *read_fd,
				const struct timespec *deadline,
				const sigset_t *wait_mask, struct output *out)
{
	for (;;) {
		long left = ms_until(deadline);
		struct pollfd pfd = { .fd = *read_fd, .events = POLLIN };
		struct timespec step = { 0, REAP_STEP_MS * 1000000L };

		if (stopped_by)
			return STOPPED;
		if (child_ended(pid)) {
			drain(read_fd, out);
			return CHILD_ENDED;
		}
		if (left <= 0)
			return TIMED_OUT;
		if (*read_fd >= 0 && left < 1000)
			step = (struct timespec){ 0, left * 1000000L };
		else if (*read_fd >= 0)
			step = (struct timespec){ 1, 0 };
		if (ppoll(&pfd, 1, &step, wait_mask) > 0)
			read_some(read_fd, out);
	}
}

static enum ms_status judge(const char *program, int wstatus,
			    const struct output *out, struct ms_error *err)
{
	const char *sep = out->len ? ": " : "";

	if (WIFEXITED(wstatus) &&
	    (WEXITSTATUS(wstatus) == 0 ||
	     WEXITSTATUS(wstatus) == MS_KICK_EXIT_NONE_OPEN)) {
		if (!out->force_warning)
			return MS_OK;
		return ms_fail(err, MS_SYSTEM,
			       "%s kicked nobody: the mailbox shares an "
			       "imap-hibernate process; keep "
			       "imap_hibernate_timeout = 0", program);
	}
	if (WIFEXITED(wstatus))
		return ms_fail(err, MS_SYSTEM, "%s exited with status %d%s%s",
			       program, WEXITSTATUS(wstatus), sep, out->line);
	if (WIFSIGNALED(wstatus))
		return ms_fail(err, MS_SYSTEM, "%s was killed by signal %d%s%s",
			       program, WTERMSIG(wstatus), sep, out->line);
	return ms_fail(err, MS_SYSTEM, "%s ended in an unknown way", program);
}

/* Runs argv with its output on a pipe, judged within the timeout. Its
 * group is killed before it is reaped, on the timeout, on a stop signal
 * and after it ended alike: whatever it left running goes with it. */
static enum ms_status run_spawned(const char *path, char **argv,
				  unsigned timeout, const sigset_t *wait_mask,
				  struct ms_error *err)
{
	struct output out = { .len = 0 };
	struct timespec deadline;
	int fds[2], wstatus = 0, rc;
	enum wait_end end;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return ms_fail_errno(err, MS_SYSTEM, errno, "pipe");
	rc = spawn(path, argv, fds[1], &pid);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		return ms_fail_errno(err, MS_SYSTEM, rc, "cannot run %s", argv[0]);
	}
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout;
	end = wait_child(pid, &fds[0], &deadline, wait_mask, &out);
	kill(-pid, SIGKILL);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (fds[0] >= 0)
		close(fds[0]);
	if (end == TIMED_OUT)
		return ms_fail(err, MS_SYSTEM, "%s timed out after %u s",
			       argv[0], timeout);
	if (end == STOPPED)
		return ms_fail(err, MS_SYSTEM, "%s stopped: signal %d came",
			       argv[0], (int)stopped_by);
	return judge(argv[0], wstatus, &out, err);
}

static enum ms_status run_argv(char **argv, unsigned timeout,
			       struct ms_error *err)
{
	char path[PATH_MAX];
	struct ms_error why = { .msg = "" };
	struct stop_catch stops;
	enum ms_status status;

	/* Also what posix_spawn would say of a missing program, but not
	 * where it is emulated by fork (valgrind): there the child exits
	 * 127. */
	if (ms_path_trusted(argv[0], MS_TRUSTED_PROGRAM, path, &why) != MS_OK)
		return ms_fail(err, MS_SYSTEM, "cannot run %s", why.msg);
	catch_stops(&stops);
	status = run_spawned(path, argv, timeout, &stops.old_mask, err);
	release_stops(&stops);
	return status;
}

enum ms_status ms_kick_run(const struct ms_settings *settings,
			   const char *mailbox, struct ms_error *err)
{
	enum ms_status status = ms_kick_name_check(mailbox, err);
	char **argv;

	if (status != MS_OK)
		return status;
	argv = build_argv(settings, mailbox);
	if (!argv)
		return ms_fail(err, MS_SYSTEM, "out of memory");
	status = run_argv(argv, settings->kick_timeout, err);
	free_argv(argv);
	return status;
}
