#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "settings_store.h"

#ifndef MAILSEC_PG_DRIVER
#define MAILSEC_PG_DRIVER "/usr/lib/pam_mailsec/store_postgresql.so"
#endif

#define PASSWORD_KEY "password"
#define PASSFILE_HINT "put the password in a libpq passfile"

void ms_settings_store_defaults(struct ms_settings *settings)
{
	settings->store = MS_STORE_FILES;
	settings->postgresql.timeout = MS_DB_TIMEOUT_DEFAULT;
	_Static_assert(sizeof(MAILSEC_PG_DRIVER) <= PATH_MAX,
		       "the driver's default path fits");
	strcpy(settings->postgresql.driver, MAILSEC_PG_DRIVER);
	strcpy(settings->postgresql.module_role, "mailsec_module");
}

static bool is_uri(const char *conninfo)
{
	return strncmp(conninfo, "postgresql://", 13) == 0 ||
	       strncmp(conninfo, "postgres://", 11) == 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Whether text[0..len) is "password" once %XX escapes are decoded, as
 * libpq decodes a URI's parameter names. */
static bool names_password(const char *text, size_t len)
{
	size_t at = 0, matched = 0;

	while (at < len) {
		char c = text[at++];

		if (c == '%' && at + 1 < len && hex_value(text[at]) >= 0 &&
		    hex_value(text[at + 1]) >= 0) {
			c = (char)(hex_value(text[at]) * 16 +
				   hex_value(text[at + 1]));
			at += 2;
		}
		if (matched >= sizeof(PASSWORD_KEY) - 1 ||
		    tolower((unsigned char)c) != PASSWORD_KEY[matched])
			return false;
		matched++;
	}
	return matched == sizeof(PASSWORD_KEY) - 1;
}

/* A URI's user:password@ or its ?...&password=... */
static bool uri_has_password(const char *uri)
{
	const char *authority = strstr(uri, "://") + 3;
	size_t authority_len = strcspn(authority, "/?");
	const char *at = memchr(authority, '@', authority_len);
	const char *query = strchr(authority, '?');

	if (at && memchr(authority, ':', (size_t)(at - authority)))
		return true;
	while (query) {
		const char *param = query + 1;
		size_t name_len = strcspn(param, "=&");

		if (names_password(param, name_len))
			return true;
		query = strchr(param, '&');
	}
	return false;
}

/* Keyword/value form: a keyword "password" (any case) where a keyword
 * may begin, spaces, then '='. A value that merely looks so is refused
 * too: a refusal here costs a rewording, a password in mailsec.conf is
 * one more copy of it. */
static bool keywords_have_password(const char *conninfo)
{
	const size_t key_len = sizeof(PASSWORD_KEY) - 1;

	for (const char *p = conninfo; *p; p++) {
		const char *after = p + key_len;

		if (p != conninfo && !isspace((unsigned char)p[-1]))
			continue;
		if (strncasecmp(p, PASSWORD_KEY, key_len) != 0)
			continue;
		while (*after == ' ' || *after == '\t')
			after++;
		if (*after == '=')
			return true;
	}
	return false;
}

static enum ms_status load_conninfo(struct ms_cfg *cfg,
				    const config_setting_t *group,
				    const char *key, char *out)
{
	enum ms_status status = ms_cfg_string(cfg, group, key, false, out,
					      MS_CONNINFO_MAX);

	if (status != MS_OK || !out[0])
		return status;
	if (is_uri(out) ? uri_has_password(out) : keywords_have_password(out))
		return ms_cfg_fail(cfg, config_setting_get_member(group, key),
				   "'%s' holds a password: " PASSFILE_HINT,
				   key);
	return MS_OK;
}

static bool is_identifier(const char *text)
{
	if (!text[0] || isdigit((unsigned char)text[0]))
		return false;
	for (; *text; text++)
		if (!isalnum((unsigned char)*text) && *text != '_')
			return false;
	return true;
}

static enum ms_status load_driver_and_role(struct ms_cfg *cfg,
					   const config_setting_t *group,
					   struct ms_settings *settings)
{
	enum ms_status status = ms_cfg_string(cfg, group, "driver", false,
					      settings->postgresql.driver,
					      PATH_MAX);

	if (status != MS_OK)
		return status;
	if (settings->postgresql.driver[0] != '/')
		return ms_cfg_fail(cfg, config_setting_get_member(group, "driver"),
				   "'driver' must be an absolute path");
	status = ms_cfg_string(cfg, group, "module_role", false,
			       settings->postgresql.module_role,
			       MS_DB_ROLE_MAX);
	if (status != MS_OK)
		return status;
	if (!is_identifier(settings->postgresql.module_role))
		return ms_cfg_fail(cfg,
				   config_setting_get_member(group, "module_role"),
				   "'module_role' must be letters, digits and "
				   "_, not starting with a digit");
	return MS_OK;
}

static enum ms_status load_group(struct ms_cfg *cfg,
				 const config_setting_t *group,
				 struct ms_settings *settings)
{
	static const char *const known[] = { "conninfo", "admin_conninfo",
					      "timeout", "driver",
					      "module_role", NULL };
	enum ms_status status = ms_cfg_known_keys(cfg, group, known);

	if (status != MS_OK)
		return status;
	status = load_conninfo(cfg, group, "conninfo",
			       settings->postgresql.conninfo);
	if (status != MS_OK)
		return status;
	status = load_conninfo(cfg, group, "admin_conninfo",
			       settings->postgresql.admin_conninfo);
	if (status != MS_OK)
		return status;
	status = ms_cfg_uint(cfg, group, "timeout", MS_DB_TIMEOUT_MIN,
			     MS_DB_TIMEOUT_MAX, &settings->postgresql.timeout);
	if (status != MS_OK)
		return status;
	return load_driver_and_role(cfg, group, settings);
}

static enum ms_status load_kind(struct ms_cfg *cfg,
				const config_setting_t *root,
				struct ms_settings *settings)
{
	char text[16] = "";
	enum ms_status status = ms_cfg_string(cfg, root, "store", false, text,
					      sizeof(text));

	if (status != MS_OK || !text[0])
		return status;
	if (strcmp(text, "files") == 0)
		settings->store = MS_STORE_FILES;
	else if (strcmp(text, "postgresql") == 0)
		settings->store = MS_STORE_POSTGRESQL;
	else
		return ms_cfg_fail(cfg, config_setting_get_member(root, "store"),
				   "'store' must be files or postgresql");
	return MS_OK;
}

enum ms_status ms_settings_load_store(struct ms_cfg *cfg,
				      const config_setting_t *root,
				      struct ms_settings *settings)
{
	config_setting_t *group;
	enum ms_status status = load_kind(cfg, root, settings);

	if (status != MS_OK)
		return status;
	status = ms_cfg_group(cfg, root, "postgresql", &group);
	if (status != MS_OK)
		return status;
	if (group) {
		status = load_group(cfg, group, settings);
		if (status != MS_OK)
			return status;
	}
	if (settings->store == MS_STORE_POSTGRESQL &&
	    !settings->postgresql.conninfo[0])
		return ms_cfg_fail(cfg, group ? group
					      : config_setting_get_member(root,
									  "store"),
				   "store = \"postgresql\" needs "
				   "'postgresql.conninfo'");
	return MS_OK;
}
