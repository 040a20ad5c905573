#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rundir.h"
#include "tree.h"

/* Room left for a test's directory and the files in it. */
static char run_dir[PATH_MAX - 128];

/* The names of the tests ts_skip left out, for ts_run_end. */
static char skipped[512];
static unsigned n_skipped;

int ts_run_begin(const char *prefix)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(run_dir, sizeof(run_dir), "%s/%s-XXXXXX",
		 tmp && tmp[0] == '/' ? tmp : "/tmp", prefix);
	if (mkdtemp(run_dir))
		return 0;
	perror("mkdtemp");
	run_dir[0] = '\0';
	return -1;
}

void ts_run_end(void)
{
	if (n_skipped)
		fprintf(stderr, "SKIP: %u test(s) not run: %s\n", n_skipped,
			skipped);
	if (run_dir[0])
		ts_remove_tree(run_dir);
	run_dir[0] = '\0';
}

void ts_test_dir(char *out, size_t size, const char *prefix)
{
	int n;

	ck_assert_msg(run_dir[0], "ts_run_begin not called");
	n = snprintf(out, size, "%s/%s-XXXXXX", run_dir, prefix);
	ck_assert_msg(n > 0 && (size_t)n < size, "run directory too long");
	ck_assert_msg(mkdtemp(out), "mkdtemp: %s", strerror(errno));
}

void ts_skip(const char *test, const char *why)
{
	size_t used = strlen(skipped);

	fprintf(stderr, "SKIP: %s: %s\n", test, why);
	snprintf(skipped + used, sizeof(skipped) - used, "%s%s",
		 n_skipped ? ", " : "", test);
	n_skipped++;
}
