#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "args.h"
#include "log.h"

static const char *value_of(const char *arg, const char *key)
{
	size_t len = strlen(key);

	return strncmp(arg, key, len) == 0 && arg[len] == '=' ? arg + len + 1
							       : NULL;
}

static bool parse_role(const char *value, struct module_args *args)
{
	if (strcmp(value, "webmail") == 0)
		args->role = MS_ROLE_WEBMAIL;
	else if (strcmp(value, "client") == 0)
		args->role = MS_ROLE_CLIENT;
	else
		return false;
	return true;
}

static bool parse_code(const char *value, struct module_args *args)
{
	if (strcmp(value, "prompt") == 0)
		args->code_mode = CODE_PROMPT;
	else if (strcmp(value, "append") == 0)
		args->code_mode = CODE_APPEND;
	else
		return false;
	return true;
}

#define SESSION_MAX_DEFAULT 43200 /* 12 hours */
#define SECONDS_MAX 604800

static bool parse_seconds(const char *value, unsigned *out)
{
	char *end = NULL;
	unsigned long seconds;

	if (value[0] < '0' || value[0] > '9')
		return false;
	errno = 0;
	seconds = strtoul(value, &end, 10);
	if (errno || *end || seconds == 0 || seconds > SECONDS_MAX)
		return false;
	*out = (unsigned)seconds;
	return true;
}

static bool parse_one(const char *arg, struct module_args *args)
{
	const char *value;

	if ((value = value_of(arg, "config"))) {
		args->config = value;
		return value[0] == '/';
	}
	if ((value = value_of(arg, "role")))
		return parse_role(value, args);
	if ((value = value_of(arg, "code")))
		return parse_code(value, args);
	if ((value = value_of(arg, "session")))
		return parse_seconds(value, &args->session_idle);
	if ((value = value_of(arg, "session_max")))
		return parse_seconds(value, &args->session_max);
	if (strcmp(arg, "no_password") == 0)
		args->no_password = true;
	else if (strcmp(arg, "debug") == 0)
		args->debug = true;
	/* pam_get_authtok reads these two itself. */
	else if (strcmp(arg, "use_first_pass") != 0 &&
		 strcmp(arg, "try_first_pass") != 0)
		return false;
	return true;
}

bool module_args_parse(pam_handle_t *pamh, int argc, const char **argv,
		       struct module_args *args)
{
	memset(args, 0, sizeof(*args));
	args->role = MS_ROLE_UNSET;
	args->code_mode = CODE_PROMPT;
	args->session_max = SESSION_MAX_DEFAULT;
	for (int i = 0; i < argc; i++) {
		if (!parse_one(argv[i], args)) {
			ms_log(pamh, LOG_ERR,
			       "unknown or malformed argument '%s': refusing",
			       argv[i]);
			return false;
		}
	}
	/* A session resumes the one string holding password and code. */
	if (args->session_idle && args->code_mode != CODE_APPEND) {
		ms_log(pamh, LOG_ERR, "session= needs code=append: refusing");
		return false;
	}
	return true;
}
