/* CPU-time medians for the tests that show a refusal costs a hash: CPU
 * time of this process, so that what other processes on a loaded machine
 * take is not counted. Shared by the unit and module suites. */
#ifndef TESTS_TIMING_H
#define TESTS_TIMING_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <check.h>

static inline int64_t cpu_ns(void)
{
	struct timespec t;

	ck_assert_int_eq(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t), 0);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static inline int compare_ns(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts `ns` in place. */
static inline int64_t median_ns(int64_t *ns, size_t n)
{
	qsort(ns, n, sizeof(*ns), compare_ns);
	return ns[n / 2];
}

#endif
