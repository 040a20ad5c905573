#include "config.h"

#include <string.h>

#include "authkind.h"
#include "policy.h"

/* The one spelling of each value: the names are these pairs past '='. */
static const char *const env_pairs[] = {
	[MS_AUTH_PASSWORD] = MS_AUTH_ENV "=password",
	[MS_AUTH_SESSION] = MS_AUTH_ENV "=session",
	[MS_AUTH_CODE] = MS_AUTH_ENV "=code",
	[MS_AUTH_RECOVERY] = MS_AUTH_ENV "=recovery",
	[MS_AUTH_APP_PASSWORD] = MS_AUTH_ENV "=app-password",
};

#define N_KINDS (sizeof(env_pairs) / sizeof(*env_pairs))

const char *ms_auth_kind_env(enum ms_auth_kind kind)
{
	if (kind <= MS_AUTH_UNKNOWN || (size_t)kind >= N_KINDS)
		return NULL;
	return env_pairs[kind];
}

const char *ms_auth_kind_name(enum ms_auth_kind kind)
{
	const char *pair = ms_auth_kind_env(kind);

	return pair ? pair + sizeof(MS_AUTH_ENV) : NULL;
}

enum ms_auth_kind ms_auth_kind_parse(const char *value)
{
	for (size_t i = MS_AUTH_UNKNOWN + 1; value && i < N_KINDS; i++)
		if (strcmp(value, ms_auth_kind_name((enum ms_auth_kind)i)) == 0)
			return (enum ms_auth_kind)i;
	return MS_AUTH_UNKNOWN;
}

enum ms_auth_trust ms_auth_trusted(enum ms_auth_kind kind,
				   const struct ms_record *record,
				   bool needs_fresh_code)
{
	bool needs_code = ms_policy_needs_code(record, MS_ROLE_WEBMAIL);
	bool fresh = kind == MS_AUTH_CODE || kind == MS_AUTH_RECOVERY ||
		     (kind == MS_AUTH_PASSWORD && !needs_code);

	if (kind == MS_AUTH_UNKNOWN || kind == MS_AUTH_APP_PASSWORD)
		return MS_TRUST_UNKNOWN;
	if (kind == MS_AUTH_PASSWORD && needs_code)
		return MS_TRUST_PASSWORD_ALONE;
	if (needs_fresh_code && !fresh)
		return MS_TRUST_NOT_FRESH;
	return MS_TRUST_OK;
}
