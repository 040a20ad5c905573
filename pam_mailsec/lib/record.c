#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "apppass.h"
#include "cfgparse.h"
#include "name.h"
#include "record.h"
#include "secure.h"
#include "store_files.h"
#include "totp.h"

#define RECORD_VERSION 1

_Static_assert(MS_RECORD_DIGEST_BYTES == crypto_generichash_BYTES,
	       "a record digest is one crypto_generichash");

static const char *const status_names[] = {
	[MS_TOTP_OFF] = "off",
	[MS_TOTP_PENDING] = "pending",
	[MS_TOTP_ENABLED] = "enabled",
};

const char *ms_totp_status_name(enum ms_totp_status status)
{
	return status_names[status];
}

enum ms_non_webmail ms_record_non_webmail(const struct ms_record *record)
{
	if (!record->non_webmail_access)
		return MS_NON_WEBMAIL_DISABLED;
	return record->app_passwords_only ? MS_NON_WEBMAIL_APP_PASSWORDS
					  : MS_NON_WEBMAIL_ENABLED;
}

void ms_record_set_non_webmail(struct ms_record *record,
			       enum ms_non_webmail mode)
{
	record->non_webmail_access = mode != MS_NON_WEBMAIL_DISABLED;
	record->app_passwords_only = mode == MS_NON_WEBMAIL_APP_PASSWORDS;
}

static bool status_parse(const char *text, enum ms_totp_status *out)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(*status_names); i++) {
		if (strcmp(text, status_names[i]) == 0) {
			*out = (enum ms_totp_status)i;
			return true;
		}
	}
	return false;
}

static enum ms_status check_totp(struct ms_cfg *cfg,
				 const config_setting_t *totp,
				 const struct ms_record *record,
				 const char *status, const char *algorithm)
{
	const config_setting_t *secret_at =
		config_setting_get_member(totp, "secret");
	struct ms_record scratch;

	if (!status_parse(status, &scratch.totp.status))
		return ms_cfg_fail(cfg, config_setting_get_member(totp, "status"),
				   "'status' must be off, pending or enabled");
	if (algorithm[0] && !ms_algorithm_parse(algorithm, &scratch.totp.algorithm))
		return ms_cfg_fail(cfg, config_setting_get_member(totp, "algorithm"),
				   "'algorithm' must be SHA1, SHA256 or SHA512");
	if ((scratch.totp.status != MS_TOTP_OFF || record->totp.secret[0]) &&
	    !ms_totp_secret_valid(record->totp.secret))
		return ms_cfg_fail(cfg, secret_at ? secret_at : totp,
				   "'secret' must be base32 of at least %d bits",
				   MS_SECRET_MIN_BYTES * 8);
	return MS_OK;
}

static enum ms_status parse_totp_values(struct ms_cfg *cfg,
				       const config_setting_t *totp,
				       struct ms_record *record,
				       char status_text[16], char algorithm[16])
{
	const struct ms_cfg_uint_key numbers[] = {
		{ "digits", MS_DIGITS_MIN, MS_DIGITS_MAX, &record->totp.digits },
		{ "period", MS_PERIOD_MIN, MS_PERIOD_MAX, &record->totp.period },
	};
	enum ms_status status;

	status = ms_cfg_string(cfg, totp, "status", true, status_text, 16);
	if (status != MS_OK)
		return status;
	status = ms_cfg_string(cfg, totp, "secret", false, record->totp.secret,
			       sizeof(record->totp.secret));
	if (status != MS_OK)
		return status;
	status = ms_cfg_string(cfg, totp, "algorithm", false, algorithm, 16);
	if (status != MS_OK)
		return status;
	status = ms_cfg_uints(cfg, totp, numbers,
			      sizeof(numbers) / sizeof(*numbers));
	if (status != MS_OK)
		return status;
	return ms_cfg_string_list(cfg, totp, "recovery", MS_RECOVERY_MAX,
				  MS_HASH_MAX, record->totp.recovery[0],
				  &record->totp.n_recovery);
}

static enum ms_status parse_totp(struct ms_cfg *cfg, const config_setting_t *root,
				 struct ms_record *record)
{
	static const char *const known[] = { "status", "secret", "algorithm",
					      "digits", "period", "recovery",
					      NULL };
	config_setting_t *totp;
	char status_text[16] = "", algorithm[16] = "";
	enum ms_status status = ms_cfg_group(cfg, root, "totp", &totp);

	if (status != MS_OK || !totp)
		return status;
	status = ms_cfg_known_keys(cfg, totp, known);
	if (status != MS_OK)
		return status;
	status = parse_totp_values(cfg, totp, record, status_text, algorithm);
	if (status != MS_OK)
		return status;
	status = check_totp(cfg, totp, record, status_text, algorithm);
	if (status != MS_OK)
		return status;
	status_parse(status_text, &record->totp.status);
	if (algorithm[0])
		ms_algorithm_parse(algorithm, &record->totp.algorithm);
	return MS_OK;
}

void ms_record_totp_off(struct ms_record *record)
{
	ms_wipe(&record->totp, sizeof(record->totp));
	record->totp.status = MS_TOTP_OFF;
	record->totp.algorithm = MS_TOTP_DEFAULT_ALGORITHM;
	record->totp.digits = MS_TOTP_DEFAULT_DIGITS;
	record->totp.period = MS_TOTP_DEFAULT_PERIOD;
}

void ms_record_defaults(struct ms_record *record)
{
	memset(record, 0, sizeof(*record));
	record->non_webmail_access = true;
	ms_record_totp_off(record);
}

/* A time: an integer of either libconfig width, not negative. */
static enum ms_status parse_time(struct ms_cfg *cfg,
				 const config_setting_t *group, const char *key,
				 bool required, int64_t *out)
{
	config_setting_t *at = config_setting_get_member(group, key);
	int type = at ? config_setting_type(at) : CONFIG_TYPE_NONE;

	if (!at)
		return required ? ms_cfg_fail(cfg, group, "missing '%s'", key)
				: MS_OK;
	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
		return ms_cfg_fail(cfg, at, "'%s' must be an integer", key);
	*out = (int64_t)config_setting_get_int64(at);
	if (*out < 0 || (!required && *out == 0))
		return ms_cfg_fail(cfg, at, "'%s' must be a time after 1970", key);
	return MS_OK;
}

static enum ms_status check_list(struct ms_cfg *cfg,
				 const config_setting_t *entry, const char *key,
				 const char *items, size_t size, unsigned n,
				 bool (*valid)(const char *), const char *what)
{
	for (unsigned i = 0; i < n; i++)
		if (!valid(items + i * size))
			return ms_cfg_fail(cfg, config_setting_get_member(entry, key),
					   "'%s' holds an invalid %s", key, what);
	return MS_OK;
}

static enum ms_status parse_app_values(struct ms_cfg *cfg,
				       const config_setting_t *entry,
				       struct ms_app_password *app)
{
	enum ms_status status;

	status = ms_cfg_string(cfg, entry, "id", true, app->id, sizeof(app->id));
	if (status == MS_OK)
		status = ms_cfg_string(cfg, entry, "name", true, app->name,
				       sizeof(app->name));
	if (status == MS_OK)
		status = ms_cfg_string(cfg, entry, "digest", true, app->digest,
				       sizeof(app->digest));
	if (status == MS_OK)
		status = ms_cfg_string_list(cfg, entry, "services",
					    MS_APP_SERVICES_MAX,
					    MS_APP_SERVICE_MAX, app->services[0],
					    &app->n_services);
	if (status == MS_OK)
		status = ms_cfg_string_list(cfg, entry, "from", MS_APP_FROM_MAX,
					    MS_APP_CIDR_MAX, app->from[0],
					    &app->n_from);
	if (status == MS_OK)
		status = parse_time(cfg, entry, "created", true, &app->created);
	if (status == MS_OK)
		status = parse_time(cfg, entry, "expires", false, &app->expires);
	return status;
}

static enum ms_status check_app(struct ms_cfg *cfg,
				const config_setting_t *entry,
				const struct ms_app_password *app)
{
	enum ms_status status;

	if (!ms_app_id_valid(app->id))
		return ms_cfg_fail(cfg, entry, "'id' must be 16 hex digits");
	if (!ms_app_name_valid(app->name))
		return ms_cfg_fail(cfg, entry, "'name' must be 1-%d bytes of "
				   "UTF-8 without control characters",
				   MS_APP_NAME_MAX - 1);
	if (!ms_app_digest_valid(app->digest))
		return ms_cfg_fail(cfg, entry, "'digest' is not an app password digest");
	if (app->n_services == 0)
		return ms_cfg_fail(cfg, entry, "'services' must name a service");
	status = check_list(cfg, entry, "services", app->services[0],
			    MS_APP_SERVICE_MAX, app->n_services,
			    ms_app_service_valid, "service name");
	if (status != MS_OK)
		return status;
	return check_list(cfg, entry, "from", app->from[0], MS_APP_CIDR_MAX,
			  app->n_from, ms_app_cidr_valid, "address range");
}

static enum ms_status parse_app(struct ms_cfg *cfg,
				const config_setting_t *entry,
				struct ms_record *record)
{
	static const char *const known[] = { "id", "name", "digest",
					      "services", "from", "created",
					      "expires", NULL };
	struct ms_app_password *app = &record->apps[record->n_apps];
	enum ms_status status;

	if (!config_setting_is_group(entry))
		return ms_cfg_fail(cfg, entry, "'app_passwords' entries must be groups");
	status = ms_cfg_known_keys(cfg, entry, known);
	if (status == MS_OK)
		status = parse_app_values(cfg, entry, app);
	if (status == MS_OK)
		status = check_app(cfg, entry, app);
	if (status != MS_OK)
		return status;
	for (unsigned i = 0; i < record->n_apps; i++)
		if (strcmp(record->apps[i].name, app->name) == 0 ||
		    strcmp(record->apps[i].id, app->id) == 0)
			return ms_cfg_fail(cfg, entry, "app password '%s' or its "
					   "id is given twice", app->name);
	record->n_apps++;
	return MS_OK;
}

static enum ms_status parse_apps(struct ms_cfg *cfg,
				 const config_setting_t *root,
				 struct ms_record *record)
{
	config_setting_t *list = config_setting_get_member(root, "app_passwords");
	unsigned length;

	if (!list)
		return MS_OK;
	if (!config_setting_is_list(list))
		return ms_cfg_fail(cfg, list, "'app_passwords' must be a list");
	length = (unsigned)config_setting_length(list);
	if (length > MS_APP_MAX)
		return ms_cfg_fail(cfg, list, "'app_passwords' has more than %d "
				   "entries", MS_APP_MAX);
	for (unsigned i = 0; i < length; i++) {
		enum ms_status status =
			parse_app(cfg, config_setting_get_elem(list, i), record);

		if (status != MS_OK)
			return status;
	}
	return MS_OK;
}

static enum ms_status parse_root(struct ms_cfg *cfg, struct ms_record *record)
{
	static const char *const known[] = { "version", "password",
					      "non_webmail_access",
					      "app_passwords_only", "totp",
					      "app_passwords", NULL };
	config_setting_t *root = config_root_setting(&cfg->config);
	unsigned version = 0;
	enum ms_status status = ms_cfg_known_keys(cfg, root, known);

	if (status != MS_OK)
		return status;
	if (!config_setting_get_member(root, "version"))
		return ms_cfg_fail(cfg, NULL, "missing 'version'");
	status = ms_cfg_uint(cfg, root, "version", RECORD_VERSION,
			     RECORD_VERSION, &version);
	if (status != MS_OK)
		return status;
	status = ms_cfg_string(cfg, root, "password", true, record->password,
			       sizeof(record->password));
	if (status != MS_OK)
		return status;
	status = ms_cfg_bool(cfg, root, "non_webmail_access",
			     &record->non_webmail_access);
	if (status != MS_OK)
		return status;
	status = ms_cfg_bool(cfg, root, "app_passwords_only",
			     &record->app_passwords_only);
	if (status != MS_OK)
		return status;
	if (record->app_passwords_only && !record->non_webmail_access)
		return ms_cfg_fail(cfg,
				   config_setting_get_member(root, "app_passwords_only"),
				   "'app_passwords_only' needs non_webmail_access = true");
	status = parse_totp(cfg, root, record);
	if (status != MS_OK)
		return status;
	status = parse_apps(cfg, root, record);
	if (status != MS_OK)
		return status;
	if (!record->password[0])
		return ms_cfg_fail(cfg, config_setting_get_member(root, "password"),
				   "'password' must not be empty");
	return MS_OK;
}

enum ms_status ms_record_parse(const char *text, const char *shown,
			       struct ms_record *record, struct ms_error *err)
{
	struct ms_cfg cfg;
	enum ms_status status;

	ms_record_defaults(record);
	status = ms_cfg_parse(&cfg, text, shown, err);
	if (status != MS_OK)
		goto done;
	status = parse_root(&cfg, record);
done:
	ms_cfg_destroy(&cfg);
	if (status != MS_OK)
		ms_record_wipe(record);
	return status;
}

static bool add_string(config_setting_t *group, const char *key,
		       const char *value)
{
	config_setting_t *s = config_setting_add(group, key, CONFIG_TYPE_STRING);

	return s && config_setting_set_string(s, value) == CONFIG_TRUE;
}

static bool add_int(config_setting_t *group, const char *key, int value)
{
	config_setting_t *s = config_setting_add(group, key, CONFIG_TYPE_INT);

	return s && config_setting_set_int(s, value) == CONFIG_TRUE;
}

static bool build_totp(config_setting_t *root, const struct ms_record *record)
{
	config_setting_t *totp = config_setting_add(root, "totp", CONFIG_TYPE_GROUP);
	config_setting_t *list;

	if (!totp || !add_string(totp, "status",
				 ms_totp_status_name(record->totp.status)))
		return false;
	if (record->totp.status == MS_TOTP_OFF)
		return true;
	if (!add_string(totp, "secret", record->totp.secret) ||
	    !add_string(totp, "algorithm",
			ms_algorithm_name(record->totp.algorithm)) ||
	    !add_int(totp, "digits", (int)record->totp.digits) ||
	    !add_int(totp, "period", (int)record->totp.period))
		return false;
	list = config_setting_add(totp, "recovery", CONFIG_TYPE_ARRAY);
	if (!list)
		return false;
	for (unsigned i = 0; i < record->totp.n_recovery; i++)
		if (!config_setting_set_string_elem(list, -1,
						    record->totp.recovery[i]))
			return false;
	return true;
}

static bool add_bool(config_setting_t *group, const char *key, bool value)
{
	config_setting_t *s = config_setting_add(group, key, CONFIG_TYPE_BOOL);

	return s && config_setting_set_bool(s, value) == CONFIG_TRUE;
}

static bool add_time(config_setting_t *group, const char *key, int64_t value)
{
	config_setting_t *s;

	if (value <= INT32_MAX)
		return add_int(group, key, (int)value);
	s = config_setting_add(group, key, CONFIG_TYPE_INT64);
	return s && config_setting_set_int64(s, (long long)value) == CONFIG_TRUE;
}

static bool add_strings(config_setting_t *group, const char *key,
			const char *items, size_t size, unsigned n)
{
	config_setting_t *list = config_setting_add(group, key, CONFIG_TYPE_ARRAY);

	if (!list)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (!config_setting_set_string_elem(list, -1, items + i * size))
			return false;
	return true;
}

static bool build_app(config_setting_t *list, const struct ms_app_password *app)
{
	config_setting_t *entry = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);

	return entry && add_string(entry, "id", app->id) &&
	       add_string(entry, "name", app->name) &&
	       add_string(entry, "digest", app->digest) &&
	       add_strings(entry, "services", app->services[0],
			   MS_APP_SERVICE_MAX, app->n_services) &&
	       (!app->n_from || add_strings(entry, "from", app->from[0],
					    MS_APP_CIDR_MAX, app->n_from)) &&
	       add_time(entry, "created", app->created) &&
	       (!app->expires || add_time(entry, "expires", app->expires));
}

/* Both written only when set: a record without them is byte for byte
 * as before. */
static bool build_apps_only(config_setting_t *root,
			    const struct ms_record *record)
{
	return !record->app_passwords_only ||
	       add_bool(root, "app_passwords_only", true);
}

static bool build_app_list(config_setting_t *root,
			   const struct ms_record *record)
{
	config_setting_t *list;

	if (!record->n_apps)
		return true;
	list = config_setting_add(root, "app_passwords", CONFIG_TYPE_LIST);
	if (!list)
		return false;
	for (unsigned i = 0; i < record->n_apps; i++)
		if (!build_app(list, &record->apps[i]))
			return false;
	return true;
}

static bool build(config_t *config, const struct ms_record *record)
{
	config_setting_t *root = config_root_setting(config);

	return add_int(root, "version", RECORD_VERSION) &&
	       add_string(root, "password", record->password) &&
	       add_bool(root, "non_webmail_access", record->non_webmail_access) &&
	       build_apps_only(root, record) && build_totp(root, record) &&
	       build_app_list(root, record);
}

static bool same_totp(const struct ms_record *a, const struct ms_record *b)
{
	if (a->totp.status != b->totp.status)
		return false;
	if (a->totp.status == MS_TOTP_OFF) /* nothing else is written */
		return true;
	if (strcmp(a->totp.secret, b->totp.secret) != 0 ||
	    a->totp.algorithm != b->totp.algorithm ||
	    a->totp.digits != b->totp.digits ||
	    a->totp.period != b->totp.period ||
	    a->totp.n_recovery != b->totp.n_recovery)
		return false;
	for (unsigned i = 0; i < a->totp.n_recovery; i++)
		if (strcmp(a->totp.recovery[i], b->totp.recovery[i]) != 0)
			return false;
	return true;
}

static bool same_app(const struct ms_app_password *a,
		     const struct ms_app_password *b)
{
	if (strcmp(a->id, b->id) || strcmp(a->name, b->name) ||
	    strcmp(a->digest, b->digest) || a->n_services != b->n_services ||
	    a->n_from != b->n_from || a->created != b->created ||
	    a->expires != b->expires)
		return false;
	for (unsigned i = 0; i < a->n_services; i++)
		if (strcmp(a->services[i], b->services[i]) != 0)
			return false;
	for (unsigned i = 0; i < a->n_from; i++)
		if (strcmp(a->from[i], b->from[i]) != 0)
			return false;
	return true;
}

static bool same_apps(const struct ms_record *a, const struct ms_record *b)
{
	if (a->n_apps != b->n_apps)
		return false;
	for (unsigned i = 0; i < a->n_apps; i++)
		if (!same_app(&a->apps[i], &b->apps[i]))
			return false;
	return true;
}

/* libconfig 1.5 does not check its allocations: one that fails leaves a
 * key or a value out of what config_write prints, and a record written so
 * locks its mailbox out. Only text that reads back as `record` will do. */
static enum ms_status check_format(const char *text,
				   const struct ms_record *record,
				   struct ms_error *err)
{
	struct ms_record back;
	bool same = ms_record_parse(text, "record", &back, err) == MS_OK &&
		    strcmp(back.password, record->password) == 0 &&
		    back.non_webmail_access == record->non_webmail_access &&
		    back.app_passwords_only == record->app_passwords_only &&
		    same_totp(&back, record) && same_apps(&back, record);

	ms_record_wipe(&back);
	if (!same)
		return ms_fail(err, MS_SYSTEM,
			       "cannot format record: it does not read back "
			       "(out of memory?)");
	return MS_OK;
}

/* libconfig writes only to a FILE *: an unbuffered one into memory we
 * wipe, so that neither stdio nor a growing buffer leaves a copy. */
static char *write_config(const config_t *config)
{
	struct ms_secret_buf buf = { 0 };
	FILE *stream = ms_secret_buf_stream(&buf);

	if (!stream)
		return NULL;
	config_write(config, stream);
	if (fclose(stream) != 0) {
		ms_secret_buf_wipe(&buf);
		return NULL;
	}
	return ms_secret_buf_take(&buf);
}

enum ms_status ms_record_format(const struct ms_record *record, char **text,
				struct ms_error *err)
{
	struct ms_cfg cfg = { .shown = "record", .err = err };
	char *buf = NULL;
	enum ms_status status;

	config_init(&cfg.config);
	/* "totp = { ... }" as records have always been written, not
	 * libconfig's "totp : {". */
	config_set_options(&cfg.config, config_get_options(&cfg.config) &
					~CONFIG_OPTION_COLON_ASSIGNMENT_FOR_GROUPS);
	if (build(&cfg.config, record))
		buf = write_config(&cfg.config);
	ms_cfg_destroy(&cfg);
	if (!buf)
		return ms_fail(err, MS_SYSTEM, "cannot format record: out of memory");
	status = check_format(buf, record, err);
	if (status != MS_OK) {
		ms_free_secret(buf);
		return status;
	}
	*text = buf;
	return MS_OK;
}

enum ms_status ms_record_parse_loaded(const char *text, size_t len,
				      const char *shown,
				      struct ms_record *record,
				      struct ms_error *err)
{
	enum ms_status status = ms_record_parse(text, shown, record, err);

	if (status != MS_OK)
		return status;
	if (crypto_generichash(record->digest.bytes, sizeof(record->digest.bytes),
			       (const unsigned char *)text, len, NULL, 0) != 0) {
		ms_record_wipe(record);
		return ms_fail(err, MS_SYSTEM, "%s: cannot hash the record",
			       shown);
	}
	return MS_OK;
}

static void record_file(const char *name, char *file, size_t size)
{
	ms_file_name(name, "conf", file, size);
}

enum ms_status ms_files_record_load(const struct ms_store *store,
				    const char *name, struct ms_record *record,
				    struct ms_error *err)
{
	const char *dir = store->settings->users_dir;
	char file[MS_FILE_NAME_MAX], shown[MS_SHOWN_MAX];
	char *text = NULL;
	size_t len;
	struct ms_file_id id;
	enum ms_status status;

	record_file(name, file, sizeof(file));
	status = ms_file_read_id(store->users_fd, dir, file, &text, &len, &id,
				 err);
	if (status == MS_NOT_FOUND)
		return ms_fail(err, MS_NOT_FOUND, "%s: no such mailbox", name);
	if (status != MS_OK)
		return status;
	ms_path_shown(shown, dir, file);
	status = ms_record_parse_loaded(text, len, shown, record, err);
	if (status == MS_OK)
		record->file_id = id;
	ms_free_secret(text);
	return status;
}

bool ms_files_record_current(const struct ms_store *store, const char *name,
			     const struct ms_record *record)
{
	char file[MS_FILE_NAME_MAX];

	record_file(name, file, sizeof(file));
	return ms_file_unchanged(store->users_fd, file, &record->file_id);
}

bool ms_record_path(const struct ms_settings *settings, const char *name,
		    char out[PATH_MAX])
{
	char file[MS_FILE_NAME_MAX];
	int len;

	record_file(name, file, sizeof(file));
	len = snprintf(out, PATH_MAX, "%s/%s", settings->users_dir, file);
	return len > 0 && len < PATH_MAX;
}

enum ms_status ms_record_unchanged(const struct ms_record *record,
				   const struct ms_record_digest *then,
				   const char *name, const char *doing,
				   struct ms_error *err)
{
	const unsigned char *now = record->digest.bytes;

	if (sodium_is_zero(now, MS_RECORD_DIGEST_BYTES) ||
	    sodium_is_zero(then->bytes, MS_RECORD_DIGEST_BYTES) ||
	    sodium_memcmp(now, then->bytes, MS_RECORD_DIGEST_BYTES) != 0)
		return ms_fail(err, MS_REFUSED,
			       "%s: the mailbox changed while %s; nothing done",
			       name, doing);
	return MS_OK;
}

enum ms_status ms_files_record_save(const struct ms_store *store,
				    const char *name,
				    const struct ms_record *record,
				    struct ms_error *err)
{
	char file[MS_FILE_NAME_MAX];
	char *text = NULL;
	enum ms_status status = ms_record_format(record, &text, err);

	if (status != MS_OK)
		return status;
	record_file(name, file, sizeof(file));
	status = ms_file_replace(store->users_fd, store->settings->users_dir,
				 file, text, strlen(text), err);
	ms_free_secret(text);
	return status;
}

enum ms_status ms_files_record_exists(const struct ms_store *store,
				      const char *name, struct ms_error *err)
{
	char file[MS_FILE_NAME_MAX];
	struct stat st;

	record_file(name, file, sizeof(file));
	if (fstatat(store->users_fd, file, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return MS_OK;
	if (errno == ENOENT)
		return MS_NOT_FOUND;
	return ms_fail_errno(err, MS_SYSTEM, errno, "%s/%s",
			     store->settings->users_dir, file);
}

enum ms_status ms_files_record_remove(const struct ms_store *store,
				      const char *name, struct ms_error *err)
{
	char file[MS_FILE_NAME_MAX];
	enum ms_status status;

	record_file(name, file, sizeof(file));
	status = ms_file_remove(store->users_fd, store->settings->users_dir,
				file, err);
	if (status == MS_NOT_FOUND)
		return ms_fail(err, MS_NOT_FOUND, "%s: no such mailbox", name);
	return status;
}

enum ms_status ms_record_load(const struct ms_store *store, const char *name,
			      struct ms_record *record, struct ms_error *err)
{
	return store->ops->record_load(store, name, record, err);
}

bool ms_record_current(const struct ms_store *store, const char *name,
		       const struct ms_record *record)
{
	return store->ops->record_current(store, name, record);
}

enum ms_status ms_record_save(const struct ms_store *store, const char *name,
			      const struct ms_record *record,
			      struct ms_error *err)
{
	return store->ops->record_save(store, name, record, err);
}

enum ms_status ms_record_exists(const struct ms_store *store, const char *name,
				struct ms_error *err)
{
	return store->ops->record_exists(store, name, err);
}

enum ms_status ms_record_lock(const struct ms_store *store, const char *name,
			      int *lock_fd, struct ms_error *err)
{
	return store->ops->lock(store, name, true, lock_fd, err);
}

enum ms_status ms_record_remove(const struct ms_store *store, const char *name,
				struct ms_error *err)
{
	return store->ops->record_remove(store, name, err);
}

void ms_record_wipe(struct ms_record *record)
{
	ms_wipe(record, sizeof(*record));
}
