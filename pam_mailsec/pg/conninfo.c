/* What a conninfo may ask for, and the environment libpq (and the
 * Kerberos library under its GSSAPI) must not read while it connects. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pg.h"

extern char **environ;

static bool is_socket(const char *host, size_t len)
{
	/* An empty entry is libpq's default, the socket directory. */
	return len == 0 || host[0] == '/' || host[0] == '@';
}

static bool names_tcp_host(const char *hosts)
{
	const char *at = hosts;

	for (;;) {
		size_t len = strcspn(at, ",");

		if (!is_socket(at, len))
			return true;
		if (at[len] == '\0')
			return false;
		at += len + 1;
	}
}

static const char *option(const PQconninfoOption *parsed, const char *key)
{
	for (const PQconninfoOption *o = parsed; o->keyword; o++)
		if (strcmp(o->keyword, key) == 0)
			return o->val && *o->val ? o->val : NULL;
	return NULL;
}

/* A service's file may name a TCP host: it counts as one. The file
 * cannot change an sslmode the conninfo sets. */
static bool crosses_network(const PQconninfoOption *parsed)
{
	const char *hosts = option(parsed, "host");

	return (hosts && names_tcp_host(hosts)) || option(parsed, "hostaddr") ||
	       option(parsed, "service");
}

/* libpq's built-in socket directory on Debian (the environment that
 * could change it is hidden). */
#define DEFAULT_SOCKET_DIR "/var/run/postgresql"

/* Whoever may make the socket's name first answers there: requirepeer
 * is then the only check of the server. A missing directory is fine:
 * the connection fails. */
static enum ms_status judge_socket(const char *host, size_t len,
				   struct ms_error *err)
{
	char dir[4096];
	struct stat st;

	if (len >= sizeof(dir))
		return MS_OK;
	memcpy(dir, host, len);
	dir[len] = '\0';
	if (len == 0)
		snprintf(dir, sizeof(dir), "%s", DEFAULT_SOCKET_DIR);
	if (dir[0] == '@')
		return ms_fail(err, MS_INVALID,
			       "postgresql: the abstract socket %s may be bound"
			       " by anyone: add requirepeer=USER (the server's"
			       " system user)",
			       dir);
	if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH))
		return ms_fail(err, MS_INVALID,
			       "postgresql: the socket directory %s is writable"
			       " by anyone: add requirepeer=USER (the server's"
			       " system user)",
			       dir);
	return MS_OK;
}

static enum ms_status judge_sockets(const PQconninfoOption *parsed,
				    struct ms_error *err)
{
	const char *at = option(parsed, "host");

	if (option(parsed, "requirepeer"))
		return MS_OK;
	if (!at)
		return judge_socket("", 0, err);
	for (;;) {
		size_t len = strcspn(at, ",");

		if (is_socket(at, len) && judge_socket(at, len, err) != MS_OK)
			return err->status;
		if (at[len] == '\0')
			return MS_OK;
		at += len + 1;
	}
}

static enum ms_status judge(const PQconninfoOption *parsed,
			    struct ms_error *err)
{
	const char *sslmode = option(parsed, "sslmode");

	if (option(parsed, "password"))
		return ms_fail(err, MS_INVALID,
			       "postgresql: the conninfo holds a password (put it"
			       " in a passfile)");
	if (crosses_network(parsed) &&
	    (!sslmode || strcmp(sslmode, "verify-full") != 0))
		return ms_fail(err, MS_INVALID,
			       "postgresql: a connection over TCP needs"
			       " sslmode=verify-full (the server must be"
			       " authenticated: the password and the records"
			       " cross the network)");
	return judge_sockets(parsed, err);
}

static void wipe_options(PQconninfoOption *parsed)
{
	for (PQconninfoOption *o = parsed; o->keyword; o++)
		if (o->val)
			explicit_bzero(o->val, strlen(o->val));
	PQconninfoFree(parsed);
}

/* libpq's rule: anything else is a database name alone (on the local
 * socket, without a password). */
static bool is_connection_string(const char *conninfo)
{
	return strncmp(conninfo, "postgresql://", 13) == 0 ||
	       strncmp(conninfo, "postgres://", 11) == 0 ||
	       strchr(conninfo, '=') != NULL;
}

enum ms_status ms_pg_check_conninfo(const char *conninfo,
				    struct ms_error *err)
{
	char *why = NULL;
	PQconninfoOption *parsed;
	enum ms_status status;

	if (!is_connection_string(conninfo))
		return MS_OK;
	parsed = PQconninfoParse(conninfo, &why);

	/* libpq's reason quotes the conninfo, which may hold a password. */
	PQfreemem(why);
	if (!parsed)
		return ms_fail(err, MS_INVALID,
			       "postgresql: the conninfo is not valid (libpq"
			       " cannot parse it)");
	status = judge(parsed, err);
	wipe_options(parsed);
	return status;
}

static bool hidden(const char *entry)
{
	return strchr(entry, '=') &&
	       (strncmp(entry, "PG", 2) == 0 || strncmp(entry, "KRB5", 4) == 0 ||
		strncmp(entry, "HOME=", 5) == 0);
}

static void free_saved(struct ms_pg_env *env)
{
	for (size_t i = 0; i < env->count; i++) {
		explicit_bzero(env->saved[i], strlen(env->saved[i]));
		free(env->saved[i]);
	}
	free(env->saved);
	env->saved = NULL;
	env->count = 0;
}

/* Each saved "NAME=value" is cut at its '=' for the calls. */
static void each_saved(struct ms_pg_env *env, bool restore)
{
	for (size_t i = 0; i < env->count; i++) {
		char *equals = strchr(env->saved[i], '=');

		*equals = '\0';
		if (restore)
			setenv(env->saved[i], equals + 1, 1);
		else
			unsetenv(env->saved[i]);
		*equals = '=';
	}
}

enum ms_status ms_pg_env_hide(struct ms_pg_env *env, struct ms_error *err)
{
	size_t wanted = 0;

	env->count = 0;
	for (char **e = environ; *e; e++)
		wanted += hidden(*e);
	env->saved = calloc(wanted + 1, sizeof(*env->saved));
	for (char **e = environ; env->saved && *e; e++) {
		if (!hidden(*e))
			continue;
		env->saved[env->count] = strdup(*e);
		if (!env->saved[env->count]) {
			free_saved(env);
			break;
		}
		env->count++;
	}
	if (!env->saved)
		return ms_fail(err, MS_SYSTEM, "postgresql: out of memory");
	each_saved(env, false);
	return MS_OK;
}

void ms_pg_env_restore(struct ms_pg_env *env)
{
	each_saved(env, true);
	free_saved(env);
}
