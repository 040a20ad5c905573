/* bench: pam_mailsec beside pam_google_authenticator and pam_oath, by
 * store size. `make bench` builds and runs it; README.md ("Benchmark")
 * says how to read what it prints. Not a test: nothing is asserted, the
 * performance targets are printed beside what was measured. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "bench.h"
#include "password.h"

#ifndef BENCH_MODULE_DEFAULT
#define BENCH_MODULE_DEFAULT "pam_mailsec/.libs/pam_mailsec.so"
#endif
#ifndef BENCH_PG_DRIVER
#define BENCH_PG_DRIVER "pam_mailsec/pg/.libs/store_postgresql.so"
#endif
#ifndef BENCH_PAMDIR
#define BENCH_PAMDIR "/lib/security"
#endif

/* --only: groups of scenarios. */
static const char *const group_names[] = { "base", "a", "b", "c", "alone",
					   "pw", "pw8", "d", "bc", "e", "j", "pg" };
#define GROUP_PG 11

static unsigned group_of(enum sc_id id)
{
	static const unsigned char group[SC_COUNT] = {
		[SC_BASE] = 0, [SC_BASE_KEPT] = 0,
		[SC_A] = 1,
		[SC_B0] = 2, [SC_B] = 2, [SC_BC] = 8,
		[SC_C2] = 3, [SC_C8] = 3, [SC_C32] = 3,
		[SC_GA] = 4, [SC_GAR] = 4, [SC_OATH] = 4,
		[SC_PW_GA] = 5, [SC_PW_GAR] = 5, [SC_PW_OATH] = 5,
		[SC_PW_GA8] = 6, [SC_PW_GAR8] = 6, [SC_PW_OATH8] = 6,
		[SC_D0] = 7, [SC_D1] = 7,
		[SC_E] = 9,
		[SC_A_NJ] = 10, [SC_BC_NJ] = 10,
		[SC_PG_BASE_KEPT] = GROUP_PG, [SC_PG_A] = GROUP_PG,
		[SC_PG_A8] = GROUP_PG, [SC_PG_A32] = GROUP_PG,
		[SC_PG_B0] = GROUP_PG, [SC_PG_BC] = GROUP_PG,
		[SC_PG_BC8] = GROUP_PG, [SC_PG_BC32] = GROUP_PG,
		[SC_PG_RACE] = GROUP_PG,
	};
	return group[id];
}

static struct bench_opts opt;
static unsigned not_run; /* scenarios and stores that could not run: exit 1 */
static struct size_run runs[BENCH_SIZES_MAX];
static struct size_run pg_run;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bench [--quick] [--sizes N,N,...] [--logins N] [--seconds S]\n"
		"             [--oath-logins N] [--module PATH] [--ga PATH] [--oath PATH]\n"
		"             [--only GROUP,...] [--dir DIR] [--keep] [--console]\n"
		"             [--pg] [--pg-size N] [--pg-races N] [--pg-driver PATH]\n"
		"  --quick         sizes 1,1000,10000, 500 logins, 1.5 s a scenario (~1 min)\n"
		"  --sizes         store sizes (default 1,1000,10000,100000)\n"
		"  --logins        logins per scenario, at most (default 2000)\n"
		"  --seconds       seconds per scenario, at most (default 6)\n"
		"  --oath-logins   logins per pam_oath scenario, at most (default 300, quick 150)\n"
		"  --rounds        runs of each scenario, the one of median p50 shown, or the\n"
		"                  worst one with failures or accepted replays (default 3,\n"
		"                  quick 1; at most 9; (b0) runs once: it makes the state files)\n"
		"  --module        pam_mailsec.so (default $MAILSEC_MODULE, else the built one)\n"
		"  --ga, --oath    pam_google_authenticator.so, pam_oath.so (default: libpam's dir)\n"
		"  --dir           where the stores are made (default $TMPDIR or /tmp)\n"
		"  --only          run only these groups: base a b bc c alone pw pw8 d e j pg\n"
		"  --pg            also the PostgreSQL rows (group pg): a private cluster of\n"
		"                  --pg-size mailboxes (default 100000, quick 10000), --pg-races\n"
		"                  codes raced by 32 processes (default 200, quick 50), the\n"
		"                  driver --pg-driver (default $MAILSEC_PG_DRIVER, else the built one)\n"
		"  --keep          keep the stores\n"
		"  --console       leave /dev/console alone (see the notes printed)\n"
		"Exit status 1 when a store or a scenario could not be run; the figures\n"
		"themselves never fail it.\n");
}

static bool parse_sizes(const char *text)
{
	char *copy = strdup(text), *save = NULL;
	bool ok = copy != NULL;

	opt.n_sizes = 0;
	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; ok && t;
	     t = strtok_r(NULL, ",", &save)) {
		char *end;
		unsigned long v = strtoul(t, &end, 10);

		ok = *end == '\0' && v >= 1 && v <= 10000000 &&
		     opt.n_sizes < BENCH_SIZES_MAX;
		if (ok)
			opt.sizes[opt.n_sizes++] = (unsigned)v;
	}
	free(copy);
	return ok && opt.n_sizes > 0;
}

static bool parse_only(const char *text)
{
	char *copy = strdup(text), *save = NULL;
	bool ok = copy != NULL;

	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; ok && t;
	     t = strtok_r(NULL, ",", &save)) {
		size_t g = 0, n = sizeof(group_names) / sizeof(*group_names);

		while (g < n && strcmp(t, group_names[g]) != 0)
			g++;
		ok = g < n;
		opt.only |= 1u << g;
	}
	free(copy);
	return ok;
}

static bool selected(enum sc_id id)
{
	if (group_of(id) == GROUP_PG)
		return opt.pg;
	/* (b0) makes the state files (and journals) (b), (bc), (c) and the
	 * journal's pair are to find. */
	if (id == SC_B0 && opt.only & (1u << group_of(SC_C2) |
				       1u << group_of(SC_BC) |
				       1u << group_of(SC_A_NJ)))
		return true;
	/* The journal's cost is a difference: "j" runs both sides. */
	if ((id == SC_A || id == SC_BC) && opt.only & (1u << group_of(SC_A_NJ)))
		return true;
	/* "b" keeps naming all three webmail scenarios. */
	if (id == SC_BC && opt.only & (1u << group_of(SC_B)))
		return true;
	return !opt.only || (opt.only & (1u << group_of(id)));
}

static bool parse_uint(const char *text, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);

	if (*end || v < 1 || v > 10000000)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool set_path(char *out, const char *path)
{
	if (strlen(path) >= PATH_MAX)
		return false;
	strcpy(out, path);
	return true;
}

/* A module of libpam's own directory (where libpam.so.0 lives, plus
 * "security"), else of the configured pamdir. "" when none. */
static void find_module(char *out, const char *file)
{
	Dl_info info;
	char dir[PATH_MAX];

	out[0] = '\0';
	if (dladdr((void *)pam_start, &info) && info.dli_fname &&
	    strlen(info.dli_fname) < sizeof(dir)) {
		strcpy(dir, info.dli_fname);
		snprintf(out, PATH_MAX, "%s/security/%s", dirname(dir), file);
		if (access(out, R_OK) == 0)
			return;
	}
	snprintf(out, PATH_MAX, "%s/%s", BENCH_PAMDIR, file);
	if (access(out, R_OK) != 0)
		out[0] = '\0';
}

static void parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "sizes", required_argument, NULL, 's' },
		{ "logins", required_argument, NULL, 'l' },
		{ "seconds", required_argument, NULL, 't' },
		{ "oath-logins", required_argument, NULL, 'o' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "module", required_argument, NULL, 'm' },
		{ "ga", required_argument, NULL, 'g' },
		{ "oath", required_argument, NULL, 'O' },
		{ "dir", required_argument, NULL, 'd' },
		{ "only", required_argument, NULL, 'n' },
		{ "keep", no_argument, NULL, 'k' },
		{ "console", no_argument, NULL, 'c' },
		{ "pg", no_argument, NULL, 'P' },
		{ "pg-size", required_argument, NULL, 'S' },
		{ "pg-races", required_argument, NULL, 'R' },
		{ "pg-driver", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sizes = NULL, *module = getenv("MAILSEC_MODULE");
	const char *ga = NULL, *oath = NULL, *tmp = getenv("TMPDIR");
	const char *pg_driver = getenv("MAILSEC_PG_DRIVER");
	unsigned logins = 0, oath_logins = 0, rounds = 0, pg_size = 0, races = 0;
	double seconds = 0;
	bool ok = true;
	int c;

	while (ok && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'q': opt.quick = true; break;
		case 's': sizes = optarg; break;
		case 'l': ok = parse_uint(optarg, &logins); break;
		case 'o': ok = parse_uint(optarg, &oath_logins); break;
		case 'r': ok = parse_uint(optarg, &rounds) && rounds <= ROUNDS_MAX; break;
		case 't': seconds = strtod(optarg, NULL); ok = seconds > 0; break;
		case 'm': module = optarg; break;
		case 'g': ga = optarg; break;
		case 'O': oath = optarg; break;
		case 'd': opt.dir = optarg; break;
		case 'n': ok = parse_only(optarg); break;
		case 'k': opt.keep = true; break;
		case 'c': opt.console = true; break;
		case 'P': opt.pg = true; break;
		case 'S': ok = parse_uint(optarg, &pg_size); break;
		case 'R': ok = parse_uint(optarg, &races); break;
		case 'D': pg_driver = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: ok = false; break;
		}
	}
	if (!ok || optind != argc) {
		usage(stderr);
		exit(2);
	}
	if (!parse_sizes(sizes ? sizes
			       : opt.quick ? "1,1000,10000" : "1,1000,10000,100000")) {
		fprintf(stderr, "bench: bad --sizes\n");
		exit(2);
	}
	opt.logins = logins ? logins : opt.quick ? 500 : 2000;
	opt.pg = opt.pg || opt.only & (1u << GROUP_PG);
	opt.pg_size = pg_size ? pg_size : opt.quick ? 10000 : 100000;
	opt.pg_races = races ? races : opt.quick ? 50 : 200;
	if (!set_path(opt.pg_driver, pg_driver && pg_driver[0] ? pg_driver
							       : BENCH_PG_DRIVER))
		exit(2);
	opt.rounds = rounds ? rounds : opt.quick ? 1 : 3;
	opt.oath_logins = oath_logins ? oath_logins : opt.quick ? 150 : 300;
	opt.seconds = seconds > 0 ? seconds : opt.quick ? 1.5 : 6.0;
	opt.dir = opt.dir ? opt.dir : tmp && tmp[0] == '/' ? tmp : "/tmp";
	if (!set_path(opt.mods.mailsec,
		      module && module[0] ? module : BENCH_MODULE_DEFAULT) ||
	    opt.mods.mailsec[0] != '/' || access(opt.mods.mailsec, R_OK) != 0) {
		fprintf(stderr, "bench: %s: no such module (build it, or --module "
				"an absolute path)\n", opt.mods.mailsec);
		exit(2);
	}
	if (ga ? !set_path(opt.mods.ga, ga) : (find_module(opt.mods.ga,
			"pam_google_authenticator.so"), false))
		exit(2);
	if (oath ? !set_path(opt.mods.oath, oath)
		 : (find_module(opt.mods.oath, "pam_oath.so"), false))
		exit(2);
	find_module(opt.mods.permit, "pam_permit.so");
}

/* p50 of `rounds` verifications of one hash of `prefix`, in µs. */
static double hash_cost(const char *prefix, unsigned long rounds, unsigned n,
			char hash[MS_HASH_MAX])
{
	uint64_t ns[256];
	struct ms_error err;

	if (ms_password_hash(BENCH_PASSWORD, prefix, rounds, hash, &err) != MS_OK) {
		fprintf(stderr, "bench: %s\n", err.msg);
		exit(1);
	}
	for (unsigned i = 0; i < n && i < 256; i++) {
		uint64_t t0 = now_ns();

		if (!ms_password_verify(BENCH_PASSWORD, hash))
			exit(1);
		ns[i] = now_ns() - t0;
	}
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && ns[j - 1] > ns[j]; j--) {
			uint64_t t = ns[j];

			ns[j] = ns[j - 1];
			ns[j - 1] = t;
		}
	return percentile(ns, n, 50);
}

/* Whether `path` loads (in a child: libpam must load it afresh for every
 * login, as it would in a mail server). */
static bool module_loads(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);

		if (!handle)
			fprintf(stderr, "bench: %s\n", dlerror());
		_exit(handle ? 0 : 1);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

static int by_p50(const void *a, const void *b)
{
	double x = ((const struct result *)a)->p50_us;
	double y = ((const struct result *)b)->p50_us;

	return (x > y) - (x < y);
}

/* The scenario opt.rounds times; the round of median p50 stands for it:
 * one slow moment of the machine does not decide a ratio. But a round with
 * failures or accepted replays stands for it if there is one (the worst):
 * no round may hide them, and a row's columns are all one round's. */
static void scenario_run(const struct store *st, struct size_run *sr,
			 enum sc_id id, struct scenario sc)
{
	struct result rounds[ROUNDS_MAX];
	unsigned n = id == SC_B0 ? 1 : opt.rounds;

	if (!selected(id))
		return;
	for (unsigned i = 0; i < n; i++) {
		if (!run_scenario(st, &sc, &rounds[i])) {
			not_run++;
			return;
		}
	}
	qsort(rounds, n, sizeof(*rounds), by_p50);
	sr->r[id] = rounds[n / 2];
	for (unsigned i = 0; i < n; i++)
		if (rounds[i].fail + rounds[i].replays_accepted >
		    sr->r[id].fail + sr->r[id].replays_accepted)
			sr->r[id] = rounds[i];
	print_row(&sc, &sr->r[id]);
}

static void run_mailsec(const struct store *st, struct size_run *sr)
{
	unsigned n = st->n;
	struct scenario base = { "base  libpam + pam_permit", "base", 1, 0,
				 n, false, false, false, opt.logins, opt.seconds,
				 NULL, NULL, false };
	struct scenario a = base, b = base, bc;
	static const unsigned procs[] = { 2, 8, 32 };

	scenario_run(st, sr, SC_BASE, base);
	/* What libpam itself costs a login when no module has to be mapped:
	 * pam_mailsec's case after its first login (-z nodelete). */
	base.label = "base' libpam, pam_permit kept loaded";
	base.keep_loaded = opt.mods.permit;
	if (opt.mods.permit[0])
		scenario_run(st, sr, SC_BASE_KEPT, base);
	a.label = "(a)   imap: password";
	a.service = "imap";
	scenario_run(st, sr, SC_A, a);
	a.label = "(a-)  (a), activity_journal = false";
	a.service = "imap-nojournal";
	scenario_run(st, sr, SC_A_NJ, a);
	b.label = "(b0)  webmail, each mailbox's first login";
	b.service = "webmail";
	b.code = true;
	b.logins = n < opt.logins ? n : opt.logins;
	b.seconds = 10 * opt.seconds; /* (b) is to find every state made */
	scenario_run(st, sr, SC_B0, b);
	b.label = "(b)   webmail: password + code";
	b.logins = opt.logins;
	b.seconds = opt.seconds;
	scenario_run(st, sr, SC_B, b);
	bc = b;
	bc.label = "(bc)  webmail: code only (no_password)";
	bc.service = "webmail-code";
	scenario_run(st, sr, SC_BC, bc);
	bc.label = "(bc-) (bc), activity_journal = false";
	bc.service = "webmail-code-nojournal";
	scenario_run(st, sr, SC_BC_NJ, bc);
	for (size_t i = 0; i < 3; i++) {
		struct scenario c = b;
		static char labels[3][48];

		snprintf(labels[i], sizeof(labels[i]), "(c)   (b) x %u processes",
			 procs[i]);
		c.label = labels[i];
		c.procs = procs[i];
		c.replays = true;
		if (n < 64 && selected(SC_C2))
			print_skipped(c.label, "needs 64 mailboxes or more");
		else
			scenario_run(st, sr, (enum sc_id)(SC_C2 + i), c);
	}
}

static void run_others(const struct store *st, struct size_run *sr)
{
	struct scenario base = { NULL, NULL, 1, 0, st->n, true, false, false,
				 opt.logins, opt.seconds, NULL, NULL, false };
	static const struct {
		enum sc_id id;
		const char *label, *service;
		bool oath;
		unsigned procs;
	} list[] = {
		{ SC_GA, "GA alone", "ga", false, 1 },
		{ SC_GAR, "GA-r alone", "ga-reuse", false, 1 },
		{ SC_OATH, "oath alone", "oath", true, 1 },
		{ SC_PW_GA, "pw + GA", "pw-ga", false, 1 },
		{ SC_PW_GAR, "pw + GA-r", "pw-ga-reuse", false, 1 },
		{ SC_PW_OATH, "pw + oath", "pw-oath", true, 1 },
		{ SC_PW_GA8, "pw + GA x 8 processes", "pw-ga", false, 8 },
		{ SC_PW_GAR8, "pw + GA-r x 8 processes", "pw-ga-reuse", false, 8 },
		{ SC_PW_OATH8, "pw + oath x 8 processes", "pw-oath", true, 8 },
	};

	for (size_t i = 0; i < sizeof(list) / sizeof(*list); i++) {
		struct scenario sc = base;

		sc.label = list[i].label;
		sc.service = list[i].service;
		sc.procs = list[i].procs;
		sc.replays = sc.procs > 1;
		if (list[i].oath && opt.oath_logins < sc.logins)
			sc.logins = opt.oath_logins;
		if (!selected(list[i].id))
			continue;
		if (!(list[i].oath ? opt.mods.oath : opt.mods.ga)[0])
			print_skipped(sc.label, "module not installed");
		else if (sc.procs > 1 && st->n < 64)
			print_skipped(sc.label, "needs 64 mailboxes or more");
		else
			scenario_run(st, sr, list[i].id, sc);
	}
}

static void run_cache(const struct store *st, struct size_run *sr)
{
	unsigned k = st->n < REHASHED ? st->n : REHASHED;
	struct scenario d = { "(d)   imap, yescrypt, cache_ttl=0", "imap", 1, 0,
			      k, false, false, true, opt.logins, opt.seconds,
			      NULL, NULL, false };
	static char label[48];

	if (!selected(SC_D0))
		return;
	if (!mailsec_rehash(st, k)) {
		print_skipped(d.label, "could not rehash the records");
		return;
	}
	scenario_run(st, sr, SC_D0, d);
	snprintf(label, sizeof(label), "(d)   imap, yescrypt, cache_ttl=%u",
		 BENCH_CACHE_TTL);
	d.label = label;
	d.service = "imap-cache";
	scenario_run(st, sr, SC_D1, d);
}

/* On the records of (d), whose password hash is yescrypt: an app password
 * that matched must never pay it. */
static void run_app_password(const struct store *st, struct size_run *sr)
{
	unsigned k = st->n < REHASHED ? st->n : REHASHED;
	struct scenario e = { "(e)   imap: app password (yescrypt record)",
			      "imap", 1, 0, k, false, false, true, opt.logins,
			      opt.seconds, NULL, BENCH_APP_PASSWORD, false };

	if (!selected(SC_E))
		return;
	if (!mailsec_rehash(st, k) || !mailsec_add_app_passwords(st, k)) {
		print_skipped(e.label, "could not write the app passwords");
		return;
	}
	scenario_run(st, sr, SC_E, e);
}

/* The database's rows: base' again (the floor of the module's own cost),
 * (a) and (bc) from 1, 8, 32 processes, and 32 processes racing one code. */
static void run_pg_scenarios(const struct store *st, struct size_run *sr)
{
	unsigned n = st->n;
	struct scenario base = { "base' libpam, pam_permit kept loaded", "base",
				 1, 0, n, false, false, false, opt.logins,
				 opt.seconds, opt.mods.permit, NULL, false };
	struct scenario a = base, b0, bc, race;
	static const unsigned procs[] = { 1, 8, 32 };
	static char labels[2][3][48];

	if (opt.mods.permit[0])
		scenario_run(st, sr, SC_PG_BASE_KEPT, base);
	run_server_cpu_s = pg_server_cpu_s;
	a.keep_loaded = NULL;
	a.service = "imap-pg";
	for (size_t i = 0; i < 3; i++) {
		snprintf(labels[0][i], sizeof(labels[0][i]),
			 "(a)pg  imap: password x %u", procs[i]);
		a.label = labels[0][i];
		a.procs = procs[i]; /* a password may be used again: no replays */
		scenario_run(st, sr, (enum sc_id)(SC_PG_A + i), a);
	}
	b0 = a;
	b0.label = "(b0)pg webmail code, each mailbox's first";
	b0.service = "webmail-code-pg";
	b0.procs = 1;
	b0.replays = false;
	b0.code = true;
	b0.logins = n < opt.logins ? n : opt.logins;
	b0.seconds = 10 * opt.seconds;
	scenario_run(st, sr, SC_PG_B0, b0);
	bc = b0;
	bc.logins = opt.logins;
	bc.seconds = opt.seconds;
	for (size_t i = 0; i < 3; i++) {
		snprintf(labels[1][i], sizeof(labels[1][i]),
			 "(bc)pg webmail: code only x %u", procs[i]);
		bc.label = labels[1][i];
		bc.procs = procs[i];
		bc.replays = procs[i] > 1;
		scenario_run(st, sr, (enum sc_id)(SC_PG_BC + i), bc);
	}
	race = bc;
	race.label = "(r)pg  32 race each code of one mailbox";
	race.procs = 32;
	race.first = n - 1;
	race.mailboxes = 1;
	race.logins = opt.pg_races;
	race.seconds = 20; /* a pass's code stays fresh for 25 s (run.c) */
	race.replays = race.race = true;
	scenario_run(st, sr, SC_PG_RACE, race);
}

static void run_pg(const char *fast_hash, struct size_run *sr)
{
	struct modules mods = opt.mods;
	struct pg_store pg;
	struct store st;

	sr->n = opt.pg_size;
	printf("\n== PostgreSQL store, %u mailbox%s ", opt.pg_size,
	       opt.pg_size == 1 ? "" : "es");
	fflush(stdout);
	if (access(opt.pg_driver, R_OK) != 0) {
		printf("(skipped: no driver %s: configure --with-postgresql, or "
		       "--pg-driver) ==\n", opt.pg_driver);
		not_run++;
		return;
	}
	/* Only pam_mailsec's records: the database is filled from them. */
	mods.ga[0] = mods.oath[0] = '\0';
	if (!store_create(&st, opt.dir, opt.pg_size, fast_hash, &mods) ||
	    !pg_start(&pg, &st, opt.dir, opt.pg_driver, opt.mods.mailsec)) {
		printf("(could not make the store or the database) ==\n");
		not_run++;
		pg_stop();
		store_destroy(&st);
		return;
	}
	printf("(file store written in %.1f s, copied into the database in %.1f s "
	       "by %u processes: %s) ==\n", st.build_s, pg.fill_s, pg.fill_procs,
	       pg.sock);
	print_table_header();
	run_pg_scenarios(&st, sr);
	run_server_cpu_s = NULL;
	pg_stop();
	if (opt.keep)
		printf("kept %s (the cluster stopped)\n", st.root);
	else
		store_destroy(&st);
}

static void run_size(unsigned n, const char *fast_hash, struct size_run *sr)
{
	struct store st;

	sr->n = n;
	printf("\n== %u mailbox%s ", n, n == 1 ? "" : "es");
	fflush(stdout);
	if (!store_create(&st, opt.dir, n, fast_hash, &opt.mods)) {
		printf("(could not make the store)\n");
		not_run++;
		store_destroy(&st);
		return;
	}
	printf("(store written in %.1f s by %u process%s: %s) ==\n", st.build_s,
	       st.build_procs, st.build_procs == 1 ? "" : "es", st.root);
	print_table_header();
	run_mailsec(&st, sr);
	run_others(&st, sr);
	run_cache(&st, sr);
	run_app_password(&st, sr);
	report_ratios(sr);
	if (opt.keep) {
		printf("kept %s\n", st.root);
	} else {
		uint64_t t0 = now_ns();

		store_destroy(&st);
		printf("store removed in %.1f s\n", (double)(now_ns() - t0) / 1e9);
	}
}

int main(int argc, char **argv)
{
	char fast_hash[MS_HASH_MAX], scratch[MS_HASH_MAX];
	double fast_us, slow_us;
	struct ms_error err;
	struct passwd *pw;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_options(argc, argv);
	users_seed();
	if (!clock_interposed()) {
		fprintf(stderr, "bench: the modules would not see this program's time() "
				"(link with exports.list)\n");
		return 1;
	}
	if (!module_loads(opt.mods.mailsec))
		return 1;
	pw = getpwuid(geteuid());
	if (!pw || strlen(pw->pw_name) >= sizeof(opt.mods.ga_user)) {
		fprintf(stderr, "bench: who am I?\n");
		return 1;
	}
	strcpy(opt.mods.ga_user, pw->pw_name);
	run_quiet_console = !opt.console && access("/dev/log", F_OK) != 0 &&
			    geteuid() == 0 && run_console_can_quiet();
	if (ms_password_hash(BENCH_PASSWORD, "$5$", 1000, fast_hash, &err) != MS_OK) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	fast_us = hash_cost("$5$", 1000, 200, scratch);
	slow_us = hash_cost(NULL, 0, 5, scratch);
	report_intro(&opt, fast_hash, fast_us, scratch, slow_us);
	/* --only pg: no store sizes, only the database's store. */
	for (unsigned i = 0; opt.only != 1u << GROUP_PG && i < opt.n_sizes; i++)
		run_size(opt.sizes[i], fast_hash, &runs[i]);
	if (opt.pg)
		run_pg(fast_hash, &pg_run);
	if (opt.only != 1u << GROUP_PG)
		report_targets(runs, opt.n_sizes);
	if (opt.pg)
		report_pg(&pg_run, fast_us);
	return not_run ? 1 : 0;
}
