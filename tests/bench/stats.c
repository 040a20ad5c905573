/* Percentiles and the table. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <security/pam_appl.h>

#include "bench.h"

#define LABEL_WIDTH 44

/* Nearest rank, in µs; `sorted_ns` ascending. */
double percentile(uint64_t *sorted_ns, size_t n, double p)
{
	size_t rank;

	if (n == 0)
		return 0;
	rank = (size_t)ceil(p / 100.0 * (double)n);
	if (rank < 1)
		rank = 1;
	return (double)sorted_ns[rank - 1] / 1e3;
}

void print_table_header(void)
{
	/* "µs" is 3 bytes for 2 columns: one more byte of width. */
	printf("%-*s %3s %6s %6s %5s %9s %9s %9s %9s %9s %6s\n", LABEL_WIDTH,
	       "scenario", "P", "logins", "ok", "fail", "replays", "logins/s",
	       "p50 µs", "p99 µs", "CPU µs", "RSS");
	printf("%-*s %3s %6s %6s %5s %9s %9s %8s %8s %8s %6s\n", LABEL_WIDTH,
	       "", "", "", "", "", "tried/acc", "", "", "", "/login", "MiB");
}

void print_row(const struct scenario *sc, const struct result *res)
{
	char replays[32] = "-";

	if (sc->replays && sc->procs > 1)
		snprintf(replays, sizeof(replays), "%u/%u", res->replays_tried,
			 res->replays_accepted);
	printf("%-*.*s %3u %6u %6u %5u %9s %9.0f %8.0f %8.0f %8.0f %6.1f",
	       LABEL_WIDTH, LABEL_WIDTH, sc->label, sc->procs, res->attempts,
	       res->ok, res->fail, replays, res->rate, res->p50_us,
	       res->p99_us, res->cpu_us, (double)res->maxrss_kib / 1024.0);
	if (res->server_cpu_us > 0)
		printf("  server CPU %.0f µs/login", res->server_cpu_us);
	if (res->fail && res->first_error)
		printf("  first error: %s", pam_strerror(NULL, res->first_error));
	if (res->other_prompts)
		printf("  (%u unexpected prompts)", res->other_prompts);
	putchar('\n');
}

void print_skipped(const char *label, const char *why)
{
	printf("%-*.*s   skipped: %s\n", LABEL_WIDTH, LABEL_WIDTH, label, why);
}
