#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cfgparse.h"
#include "secure.h"

static enum ms_status vfail_at(struct ms_cfg *cfg, int line, const char *fmt,
			       va_list ap)
{
	char what[MS_ERROR_MAX];

	vsnprintf(what, sizeof(what), fmt, ap);
	if (line > 0)
		return ms_fail(cfg->err, MS_INVALID, "%s:%d: %s", cfg->shown,
			       line, what);
	return ms_fail(cfg->err, MS_INVALID, "%s: %s", cfg->shown, what);
}

enum ms_status ms_cfg_fail(struct ms_cfg *cfg, const config_setting_t *at,
			   const char *fmt, ...)
{
	va_list ap;
	enum ms_status status;

	va_start(ap, fmt);
	status = vfail_at(cfg, at ? (int)config_setting_source_line(at) : 0,
			  fmt, ap);
	va_end(ap);
	return status;
}

static int include_line(const char *text)
{
	int line = 1;

	for (const char *p = text; *p; p++) {
		const char *start = p;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "@include", 8) == 0)
			return line;
		p = strchr(start, '\n');
		if (!p)
			break;
		line++;
	}
	return 0;
}

enum ms_status ms_cfg_parse(struct ms_cfg *cfg, const char *text,
			    const char *shown, struct ms_error *err)
{
	int line = include_line(text);

	cfg->shown = shown;
	cfg->err = err;
	config_init(&cfg->config);
	if (line > 0)
		return ms_fail(err, MS_INVALID,
			       "%s:%d: @include is not allowed", shown, line);
	if (config_read_string(&cfg->config, text) != CONFIG_TRUE)
		return ms_fail(err, MS_INVALID, "%s:%d: %s", shown,
			       config_error_line(&cfg->config),
			       config_error_text(&cfg->config));
	return MS_OK;
}

static void wipe_strings(config_setting_t *setting)
{
	int count = config_setting_length(setting);

	if (config_setting_type(setting) == CONFIG_TYPE_STRING) {
		/* libconfig only hands out const views of its own copy. */
		ms_wipe_str((char *)(uintptr_t)config_setting_get_string(setting));
		return;
	}
	for (int i = 0; i < count; i++)
		wipe_strings(config_setting_get_elem(setting, (unsigned)i));
}

void ms_cfg_destroy(struct ms_cfg *cfg)
{
	config_setting_t *root = config_root_setting(&cfg->config);

	if (root)
		wipe_strings(root);
	config_destroy(&cfg->config);
}

/* libconfig 1.5 does not check its allocations: a key or string it
 * could not copy reads back as NULL, which is no fault of the file. */
static enum ms_status out_of_memory(struct ms_cfg *cfg)
{
	return ms_fail(cfg->err, MS_SYSTEM, "%s: out of memory", cfg->shown);
}

enum ms_status ms_cfg_known_keys(struct ms_cfg *cfg,
				 const config_setting_t *group,
				 const char *const known[])
{
	int count = config_setting_length(group);

	for (int i = 0; i < count; i++) {
		config_setting_t *member =
			config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(member);
		size_t k = 0;

		if (!name) /* libconfig 1.5 lost it to a failed strdup */
			return out_of_memory(cfg);
		while (known[k] && strcmp(known[k], name) != 0)
			k++;
		if (!known[k])
			return ms_cfg_fail(cfg, member, "unknown key '%s'",
					   name);
	}
	return MS_OK;
}

static config_setting_t *member_of(const config_setting_t *group,
				   const char *key)
{
	return config_setting_get_member(group, key);
}

enum ms_status ms_cfg_string(struct ms_cfg *cfg, const config_setting_t *group,
			     const char *key, bool required, char *out,
			     size_t size)
{
	config_setting_t *member = member_of(group, key);
	const char *value;

	if (!member)
		return required ? ms_cfg_fail(cfg, group, "missing '%s'", key)
				: MS_OK;
	if (config_setting_type(member) != CONFIG_TYPE_STRING)
		return ms_cfg_fail(cfg, member, "'%s' must be a string", key);
	value = config_setting_get_string(member);
	if (!value)
		return out_of_memory(cfg);
	if (strlen(value) >= size)
		return ms_cfg_fail(cfg, member, "'%s' is longer than %zu bytes",
				   key, size - 1);
	if (!ms_cfg_printable(value))
		return ms_cfg_fail(cfg, member,
				   "'%s' holds a control character", key);
	strcpy(out, value);
	return MS_OK;
}

enum ms_status ms_cfg_uint(struct ms_cfg *cfg, const config_setting_t *group,
			   const char *key, unsigned min, unsigned max,
			   unsigned *out)
{
	config_setting_t *member = member_of(group, key);
	long long value;

	if (!member)
		return MS_OK;
	if (config_setting_type(member) != CONFIG_TYPE_INT &&
	    config_setting_type(member) != CONFIG_TYPE_INT64)
		return ms_cfg_fail(cfg, member, "'%s' must be an integer", key);
	value = config_setting_get_int64(member);
	if (value < min || value > max)
		return ms_cfg_fail(cfg, member,
				   "'%s' must be between %u and %u", key, min,
				   max);
	*out = (unsigned)value;
	return MS_OK;
}

enum ms_status ms_cfg_uints(struct ms_cfg *cfg, const config_setting_t *group,
			    const struct ms_cfg_uint_key keys[], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum ms_status status = ms_cfg_uint(cfg, group, keys[i].key,
						    keys[i].min, keys[i].max,
						    keys[i].out);

		if (status != MS_OK)
			return status;
	}
	return MS_OK;
}

enum ms_status ms_cfg_bool(struct ms_cfg *cfg, const config_setting_t *group,
			   const char *key, bool *out)
{
	config_setting_t *member = member_of(group, key);

	if (!member)
		return MS_OK;
	if (config_setting_type(member) != CONFIG_TYPE_BOOL)
		return ms_cfg_fail(cfg, member,
				   "'%s' must be true or false", key);
	*out = config_setting_get_bool(member) != 0;
	return MS_OK;
}

enum ms_status ms_cfg_group(struct ms_cfg *cfg, const config_setting_t *group,
			    const char *key, config_setting_t **out)
{
	config_setting_t *member = member_of(group, key);

	*out = NULL;
	if (!member)
		return MS_OK;
	if (!config_setting_is_group(member))
		return ms_cfg_fail(cfg, member, "'%s' must be a group { ... }",
				   key);
	*out = member;
	return MS_OK;
}

enum ms_status ms_cfg_string_list(struct ms_cfg *cfg,
				  const config_setting_t *group, const char *key,
				  unsigned max, size_t size, char *out,
				  unsigned *count)
{
	config_setting_t *list = member_of(group, key);
	unsigned length;

	if (!list)
		return MS_OK;
	if (!config_setting_is_array(list) && !config_setting_is_list(list))
		return ms_cfg_fail(cfg, list, "'%s' must be a list of strings", key);
	length = (unsigned)config_setting_length(list);
	if (length > max)
		return ms_cfg_fail(cfg, list, "'%s' has more than %u entries", key,
				   max);
	for (unsigned i = 0; i < length; i++) {
		config_setting_t *item = config_setting_get_elem(list, i);
		const char *value = config_setting_get_string(item);

		if (!value && config_setting_type(item) == CONFIG_TYPE_STRING)
			return out_of_memory(cfg);
		if (!value || !value[0] || strlen(value) >= size ||
		    !ms_cfg_printable(value))
			return ms_cfg_fail(cfg, item,
					   "'%s' entries must be strings of 1-%zu printable bytes",
					   key, size - 1);
		strcpy(out + i * size, value);
	}
	*count = length;
	return MS_OK;
}

bool ms_cfg_printable(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}
