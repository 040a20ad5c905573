/* Fault injection for tests/fault: an LD_PRELOAD library that makes one
 * call of one libc function fail, and counts the calls of each.
 *
 *   FAULT_CALL=NAME:N  the Nth call (from 1) of NAME fails: errno ENOSPC
 *                      (write, pwrite), EIO (fsync, rename*, open*, linkat),
 *                      ENOLCK (flock), or NULL with ENOMEM (malloc)
 *   FAULT_COUNT=FILE   appended to: "fired NAME N OBJECT" as the armed call
 *                      fails, OBJECT (a file name) the first caller outside
 *                      libc, so that a strdup in libconfig is libconfig's;
 *                      at exit, "NAME COUNT" for each function
 *   FAULT_DELAY_US=N   each counted call but malloc sleeps N µs first: widens
 *                      the write window for tests/fault/test_crash.sh
 *   FAULT_NO_TMPFILE=1 open/openat with O_TMPFILE fail (EOPNOTSUPP), as on a
 *                      file system without it
 *   FAULT_NO_PROC=1    access() of /proc/... fails (ENOENT), as in a chroot
 *
 * NAME is write, pwrite, fsync, rename, renameat, renameat2, open, openat,
 * flock, linkat or malloc (malloc, calloc and realloc share one count); see wrap.c.
 *
 * Only calls made while main runs count: the loader, constructors and exit
 * handlers are not call sites of the program under test, and counting them
 * would make N depend on the environment. Whatever the library calls
 * itself passes through uncounted (`depth`), so it cannot fail or recurse
 * into its own wrappers' faults. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

static const char *const fn_names[F_COUNT] = {
	"write", "pwrite", "fsync", "rename", "renameat", "renameat2",
	"open", "openat", "flock", "linkat", "malloc",
};
static const int fn_errno[F_COUNT] = {
	ENOSPC, ENOSPC, EIO, EIO, EIO, EIO, EIO, EIO, ENOLCK, EIO, ENOMEM,
};

static unsigned long seen[F_COUNT];
static int armed_fn = -1;
static unsigned long armed_n;
static char fired_by[128] = "?";
static bool running; /* main has started and not yet returned or exited */
static long delay_us;
static bool no_tmpfile;
static bool no_proc;
static const char *count_file;
/* initial-exec: a dynamic TLS access could itself call malloc. */
static __thread int depth __attribute__((tls_model("initial-exec")));

void *fault_next(const char *name)
{
	void *fn;

	depth++;
	fn = dlsym(RTLD_NEXT, name);
	depth--;
	if (!fn)
		abort(); /* the test means nothing without the real function */
	return fn;
}

static void pause_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	depth++;
	nanosleep(&ts, NULL);
	depth--;
}

/* Appends `text` to FAULT_COUNT through the real open and write (the
 * wrappers see depth > 0). */
static void append(const char *text, size_t len)
{
	int fd;

	if (!count_file)
		return;
	depth++;
	fd = open(count_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, text, len) != (ssize_t)len)
			len = 0; /* the test notices a short report */
		close(fd);
	}
	depth--;
}

/* At once: the call may well crash the program. */
static void report_fired(void)
{
	char line[256];
	int len = snprintf(line, sizeof(line), "fired %s %lu %s\n",
			   fn_names[armed_fn], armed_n, fired_by);

	append(line, (size_t)len);
}

/* The file name of the object holding `info`'s address. */
static const char *base_name(const Dl_info *info)
{
	const char *slash = strrchr(info->dli_fname, '/');

	return slash ? slash + 1 : info->dli_fname;
}

static bool ignored_frame(const Dl_info *info)
{
	static Dl_info self;

	if (!self.dli_fbase)
		dladdr((void *)ignored_frame, &self);
	return info->dli_fbase == self.dli_fbase ||
	       strncmp(base_name(info), "libc.so", 7) == 0;
}

/* Which object is answerable for the failed call (see FAULT_COUNT). */
static void note_caller(void)
{
	void *frames[32];
	Dl_info info;
	int n;

	depth++;
	n = backtrace(frames, 32);
	for (int i = 0; i < n; i++) {
		if (dladdr(frames[i], &info) && info.dli_fname &&
		    !ignored_frame(&info)) {
			snprintf(fired_by, sizeof(fired_by), "%s",
				 base_name(&info));
			break;
		}
	}
	depth--;
}

bool fault_hit(enum fault_fn f)
{
	unsigned long n;

	if (!running || depth > 0)
		return false;
	n = __atomic_add_fetch(&seen[f], 1, __ATOMIC_RELAXED);
	if (delay_us > 0 && f != F_MALLOC)
		pause_us(delay_us);
	if ((int)f != armed_fn || n != armed_n)
		return false;
	note_caller();
	report_fired();
	errno = fn_errno[f];
	return true;
}

bool fault_no_tmpfile(void)
{
	return no_tmpfile && running && depth == 0;
}

bool fault_no_proc(void)
{
	return no_proc && running && depth == 0;
}

static void arm(const char *spec)
{
	const char *colon = spec ? strchr(spec, ':') : NULL;

	if (!colon)
		return;
	for (int f = 0; f < F_COUNT; f++)
		if (strlen(fn_names[f]) == (size_t)(colon - spec) &&
		    strncmp(spec, fn_names[f], (size_t)(colon - spec)) == 0)
			armed_fn = f;
	armed_n = strtoul(colon + 1, NULL, 10);
}

/* An exit handler: the program's own handlers, registered later, ran
 * first. */
static void report(void)
{
	char buf[512];
	int len = 0;

	running = false;
	for (int f = 0; f < F_COUNT; f++)
		len += snprintf(buf + len, sizeof(buf) - (size_t)len, "%s %lu\n",
				fn_names[f], seen[f]);
	append(buf, (size_t)len);
}

typedef int main_fn(int, char **, char **);
static main_fn *real_main;

static int wrapped_main(int argc, char **argv, char **envp)
{
	const char *delay = getenv("FAULT_DELAY_US");
	void *warm[2];
	int rc;

	arm(getenv("FAULT_CALL"));
	count_file = getenv("FAULT_COUNT");
	delay_us = delay ? strtol(delay, NULL, 10) : 0;
	no_tmpfile = getenv("FAULT_NO_TMPFILE") != NULL;
	no_proc = getenv("FAULT_NO_PROC") != NULL;
	atexit(report);
	/* backtrace loads its unwinder on first use: not inside a fault. */
	depth++;
	backtrace(warm, 2);
	depth--;
	running = true;
	rc = real_main(argc, argv, envp);
	running = false;
	return rc;
}

/* glibc's entry from _start: the one place that knows where main is. */
typedef int start_fn(main_fn *, int, char **, void (*)(void), void (*)(void),
		     void (*)(void), void *);
start_fn __libc_start_main;

int __libc_start_main(main_fn *main, int argc, char **argv,
		      void (*init)(void), void (*fini)(void),
		      void (*rtld_fini)(void), void *stack_end)
{
	start_fn *start = fault_next("__libc_start_main");

	real_main = main;
	return start(wrapped_main, argc, argv, init, fini, rtld_fini,
		     stack_end);
}
