/* mailsec.conf as this process last parsed it. The module stays loaded
 * (-z nodelete), and reading and parsing the file again was a tenth of a
 * code check; a login now takes one lstat to see that it is unchanged. */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "settings_cache.h"

/* A file changed in the last seconds could change again within the same
 * timestamp tick, unseen by the key: it is kept only when it had been
 * still, before the parse began, for longer than the coarsest timestamps
 * (2 s, FAT) round. */
#define SETTLE_SECONDS 3

static struct {
	bool valid;
	char path[PATH_MAX];
	struct stat st;
	uid_t euid; /* "owned by root or the running euid" was judged for it */
	struct ms_settings settings;
} cached;
static unsigned long parses;
static pthread_mutex_t cached_lock = PTHREAD_MUTEX_INITIALIZER;

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Any change of the file, in place or by rename, changes one of these:
 * its ctime at the least, which no one can set back. */
static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size && a->st_mode == b->st_mode &&
	       a->st_uid == b->st_uid && same_time(&a->st_mtim, &b->st_mtim) &&
	       same_time(&a->st_ctim, &b->st_ctim);
}

static bool settled(const struct stat *st, const struct timespec *start)
{
	return st->st_mtim.tv_sec + SETTLE_SECONDS < start->tv_sec &&
	       st->st_ctim.tv_sec + SETTLE_SECONDS < start->tv_sec;
}

/* trylock: a busy cache (another thread) or one held by a thread that did
 * not come along into a forked child is skipped, never waited for. */
static bool lookup(const char *path, const struct stat *st,
		   struct ms_settings *out)
{
	bool hit = false;

	if (pthread_mutex_trylock(&cached_lock) != 0)
		return false;
	if (cached.valid && strcmp(cached.path, path) == 0 &&
	    cached.euid == geteuid() && same_file(&cached.st, st)) {
		*out = cached.settings;
		hit = true;
	}
	pthread_mutex_unlock(&cached_lock);
	return hit;
}

static void remember(const char *path, const struct stat *st,
		     const struct ms_settings *settings)
{
	if (strlen(path) >= sizeof(cached.path) ||
	    pthread_mutex_trylock(&cached_lock) != 0)
		return;
	strcpy(cached.path, path);
	cached.st = *st;
	cached.euid = geteuid();
	cached.settings = *settings;
	cached.valid = true;
	pthread_mutex_unlock(&cached_lock);
}

enum ms_status ms_settings_load_cached(const char *path,
				       enum ms_conf_origin origin,
				       struct ms_settings *settings,
				       struct ms_error *err)
{
	struct timespec start;
	struct stat before, after;
	bool regular, timed;
	enum ms_status status;

	timed = clock_gettime(CLOCK_REALTIME, &start) == 0;
	regular = lstat(path, &before) == 0 && S_ISREG(before.st_mode);
	if (regular && lookup(path, &before, settings))
		return MS_OK;
	__atomic_add_fetch(&parses, 1, __ATOMIC_RELAXED);
	status = ms_settings_load(path, origin, settings, err);
	/* The same file before and after the parse: what was parsed is it.
	 * Only a file that is there is kept: the origin, which decides only
	 * what a missing one means, never changes what a hit holds. */
	if (status != MS_OK)
		return status;
	if (regular && timed && settled(&before, &start) &&
	    lstat(path, &after) == 0 && same_file(&before, &after))
		remember(path, &before, settings);
	return MS_OK;
}

unsigned long ms_settings_cache_parses(void)
{
	return __atomic_load_n(&parses, __ATOMIC_RELAXED);
}
