/* The clock of the modules under test.
 *
 * A TOTP code is good once per mailbox per 30-second step, so a store of
 * one mailbox would allow one webmail login every 30 s, and every pass over
 * a store would have to wait for the next step. Instead this executable
 * defines time(2) itself, exported (exports.list) so that libpam, the
 * modules and liboath, which all call time(), bind to it: it returns the
 * real time plus a whole number of steps, and the bench adds a step before
 * each new pass over the mailboxes. Every login thus sends a code of a step
 * newer than the mailbox's last: the modules do exactly the work of a
 * fresh login, replay checks included. Nothing else is changed; durations
 * are measured with CLOCK_MONOTONIC, which this does not touch. */
#include "config.h"

#include <dlfcn.h>
#include <time.h>

#include "bench.h"

static unsigned long long offset_steps;

time_t time(time_t *out)
{
	struct timespec ts;
	time_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = ts.tv_sec + (time_t)(offset_steps * BENCH_PERIOD);
	if (out)
		*out = now;
	return now;
}

void clock_advance(unsigned steps)
{
	offset_steps += steps;
}

unsigned long long clock_steps(void)
{
	return offset_steps;
}

bool clock_interposed(void)
{
	time_t (*bound)(time_t *);
	void *sym = dlsym(RTLD_DEFAULT, "time");

	*(void **)&bound = sym;
	return bound == time;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
