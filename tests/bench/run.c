/* One scenario: its own process (so that its peak RSS and CPU are its
 * own), with P worker processes for concurrency. Logins go to mailboxes
 * first..first+mailboxes-1 in passes; in a pass each mailbox logs in once,
 * the workers taking every P-th. A scenario with codes uses one clock step
 * per pass (clock.c), all workers keeping in step at a barrier, and sends
 * the code of the pass's step. With `replays`, every 8th login of each
 * worker is also tried, at about the same moment, by the next worker with
 * the same code: of those two at most one may succeed. With `race`, every
 * worker tries the one mailbox with the pass's code at once. */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "bench.h"

#define REPLAY_EVERY 8

bool run_quiet_console;
double (*run_server_cpu_s)(void);

struct shared {
	pthread_barrier_t barrier;
	uint64_t deadline_ns;
	uint64_t wall_ns;
	uint64_t cpu_ns;
	time_t round_t;       /* the (module) time whose codes this pass sends */
	int time_up;
	int stop_now;
	int first_error;
	int failed_setup;
	unsigned rounds;
	unsigned attempts;
	unsigned replays_tried;
	unsigned other_prompts;
	unsigned lat_cap;
};

struct ctx {
	const struct store *st;
	const struct scenario *sc;
	struct shared *sh;
	uint32_t *unit_ok;    /* per (pass, mailbox): successes */
	uint32_t *unit_tried; /* per (pass, mailbox): attempts */
	uint64_t *lat;        /* ns per login */
};

static void attempt(const struct ctx *c, unsigned j, unsigned base,
		    bool replay)
{
	const struct scenario *sc = c->sc;
	struct shared *sh = c->sh;
	unsigned mailbox = sc->first + j, unit = base + j, at;
	char name[BENCH_NAME_MAX], code[BENCH_DIGITS + 1] = "";
	struct ts_talk talk = { .password = sc->password ? sc->password : BENCH_PASSWORD,
				.code = sc->code ? code : NULL,
				.code_prompt_start = OATH_PROMPT_START };
	uint64_t t0;
	int rc, none = 0;

	user_name(mailbox, name);
	/* One process: the code of this moment. Several: the code of the
	 * pass, so that a raced replay sends exactly the same code. */
	if (sc->code)
		user_code(mailbox, sc->procs == 1 ? time(NULL) : sh->round_t,
			  code);
	t0 = now_ns();
	rc = bench_login(c->st->pamd, sc->service, name, &talk);
	at = __atomic_fetch_add(&sh->attempts, 1, __ATOMIC_RELAXED);
	if (at < sh->lat_cap)
		c->lat[at] = now_ns() - t0;
	__atomic_add_fetch(&c->unit_tried[unit], 1, __ATOMIC_RELAXED);
	if (rc == PAM_SUCCESS)
		__atomic_add_fetch(&c->unit_ok[unit], 1, __ATOMIC_RELAXED);
	else
		__atomic_compare_exchange_n(&sh->first_error, &none, rc, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	if (replay)
		__atomic_add_fetch(&sh->replays_tried, 1, __ATOMIC_RELAXED);
	if (talk.other_asked)
		__atomic_add_fetch(&sh->other_prompts, talk.other_asked,
				   __ATOMIC_RELAXED);
}

static bool time_up(struct shared *sh)
{
	if (__atomic_load_n(&sh->time_up, __ATOMIC_RELAXED))
		return true;
	if (now_ns() < sh->deadline_ns)
		return false;
	__atomic_store_n(&sh->time_up, 1, __ATOMIC_RELAXED);
	return true;
}

/* End of a pass: every worker advances its clock; one of them decides,
 * for all, whether to go on and which time the next pass's codes use. */
static bool pass_end(const struct ctx *c, unsigned procs)
{
	struct shared *sh = c->sh;

	if (c->sc->code)
		clock_advance(1);
	if (procs == 1) {
		sh->round_t = time(NULL);
		return !time_up(sh);
	}
	if (pthread_barrier_wait(&sh->barrier) == PTHREAD_BARRIER_SERIAL_THREAD) {
		sh->stop_now = time_up(sh);
		sh->round_t = time(NULL);
	}
	pthread_barrier_wait(&sh->barrier);
	return !sh->stop_now;
}

static void worker(const struct ctx *c, unsigned w)
{
	const struct scenario *sc = c->sc;
	unsigned procs = sc->procs, m = sc->mailboxes;

	for (unsigned r = 0;; r++) {
		unsigned base = r * m, n;

		if (base >= sc->logins)
			break;
		n = sc->logins - base < m ? sc->logins - base : m;
		if (w == 0)
			c->sh->rounds = r + 1;
		if (sc->race && !time_up(c->sh))
			attempt(c, 0, base, w != 0);
		for (unsigned k = 0; !sc->race && k * procs < n &&
				     !time_up(c->sh); k++) {
			unsigned j = k * procs + w;
			unsigned jr = k * procs + (w + procs - 1) % procs;

			if (sc->replays && procs > 1 && k % REPLAY_EVERY == 0 &&
			    jr < n)
				attempt(c, jr, base, true);
			if (j < n)
				attempt(c, j, base, false);
		}
		if (!pass_end(c, procs))
			break;
	}
}

static bool quiet_console(void)
{
	return unshare(CLONE_NEWNS) == 0 &&
	       mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
	       mount("/dev/null", "/dev/console", NULL, MS_BIND, NULL) == 0;
}

bool run_console_can_quiet(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(quiet_console() ? 0 : 1);
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static uint64_t cpu_ns(void)
{
	struct rusage self, kids;
	uint64_t sum = 0;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	const struct timeval *tv[] = { &self.ru_utime, &self.ru_stime,
				       &kids.ru_utime, &kids.ru_stime };
	for (size_t i = 0; i < 4; i++)
		sum += (uint64_t)tv[i]->tv_sec * 1000000000u +
		       (uint64_t)tv[i]->tv_usec * 1000u;
	return sum;
}

static bool run_workers(const struct ctx *c)
{
	unsigned procs = c->sc->procs;
	pthread_barrierattr_t attr;
	bool ok = true;

	if (procs == 1) {
		worker(c, 0);
		return true;
	}
	pthread_barrierattr_init(&attr);
	pthread_barrierattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	if (pthread_barrier_init(&c->sh->barrier, &attr, procs) != 0)
		return false;
	for (unsigned w = 0; w < procs; w++) {
		pid_t pid = fork();

		if (pid == 0) {
			worker(c, w);
			_exit(0);
		}
		if (pid < 0) {
			perror("bench: fork");
			_exit(1); /* the others would wait at the barrier */
		}
	}
	for (unsigned w = 0; w < procs; w++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			ok = false;
	}
	return ok;
}

static void scenario_process(const struct ctx *c)
{
	const struct scenario *sc = c->sc;
	struct shared *sh = c->sh;
	uint64_t t0, cpu0;

	if (run_quiet_console)
		(void)quiet_console();
	/* Held open for the process's life: libpam's dlopen then only counts
	 * a reference, and its dlclose never unmaps the module. */
	if (sc->keep_loaded && !dlopen(sc->keep_loaded, RTLD_NOW | RTLD_LOCAL)) {
		fprintf(stderr, "bench: %s\n", dlerror());
		sh->failed_setup = 1;
		_exit(0);
	}
	for (unsigned j = 0; sc->warmup && j < sc->mailboxes; j++) {
		char name[BENCH_NAME_MAX];
		struct ts_talk talk = { .password = sc->password ? sc->password : BENCH_PASSWORD,
					.code_prompt_start = OATH_PROMPT_START };

		user_name(sc->first + j, name);
		(void)bench_login(c->st->pamd, sc->service, name, &talk);
	}
	cpu0 = cpu_ns();
	sh->round_t = time(NULL);
	t0 = now_ns();
	/* A pass's code must still be in the window (one step) at its end. */
	sh->deadline_ns = t0 + (uint64_t)((sc->code && sc->procs > 1 &&
					   sc->seconds > 25 ? 25 : sc->seconds) * 1e9);
	if (!run_workers(c))
		sh->failed_setup = 1;
	sh->wall_ns = now_ns() - t0;
	sh->cpu_ns = cpu_ns() - cpu0;
	_exit(0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void summarize(const struct ctx *c, struct result *res)
{
	const struct shared *sh = c->sh;
	size_t n = sh->attempts < sh->lat_cap ? sh->attempts : sh->lat_cap;

	res->attempts = sh->attempts;
	res->replays_tried = sh->replays_tried;
	res->other_prompts = sh->other_prompts;
	res->first_error = sh->first_error;
	for (unsigned u = 0; u < c->sc->logins; u++) {
		if (!c->unit_tried[u])
			continue;
		res->units++;
		if (c->unit_ok[u])
			res->ok++;
		else
			res->fail++;
		if (c->unit_ok[u] > 1)
			res->replays_accepted += c->unit_ok[u] - 1;
	}
	res->wall_s = (double)sh->wall_ns / 1e9;
	res->rate = res->wall_s > 0 ? res->attempts / res->wall_s : 0;
	res->cpu_us = res->attempts ? (double)sh->cpu_ns / 1e3 / res->attempts : 0;
	qsort(c->lat, n, sizeof(*c->lat), cmp_u64);
	res->p50_us = percentile(c->lat, n, 50);
	res->p99_us = percentile(c->lat, n, 99);
}

bool run_scenario(const struct store *st, const struct scenario *sc,
		  struct result *res)
{
	unsigned lat_cap = sc->race ? sc->logins * sc->procs
				    : sc->logins + sc->logins / 4 + 64 * sc->procs;
	size_t size = sizeof(struct shared) +
		      2 * (size_t)sc->logins * sizeof(uint32_t) +
		      (size_t)lat_cap * sizeof(uint64_t);
	struct ctx c = { st, sc, NULL, NULL, NULL, NULL };
	struct rusage ru;
	int status = 0;
	double server0 = run_server_cpu_s ? run_server_cpu_s() : 0;
	void *mem;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	size = (size + 4095) & ~(size_t)4095;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("bench: mmap");
		return false;
	}
	c.sh = mem;
	c.lat = (uint64_t *)((char *)mem + sizeof(struct shared));
	c.unit_ok = (uint32_t *)(c.lat + lat_cap);
	c.unit_tried = c.unit_ok + sc->logins;
	c.sh->lat_cap = lat_cap;
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		scenario_process(&c);
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || c.sh->failed_setup) {
		fprintf(stderr, "bench: scenario %s did not run\n", sc->label);
		munmap(mem, size);
		return false;
	}
	summarize(&c, res);
	if (run_server_cpu_s && res->attempts) {
		/* The scenario's backends end with its processes; the server
		 * counts their time once it has reaped them. */
		usleep(200000);
		res->server_cpu_us = (run_server_cpu_s() - server0) * 1e6 /
				     res->attempts;
	}
	res->maxrss_kib = ru.ru_maxrss;
	res->ran = true;
	if (sc->code)
		clock_advance(c.sh->rounds + 1);
	munmap(mem, size);
	return true;
}
