/* The benchmark (tests/bench): logins through libpam, in-process, against
 * pam_mailsec, pam_google_authenticator and pam_oath with stores of the
 * same mailboxes and secrets. A program that prints figures, not a test. */
#ifndef TESTS_BENCH_BENCH_H
#define TESTS_BENCH_BENCH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../support/conv.h"
#include "record.h"

#define BENCH_PASSWORD "Bench pass 7"
/* The app password of the mailboxes of (e), as a mail app sends it. */
#define BENCH_APP_PASSWORD "benc hpas swor dfor appx"
#define BENCH_PERIOD 30   /* TOTP step, seconds */
#define BENCH_DIGITS 6
#define BENCH_SECRET_BYTES 20
#define BENCH_NAME_MAX 64
#define BENCH_CACHE_TTL 300 /* cache_ttl of the "cache on" runs of (d) */
#define BENCH_SIZES_MAX 8

/* ---- clock.c: the clock the modules see, and the bench's own ---------- */

/* time(2) as every module in this process sees it: the real time plus a
 * whole number of TOTP steps. The bench moves it one step forward between
 * passes over the mailboxes, so that each code is fresh for its mailbox. */
void clock_advance(unsigned steps);
unsigned long long clock_steps(void);
/* Whether this executable's time() is the one the modules bind to. */
bool clock_interposed(void);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);

/* ---- users.c: the same names, passwords and secrets for every module -- */

/* Seeds the secrets of this run (random, so that no two runs share). */
void users_seed(void);
void user_name(unsigned i, char out[BENCH_NAME_MAX]);
void user_secret(unsigned i, unsigned char raw[BENCH_SECRET_BYTES]);
/* The TOTP code of mailbox i at `now` (liboath, SHA1, 6 digits, 30 s). */
void user_code(unsigned i, time_t now, char code[BENCH_DIGITS + 1]);

/* ---- store.c: one temp tree per store size ---------------------------- */

struct modules {
	char mailsec[PATH_MAX];
	char ga[PATH_MAX];   /* "" when not installed */
	char oath[PATH_MAX]; /* "" when not installed */
	char permit[PATH_MAX]; /* pam_permit.so, "" when not found */
	char ga_user[64];    /* user= of pam_google_authenticator: the euid's */
};

struct store {
	unsigned n; /* mailboxes */
	char root[PATH_MAX - 64];
	char users[PATH_MAX];      /* pam_mailsec records */
	char state[PATH_MAX];      /* pam_mailsec runtime state */
	char pamd[PATH_MAX];       /* service files for pam_start_confdir */
	char conf[PATH_MAX];       /* mailsec.conf, cache_ttl = 0 */
	char conf_cache[PATH_MAX]; /* mailsec.conf, cache_ttl = BENCH_CACHE_TTL */
	char conf_nojournal[PATH_MAX]; /* mailsec.conf, activity_journal = false */
	char ga[PATH_MAX];         /* one google_authenticator file per user */
	char ga_reuse[PATH_MAX];   /* the same with DISALLOW_REUSE */
	char oath[PATH_MAX];       /* users.oath */
	double build_s;
	unsigned build_procs;
};

/* Makes the tree under `parent` with n mailboxes, every module's files
 * (records hashed with `hash`) and the service files. */
bool store_create(struct store *st, const char *parent, unsigned n,
		  const char *hash, const struct modules *mods);
void store_destroy(struct store *st);
/* pam.d/SERVICE from printf-style text. */
bool stack_write(const struct store *st, const char *service,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool file_write_at(int dir_fd, const char *file, const char *text,
		   size_t len, mode_t mode);

/* ---- mod_*.c: each module's files and stacks -------------------------- */

bool mailsec_conf_write(const struct store *st);
bool mailsec_record_write(int users_fd, unsigned i, const char *hash);
bool mailsec_stacks(const struct store *st, const struct modules *mods);
/* Rewrites the records of mailboxes 0..k-1 with the production hash
 * (libxcrypt's default, yescrypt), through ms_record_save. */
bool mailsec_rehash(const struct store *st, unsigned k);
/* Gives mailboxes 0..k-1 one app password each, BENCH_APP_PASSWORD. */
bool mailsec_add_app_passwords(const struct store *st, unsigned k);

bool ga_file_write(int dir_fd, unsigned i, bool reuse);
bool ga_stacks(const struct store *st, const struct modules *mods);

bool oath_users_write(const struct store *st);
bool oath_stacks(const struct store *st, const struct modules *mods);

/* The cheap password check stacked before the OTP-only modules. */
#define PW_AUTH_LINE "auth requisite %s config=%s role=client\n"
#define PW_ACCOUNT_LINE "account required %s config=%s role=client\n"

/* ---- conv.c: one login ----------------------------------------------- */

/* How pam_oath's code prompt starts ("One-time password (OATH) for
 * `USER': "): a struct ts_talk's code_prompt_start. */
#define OATH_PROMPT_START "One-time password (OATH)"

/* pam_start_confdir + pam_authenticate + pam_acct_mgmt + pam_end, with
 * tests/support's conversation. */
int bench_login(const char *confdir, const char *service, const char *user,
		struct ts_talk *talk);

/* ---- run.c: one scenario in its own process --------------------------- */

struct scenario {
	const char *label;
	const char *service;
	unsigned procs;     /* concurrent processes */
	unsigned first;     /* first mailbox used */
	unsigned mailboxes; /* mailboxes used in turn */
	bool code;          /* a TOTP code per login: one clock step per pass */
	bool replays;       /* also race every 8th login from a second process */
	bool warmup;        /* one untimed pass over the mailboxes first */
	unsigned logins;    /* at most */
	double seconds;     /* at most, then the pass in progress is cut */
	const char *keep_loaded; /* a module the process holds open, or NULL */
	const char *password;    /* NULL: BENCH_PASSWORD */
	bool race;          /* every process tries the same mailbox and code at
			     * once, a pass a code: all but one must fail */
};

struct result {
	bool ran;
	unsigned attempts;  /* logins, replays included */
	unsigned units;     /* distinct (mailbox, step) logins */
	unsigned ok, fail;  /* units with a success / with none */
	unsigned replays_tried, replays_accepted;
	unsigned other_prompts;
	int first_error;    /* PAM code of the first failure, 0 if none */
	double wall_s, rate, p50_us, p99_us, cpu_us;
	double server_cpu_us; /* the database server's, a login; 0: none */
	long maxrss_kib;
};

/* When true, scenario processes bind /dev/null over /dev/console in a
 * private mount namespace (see main.c). */
extern bool run_quiet_console;
/* When set, the CPU seconds a server outside the scenario has used so far:
 * its share is added to each row (the database's). */
extern double (*run_server_cpu_s)(void);

bool run_scenario(const struct store *st, const struct scenario *sc,
		  struct result *res);
/* Whether a child process can bind /dev/null over /dev/console. */
bool run_console_can_quiet(void);

/* ---- pg.c: the database store of the PostgreSQL rows ------------------ */

struct pg_store {
	char sock[PATH_MAX]; /* the cluster's socket directory */
	char conf[PATH_MAX]; /* mailsec.conf, store = "postgresql" */
	double fill_s;
	unsigned fill_procs;
};

/* Starts a private cluster in a temp dir under `parent` (stopped at exit
 * however the bench ends, or by pg_stop), copies every mailbox of `st`
 * into it through the library, and writes the stacks imap-pg and
 * webmail-code-pg of `module` into st's pam.d. */
bool pg_start(struct pg_store *pg, const struct store *st, const char *parent,
	      const char *driver, const char *module);
void pg_stop(void);
/* CPU seconds of the cluster's postmaster and the backends it reaped
 * (run_server_cpu_s, for the rows that use the database). */
double pg_server_cpu_s(void);

/* ---- main.c: options, the scenarios of a store size --------------------- */

#define ROUNDS_MAX 9

struct bench_opts {
	unsigned sizes[BENCH_SIZES_MAX];
	unsigned n_sizes;
	unsigned logins;      /* per scenario, at most */
	unsigned oath_logins; /* per pam_oath scenario, at most */
	double seconds;       /* per scenario, at most */
	unsigned rounds;      /* runs of each scenario, the median shown */
	bool quick, keep, console;
	unsigned only;        /* groups selected (bits), 0: all */
	const char *dir;
	struct modules mods;
	bool pg;              /* the PostgreSQL rows */
	unsigned pg_size;     /* mailboxes of their store */
	unsigned pg_races;    /* codes raced by 32 processes */
	char pg_driver[PATH_MAX];
};

enum sc_id {
	SC_BASE, SC_BASE_KEPT, SC_A, SC_B0, SC_B, SC_BC, SC_C2, SC_C8, SC_C32,
	SC_GA, SC_GAR, SC_OATH, SC_PW_GA, SC_PW_GAR, SC_PW_OATH,
	SC_PW_GA8, SC_PW_GAR8, SC_PW_OATH8, SC_D0, SC_D1, SC_E, SC_A_NJ,
	SC_BC_NJ,
	/* on PostgreSQL */
	SC_PG_BASE_KEPT, SC_PG_A, SC_PG_A8, SC_PG_A32, SC_PG_B0, SC_PG_BC,
	SC_PG_BC8, SC_PG_BC32, SC_PG_RACE, SC_COUNT
};

/* Results of one store size, by scenario (`ran` false: not run). */
struct size_run {
	unsigned n;
	struct result r[SC_COUNT];
};

#define REHASHED 16 /* mailboxes of (d) and (e) */

/* ---- report.c --------------------------------------------------------- */

void report_intro(const struct bench_opts *o, const char *fast_hash,
		  double fast_us, const char *slow_hash, double slow_us);
void report_ratios(const struct size_run *sr);
void report_targets(const struct size_run *runs, unsigned n_runs);
void report_pg(const struct size_run *pr, double hash_us);

/* ---- stats.c ---------------------------------------------------------- */

double percentile(uint64_t *sorted_ns, size_t n, double p); /* µs */
void print_table_header(void);
void print_row(const struct scenario *sc, const struct result *res);
void print_skipped(const char *label, const char *why);

#endif
