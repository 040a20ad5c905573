/* What the bench prints besides the table rows (stats.c): the setting and
 * legend, ratios after each store size, the performance targets at the end. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

void report_intro(const struct bench_opts *o, const char *fast_hash,
		  double fast_us, const char *slow_hash, double slow_us)
{
	struct utsname u;

	uname(&u);
	printf("pam_mailsec benchmark: %s %s, %ld CPUs; libpam in-process, one login = "
	       "pam_start_confdir + pam_authenticate + pam_acct_mgmt + pam_end\n",
	       u.sysname, u.release, sysconf(_SC_NPROCESSORS_ONLN));
	printf("  pam_mailsec:              %s\n", o->mods.mailsec);
	printf("  pam_google_authenticator: %s\n",
	       o->mods.ga[0] ? o->mods.ga : "(not found: skipped)");
	printf("  pam_oath:                 %s\n",
	       o->mods.oath[0] ? o->mods.oath : "(not found: skipped)");
	printf("  at most %u logins and %.1f s a scenario (pam_oath: %u logins); "
	       "stores in %s\n", o->logins, o->seconds, o->oath_logins, o->dir);
	printf("  each scenario run %u time%s, the run of median p50 shown (the worst "
	       "one if any had failures\n  or accepted replays)\n",
	       o->rounds, o->rounds == 1 ? "" : "s");
	printf("password hashes: (a)-(c) and the \"pw +\" stacks use %.*s... "
	       "(one verify: p50 %.0f µs;\n"
	       "  one hash string, same salt, for every record: each costs what "
	       "its own would);\n"
	       "  (d) uses libxcrypt's default, %.3s (one verify: p50 %.0f µs)\n",
	       15, fast_hash, fast_us, slow_hash, slow_us);
	printf("legend:\n"
	       "  base      libpam + pam_permit, no module work: the floor of any login\n"
	       "  base'     the same with pam_permit held open by the process, so libpam's\n"
	       "            dlopen/dlclose do not map and unmap it: libpam's own cost, and a\n"
	       "            -z nodelete module's (pam_mailsec) after the first login of a process\n"
	       "  (a)       pam_mailsec, imap stack (role=client): password only\n"
	       "  (b)       pam_mailsec, webmail stack (role=webmail code=prompt): password + "
	       "TOTP code, distinct mailboxes in turn\n"
	       "  (b0)      the same, each mailbox's first login ever, which makes its state "
	       "file; (b), (c) come after\n"
	       "  (bc)      (b) with no_password: the code alone, the work GA and oath do "
	       "\"alone\"\n"
	       "  (a-), (bc-) (a), (bc) with activity_journal = false: the difference is "
	       "what noting a login\n"
	       "            in the mailbox's journal costs (one per mailbox, of 64 fixed "
	       "entries)\n"
	       "  (c)       (b) from P processes at once; every 8th login is raced by a "
	       "second process with the same code\n"
	       "            (replays tried/accepted: accepted must be 0)\n"
	       "  GA, GA-r  pam_google_authenticator, secret=DIR/${USER} user=%s; GA-r "
	       "with DISALLOW_REUSE\n"
	       "  oath      pam_oath, usersfile= one users.oath for all (window=1 digits=6)\n"
	       "  alone     the OTP module alone (account: pam_permit)\n"
	       "  pw + X    \"auth requisite pam_mailsec.so role=client\" (the same $5$ "
	       "password check as (b)) then X,\n"
	       "            account pam_mailsec role=client: the same work as (b), "
	       "the code checked by X\n"
	       "  (d)       pam_mailsec imap logins repeated over %u mailboxes rehashed with "
	       "the production hash,\n"
	       "            mailsec.conf cache_ttl = 0 and = %u; one untimed warm-up pass "
	       "first\n",
	       o->mods.ga_user, REHASHED, BENCH_CACHE_TTL);
	if (o->pg)
		printf("  Xpg       on the PostgreSQL store (a private cluster, fsync off, "
		       "on this host's unix socket),\n"
		       "            %u mailboxes copied in from a file store as db "
		       "import does; x P: from P processes,\n"
		       "            each with its own connection; (a) x 8, x 32 race no "
		       "replays (a password is reusable)\n"
		       "  (r)pg     32 processes try one mailbox's code at once, %u "
		       "codes one after another: replays\n"
		       "            accepted = successes beyond one a code, and must "
		       "be 0\n",
		       o->pg_size, o->pg_races);
	printf("clock: the modules see time() of this program: real time plus one "
	       "30 s step per pass over the\n"
	       "  mailboxes, so every login sends a code newer than its mailbox's last "
	       "(no waiting for the next step)\n");
	if (run_quiet_console)
		printf("console: no /dev/log here, and syslog(3) with LOG_CONS (as "
		       "pam_google_authenticator opens it)\n"
		       "  then writes every message to /dev/console; each scenario runs in a "
		       "private mount namespace\n"
		       "  with /dev/null bound over /dev/console (--console: don't)\n");
	else if (access("/dev/log", F_OK) != 0)
		printf("console: no /dev/log: modules logging with LOG_CONS write to "
		       "/dev/console, which is slow\n");
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* How many times faster a is than b: by p50 latency (one process, so
 * logins/s on an idle machine; robust to other load), then by logins/s. */
static double faster(const struct result *a, const struct result *b)
{
	return a->ran && b->ran ? ratio(b->p50_us, a->p50_us) : 0;
}

/* "  NAME 1.23x (1.10x)", or "  NAME -" when either side did not run. */
static void print_ratio(const char *name, const struct result *a,
			const struct result *b)
{
	if (a->ran && b->ran && b->rate > 0)
		printf("   %s %.2fx (%.2fx)", name, faster(a, b),
		       ratio(a->rate, b->rate));
	else
		printf("   %s -", name);
}

/* "  NAME 123 µs": p50 less that of the floor under it. */
static void print_own(const char *name, const struct result *x,
		      const struct result *floor)
{
	if (x->ran && floor->ran)
		printf("   %s %.0f µs", name, x->p50_us - floor->p50_us);
	else
		printf("   %s -", name);
}

/* What each OTP module adds to a login, its loading included: the part of
 * the comparison a module can change. (bc)'s stack is pam_mailsec alone,
 * so its floor is libpam's own cost (base'); X alone has pam_permit as its
 * account module, loaded each login, so its floor is base. */
static void report_own_work(const struct result *r)
{
	printf("  the module's own p50 (less base' for (bc) and (e), less base for X "
	       "alone):");
	print_own("(bc)", &r[SC_BC], &r[SC_BASE_KEPT]);
	print_own("(e)", &r[SC_E], &r[SC_BASE_KEPT]);
	print_own("GA", &r[SC_GA], &r[SC_BASE]);
	print_own("GA-r", &r[SC_GAR], &r[SC_BASE]);
	print_own("oath", &r[SC_OATH], &r[SC_BASE]);
	printf("\n");
}

/* "  NAME +1.2 µs p50, +0.8 µs CPU": what x costs more than without. */
static void print_more(const char *name, const struct result *x,
		       const struct result *without)
{
	if (x->ran && without->ran)
		printf("   %s %+.1f µs p50, %+.1f µs CPU", name,
		       x->p50_us - without->p50_us, x->cpu_us - without->cpu_us);
	else
		printf("   %s -", name);
}

static void report_journal(const struct result *r)
{
	printf("  the activity journal, per login (on less off):");
	print_more("(a)", &r[SC_A], &r[SC_A_NJ]);
	print_more("(bc)", &r[SC_BC], &r[SC_BC_NJ]);
	printf("\n");
}

void report_ratios(const struct size_run *sr)
{
	const struct result *r = sr->r;

	printf("how many times faster pam_mailsec is, by p50 (and by logins/s):\n");
	printf("  code alone, (bc) / X alone:          ");
	print_ratio("GA", &r[SC_BC], &r[SC_GA]);
	print_ratio("GA-r", &r[SC_BC], &r[SC_GAR]);
	print_ratio("oath", &r[SC_BC], &r[SC_OATH]);
	printf("\n  password + code, (b) / pw + X:       ");
	print_ratio("GA", &r[SC_B], &r[SC_PW_GA]);
	print_ratio("GA-r", &r[SC_B], &r[SC_PW_GAR]);
	print_ratio("oath", &r[SC_B], &r[SC_PW_OATH]);
	printf("\n");
	report_own_work(r);
	report_journal(r);
	if (r[SC_D0].ran && r[SC_D1].ran)
		printf("  (d) cache_ttl=%u / cache_ttl=0: CPU per login %.1f%%, p50 %.1f%%\n",
		       BENCH_CACHE_TTL, 100 * ratio(r[SC_D1].cpu_us, r[SC_D0].cpu_us),
		       100 * ratio(r[SC_D1].p50_us, r[SC_D0].p50_us));
}

static const char *verdict(bool ran, bool met)
{
	return !ran ? "n/a" : met ? "met" : "MISSED";
}

static void target(const char *what, const char *value, const char *goal,
		   const char *verdict_text)
{
	/* "µs" is one byte wider than it shows. */
	int pad = strstr(value, "µs") ? 11 : 10;
	int goal_pad = strstr(goal, "µs") ? 10 : 9;

	printf("  %-42s %*s   target %-*s %s\n", what, pad, value, goal_pad,
	       goal, verdict_text);
}

void report_targets(const struct size_run *runs, unsigned n_runs)
{
	const struct size_run *lo = NULL, *hi = NULL;
	double worst_rss = 0;
	unsigned c32_fail = 0, c32_acc = 0;
	bool c32_ran = false;

	for (unsigned i = 0; i < n_runs; i++) {
		const struct size_run *sr = &runs[i];

		for (unsigned s = 0; s < SC_COUNT; s++) {
			bool mailsec_only = s <= SC_C32 || s >= SC_D0;

			if (mailsec_only && sr->r[s].maxrss_kib / 1024.0 > worst_rss)
				worst_rss = sr->r[s].maxrss_kib / 1024.0;
		}
		if (sr->r[SC_C32].ran) {
			c32_ran = true;
			c32_fail += sr->r[SC_C32].fail;
			c32_acc += sr->r[SC_C32].replays_accepted;
		}
		if (!sr->r[SC_BC].ran)
			continue;
		if (!lo || sr->n < lo->n)
			lo = sr;
		if (!hi || sr->n > hi->n)
			hi = sr;
	}
	printf("\n== performance targets (printed, not asserted)");
	if (!hi) {
		printf(": (bc) did not run ==\n");
		return;
	}
	printf(", at %u mailboxes unless said ==\n", hi->n);

	const struct result *h = hi->r, *l = lo->r;
	double flat = ratio(h[SC_BC].p50_us, l[SC_BC].p50_us);
	double ga = faster(&h[SC_BC], &h[SC_GA]);
	double gar = faster(&h[SC_BC], &h[SC_GAR]);
	double oath = faster(&h[SC_BC], &h[SC_OATH]);
	double cache = 100 * ratio(h[SC_D1].cpu_us, h[SC_D0].cpu_us);

	char what[64], value[32];

	snprintf(value, sizeof(value), "%.0f µs", h[SC_BC].p50_us);
	target("(bc) p50: the module, no password hash", value, "<= 100 µs",
	       verdict(true, h[SC_BC].p50_us <= 100));
	snprintf(what, sizeof(what), "(bc) p50, %u / %u mailboxes", hi->n, lo->n);
	snprintf(value, sizeof(value), "%.2fx", flat);
	target(what, value, "<= 1.2x", verdict(lo != hi, flat <= 1.2));
	snprintf(value, sizeof(value), "%.2fx", ga);
	target("faster, (bc) than GA alone (p50)", value, ">= 3x",
	       verdict(h[SC_GA].ran, ga >= 3));
	snprintf(value, sizeof(value), "%.2fx", gar);
	target("faster, (bc) than GA-r alone (p50)", value, ">= 7x",
	       verdict(h[SC_GAR].ran, gar >= 7));
	snprintf(value, sizeof(value), "%.1fx", oath);
	target("faster, (bc) than oath alone (p50)", value, ">= 200x",
	       verdict(h[SC_OATH].ran, oath >= 200));
	snprintf(value, sizeof(value), "%u, %u", c32_fail, c32_acc);
	target("(c) x 32, all sizes: failed, replays acc.", value, "0, 0",
	       verdict(c32_ran, c32_fail == 0 && c32_acc == 0));
	snprintf(value, sizeof(value), "%.1f%%", cache);
	target("(d) CPU per login, cache on / off", value, "<= 1%",
	       verdict(h[SC_D0].ran && h[SC_D1].ran, cache <= 1));
	snprintf(value, sizeof(value), "%.0f µs",
		 h[SC_E].p50_us - h[SC_BASE_KEPT].p50_us);
	target("(e) app password: the module's own p50", value, "<= 40 µs",
	       verdict(h[SC_E].ran && h[SC_BASE_KEPT].ran,
		       h[SC_E].p50_us - h[SC_BASE_KEPT].p50_us <= 40));
	snprintf(value, sizeof(value), "%+.1f µs",
		 h[SC_BC].p50_us - h[SC_BC_NJ].p50_us);
	target("(bc) - (bc-): the journal's p50 per login", value, "<= 5 µs",
	       verdict(h[SC_BC_NJ].ran,
		       h[SC_BC].p50_us - h[SC_BC_NJ].p50_us <= 5));
	snprintf(value, sizeof(value), "%.1f MiB", worst_rss);
	target("peak RSS, pam_mailsec scenarios", value, "< 20 MiB",
	       verdict(true, worst_rss < 20));
}

/* The database's rows against their targets: the module's own cost (less
 * base' of the same run, and for (a) less one verify of its password hash:
 * the same on any store) in one process, logins/s from 8, and from 32 no
 * failure and no accepted replay. */
void report_pg(const struct size_run *pr, double hash_us)
{
	const struct result *r = pr->r, *floor = &r[SC_PG_BASE_KEPT];
	static const struct {
		enum sc_id one, eight;
		const char *name, *less;
		bool hashed;
	} rows[] = { { SC_PG_BC, SC_PG_BC8, "(bc)pg", "base'", false },
		     { SC_PG_A, SC_PG_A8, "(a)pg", "base', hash", true } };
	unsigned fail = r[SC_PG_BC32].fail + r[SC_PG_A32].fail +
			r[SC_PG_RACE].fail;
	unsigned acc = r[SC_PG_BC32].replays_accepted +
		       r[SC_PG_A32].replays_accepted +
		       r[SC_PG_RACE].replays_accepted;
	bool ran32 = r[SC_PG_BC32].ran && r[SC_PG_A32].ran && r[SC_PG_RACE].ran;
	char what[64], value[32];

	printf("\n== PostgreSQL targets (printed, not asserted), %u mailboxes ==\n",
	       pr->n);
	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		const struct result *one = &r[rows[i].one], *eight = &r[rows[i].eight];
		double own = one->p50_us - floor->p50_us -
			     (rows[i].hashed ? hash_us : 0);

		snprintf(what, sizeof(what), "%s own p50 (less %s), 1 process",
			 rows[i].name, rows[i].less);
		snprintf(value, sizeof(value), "%.0f µs", own);
		target(what, value, "<= 300 µs",
		       verdict(one->ran && floor->ran, own <= 300));
		snprintf(what, sizeof(what), "%s logins/s, 8 processes",
			 rows[i].name);
		snprintf(value, sizeof(value), "%.0f", eight->rate);
		target(what, value, ">= 8000", verdict(eight->ran, eight->rate >= 8000));
	}
	snprintf(value, sizeof(value), "%u, %u", fail, acc);
	target("x 32 and (r)pg: failed, replays accepted", value, "0, 0",
	       verdict(ran32, fail == 0 && acc == 0));
}
