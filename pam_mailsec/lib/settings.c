#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cfgparse.h"
#include "kick.h"
#include "secure.h"
#include "settings.h"
#include "settings_store.h"
#include "store.h"

void ms_settings_defaults(struct ms_settings *settings)
{
	memset(settings, 0, sizeof(*settings));
	strcpy(settings->users_dir, MAILSEC_USERS_DIR_DEFAULT);
	strcpy(settings->state_dir, MAILSEC_STATE_DIR_DEFAULT);
	strcpy(settings->webmail_services[0], "webmail");
	strcpy(settings->webmail_services[1], "roundcube");
	settings->n_webmail_services = 2;
	strcpy(settings->totp.issuer, "Mail");
	settings->totp.algorithm = MS_TOTP_DEFAULT_ALGORITHM;
	settings->totp.digits = MS_TOTP_DEFAULT_DIGITS;
	settings->totp.period = MS_TOTP_DEFAULT_PERIOD;
	settings->totp.window = 1;
	settings->lockout.max_failures = 5;
	settings->lockout.within = 300;
	settings->lockout.lock_for = 900;
	settings->cache_ttl = 0;
	settings->non_webmail_default = MS_NON_WEBMAIL_ENABLED;
	settings->activity_journal = true;
	settings->kick_timeout = MS_KICK_TIMEOUT_DEFAULT;
	ms_settings_store_defaults(settings);
}

static enum ms_status load_dir(struct ms_cfg *cfg, const config_setting_t *root,
			       const char *key, char *out)
{
	config_setting_t *member = config_setting_get_member(root, key);
	enum ms_status status = ms_cfg_string(cfg, root, key, false, out,
					      PATH_MAX);

	if (status != MS_OK)
		return status;
	if (member && out[0] != '/')
		return ms_cfg_fail(cfg, member, "'%s' must be an absolute path",
				   key);
	return MS_OK;
}

static enum ms_status load_totp_values(struct ms_cfg *cfg,
				       const config_setting_t *group,
				       struct ms_settings *settings)
{
	const struct ms_cfg_uint_key numbers[] = {
		{ "digits", MS_DIGITS_MIN, MS_DIGITS_MAX, &settings->totp.digits },
		{ "period", MS_PERIOD_MIN, MS_PERIOD_MAX, &settings->totp.period },
		{ "window", 0, MS_WINDOW_MAX, &settings->totp.window },
	};
	char algorithm[16] = "";
	enum ms_status status;

	status = ms_cfg_string(cfg, group, "issuer", false,
			       settings->totp.issuer,
			       sizeof(settings->totp.issuer));
	if (status != MS_OK)
		return status;
	status = ms_cfg_string(cfg, group, "algorithm", false, algorithm,
			       sizeof(algorithm));
	if (status != MS_OK)
		return status;
	status = ms_cfg_uints(cfg, group, numbers,
			      sizeof(numbers) / sizeof(*numbers));
	if (status != MS_OK)
		return status;
	if (!settings->totp.issuer[0])
		return ms_cfg_fail(cfg, config_setting_get_member(group, "issuer"),
				   "'issuer' must not be empty");
	if (algorithm[0] &&
	    !ms_algorithm_parse(algorithm, &settings->totp.algorithm))
		return ms_cfg_fail(cfg, config_setting_get_member(group, "algorithm"),
				   "'algorithm' must be SHA1, SHA256 or SHA512");
	return MS_OK;
}

static enum ms_status load_totp(struct ms_cfg *cfg, const config_setting_t *root,
				struct ms_settings *settings)
{
	static const char *const known[] = { "issuer", "algorithm", "digits",
					      "period", "window", NULL };
	config_setting_t *group;
	enum ms_status status = ms_cfg_group(cfg, root, "totp", &group);

	if (status != MS_OK || !group)
		return status;
	status = ms_cfg_known_keys(cfg, group, known);
	if (status != MS_OK)
		return status;
	return load_totp_values(cfg, group, settings);
}

static enum ms_status load_lockout(struct ms_cfg *cfg,
				   const config_setting_t *root,
				   struct ms_settings *settings)
{
	static const char *const known[] = { "max_failures", "within",
					      "lock_for", NULL };
	const struct ms_cfg_uint_key numbers[] = {
		{ "max_failures", MS_MAX_FAILURES_MIN, MS_MAX_FAILURES_MAX,
		  &settings->lockout.max_failures },
		{ "within", MS_WITHIN_MIN, MS_WITHIN_MAX,
		  &settings->lockout.within },
		{ "lock_for", MS_LOCK_FOR_MIN, MS_LOCK_FOR_MAX,
		  &settings->lockout.lock_for },
	};
	config_setting_t *group;
	enum ms_status status = ms_cfg_group(cfg, root, "lockout", &group);

	if (status != MS_OK || !group)
		return status;
	status = ms_cfg_known_keys(cfg, group, known);
	if (status != MS_OK)
		return status;
	return ms_cfg_uints(cfg, group, numbers,
			    sizeof(numbers) / sizeof(*numbers));
}

static const char *const non_webmail_names[] = {
	[MS_NON_WEBMAIL_ENABLED] = "enabled",
	[MS_NON_WEBMAIL_APP_PASSWORDS] = "app-passwords",
	[MS_NON_WEBMAIL_DISABLED] = "disabled",
};

const char *ms_non_webmail_name(enum ms_non_webmail mode)
{
	return non_webmail_names[mode];
}

bool ms_non_webmail_parse(const char *text, enum ms_non_webmail *mode)
{
	for (size_t i = 0; i < sizeof(non_webmail_names) /
				       sizeof(*non_webmail_names); i++) {
		if (strcmp(text, non_webmail_names[i]) == 0) {
			*mode = (enum ms_non_webmail)i;
			return true;
		}
	}
	return false;
}

static enum ms_status load_non_webmail_default(struct ms_cfg *cfg,
					       const config_setting_t *root,
					       struct ms_settings *settings)
{
	char text[16] = "";
	enum ms_status status = ms_cfg_string(cfg, root, "non_webmail_default",
					      false, text, sizeof(text));

	if (status != MS_OK || !text[0])
		return status;
	if (!ms_non_webmail_parse(text, &settings->non_webmail_default))
		return ms_cfg_fail(cfg,
				   config_setting_get_member(root, "non_webmail_default"),
				   "'non_webmail_default' must be enabled, "
				   "app-passwords or disabled");
	return MS_OK;
}

/* An argv run without a shell: its program named by an absolute path (no
 * PATH search in someone else's environment), its escapes known. */
static enum ms_status load_kick(struct ms_cfg *cfg, const config_setting_t *root,
				struct ms_settings *settings)
{
	config_setting_t *list = config_setting_get_member(root, "kick_command");
	enum ms_status status = ms_cfg_string_list(cfg, root, "kick_command",
						   MS_KICK_ARGS_MAX,
						   MS_KICK_ARG_MAX,
						   settings->kick_command[0],
						   &settings->n_kick_args);
	char bad[3];

	if (status != MS_OK)
		return status;
	if (settings->n_kick_args && settings->kick_command[0][0] != '/')
		return ms_cfg_fail(cfg, config_setting_get_elem(list, 0),
				   "'kick_command' must begin with an absolute "
				   "path");
	for (unsigned i = 0; i < settings->n_kick_args; i++)
		if (!ms_kick_arg_valid(settings->kick_command[i], bad))
			return ms_cfg_fail(cfg, config_setting_get_elem(list, i),
					   "'kick_command': unknown escape "
					   "'%s' (only %%m and %%%%)", bad);
	return ms_cfg_uint(cfg, root, "kick_timeout", MS_KICK_TIMEOUT_MIN,
			   MS_KICK_TIMEOUT_MAX, &settings->kick_timeout);
}

static enum ms_status load_root(struct ms_cfg *cfg,
				struct ms_settings *settings)
{
	static const char *const known[] = { "users_dir", "state_dir",
					      "webmail_services", "totp",
					      "lockout", "cache_ttl",
					      "non_webmail_default",
					      "activity_journal", "kick_command",
					      "kick_timeout", "store",
					      "postgresql", NULL };
	config_setting_t *root = config_root_setting(&cfg->config);
	enum ms_status status = ms_cfg_known_keys(cfg, root, known);

	if (status != MS_OK)
		return status;
	status = load_dir(cfg, root, "users_dir", settings->users_dir);
	if (status != MS_OK)
		return status;
	status = load_dir(cfg, root, "state_dir", settings->state_dir);
	if (status != MS_OK)
		return status;
	status = ms_cfg_string_list(cfg, root, "webmail_services",
				    MS_SERVICES_MAX, MS_SERVICE_NAME_MAX,
				    settings->webmail_services[0],
				    &settings->n_webmail_services);
	if (status != MS_OK)
		return status;
	status = load_totp(cfg, root, settings);
	if (status != MS_OK)
		return status;
	status = load_lockout(cfg, root, settings);
	if (status != MS_OK)
		return status;
	status = ms_cfg_uint(cfg, root, "cache_ttl", 0, MS_CACHE_TTL_MAX,
			     &settings->cache_ttl);
	if (status != MS_OK)
		return status;
	status = ms_cfg_bool(cfg, root, "activity_journal",
			     &settings->activity_journal);
	if (status != MS_OK)
		return status;
	status = load_non_webmail_default(cfg, root, settings);
	if (status != MS_OK)
		return status;
	status = load_kick(cfg, root, settings);
	if (status != MS_OK)
		return status;
	return ms_settings_load_store(cfg, root, settings);
}

static enum ms_status parse_settings(const char *text, const char *path,
				     struct ms_settings *settings,
				     struct ms_error *err)
{
	struct ms_cfg cfg;
	enum ms_status status = ms_cfg_parse(&cfg, text, path, err);

	if (status != MS_OK)
		goto done;
	status = load_root(&cfg, settings);
done:
	ms_cfg_destroy(&cfg);
	return status;
}

/* A path whose last component names a file, not a directory. */
static bool is_file_path(const char *path)
{
	size_t len = strlen(path);

	return len > 0 && len < PATH_MAX && path[len - 1] != '/';
}

enum ms_status ms_settings_load(const char *path, enum ms_conf_origin origin,
				struct ms_settings *settings,
				struct ms_error *err)
{
	char *text = NULL;
	size_t len;
	enum ms_status status;

	ms_settings_defaults(settings);
	if (!is_file_path(path))
		return ms_fail(err, MS_INVALID, "%s: not a file path", path);
	strcpy(settings->path, path);
	status = ms_file_read_path(path, &text, &len, err);
	if (status == MS_NOT_FOUND && origin == MS_CONF_NAMED)
		return ms_fail(err, MS_SYSTEM,
			       "%s: no such file (a configuration file named "
			       "explicitly must exist)", path);
	/* Nothing configured: the defaults. */
	if (status == MS_NOT_FOUND)
		return MS_OK;
	if (status != MS_OK)
		return status;
	status = parse_settings(text, path, settings, err);
	ms_free_secret(text);
	return status;
}

bool ms_settings_is_webmail_service(const struct ms_settings *settings,
				    const char *service)
{
	for (unsigned i = 0; i < settings->n_webmail_services; i++)
		if (strcmp(settings->webmail_services[i], service) == 0)
			return true;
	return false;
}
