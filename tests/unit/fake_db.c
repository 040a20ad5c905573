/* An in-memory database driver (db_driver.h) for the unit tests: rows live
 * in the process, as long as it does (fake_db_reset empties them).
 *
 * FAKE_DB_CONFLICTS=N: the next N save_blob calls find that another writer
 * came first (the blob's sequence number moves, as that writer's write
 * would move it) and report MS_DB_CONFLICT. FAKE_DB_FAIL=CALL: every call
 * of that name ("open", "load", "save_blob", "unlock", ...) fails with
 * MS_SYSTEM. FAKE_DB_DEADLINE=1: a call after the deadline (timeout_ms
 * from open or renew) fails with MS_SYSTEM, as the real driver's does. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "db_driver.h"

#define ROWS_MAX 64
#define NAME_MAX_LEN 256

struct fake_row {
	bool used;
	char name[NAME_MAX_LEN];
	char *record;
	size_t record_len;
	int64_t version;
	unsigned char *blob[MS_DB_BLOBS];
	size_t blob_len[MS_DB_BLOBS];
	int64_t blob_seq[MS_DB_BLOBS];
};

struct ms_db {
	struct ms_db_config config;
	bool in_transaction;
};

static struct fake_row rows[ROWS_MAX];
static int64_t last_version;
static bool have_schema, have_key;
static unsigned char host_key[MS_DB_KEY_BYTES];
static struct ms_db the_db;

/* Called once, at the next save_blob that names a sequence number,
 * before it compares: another host's write landing just then. */
static void (*before_save)(void *);
static void *before_save_arg;

void fake_db_before_save(void (*fn)(void *), void *arg);
void fake_db_before_save(void (*fn)(void *), void *arg)
{
	before_save = fn;
	before_save_arg = arg;
}

/* The configuration of the last open: its role and connection string. */
const struct ms_db_config *fake_db_last_config(void);
const struct ms_db_config *fake_db_last_config(void)
{
	return &the_db.config;
}

static void row_clear(struct fake_row *row)
{
	free(row->record);
	for (int i = 0; i < MS_DB_BLOBS; i++)
		free(row->blob[i]);
	memset(row, 0, sizeof(*row));
}

void fake_db_reset(void);
void fake_db_reset(void)
{
	for (int i = 0; i < ROWS_MAX; i++)
		row_clear(&rows[i]);
	last_version = 0;
	have_schema = have_key = false;
	before_save = NULL;
	memset(&the_db, 0, sizeof(the_db));
}

static struct timespec deadline;

static void deadline_from_now(unsigned timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
}

static bool deadline_passed(void)
{
	struct timespec now;

	if (!getenv("FAKE_DB_DEADLINE"))
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline.tv_sec ||
	       (now.tv_sec == deadline.tv_sec && now.tv_nsec > deadline.tv_nsec);
}

static enum ms_status injected(const char *call, struct ms_error *err)
{
	const char *fail = getenv("FAKE_DB_FAIL");

	if (deadline_passed())
		return ms_fail(err, MS_SYSTEM,
			       "postgresql: %s: the deadline passed", call);

	if (fail && strcmp(fail, call) == 0)
		return ms_fail(err, MS_SYSTEM, "postgresql: %s: injected failure",
			       call);
	return MS_OK;
}

/* Takes one of FAKE_DB_CONFLICTS' pending conflicts, if any is left. */
static bool take_conflict(void)
{
	const char *text = getenv("FAKE_DB_CONFLICTS");
	char left[32];
	long n = text ? strtol(text, NULL, 10) : 0;

	if (n <= 0)
		return false;
	snprintf(left, sizeof(left), "%ld", n - 1);
	setenv("FAKE_DB_CONFLICTS", left, 1);
	return true;
}

static struct fake_row *find(const char *name)
{
	for (int i = 0; i < ROWS_MAX; i++)
		if (rows[i].used && strcmp(rows[i].name, name) == 0)
			return &rows[i];
	return NULL;
}

static void *copy_of(const void *data, size_t len)
{
	void *out = malloc(len + 1);

	if (out) {
		memcpy(out, data, len);
		((char *)out)[len] = '\0';
	}
	return out;
}

static enum ms_status fake_open(const struct ms_db_config *config,
				struct ms_db **db, struct ms_error *err)
{
	enum ms_status status;

	deadline_from_now(config->timeout_ms);
	status = injected("open", err);
	if (status != MS_OK)
		return status;
	the_db.config = *config;
	*db = &the_db;
	return MS_OK;
}

static void fake_close(struct ms_db *db)
{
	db->in_transaction = false;
}

static void fake_renew(struct ms_db *db)
{
	deadline_from_now(db->config.timeout_ms);
}

static enum ms_status fake_load(struct ms_db *db, const char *name,
				unsigned want, struct ms_db_row *out,
				struct ms_error *err)
{
	struct fake_row *row = find(name);
	enum ms_status status = injected("load", err);

	(void)db;
	memset(out, 0, sizeof(*out));
	if (status != MS_OK)
		return status;
	if (!row)
		return ms_fail(err, MS_NOT_FOUND, "%s: no row", name);
	out->version = row->version;
	if ((want & MS_DB_WANT_RECORD) && row->record) {
		out->record = copy_of(row->record, row->record_len);
		out->record_len = row->record_len;
	}
	for (int i = 0; i < MS_DB_BLOBS; i++) {
		out->blob_seq[i] = row->blob_seq[i];
		if (!(want & MS_DB_WANT_BLOB(i)) || !row->blob[i])
			continue;
		out->blob[i] = copy_of(row->blob[i], row->blob_len[i]);
		out->blob_len[i] = row->blob_len[i];
	}
	return MS_OK;
}

static void fake_row_free(struct ms_db_row *row)
{
	if (row->record) {
		explicit_bzero(row->record, row->record_len);
		free(row->record);
	}
	for (int i = 0; i < MS_DB_BLOBS; i++) {
		if (row->blob[i])
			explicit_bzero(row->blob[i], row->blob_len[i]);
		free(row->blob[i]);
	}
	memset(row, 0, sizeof(*row));
}

static enum ms_status fake_version(struct ms_db *db, const char *name,
				   int64_t *version, struct ms_error *err)
{
	struct fake_row *row = find(name);
	enum ms_status status = injected("version", err);

	(void)db;
	if (status != MS_OK)
		return status;
	if (!row)
		return ms_fail(err, MS_NOT_FOUND, "%s: no row", name);
	*version = row->version;
	return MS_OK;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static enum ms_status fake_names(struct ms_db *db, ms_db_name_fn *each,
				 void *arg, struct ms_error *err)
{
	const char *names[ROWS_MAX];
	size_t n = 0;
	enum ms_status status = injected("names", err);

	(void)db;
	for (int i = 0; i < ROWS_MAX; i++)
		if (rows[i].used)
			names[n++] = rows[i].name;
	qsort(names, n, sizeof(names[0]), by_name);
	for (size_t i = 0; i < n && status == MS_OK; i++)
		status = each(names[i], arg, err);
	return status;
}

static struct fake_row *row_made(const char *name)
{
	for (int i = 0; i < ROWS_MAX; i++) {
		if (rows[i].used)
			continue;
		rows[i].used = true;
		snprintf(rows[i].name, sizeof(rows[i].name), "%s", name);
		return &rows[i];
	}
	return NULL;
}

static enum ms_status fake_save_record(struct ms_db *db, const char *name,
				       const char *text, size_t len,
				       int64_t *version, struct ms_error *err)
{
	struct fake_row *row = find(name);
	enum ms_status status = injected("save_record", err);

	(void)db;
	if (status != MS_OK)
		return status;
	if (!row)
		row = row_made(name);
	if (!row)
		return ms_fail(err, MS_SYSTEM, "postgresql: fake: full");
	free(row->record);
	row->record = copy_of(text, len);
	row->record_len = len;
	row->version = *version = ++last_version;
	return MS_OK;
}

static enum ms_status fake_remove(struct ms_db *db, const char *name,
				  struct ms_error *err)
{
	struct fake_row *row = find(name);
	enum ms_status status = injected("remove", err);

	(void)db;
	if (status != MS_OK)
		return status;
	if (!row)
		return ms_fail(err, MS_NOT_FOUND, "%s: no row", name);
	row_clear(row);
	return MS_OK;
}

static enum ms_status fake_save_blob(struct ms_db *db, const char *name,
				     enum ms_db_blob which, int64_t seq,
				     const unsigned char *data, size_t len,
				     struct ms_error *err)
{
	struct fake_row *row = find(name);
	enum ms_status status = injected("save_blob", err);
	void (*hook)(void *) = before_save;

	(void)db;
	if (status != MS_OK)
		return status;
	if (seq >= 0 && hook) {
		before_save = NULL;
		hook(before_save_arg);
		row = find(name);
	}
	if (!row)
		return ms_fail(err, MS_NOT_FOUND, "%s: no row", name);
	if (seq >= 0 && take_conflict())
		row->blob_seq[which]++;
	if (seq >= 0 && row->blob_seq[which] != seq)
		return MS_DB_CONFLICT;
	free(row->blob[which]);
	row->blob[which] = data ? copy_of(data, len) : NULL;
	row->blob_len[which] = data ? len : 0;
	row->blob_seq[which]++;
	return MS_OK;
}

static enum ms_status fake_lock(struct ms_db *db, const char *name,
				bool existing, struct ms_error *err)
{
	enum ms_status status = injected("lock", err);

	if (status != MS_OK)
		return status;
	if (existing && !find(name))
		return ms_fail(err, MS_NOT_FOUND, "%s: no row", name);
	db->in_transaction = true;
	return MS_OK;
}

static enum ms_status fake_unlock(struct ms_db *db, bool commit,
				  struct ms_error *err)
{
	(void)commit;
	db->in_transaction = false;
	return injected("unlock", err);
}

static enum ms_status fake_host_key(struct ms_db *db,
				    unsigned char key[MS_DB_KEY_BYTES],
				    struct ms_error *err)
{
	(void)db;
	if (!have_key)
		return ms_fail(err, MS_NOT_FOUND, "postgresql: no host key");
	memcpy(key, host_key, MS_DB_KEY_BYTES);
	return MS_OK;
}

static enum ms_status fake_set_host_key(struct ms_db *db,
					const unsigned char key[MS_DB_KEY_BYTES],
					struct ms_error *err)
{
	(void)db;
	(void)err;
	memcpy(host_key, key, MS_DB_KEY_BYTES);
	have_key = true;
	return MS_OK;
}

static enum ms_status fake_schema(struct ms_db *db, enum ms_db_schema_op op,
				  const char *module_role, char *report,
				  size_t report_size, struct ms_error *err)
{
	(void)db;
	if (op == MS_DB_SCHEMA_INIT && have_schema)
		return ms_fail(err, MS_EXISTS, "postgresql: a schema exists");
	if (op == MS_DB_SCHEMA_CHECK && !have_schema)
		return ms_fail(err, MS_INVALID, "postgresql: no schema");
	if (op == MS_DB_SCHEMA_INIT) {
		if (getrandom(host_key, sizeof(host_key), 0) !=
		    (ssize_t)sizeof(host_key))
			return ms_fail(err, MS_SYSTEM, "getrandom");
		have_schema = have_key = true;
	}
	snprintf(report, report_size, "schema version 1 (fake), role %s",
		 module_role);
	return MS_OK;
}

static const struct ms_db_driver fake_driver = {
	.api_version = MS_DB_API_VERSION,
	.open = fake_open,
	.close = fake_close,
	.renew = fake_renew,
	.load = fake_load,
	.row_free = fake_row_free,
	.version = fake_version,
	.names = fake_names,
	.save_record = fake_save_record,
	.remove = fake_remove,
	.save_blob = fake_save_blob,
	.lock = fake_lock,
	.unlock = fake_unlock,
	.host_key = fake_host_key,
	.set_host_key = fake_set_host_key,
	.schema = fake_schema,
};

const struct ms_db_driver *ms_db_driver(unsigned api_version);
const struct ms_db_driver *ms_db_driver(unsigned api_version)
{
	if (getenv("FAKE_DB_OLD_API"))
		return NULL;
	return api_version == MS_DB_API_VERSION ? &fake_driver : NULL;
}
