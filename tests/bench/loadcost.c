/* loadcost: what loading pam_mailsec costs a login where libpam loads and
 * unloads it on every pam_start/pam_end (Dovecot's auth worker), built
 * without and with -z nodelete. A program of its own that links libpam, as
 * any PAM application does, and none of the module's other libraries, so
 * each timed dlopen maps what it would map there. Prints figures; `make
 * bench` runs it before the bench. Exit 1 when the two modules do not
 * behave as built (the installed one unloaded by dlclose, or the other not),
 * 2 on bad usage. */
#include "config.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <security/pam_appl.h>

#define RUNS_DEFAULT 2000

struct cost {
	double first_us; /* the first load of the process */
	double p50_us;   /* the later ones */
	int unloaded;    /* whether dlclose unmapped it */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* dlopen + dlclose of `path`, `runs` times, as libpam does (RTLD_NOW). */
static int measure(const char *path, unsigned runs, struct cost *cost)
{
	uint64_t *ns = calloc(runs, sizeof(*ns));
	void *handle;

	if (!ns)
		return -1;
	for (unsigned i = 0; i < runs; i++) {
		uint64_t t0 = now_ns();

		handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (!handle) {
			fprintf(stderr, "loadcost: %s\n", dlerror());
			free(ns);
			return -1;
		}
		dlclose(handle);
		ns[i] = now_ns() - t0;
	}
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	cost->unloaded = handle == NULL;
	if (handle)
		dlclose(handle);
	cost->first_us = (double)ns[0] / 1e3;
	qsort(ns + 1, runs - 1, sizeof(*ns), by_value);
	cost->p50_us = (double)ns[1 + (runs - 1) / 2] / 1e3;
	free(ns);
	return 0;
}

int main(int argc, char **argv)
{
	struct cost unloadable, nodelete;
	unsigned long runs = RUNS_DEFAULT;
	char *end = NULL;

	if (argc > 3)
		runs = strtoul(argv[3], &end, 10);
	if (argc < 3 || argc > 4 || (end && *end) || runs < 2 || runs > 1000000) {
		fprintf(stderr, "usage: loadcost MODULE MODULE-WITHOUT-NODELETE "
				"[RUNS, 2 to 1000000]\n");
		return 2;
	}
	/* Used, so that libpam stays linked whatever --as-needed does. */
	if (!pam_strerror(NULL, PAM_SUCCESS))
		return 1;
	/* The unloadable one first: once the nodelete module is in, the
	 * libraries it needs stay mapped and would load for free. */
	if (measure(argv[2], (unsigned)runs, &unloadable) != 0 ||
	    measure(argv[1], (unsigned)runs, &nodelete) != 0)
		return 1;
	printf("loading pam_mailsec per login (dlopen + dlclose, as libpam does at "
	       "pam_start/pam_end), %lu times:\n", runs);
	printf("  without -z nodelete   p50 %7.1f µs  first %7.1f µs  unloaded each "
	       "time: %s\n", unloadable.p50_us, unloadable.first_us,
	       unloadable.unloaded ? "yes (module and libraries mapped, "
				     "relocated, unmapped every login)" : "NO");
	printf("  as built, nodelete    p50 %7.1f µs  first %7.1f µs  unloaded each "
	       "time: %s\n", nodelete.p50_us, nodelete.first_us,
	       nodelete.unloaded ? "YES" : "no (mapped once per process)");
	/* Either way round, the figures do not mean what they say. */
	if (nodelete.unloaded || !unloadable.unloaded) {
		fprintf(stderr, "loadcost: %s\n", nodelete.unloaded
			? "the module is unloaded by dlclose: not linked -z nodelete"
			: "the module without -z nodelete stays loaded: no load was timed");
		return 1;
	}
	return 0;
}
