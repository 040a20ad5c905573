#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include "db_load.h"
#include "trusted_path.h"

/* The one driver of the process, and the path it was loaded from. A
 * process with two settings naming two drivers (tests) loads each once;
 * a handle is never closed. */
#define LOADED_MAX 4

static struct {
	char path[PATH_MAX];
	const struct ms_db_driver *driver;
} loaded[LOADED_MAX];
static unsigned n_loaded;
static pthread_mutex_t loading = PTHREAD_MUTEX_INITIALIZER;

static const struct ms_db_driver *already_loaded(const char *path)
{
	for (unsigned i = 0; i < n_loaded; i++)
		if (strcmp(loaded[i].path, path) == 0)
			return loaded[i].driver;
	return NULL;
}

static enum ms_status resolve(const char *path, char resolved[PATH_MAX],
			      struct ms_error *err)
{
	struct ms_error why = { .msg = "" };

	if (ms_path_trusted(path, MS_TRUSTED_FILE, resolved, &why) == MS_OK)
		return MS_OK;
	if (errno == ENOENT)
		return ms_fail(err, MS_SYSTEM,
			       "%s: the PostgreSQL driver is not installed "
			       "(built --without-postgresql?)",
			       path);
	return ms_fail(err, MS_SYSTEM, "cannot load the PostgreSQL driver %s",
		       why.msg);
}

/* dlopen of a file that passed the trust check, and its entry point. */
static enum ms_status open_driver(const char *path, const char *resolved,
				  const struct ms_db_driver **driver,
				  struct ms_error *err)
{
	void *handle = dlopen(resolved, RTLD_NOW | RTLD_LOCAL);
	ms_db_driver_fn *entry;
	const char *why;

	if (!handle) {
		why = dlerror();
		return ms_fail(err, MS_SYSTEM, "%s: cannot load: %s", path,
			       why ? why : "unknown error");
	}
	*(void **)&entry = dlsym(handle, MS_DB_DRIVER_SYMBOL);
	if (!entry)
		return ms_fail(err, MS_SYSTEM, "%s: not a mailsec driver (no %s)",
			       path, MS_DB_DRIVER_SYMBOL);
	*driver = entry(MS_DB_API_VERSION);
	if (!*driver || (*driver)->api_version != MS_DB_API_VERSION)
		return ms_fail(err, MS_SYSTEM,
			       "%s: speaks another driver API (not version %u)",
			       path, MS_DB_API_VERSION);
	return MS_OK;
}

static enum ms_status load_locked(const char *path,
				  const struct ms_db_driver **driver,
				  struct ms_error *err)
{
	char resolved[PATH_MAX];
	enum ms_status status;

	*driver = already_loaded(path);
	if (*driver)
		return MS_OK;
	status = resolve(path, resolved, err);
	if (status != MS_OK)
		return status;
	status = open_driver(path, resolved, driver, err);
	if (status != MS_OK)
		return status;
	if (n_loaded < LOADED_MAX) {
		strcpy(loaded[n_loaded].path, path);
		loaded[n_loaded++].driver = *driver;
	}
	return MS_OK;
}

enum ms_status ms_db_driver_load(const struct ms_settings *settings,
				 const struct ms_db_driver **driver,
				 struct ms_error *err)
{
	const char *path = settings->postgresql.driver;
	enum ms_status status;

	*driver = NULL;
	if (!path[0])
		return ms_fail(err, MS_SYSTEM,
			       "%s: postgresql.driver is not set", settings->path);
	pthread_mutex_lock(&loading);
	status = load_locked(path, driver, err);
	pthread_mutex_unlock(&loading);
	return status;
}

enum ms_status ms_db_check_driver(const struct ms_settings *settings,
				  struct ms_error *err)
{
	char resolved[PATH_MAX];
	struct ms_error why = { .msg = "" };

	if (settings->store != MS_STORE_POSTGRESQL ||
	    resolve(settings->postgresql.driver, resolved, &why) == MS_OK)
		return MS_OK;
	return ms_fail(err, MS_INVALID, "%s: postgresql.driver: %s",
		       settings->path, why.msg);
}
