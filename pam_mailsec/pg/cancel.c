/* Cancelling a statement the deadline gave up on, so that the server
 * stops it before its own statement_timeout. PQcancel connects and
 * writes blocking, with no limit of its own: it runs in a thread of its
 * own, waited for a short while, then left to finish alone. */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "pg.h"

#define CANCEL_WAIT_MS 25

struct cancel_job {
	PGcancel *cancel;
	pthread_mutex_t lock;
	pthread_cond_t finished;
	bool done;      /* the request went out, or failed */
	bool abandoned; /* nobody waits: the thread frees the job */
};

static void job_free(struct cancel_job *job)
{
	PQfreeCancel(job->cancel);
	pthread_cond_destroy(&job->finished);
	pthread_mutex_destroy(&job->lock);
	free(job);
}

static void *cancel_thread(void *arg)
{
	struct cancel_job *job = arg;
	char why[256];
	bool abandoned;

	(void)PQcancel(job->cancel, why, sizeof(why));
	pthread_mutex_lock(&job->lock);
	job->done = true;
	abandoned = job->abandoned;
	pthread_cond_signal(&job->finished);
	pthread_mutex_unlock(&job->lock);
	if (abandoned)
		job_free(job);
	return NULL;
}

static struct cancel_job *job_new(PGconn *conn)
{
	struct cancel_job *job = calloc(1, sizeof(*job));
	pthread_condattr_t attr;

	if (!job)
		return NULL;
	job->cancel = PQgetCancel(conn);
	if (!job->cancel) {
		free(job);
		return NULL;
	}
	pthread_mutex_init(&job->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&job->finished, &attr);
	pthread_condattr_destroy(&attr);
	return job;
}

/* The thread takes no signal of the process that loaded the driver. */
static bool start_thread(struct cancel_job *job)
{
	pthread_attr_t attr;
	pthread_t thread;
	sigset_t all, old;
	int failed;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	failed = pthread_create(&thread, &attr, cancel_thread, job);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return failed == 0;
}

void ms_pg_cancel(PGconn *conn)
{
	struct cancel_job *job = job_new(conn);
	struct timespec until;
	bool done;

	if (!job)
		return;
	if (!start_thread(job)) {
		job_free(job);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += CANCEL_WAIT_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&job->lock);
	while (!job->done &&
	       pthread_cond_timedwait(&job->finished, &job->lock, &until) == 0)
		;
	done = job->done;
	job->abandoned = !done;
	pthread_mutex_unlock(&job->lock);
	if (done)
		job_free(job);
}
